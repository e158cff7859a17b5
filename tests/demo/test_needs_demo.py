"""The demo demand list: every state, resident reports, idempotent."""

import pytest

from demo import seed as demo
from demo.catalogue_data import ITEMS
from demo.needs import GROUP_CATEGORIES, NEEDS, REPORTS, seed_needs
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
    # The test catalogue has A0101 and B0101 but not the demo's A0301 (助餐).
    seed_needs(demo_district)
    home_care = Need.objects.get(title="居家养老上门服务")
    assert home_care.catalogue_item.code == "A0101" and home_care.other_description == ""
    assert Need.objects.get(title="四点半课堂").catalogue_item.code == "B0101"
    meal = Need.objects.get(title="独居老人助餐服务")  # its item is not published: described instead
    assert meal.catalogue_item is None and meal.other_description == "独居老人助餐服务"
    assert Need.objects.get(title="楼道照明维修").catalogue_item is None


def _declared_items():
    """Each demo need's catalogue item code as demo/needs.py declares it ("" = outside the catalogue)."""
    declared = {title: code for _community, title, code, *_rest in NEEDS}
    declared.update({spec[6]: spec[7] for spec in REPORTS if spec[5] == "triaged"})
    return declared


def test_the_declared_items_exist_and_fit_each_need_group():
    items = {item["code"]: item for item in ITEMS}
    groups = {title: group for _community, title, _code, _count, group, *_rest in NEEDS}
    groups.update({spec[6]: spec[9] for spec in REPORTS if spec[5] == "triaged"})
    for title, code in _declared_items().items():
        if code:
            assert code in items, (title, code)
            assert items[code]["category"][0] in GROUP_CATEGORIES[groups[title]], (title, code)


@pytest.mark.django_db
def test_each_seeded_need_links_a_fitting_item_or_is_off_catalogue_throughout(seeded_demo):
    declared = _declared_items()
    needs = list(Need.objects.filter(title__in=declared).select_related("catalogue_item__category__parent"))
    assert len(needs) == len(declared)
    for need in needs:
        code = declared[need.title]
        if code:
            item = need.catalogue_item
            assert item is not None and item.code == code, need.title
            assert item.category.major.code in GROUP_CATEGORIES[need.beneficiary_group], (need.title, item.code)
            assert need.other_description == ""
        else:
            assert need.catalogue_item is None and need.other_description, need.title
            # Nothing said about it cites the catalogue's standard or price.
            for text in (need.public_answer, need.assessment):
                assert "目录标准" not in text and "目录参考价" not in text, (need.title, text)
    # The cases of issue 14: each now names a fitting item.
    assert Need.objects.get(title="残疾人就业辅导").catalogue_item.code == "C0202"
    assert Need.objects.get(title="留守儿童关爱").catalogue_item.code == "B0301"
    bath = Need.objects.get(title="老年人助浴服务")
    assert bath.catalogue_item.code == "A0101" and "目录标准" in bath.public_answer


@pytest.mark.django_db
def test_seed_demo_command_loads_the_demand_list(settings, seeded_demo):
    settings.DEBUG = True
    assert Need.objects.count() >= 20 and ResidentReport.objects.exists()
    worker = Need.objects.filter(community__code="DEMO-DC-01").first().filed_by
    assert worker.username == "worker"
