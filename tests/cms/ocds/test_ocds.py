"""Open data, OCDS 1.1.5 (issue 17, 4): every release, release package and
record package validates against the copied schema with
``jsonschema.Draft4Validator`` (0 errors) and uses codelist values; the
sealed-bid rule (nothing about bids before the opening); failed tenders,
cancelled awards, terminated contracts, amendments of the sum, milestones
met and not met; the change feed and the bulk download; no personal data."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cms.ocds import packages
from cms.ocds import releases as ocds
from contracts.contracts.models import Amendment, Contract, Milestone
from marketplace.models import Award, Project
from tests.cms.ocds.checks import (
    assert_valid_record_package,
    assert_valid_release,
    assert_valid_release_package,
    parse,
)
from tests.contract_fixtures import ContractFactory
from tests.project_fixtures import open_now, submit_bid

pytestmark = pytest.mark.django_db

SEALED_PRICE = "98765.43"
MARKERS = ("隐私标记张三", "privacy-marker@example.test", "13900001234", "隐私联系人李四", "13800004321")


def ocid(project):
    return f"{settings.OCDS_OCID_PREFIX}{project.ref}"


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return response.content.decode(), parse(response.content)


def packages_of(client, project):
    """The project's release package and record package, validated."""
    text, package = get_json(client, f"/ocds/releases/{ocid(project)}.json")
    assert_valid_release_package(package)
    record_text, record_package = get_json(client, f"/ocds/records/{ocid(project)}.json")
    assert_valid_record_package(record_package)
    return text + record_text, package, record_package


def by_tag(package, tag):
    return [release for release in package["releases"] if tag in release["tag"]]


def compiled(record_package):
    [record] = record_package["records"]
    return record["compiledRelease"]


def plant_markers(organization):
    """Personal data on the organization's administrator and contact."""
    user = organization.created_by
    user.full_name, user.email, user.phone = MARKERS[0], MARKERS[1], MARKERS[2]
    user.save()
    organization.contact_name, organization.contact_phone = MARKERS[3], MARKERS[4]
    organization.save()


def assert_no_markers(text):
    for marker in MARKERS:
        assert marker not in text


# --- the call, the opening and the sealed-bid rule -----------------------------------------------


def test_a_call_just_published_reveals_nothing_about_its_bids(client, site, make_project, make_org):
    project = make_project("published")
    organization = make_org("approved", name="密封投标组织甲")
    plant_markers(organization)
    submit_bid(project, organization, organization.memberships.get().user, price=SEALED_PRICE)

    text, package, record_package = packages_of(client, project)
    assert [release["tag"] for release in package["releases"]] == [["planning"], ["tender"]]
    for forbidden in ("tenderers", "numberOfTenderers", "密封投标组织甲", SEALED_PRICE, "98765"):
        assert forbidden not in text
    tender = by_tag(package, "tender")[0]["tender"]
    assert tender["status"] == "active"
    assert tender["value"] == {"amount": project.budget, "currency": "CNY"}
    assert tender["procurementMethod"] == "open" and tender["procurementMethodDetails"] == project.method.name
    assert tender["tenderPeriod"]["endDate"] == ocds.stamp(project.deadline)
    planning = by_tag(package, "planning")[0]
    assert planning["date"] == ocds.stamp(project.intention_published_at)
    assert planning["planning"]["budget"]["amount"]["currency"] == "CNY"
    assert compiled(record_package)["tender"]["status"] == "active"
    # Neither the change feed nor the bulk file says more.
    feed = client.get("/ocds/changes.json").content.decode()
    bulk = b"".join(client.get("/ocds/bulk/releases.jsonl").streaming_content).decode()
    for forbidden in ("tenderers", "numberOfTenderers", "密封投标组织甲", "98765"):
        assert forbidden not in feed and forbidden not in bulk

    # The opening: from now on the tenderers and their number are public.
    project = open_now(project)
    text, package, record_package = packages_of(client, project)
    [opening] = by_tag(package, "tenderUpdate")
    assert opening["tender"]["numberOfTenderers"] == 1
    assert opening["tender"]["tenderers"][0]["name"] == "密封投标组织甲"
    party = next(p for p in opening["parties"] if p["name"] == "密封投标组织甲")
    assert party["roles"] == ["tenderer"]
    for release in package["releases"]:
        if release["date"] < opening["date"]:
            assert "tenderers" not in str(release) and "密封投标组织甲" not in str(release)
    assert_no_markers(text)


