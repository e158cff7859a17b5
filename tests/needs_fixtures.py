"""Fixtures for the demand-list tests (needs, resident reports, funds)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.models import Community
from marketplace.needs import services


def need_data(**overrides):
    year = timezone.localdate().year
    data = {
        "catalogue_item": None,
        "other_description": "老年人智能手机使用培训",
        "title": "老年人智能手机培训",
        "description": "社区老人不会用手机挂号、付款，希望开设培训班。",
        "beneficiaries_count": 60,
        "beneficiary_group": "elderly",
        "period_start": datetime.date(year, 12, 1),
        "period_end": datetime.date(year, 12, 31),
        "estimated_budget": Decimal("12000.00"),
        "urgency": "normal",
    }
    data.update(overrides)
    return data


@pytest.fixture
def other_community(district):
    return Community.objects.create(district=district, street="东城街道", code="T01-02", name="春晖社区")


@pytest.fixture
def worker(make_user, community):
    return make_user("community_worker", username="worker", community=community)


@pytest.fixture
def other_worker(make_user, other_community):
    return make_user("community_worker", username="worker2", community=other_community)


@pytest.fixture
def make_need(worker, officer):
    """File a need through the services and walk it to ``state``."""

    def make(state="submitted", *, by=None, override="", **fields):
        need = services.file_need(by=by or worker, community=(by or worker).community, **need_data(**fields))
        if state == "submitted":
            return need
        need = services.assess_need(need, by=officer, assessment="需求真实")
        if state == "assessed":
            return need
        if state == "declined":
            return services.decline_need(need, by=officer, public_answer="不属于购买范围")
        need = services.accept_need(need, by=officer, public_answer="同意纳入计划", override_reason=override)
        if state == "planned":
            from tests.project_fixtures import bare_project

            project = bare_project(
                officer,
                [need.community],
                budget=need.cost,
                service_start=need.period_start,
                service_end=need.period_end,
            )
            need = services.plan_need(need, by=officer, project=project, reason="项目 P-1")
        return need

    return make


@pytest.fixture
def report(community):
    return services.report_need(
        community=community,
        title="小区老人吃饭难",
        description="楼里独居老人做饭困难，希望有送餐服务。",
        name="欧阳秀珍",
        phone="13987654321",
    )
