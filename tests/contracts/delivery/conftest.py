"""Fixtures of the delivery tests: an active contract (``active_contract``,
tests/contract_fixtures.py) serving ``community``, its organization's
administrator, a worker of ``community`` and one of another community."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import pdf_bytes


def png_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (20, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 80, 80)).save(buffer, "JPEG")
    return buffer.getvalue()


def pdf_upload(name="服务记录.pdf", text="service log"):
    return SimpleUploadedFile(name, pdf_bytes(text), "application/pdf")


def fake_pdf(name="假的.pdf"):
    """A text file that calls itself a PDF."""
    return SimpleUploadedFile(name, "这是一段文字，不是PDF。".encode(), "application/pdf")


def png_upload(name="现场.png"):
    return SimpleUploadedFile(name, png_bytes(), "image/png")


@pytest.fixture
def contract(active_contract):
    return active_contract


@pytest.fixture
def milestone(contract):
    return contract.milestones.get(number=1)


@pytest.fixture
def member(contract):
    """The contract organization's administrator."""
    return contract.organization.created_by


@pytest.fixture
def outsider(make_user):
    """A member of another organization."""
    return make_user("organization_member", username="outsider")


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
