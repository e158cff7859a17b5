"""Fixtures for social-organization tests: data, files and organizations in
any state.  Organizations are made with the model and its transitions (the
services have their own tests), so a test of one verb does not depend on all
the others."""

import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from stdnum.cn import uscc

from marketplace.models import Membership, Organization, OrganizationDocument, StaffMember

STAFF = ["张三", "李四", "王五", "赵六", "钱七"]
VALID_ID_NUMBER = "11010519491231002X"


def credit_code(n=1, prefix="51430104"):
    """A valid unified social credit code (check digit computed)."""
    body = f"{prefix}{n:09d}"
    return body + uscc.calc_check_digit(body)


def pdf_bytes(text="test document"):
    """A small but real PDF (one empty page)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"% " + text.encode("utf-8") + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


def step1_data(community, **overrides):
    data = {
        "name": "阳光助老服务队",
        "track": "filed",
        "kind": "public_service",
        "community": community,
        "service_areas": [],
        "description": "为社区老人提供探访和陪伴服务。",
    }
    data.update(overrides)
    return data


def step2_data(**overrides):
    data = {
        "contact_name": "张三",
        "contact_phone": "13800138000",
        "contact_email": "contact@example.test",
        "office": "community",
        "office_address": "",
        "staff": "\n".join(STAFF),
    }
    data.update(overrides)
    return data


# A social organization's code begins with 5 (civil affairs) and its legal
# type: 1 social group, 2 social service institution, 3 foundation.
LEGAL_TYPE_PREFIX = {"social_group": "51", "social_service": "52", "foundation": "53"}


def registration_data(n=1, **overrides):
    legal_type = overrides.get("legal_type", "social_service")
    data = {
        "founded_on": datetime.date(2020, 5, 1),
        "credit_code": credit_code(n, prefix=LEGAL_TYPE_PREFIX.get(legal_type, "52") + "430104"),
        "registration_authority": "长沙市岳麓区民政局",
        "legal_type": "social_service",
        "legal_representative": "张三",
        "legal_representative_id_number": VALID_ID_NUMBER,
        "registered_capital": Decimal("30000"),
    }
    data.update(overrides)
    return data


def add_document(organization, kind="charter", *, by=None, expires_on=None, content=None, staff_member=None):
    content = content if content is not None else pdf_bytes(f"{organization.pk}-{kind}")
    document = OrganizationDocument(
        organization=organization,
        kind=kind,
        title="",
        original_name=f"{kind}.pdf",
        content_type="application/pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        expires_on=expires_on,
        staff_member=staff_member,
        uploaded_by=by or organization.created_by,
    )
    document.file.save(f"{kind}.pdf", ContentFile(content), save=False)
    document.save()
    return document


_codes = {"n": 100}


@pytest.fixture
def org_admin(make_user):
    return make_user("organization_member", username="orgadmin", verified_at=timezone.now())


@pytest.fixture
def officer_user(make_user):
    return make_user("procurement_officer", username="orgofficer")


@pytest.fixture
def make_org(make_user, community):
    """An organization in ``state`` (walked through its transitions), with
    five staff, the documents its track requires, and ``admin`` as its
    administrator (a new user if not given)."""

    def make(state="draft", *, track="filed", admin=None, name=None, documents=None, founded_on=None, **fields):
        admin = admin or make_user("organization_member", verified_at=timezone.now())
        values = {
            "name": name or f"测试社会组织{Organization.objects.count() + 1}",
            "track": track,
            "kind": "public_service",
            "community": community,
            "description": "社区服务",
            "contact_name": "张三",
            "contact_phone": "13800138000",
            "contact_email": "contact@example.test",
            "office": "community",
            "founded_on": founded_on or datetime.date(2020, 5, 1),
            "wizard_step": 3,
            "created_by": admin,
        }
        if track == "registered":
            _codes["n"] += 1
            registration = registration_data(_codes["n"])
            registration.pop("founded_on")
            values.update(registration)
        values.update(fields)
        with transaction.atomic():
            organization = Organization.objects.create(**values)
            Membership.objects.create(organization=organization, user=admin, role=Membership.Role.ADMIN)
            for position, staff_name in enumerate(STAFF):
                StaffMember.objects.create(organization=organization, name=staff_name, position=position)
            kinds = documents if documents is not None else (
                ["certificate", "charter"] if track == "registered" else ["charter"]
            )
            for kind in kinds:
                add_document(organization, kind, by=admin)
            path = {
                "draft": [],
                "submitted": ["submit"],
                "returned": ["submit", "return_for_changes"],
                "approved": ["submit", "approve"],
                "suspended": ["submit", "approve", "suspend"],
                "blacklisted": ["submit", "approve", "blacklist"],
            }[state]
            for verb in path:
                kwargs = {"until": timezone.localdate() + datetime.timedelta(days=30)} if verb == "blacklist" else {}
                getattr(organization, verb)(by=None, reason="fixture", **kwargs)
            organization.save()
        return organization

    return make