def test_a_published_intention_is_a_planning_release_before_the_call(client, site, make_project):
    project = make_project("pending_approval")
    assert project.intention_published_at is not None and project.published_at is None
    # A later edit of the draft is not public: the release says what the intention said.
    Project.objects.filter(pk=project.pk).update(title="草稿里改过的标题", budget=Decimal("123456.78"))
    text, package, record_package = packages_of(client, project)
    [planning] = package["releases"]
    assert planning["tag"] == ["planning"] and planning["date"] == ocds.stamp(project.intention_published_at)
    assert planning["planning"]["budget"]["amount"]["amount"] == Decimal(project.intention["budget"])
    assert planning["tender"] == {"id": project.ref, "title": project.intention["title"], "status": "planned"}
    assert "草稿里改过的标题" not in text and "123456.78" not in text
    assert compiled(record_package)["tender"]["status"] == "planned"
    bulk = b"".join(client.get("/ocds/bulk/releases.jsonl").streaming_content).decode()
    assert planning["id"] in bulk


def test_a_failed_tender_is_unsuccessful(client, site, make_project, make_org):
    project = make_project("published", method_code="consultation")
    organization = make_org("approved", name="唯一投标组织")
    submit_bid(project, organization, organization.memberships.get().user)
    project = open_now(project)
    assert project.state == Project.State.FAILED
    text, package, record_package = packages_of(client, project)
    assert by_tag(package, "tenderUpdate")[-1]["tender"]["status"] == "unsuccessful"
    assert compiled(record_package)["tender"]["status"] == "unsuccessful"
    assert compiled(record_package)["tender"]["procurementMethod"] == "selective"
    assert "awards" not in compiled(record_package)


def test_an_addendum_is_a_tender_amendment(client, site, make_project, officer):
    from marketplace.procurement.services import projects as project_services

    project = make_project("published")
    old_deadline = project.deadline
    project_services.issue_addendum(
        project, by=officer, text="更正：服务地点调整", new_deadline=project.deadline + datetime.timedelta(days=3)
    )
    project.refresh_from_db()
    text, package, record_package = packages_of(client, project)
    [amendment] = by_tag(package, "tenderAmendment")
    assert amendment["tender"]["amendments"][0]["description"] == "更正：服务地点调整"
    assert by_tag(package, "tender")[0]["tender"]["tenderPeriod"]["endDate"] == ocds.stamp(old_deadline)
    assert compiled(record_package)["tender"]["tenderPeriod"]["endDate"] == ocds.stamp(project.deadline)
    assert compiled(record_package)["tender"]["tenderPeriod"]["startDate"] == ocds.stamp(project.published_at)


# --- awards and contracts ------------------------------------------------------------------------


def test_an_award_and_its_cancellation(client, site, award_over):
    project = award_over.project
    # (the fixture dates the award before the opening; an award follows it)
    Award.objects.filter(pk=award_over.pk).update(awarded_at=timezone.now())
    text, package, record_package = packages_of(client, project)
    [award_release] = by_tag(package, "award")
    award = award_release["awards"][0]
    assert award["status"] == "active" and award["value"]["amount"] == award_over.price
    assert award["suppliers"][0]["name"] == award_over.bid.organization.name
    assert compiled(record_package)["tender"]["status"] == "complete"

    Award.objects.filter(pk=award_over.pk).update(cancelled_at=timezone.now())
    text, package, record_package = packages_of(client, project)
    [cancellation] = by_tag(package, "awardCancellation")
    assert cancellation["awards"] == [{"id": str(award_over.pk), "status": "cancelled"}]
    assert compiled(record_package)["awards"][0]["status"] == "cancelled"
    assert compiled(record_package)["awards"][0]["value"]["amount"] == award_over.price  # merged, not lost


def _contract(award_over, **fields):
    with transaction.atomic():
        return ContractFactory(award=award_over, active=True, **fields)


