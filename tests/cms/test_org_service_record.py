"""An organization's service record on its public page (issue 17, 7; Hebei:
社会组织服务信息): calls bid on and won (opened calls only), contracts and
their sums, milestones accepted, satisfaction and grades, and its sanctions
with their dates, without personal data."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from contracts.contracts.models import Contract, Milestone
from marketplace.models import Bid, Organization
from marketplace.procurement.public import organization_bid_record
from tests.org_fixtures import STAFF, VALID_ID_NUMBER
from tests.project_fixtures import open_now, submit_bid

PRIVATE = ["13800138000", "contact@example.test", VALID_ID_NUMBER, *STAFF]
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _page(client, organization):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/organizations/{organization.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _fact(html, label):
    """The text of the ``<dd>`` that follows ``<dt>label</dt>``."""
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd>(.*?)</dd>", html, re.S)
    assert match, label
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip()


def _accept(milestone, *, satisfaction, score):
    Milestone.objects.filter(pk=milestone.pk).update(
        state=Milestone.State.ACCEPTED,
        expert_score=score,
        satisfaction_score=satisfaction,
        score=score,
        decided_at=timezone.now(),
    )


def _transition(organization, verb, **kwargs):
    with transaction.atomic():
        organization = Organization.objects.get(pk=organization.pk)
        getattr(organization, verb)(by=None, **kwargs)
        organization.save()
    return organization


@pytest.mark.django_db
def test_the_record_equals_the_data(client, site, active_contract):
    winner = active_contract.organization
    first, second = active_contract.milestones.order_by("number")
    _accept(first, satisfaction=Decimal("91.25"), score=Decimal("90.28"))
    _accept(second, satisfaction=Decimal("80.50"), score=Decimal("84.00"))

    html = _page(client, winner)
    bids = Bid.objects.filter(organization=winner, project__opened_at__isnull=False)
    assert _fact(html, "Calls bid on (opened)") == str(bids.values("project").distinct().count()) == "1"
    assert _fact(html, "Calls won") == str(bids.filter(state=Bid.State.AWARDED).count()) == "1"
    signed = Contract.objects.filter(organization=winner, state__in=("active", "completed", "terminated"))
    total = signed.aggregate(total=Sum("amount"))["total"]
    assert _fact(html, "Contracts signed") == f"{signed.count()} · ¥{total:,.2f}" == "1 · ¥100,000.00"
    assert _fact(html, "Contracts in force") == "1 · ¥100,000.00"
    assert _fact(html, "Contracts completed") == "0 · ¥0.00"
    assert _fact(html, "Milestones accepted") == "2"
    # (91.25 + 80.50) / 2 = 85.875, shown to two places.
    assert _fact(html, "Average resident satisfaction") == "85.88 (over 2 milestones)"
    assert _fact(html, "Average milestone score") == "87.14"
    assert "Excellent (90 and above): 0" in _fact(html, "Contract grades")

    # Completed and graded.
    Contract.objects.filter(pk=active_contract.pk).update(
        state=Contract.State.COMPLETED, completed_at=timezone.now(), grade="A", final_score=Decimal("87.54")
    )
    html = _page(client, winner)
    assert _fact(html, "Contracts in force") == "0 · ¥0.00"
    assert _fact(html, "Contracts completed") == "1 · ¥100,000.00"
    assert "Excellent (90 and above): 1; Good (80 to 89): 0" in _fact(html, "Contract grades")

    # The other bidders bid on the call and did not win it.
    loser = Bid.objects.filter(project=active_contract.project).exclude(organization=winner).first().organization
    loser_html = _page(client, loser)
    assert _fact(loser_html, "Calls bid on (opened)") == "1"
    assert _fact(loser_html, "Calls won") == "0"
    assert _fact(loser_html, "Contracts signed") == "0 · ¥0.00"
    assert _fact(loser_html, "Average resident satisfaction") == "No survey yet"

    # A terminated contract moves from in force to terminated; a draft does not count.
    Contract.objects.filter(pk=active_contract.pk).update(
        state=Contract.State.TERMINATED, completed_at=None, grade="", final_score=None, terminated_at=timezone.now()
    )
    html = _page(client, winner)
    assert _fact(html, "Contracts completed") == "0 · ¥0.00"
    assert _fact(html, "Contracts terminated") == "1 · ¥100,000.00"
    Contract.objects.filter(pk=active_contract.pk).update(state=Contract.State.DRAFT)
    html = _page(client, winner)
    assert _fact(html, "Contracts signed") == "0 · ¥0.00"
    assert _fact(html, "Milestones accepted") == "0"


@pytest.mark.django_db
def test_a_bid_on_an_open_call_is_not_counted(client, site, make_project, bidder, org_admin):
    project = make_project("published")
    submit_bid(project, bidder, org_admin)
    assert Bid.objects.filter(organization=bidder, state=Bid.State.SUBMITTED).exists()
    assert organization_bid_record(bidder.pk) == {"bid": 0, "won": 0}
    html = _page(client, bidder)
    assert _fact(html, "Calls bid on (opened)") == "0"
    # The call's deadline passes and its bids are opened: now it counts.
    open_now(project)
    assert organization_bid_record(bidder.pk) == {"bid": 1, "won": 0}
    assert _fact(_page(client, bidder), "Calls bid on (opened)") == "1"


@pytest.mark.django_db
def test_sanctions_show_with_their_dates(client, site, make_org):
    organization = make_org("approved", name="受过处理的服务队")
    assert "No suspension or blacklisting on record." in _page(client, organization)
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        _transition(organization, "suspend", reason="王小明 13900001111 未按时提交材料")
    # Suspended: not public at all.
    assert client.get(f"/organizations/{organization.pk}/").status_code == 404
    with time_machine.travel(datetime.datetime(2026, 4, 15, 9, 0, tzinfo=SHANGHAI), tick=False):
        _transition(organization, "reinstate", reason="整改完成")
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        _transition(organization, "blacklist", reason="虚报服务人次", until=datetime.date(2026, 9, 1))
    with time_machine.travel(datetime.datetime(2026, 9, 1, 1, 0, tzinfo=SHANGHAI), tick=False):
        _transition(organization, "lift_blacklist")

    html = _page(client, organization)
    rows = re.findall(r"<tr>\s*<th scope=\"row\"[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", html)
    assert rows == [
        ("Blacklisted", "2026-06-01", "Lifted on 2026-09-01"),
        ("Suspended", "2026-03-02", "Lifted on 2026-04-15"),
    ]
    # The reason is free text that may name people: not shown.
    for private in ("王小明", "13900001111", "虚报服务人次", *PRIVATE):
        assert private not in html


@pytest.mark.django_db
def test_no_personal_data_and_constant_queries(client, site, active_contract, django_assert_max_num_queries):
    winner = active_contract.organization
    _page(client, winner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_assert_max_num_queries(1000) as baseline:
        client.get(f"/organizations/{winner.pk}/")
    # More of everything: accepted milestones, sanctions, another bidder's record.
    for milestone in active_contract.milestones.all():
        _accept(milestone, satisfaction=Decimal("90.00"), score=Decimal("90.00"))
    for _ in range(3):
        _transition(winner, "suspend", reason="13900001111")
        _transition(winner, "reinstate", reason="13900001111")
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        html = _page(client, winner)
    assert _fact(html, "Milestones accepted") == "2"
    assert html.count("Lifted on") == 3
    admin = winner.created_by
    for private in filter(None, ("13900001111", admin.username, admin.email, getattr(admin, "phone", ""))):
        assert private not in html
    for private in (winner.contact_name, winner.contact_phone, winner.contact_email, winner.office_address):
        if private:
            assert private not in html
