"""Fixtures for purchase projects and bids.  Projects are walked to their
state through the services (the deadline is moved into the past with a
plain update to reach the opening, which is what time does)."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from marketplace.models import EntryStandard, Project, PurchaseMethod
from marketplace.procurement.services import bids as bid_services
from marketplace.procurement.services import opening
from marketplace.procurement.services import projects as project_services
from tests.org_fixtures import pdf_bytes

RUBRIC = [
    {"name": "价格", "weight": Decimal("20"), "is_price": True},
    {
        "name": "服务方案",
        "weight": Decimal("50"),
        "description": "方案完整、可行，贴合社区需求",
        "max_score": Decimal("50"),
    },
    {
        "name": "团队与经验",
        "weight": Decimal("30"),
        "description": "持证社工人数与同类项目经验",
        "max_score": Decimal("30"),
    },
]


def method(code="public_tender"):
    if not PurchaseMethod.objects.exists():
        # A transactional test before this one flushed the rows migration 0008 made.
        from importlib import import_module

        from django.apps import apps

        import_module("marketplace.migrations.0008_purchase_methods").create(apps, None)
    return PurchaseMethod.objects.get(code=code)


def project_data(*, method_code="public_tender", entry_standard=None, days=30, **overrides):
    now = timezone.localtime()
    deadline = (now + datetime.timedelta(days=days)).replace(hour=17, minute=0, second=0, microsecond=0)
    start = deadline.date() + datetime.timedelta(days=10)
    data = {
        "title": "和平社区居家养老上门服务",
        "purchaser": "东城街道办事处",
        "budget": Decimal("150000.00"),
        "budget_override_reason": "",
        "method": method(method_code),
        "named_organization": None,
        "justification": "",
        "entry_standard": entry_standard or EntryStandard.objects.get_or_create(name="测试准入标准")[0],
        "service_start": start,
        "service_end": start + datetime.timedelta(days=300),
        "period_justification": "",
        "deadline": deadline,
        "min_valid_bids": None,
        "description": "为社区60岁以上独居老人提供助洁、助浴、助餐上门服务。",
        "requirements": "服务团队至少2名持证社工。",
    }
    data.update(overrides)
    return data


@pytest.fixture
def second_officer(make_user):
    return make_user("procurement_officer", username="officer2")


def intention_public(project, *, by):
    """The project's purchase intention, published and public for the
    method's notice period already (so its call can be approved now)."""
    project = project_services.publish_intention(project, by=by)
    return project_services.backdate_intention(project, project.method.intention_days + 1)


@pytest.fixture
def make_project(officer, second_officer, published, community):
    """A project in ``state`` (draft, pending_approval, published; for
    closed/failed use ``open_now``)."""

    def make(state="published", *, items=None, communities=None, needs=(), criteria=None, by=None, **overrides):
        by = by or officer
        project = project_services.create_project(
            by=by,
            data=project_data(**overrides),
            items=items or list(published.items.all()[:1]),
            communities=communities or [community],
            criteria=criteria or RUBRIC,
            needs=needs,
        )
        if state == "draft":
            return project
        project = intention_public(project, by=by)
        project = project_services.submit_for_approval(project, by=by)
        if state == "pending_approval":
            return project
        project = project_services.approve_project(project, by=second_officer)
        assert state == "published", state
        return project

    return make


def open_now(project):
    """The deadline passes (moved to just before now, by the opening's grace) and the bids are opened."""
    just_due = timezone.now() - settings.BID_OPENING_GRACE - datetime.timedelta(seconds=1)
    Project.objects.filter(pk=project.pk).update(deadline=just_due)
    project.refresh_from_db()
    # The opening tells the bidders after its commit (a task): run that too, as a committed opening would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return opening.open_bids(project)


@pytest.fixture
def bidder(make_org, org_admin):
    """An approved organization (its administrator is ``org_admin``)."""
    return make_org("approved", admin=org_admin, name="阳光社工服务中心")


def fill_bid(bid, user, *, price="120000.00"):
    responses = {str(c.pk): f"关于{c.name}的响应" for c in bid.project.criteria.filter(is_price=False)}
    return bid_services.save_bid(
        bid, by=user, price=price, responses=responses, team="持证社工3名", experience="三年居家养老服务经验"
    )


def submit_bid(project, organization, user, *, price="120000.00", document=True):
    bid = bid_services.start_bid(project, organization, by=user)
    fill_bid(bid, user, price=price)
    if document:
        bid_services.upload_document(
            bid, by=user, file=SimpleUploadedFile("方案.pdf", pdf_bytes("方案"), "application/pdf"), title="服务方案"
        )
    return bid_services.submit_bid(bid, by=user)


def bare_project(by, communities=(), *, budget=Decimal("10000.00"), ref=None, **fields):
    """A draft project written straight to the database, for tests of other
    aggregates (needs) that only need a project to point at."""
    data = project_data()
    data.update(fields)
    for field in ("budget_override_reason", "min_valid_bids"):
        data.pop(field)
    project = Project.objects.create(
        ref=ref or f"T-{Project.objects.count() + 1:04d}",
        created_by=by,
        year=data["service_start"].year,
        min_valid_bids=data["method"].min_valid_bids,
        **{**data, "budget": budget},
    )
    project.communities.set(communities)
    return project


@pytest.fixture
def migrated_rows(db):
    """An earlier transactional test flushed what migrations made: the
    Wagtail locale and root page (the call page goes under them)."""
    from django.conf import settings
    from wagtail.models import Locale, Page

    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if not Page.objects.exists():
        Page.add_root(title="Root", slug="root")