def test_a_contract_its_amended_sum_milestones_and_termination(client, site, award_over, officer):
    contract = _contract(award_over)
    project = contract.project
    plant_markers(contract.organization)
    text, package, record_package = packages_of(client, project)
    [signed] = by_tag(package, "contract")
    row = signed["contracts"][0]
    assert row["status"] == "active" and row["awardID"] == str(award_over.pk)
    assert row["value"] == {"amount": contract.amount, "currency": "CNY"}
    assert row["dateSigned"] == ocds.stamp(contract.activated_at)
    assert [m["status"] for m in row["implementation"]["milestones"]] == ["scheduled", "scheduled"]
    supplier = next(p for p in signed["parties"] if p["name"] == contract.organization.name)
    assert "supplier" in supplier["roles"]
    buyer = next(p for p in signed["parties"] if p["id"] == signed["buyer"]["id"])
    assert buyer["name"] == project.purchaser and {"buyer", "procuringEntity"} <= set(buyer["roles"])

    # The sum is amended: a contractAmendment release; the signing release keeps the signed sum.
    signed_sum = contract.amount
    new_sum = signed_sum - Decimal("1000.10")
    now = timezone.now()
    amendment = Amendment.objects.create(
        contract=contract,
        number=1,
        version=2,
        reason=Amendment.Reason.FUNDS,
        explanation="隐私标记张三 的说明不公开",
        changes={"amount": str(new_sum)},
        proposed_by=officer,
    )
    Amendment.objects.filter(pk=amendment.pk).update(state=Amendment.State.IN_FORCE, in_force_at=now)
    Contract.objects.filter(pk=contract.pk).update(amount=new_sum, version=2)
    from contracts.payments.models import LedgerEntry

    LedgerEntry.objects.create(
        contract=contract,
        kind=LedgerEntry.Kind.COMMITMENT,
        debit=LedgerEntry.Account.COMMITTED,
        credit=LedgerEntry.Account.BUDGET,
        amount=signed_sum,
        created_at=contract.activated_at,
        memo=contract.number,
    )
    # Milestone 1 accepted (met), milestone 2 rejected (not met), then the contract is terminated.
    first = contract.milestones.get(number=1)
    Milestone.objects.filter(pk=first.pk).update(state=Milestone.State.ACCEPTED, decided_at=now)
    second = contract.milestones.get(number=2)
    Milestone.objects.filter(pk=second.pk).update(state=Milestone.State.REJECTED, decided_at=now)
    Contract.objects.filter(pk=contract.pk).update(
        state=Contract.State.TERMINATED, terminated_at=now + datetime.timedelta(seconds=5)
    )

    text, package, record_package = packages_of(client, project)
    assert by_tag(package, "contract")[0]["contracts"][0]["value"]["amount"] == signed_sum
    [changed] = by_tag(package, "contractAmendment")
    assert changed["contracts"][0]["value"]["amount"] == new_sum
    assert changed["contracts"][0]["amendments"][0]["rationale"] == str(Amendment.Reason.FUNDS.label)
    [terminated] = by_tag(package, "contractTermination")
    assert terminated["contracts"][0]["status"] == "terminated"
    final = compiled(record_package)["contracts"][0]
    assert final["status"] == "terminated" and final["value"]["amount"] == new_sum
    statuses = {m["id"]: m["status"] for m in final["implementation"]["milestones"]}
    assert statuses == {f"{contract.number}-M1": "met", f"{contract.number}-M2": "notMet"}
    met = next(m for m in final["implementation"]["milestones"] if m["status"] == "met")
    assert met["dateMet"] == ocds.stamp(now)
    # The change feed finds a project whose only change is its contract's.
    since = (ocds.moment(now) + datetime.timedelta(seconds=1)).isoformat()
    _text, feed = get_json(client, "/ocds/changes.json?" + _query(since=since))
    assert [r["id"] for r in feed["releases"]] == [terminated["id"]]
    # The amount is an exact JSON number (no float rounding).
    assert f'"amount":{new_sum}' in text.replace(" ", "") or f'"amount":{float(new_sum)!r}' in text
    assert_no_markers(text)


