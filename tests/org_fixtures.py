"""Fixtures for social-organization tests: data, files and organizations in
any state.  Organizations are made with the model and its transitions (the
services have their own tests), so a test of one verb does not depend on all
the others."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from stdnum.cn import uscc

from marketplace.models import Organization
from tests.factories import STAFF, OrganizationFactory, add_document, pdf_bytes  # noqa: F401 (re-exported)

VALID_ID_NUMBER = "11010519491231002X"


def credit_code(n=1, prefix="51430104"):
    """A valid unified social credit code (check digit computed)."""
    body = f"{prefix}{n:09d}"
    return body + uscc.calc_check_digit(body)


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
    administrator (a new user if not given): ``tests.factories.OrganizationFactory``."""

    def make(state="draft", *, track="filed", admin=None, name=None, documents=None, founded_on=None, **fields):
        values = {
            "target": state,
            "track": track,
            "community": community,
            "created_by": admin or make_user("organization_member", verified_at=timezone.now()),
            "name": name or f"测试社会组织{Organization.objects.count() + 1}",
            "documents": documents,
        }
        if founded_on:
            values["founded_on"] = founded_on
        if track == "registered":
            _codes["n"] += 1
            registration = registration_data(_codes["n"])
            registration.pop("founded_on")
            values.update(registration)
        values.update(fields)
        return OrganizationFactory(**values)

    return make
