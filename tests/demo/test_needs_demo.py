"""The demo demand list: every state, resident reports, idempotent."""

import pytest

from demo import seed as demo
from demo.needs import seed_needs
from marketplace.core.audit import verify_chain
from marketplace.models import AuditEvent, Community, Need, ResidentReport


@pytest.fixture
def demo_district(district, make_user, officer):
    for code, street, name in demo.COMMUNITIES:
        Community.objects.create(district=district, code=code, street=street, name=name)
    make_user("community_worker", username="worker", community=Community.objects.get(code="DEMO-DC-01"))
    return district


@pytest.mark.django_db
def test_demo_needs_cover_every_state_and_are_idempotent(demo_district):
    created = seed_needs(demo_district)
    assert created > 20
    assert Need.objects.count() >= 20
    # "planned" comes when the demo projects take needs up (test_projects_demo).
    assert set(Need.objects.values_list("state", flat=True)) == set(Need.State.values) - {"planned"}
    assert Need.objects.filter(fund_override_reason__gt="").exists()
    assert Need.objects.values("community").distinct().count() == len(demo.COMMUNITIES)
    reports = ResidentReport.objects.all()
    assert {r.state for r in reports} == {"new", "triaged", "declined"}
    assert reports.filter(state="declined").count() == 1
    assert (
        Need.objects.filter(source="resident", resident_report__isnull=False).count()
        == reports.filter(state="triaged").count()
    )
    # no catalogue published: every need describes its service
    assert not Need.objects.filter(catalogue_item__isnull=False).exists()
    assert AuditEvent.objects.filter(action="need.accept").exists() and verify_chain().ok

    counts = (Need.objects.count(), ResidentReport.objects.count(), AuditEvent.objects.count())
    assert seed_needs(demo_district) == 0
    assert (Need.objects.count(), ResidentReport.objects.count(), AuditEvent.objects.count()) == counts


@pytest.mark.django_db
def test_demo_needs_use_published_catalogue_items(demo_district, published):
    seed_needs(demo_district)
    meal = Need.objects.get(title="独居老人助餐服务")
    assert meal.catalogue_item.code == "A0201" and meal.other_description == ""
    assert Need.objects.get(title="楼道照明维修").catalogue_item is None


@pytest.mark.django_db
def test_seed_demo_command_loads_the_demand_list(settings, seeded_demo):
    settings.DEBUG = True
    assert Need.objects.count() >= 20 and ResidentReport.objects.exists()
    worker = Need.objects.filter(community__code="DEMO-DC-01").first().filed_by
    assert worker.username == "worker"