def test_a_completed_contract_has_come_to_a_close(client, site, award_over):
    contract = _contract(award_over)
    Contract.objects.filter(pk=contract.pk).update(state=Contract.State.COMPLETED, completed_at=timezone.now())
    _text, package, record_package = packages_of(client, contract.project)
    assert by_tag(package, "contractUpdate")[0]["contracts"][0]["status"] == "terminated"
    assert compiled(record_package)["contracts"][0]["status"] == "terminated"


def test_a_draft_contract_is_not_published(client, site, award_over):
    with transaction.atomic():
        draft = ContractFactory(award=award_over)
    text, package, _record = packages_of(client, award_over.project)
    assert draft.number not in text and not by_tag(package, "contract")


def test_paid_payments_are_transactions(client, site, award_over, officer):
    from contracts.payments.models import Payment

    contract = _contract(award_over)
    first = contract.milestones.get(number=1)
    now = timezone.now()
    Milestone.objects.filter(pk=first.pk).update(state=Milestone.State.PAID, decided_at=now)
    payment = Payment.objects.create(
        milestone=first,
        contract=contract,
        amount=Decimal("40000.10"),
        requested_at=now,
        bank_reference="BANK-REF-SECRET-1",
    )
    Payment.objects.filter(pk=payment.pk).update(
        state=Payment.State.PAID,
        paid_at=now + datetime.timedelta(minutes=1),
        bank_paid_on=timezone.localdate(),
        gateway_reference="GW-SECRET-1",
    )
    second = contract.milestones.get(number=2)
    unpaid = Payment.objects.create(milestone=second, contract=contract, amount=Decimal("1.00"), requested_at=now)
    text, package, record_package = packages_of(client, contract.project)
    [transaction_release] = [r for r in by_tag(package, "implementation") if "transactions" in str(r)]
    [row] = transaction_release["contracts"][0]["implementation"]["transactions"]
    assert row["value"] == {"amount": Decimal("40000.10"), "currency": "CNY"}
    assert row["payee"]["name"] == contract.organization.name
    assert row["payer"]["name"] == contract.project.purchaser
    assert row["date"] == ocds.day_start(timezone.localdate())
    roles = {p["id"]: p["roles"] for p in transaction_release["parties"]}
    assert "payer" in roles[row["payer"]["id"]] and "payee" in roles[row["payee"]["id"]]
    assert "BANK-REF-SECRET-1" not in text and "GW-SECRET-1" not in text and f"P{unpaid.pk}" not in text
    assert '"amount":40000.1' in text
    final = compiled(record_package)["contracts"][0]["implementation"]
    assert len(final["transactions"]) == 1
    # The change feed finds a project whose only change is a payment.
    since = (ocds.moment(now) + datetime.timedelta(seconds=30)).isoformat()
    _text, feed = get_json(client, "/ocds/changes.json?" + _query(since=since))
    assert [r["id"] for r in feed["releases"]] == [transaction_release["id"]]


# --- the change feed and the bulk download ---------------------------------------------------------


def _walk(client, url):
    """Every release the feed gives from ``url`` on, following links.next;
    each package validated, none larger than the page size."""
    seen = []
    while url:
        _text, package = get_json(client, url)
        assert_valid_release_package(package)
        assert 1 <= len(package["releases"]) <= settings.OCDS_PAGE_SIZE
        seen += package["releases"]
        url = package.get("links", {}).get("next")
    return seen


OVER = "测试：超出社区资金"


def _spread(project, when):
    """The project's intention at ``when`` and its call 30 seconds later (its row saved then too)."""
    call = when + datetime.timedelta(seconds=30)
    Project.objects.filter(pk=project.pk).update(intention_published_at=when, published_at=call, updated_at=call)


def test_the_change_feed_returns_exactly_the_releases_after_since(client, site, make_project, settings):
    settings.OCDS_PAGE_SIZE = 3
    first = make_project("published")
    second = make_project("published", budget_override_reason="测试：超出社区资金")
    third = make_project("published", budget_override_reason="测试：超出社区资金")
    old = make_project("published", budget_override_reason="测试：超出社区资金")
    # Releases that share a second (ordered by id there), and one process three years back (a sparse history).
    same = ocds.moment(timezone.now() - datetime.timedelta(days=2))
    _spread(first, same)
    _spread(third, same)
    _spread(old, same - datetime.timedelta(days=3 * 365))
    every = []
    for project in (first, second, third, old):
        _text, package = get_json(client, f"/ocds/releases/{ocid(project)}.json")
        every += package["releases"]
    every.sort(key=lambda r: (ocds.moment(_parse_date(r["date"])), r["id"]))
    assert len({r["date"] for r in every}) < len(every)

    # All of them, paginated with links.next (a keyset: after=<time>,<id>), in date-then-id order.
    seen = _walk(client, "/ocds/changes.json")
    assert [r["id"] for r in seen] == [r["id"] for r in every]
    # page=1 is the first page; the cursor in links.next is the last release's.
    _text, package = get_json(client, "/ocds/changes.json?page=1")
    assert [r["id"] for r in package["releases"]] == [r["id"] for r in every[:3]]
    assert package["links"]["next"].endswith(
        "?" + _query(after=f"{ocds.stamp(_parse_date(every[2]['date']))},{every[2]['id']}")
    )
    # A cursor between two releases of the same second goes on with the later id.
    [a, b] = [r for r in every if r["date"] == ocds.stamp(same)]
    _text, package = get_json(client, "/ocds/changes.json?" + _query(after=f"{a['date']},{a['id']}"))
    assert package["releases"][0]["id"] == b["id"]
    # Past the last release: nothing more to say.
    last = every[-1]
    assert client.get("/ocds/changes.json?" + _query(after=f"{last['date']},{last['id']}")).status_code == 204

    # Move the second call's publication later: only its tender release is after `since`.
    later = timezone.now() + datetime.timedelta(hours=1)
    Project.objects.filter(pk=second.pk).update(published_at=later)
    since = (later - datetime.timedelta(minutes=1)).isoformat()
    _text, package = get_json(client, "/ocds/changes.json?" + _query(since=since))
    assert [r["id"] for r in package["releases"]] == [f"{ocid(second)}-tender-{ocds.moment(later):%Y%m%dT%H%M%S}"]
    # A since exactly at the release's time excludes it (strictly after); Z and dates are understood.
    nothing = client.get("/ocds/changes.json?" + _query(since=ocds.stamp(later)))
    assert nothing.status_code == 204 and nothing.content == b""  # a package holds at least one release
    utc = timezone.localtime(later, datetime.UTC).replace(microsecond=0) - datetime.timedelta(seconds=1)
    _text, package = get_json(client, "/ocds/changes.json?" + _query(since=utc.strftime("%Y-%m-%dT%H:%M:%SZ")))
    assert len(package["releases"]) == 1
    _text, package = get_json(client, "/ocds/changes.json?since=2000-01-01")
    assert len(package["releases"]) == 3 and "since=2000-01-01&after=" in package["links"]["next"]
    # `since` stays in the links: the walk from a since gives exactly the releases after it.
    cut = ocds.moment(same) - datetime.timedelta(seconds=1)
    after_cut = _walk(client, "/ocds/changes.json?" + _query(since=cut.isoformat()))
    every = sorted(
        [
            r
            for p in (first, second, third, old)
            for r in get_json(client, f"/ocds/releases/{ocid(p)}.json")[1]["releases"]
        ],
        key=lambda r: (ocds.moment(_parse_date(r["date"])), r["id"]),
    )
    assert [r["id"] for r in after_cut] == [r["id"] for r in every if ocds.moment(_parse_date(r["date"])) > cut]
    assert len(after_cut) > 3
    _text, package = get_json(client, "/ocds/changes.json?" + _query(since=cut.isoformat()))
    assert package["links"]["next"].split("?")[1].startswith(_query(since=cut.isoformat()) + "&after=")


def _page_one_queries(client, count):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/ocds/changes.json")
    assert response.status_code == 200
    assert len(parse(response.content)["releases"]) == settings.OCDS_PAGE_SIZE
    return len(captured)


def test_a_change_feed_page_does_bounded_work_however_many_projects_changed(client, site, make_project, settings):
    """Page 1 builds the releases of the first few projects in time, not of
    every project that changed (issue 18: ten queries a changed project)."""
    settings.OCDS_PAGE_SIZE = 3
    start = ocds.moment(timezone.now() - datetime.timedelta(days=20))
    counts = {}
    made = 0
    for total in (10, 30):
        while made < total:
            _spread(make_project("published", budget_override_reason=OVER), start + datetime.timedelta(hours=12 * made))
            made += 1
        client.get("/ocds/")  # the site's pages are read once, like any warm server
        counts[total] = _page_one_queries(client, total)
    assert counts[30] <= counts[10] + 2, counts
    assert counts[30] < 60, counts  # today's whole walk: about 10 a changed project, 300 here


def test_changed_since_names_the_projects_with_an_event_in_the_window(site, make_project):
    from cms import announcements

    project = make_project("published", budget_override_reason=OVER)
    when = ocds.moment(timezone.now() - datetime.timedelta(days=5))
    _spread(project, when)
    second = datetime.timedelta(seconds=1)
    assert project.pk in announcements.changed_since(when - second)
    assert project.pk in announcements.changed_since(when - second, when)  # (since, until]: until included
    assert project.pk not in announcements.changed_since(when, when + 10 * second)  # since excluded
    assert project.pk not in announcements.changed_since(when - 10 * second, when - second)
    assert project.pk in announcements.changed_since(when + 29 * second, when + 30 * second)  # the call


def _parse_date(value):
    return datetime.datetime.fromisoformat(value)


def _query(**params):
    from urllib.parse import urlencode

    return urlencode(params)


@pytest.mark.parametrize(
    "query",
    [
        "since=yesterday",
        "since=2026-13-01",
        "since=%01",
        "since=" + "1" * 50,
        "since=0001-01-01T00:00:00%2B14:00",
        "page=0",
        "page=x",
        "page=-1",
        "page=2",
        "since=2000-01-01&page=99",
        "after=x",
        "after=2026-03-01T08:00:00%2B08:00",
        "after=2026-03-01T08:00:00%2B08:00,",
        "after=yesterday,ocds-xxxxxx-SFQ-1-tender-20260301T080000",
        "after=2026-03-01T08:00:00%2B08:00,a%01b",
        "after=2026-03-01T08:00:00%2B08:00," + "x" * 400,
    ],
)
def test_a_bad_since_page_or_after_is_a_400_with_a_json_error(client, site, query):
    response = client.get(f"/ocds/changes.json?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert parse(response.content)["error"]


def test_an_unknown_or_unpublished_ocid_is_a_404(client, site, make_project):
    draft = make_project("draft")
    for value in (ocid(draft), "ocds-other-SFQ-1", f"{settings.OCDS_OCID_PREFIX}nope", "x" * 80):
        for kind in ("releases", "records"):
            _text, body = get_json(client, f"/ocds/{kind}/{value}.json", status=404)
            assert body["error"]


def test_the_bulk_file_streams_every_release_one_per_line(client, site, award_over, make_project):
    _contract(award_over)
    make_project("published", budget_override_reason="测试：超出社区资金")
    response = client.get("/ocds/bulk/releases.jsonl")
    assert response.status_code == 200 and response.streaming
    lines = b"".join(response.streaming_content).decode().splitlines()
    releases = [parse(line) for line in lines]
    for release in releases:
        assert_valid_release(release)
    ids = [release["id"] for release in releases]
    assert len(ids) == len(set(ids))
    assert {release["ocid"] for release in releases} == {
        ocid(project) for project in Project.objects.filter(published_at__isnull=False)
    }
    assert any("contract" in release["tag"] for release in releases)


def test_the_developer_page(client, site):
    from django.utils import translation

    response = client.get("/ocds/")
    assert response.status_code == 200
    html = response.content.decode()
    assert settings.OCDS_OCID_PREFIX in html and settings.OCDS_LICENSE in html and "/ocds/changes.json" in html
    with translation.override("en"):
        response = client.get("/ocds/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200


def test_decimal_amounts_are_exact_json_numbers():
    assert packages.dumps({"a": Decimal("100000.10"), "b": Decimal("5.00"), "c": Decimal("0.07")}) == (
        '{"a":100000.1,"b":5,"c":0.07}'
    )
    assert parse(packages.dumps({"a": Decimal("9999999999.99")}))["a"] == Decimal("9999999999.99")
    with pytest.raises(ValueError):
        packages.dumps({"a": Decimal("0.12345678901234567890")})


def test_the_merge_follows_the_ocds_rules():
    first = {"id": "t", "status": "active", "items": [{"id": "a", "description": "x"}], "submissionMethod": ["a"]}
    second = {"id": "t", "status": "complete", "items": [{"id": "b"}], "submissionMethod": ["c"], "description": None}
    releases = [
        {"ocid": "o", "id": "1", "date": "2026-01-01T00:00:00+08:00", "tag": ["tender"], "tender": first},
        {"ocid": "o", "id": "2", "date": "2026-01-02T00:00:00+08:00", "tag": ["tenderUpdate"], "tender": second},
    ]
    result = packages.compile_release(releases)
    assert result["tag"] == ["compiled"] and result["date"] == "2026-01-02T00:00:00+08:00"
    assert result["tender"]["status"] == "complete"
    assert result["tender"]["items"] == [{"id": "a", "description": "x"}, {"id": "b"}]
    assert result["tender"]["submissionMethod"] == ["c"]
    assert "description" not in result["tender"]


def test_the_checks_catch_an_invalid_release():
    """The validation these tests rely on refuses what the standard refuses."""
    good = {"ocid": "o", "id": "1", "date": "2026-01-01T00:00:00+08:00", "tag": ["tender"], "initiationType": "tender"}
    assert_valid_release(good)
    for bad in (
        {**good, "tag": ["bidding"]},  # not in releaseTag
        {**good, "date": "2026-01-01 00:00"},  # not RFC 3339
        {**good, "tender": {"id": "t", "status": "open"}},  # not in tenderStatus
        {**good, "tender": {"id": "t", "value": {"amount": "100", "currency": "CNY"}}},  # a string amount
        {**good, "awards": [{"id": "1", "value": {"amount": 1, "currency": "RMB"}}]},  # not a currency
        {key: value for key, value in good.items() if key != "ocid"},
    ):
        with pytest.raises(AssertionError):
            assert_valid_release(bad)


def test_documents_carry_their_sha256(client, site, make_project, officer, second_officer, award_over):
    """An uploaded call document and the signed contract PDF are published
    with their SHA-256 (in the description: OCDS has no digest field)."""
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    from contracts.contracts.services.signing import store_document
    from marketplace.procurement.services import projects as project_services
    from tests.org_fixtures import pdf_bytes

    draft = make_project("draft", budget_override_reason="测试：超出社区资金")
    body = pdf_bytes("服务需求说明")
    project_services.upload_project_document(
        draft,
        by=officer,
        file=SimpleUploadedFile("需求.pdf", body, "application/pdf"),
        kind="requirements",
        title="服务需求说明",
    )
    project = project_services.publish_intention(draft, by=officer)
    project = project_services.backdate_intention(project, project.method.intention_days + 1)
    project = project_services.submit_for_approval(project, by=officer)
    project = project_services.approve_project(project, by=second_officer)
    _text, package, _record = packages_of(client, project)
    documents = by_tag(package, "tender")[0]["tender"]["documents"]
    [uploaded] = [d for d in documents if d["title"] == "服务需求说明"]
    assert uploaded["description"] == f"SHA-256: {hashlib.sha256(body).hexdigest()}"
    assert uploaded["documentType"] == "technicalSpecifications"
    assert uploaded["url"].endswith(f"/{project.ref}/documents/{project.documents.get().pk}/")
    assert client.get(uploaded["url"]).status_code == 200  # the link is the public download

    contract = _contract(award_over)
    signed = store_document(contract, b"%PDF-1.4 signed contract", None)
    _text, package, _record = packages_of(client, contract.project)
    [document] = by_tag(package, "contract")[0]["contracts"][0]["documents"]
    assert document["description"].endswith(signed.sha256) and document["documentType"] == "contractSigned"
