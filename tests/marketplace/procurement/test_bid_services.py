"""Sealed bids: drafting, submission against the server clock, versions,
receipts, withdrawal, eligibility and the opening (services)."""

import datetime
import hashlib
import json
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.models import AuditEvent, Bid, BidVersion, OpeningRecord, Project
from marketplace.procurement.selectors import bids as selectors
from marketplace.procurement.services import bids as services
from marketplace.procurement.services import opening
from marketplace.procurement.services.bids import BidError
from tests.org_fixtures import PNG_BYTES, pdf_bytes
from tests.project_fixtures import fill_bid, open_now, submit_bid


def _state():
    return (
        list(Bid.objects.values_list("pk", "state", "price", "current_version_id")),
        BidVersion.objects.count(),
    )


@pytest.mark.django_db
def test_submission_freezes_a_version_with_a_recomputable_digest(make_project, bidder, org_admin):
    project = make_project()
    version = submit_bid(project, bidder, org_admin)
    # The bidder's recomputation: SHA-256 over the canonical UTF-8 text.
    assert hashlib.sha256(version.canonical.encode("utf-8")).hexdigest() == version.digest
    payload = json.loads(version.canonical)
    assert payload["format"] == "sfq-bid/2" and payload["project"] == project.ref
    assert payload["price"] == "120000.00" and payload["version"] == 1
    document = version.documents.get()
    assert payload["documents"] == [{"name": "方案.pdf", "sha256": document.sha256, "size": document.size}]
    assert hashlib.sha256(pdf_bytes("方案")).hexdigest() == document.sha256
    assert [r["criterion"] for r in payload["responses"]] == ["服务方案", "团队与经验"]
    # canonical: sorted keys, no spaces, non-ASCII kept
    assert version.canonical == json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert timezone.localtime(version.submitted_at).isoformat(timespec="microseconds") == payload["submitted_at"]
    # The arrival (the time the deadline counts from) is covered by the digest too, and precedes the recording.
    assert timezone.localtime(version.received_at).isoformat(timespec="microseconds") == payload["received_at"]
    assert version.received_at <= version.submitted_at
    assert services.verify(version)
    # A changed stored byte no longer verifies.
    version.canonical = version.canonical.replace("120000.00", "100000.00")
    assert not services.verify(version)


@pytest.mark.django_db
def test_resubmission_makes_a_new_version_and_only_the_last_counts(make_project, bidder, org_admin):
    project = make_project()
    first = submit_bid(project, bidder, org_admin)
    bid = Bid.objects.get()
    fill_bid(bid, org_admin, price="110000.00")
    second = services.submit_bid(bid, by=org_admin)
    bid.refresh_from_db()
    assert (first.number, second.number) == (1, 2) and bid.current_version == second
    assert first.digest != second.digest
    first.refresh_from_db()
    assert first.price == Decimal("120000.00")  # frozen
    services.withdraw_bid(bid, by=org_admin)
    bid.refresh_from_db()
    assert bid.state == Bid.State.WITHDRAWN
    third = services.submit_bid(bid, by=org_admin)
    assert third.number == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("price", "message"),
    [("0", "above 0"), ("-5", "above 0"), ("150000.01", "budget"), ("abc", "amount"), ("1.234", "two decimals")],
)
def test_bad_prices_are_refused_and_change_nothing(make_project, bidder, org_admin, price, message):
    from django.utils import translation

    project = make_project()
    bid = services.start_bid(project, bidder, by=org_admin)
    fill_bid(bid, org_admin, price="100.00")
    before = _state()
    with translation.override("en"), pytest.raises(BidError) as error:
        services.save_bid(bid, by=org_admin, price=price, team="x", experience="y")
    assert message in error.value.message and error.value.field == "price"
    assert _state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("content", [PNG_BYTES, b"<html><script>alert(1)</script></html>", b""])
def test_only_pdf_documents(make_project, bidder, org_admin, content):
    project = make_project()
    bid = services.start_bid(project, bidder, by=org_admin)
    with pytest.raises(BidError) as error:
        services.upload_document(bid, by=org_admin, file=SimpleUploadedFile("方案.pdf", content))
    assert error.value.field == "file"
    assert not bid.documents.exists()


@pytest.mark.django_db
def test_document_size_limit(make_project, bidder, org_admin, settings):
    settings.BID_DOCUMENT_MAX_BYTES = 100
    project = make_project()
    bid = services.start_bid(project, bidder, by=org_admin)
    with pytest.raises(BidError) as error:
        services.upload_document(bid, by=org_admin, file=SimpleUploadedFile("a.pdf", pdf_bytes("x" * 200)))
    assert "MB" in error.value.message


@pytest.mark.django_db
def test_incomplete_bid_cannot_be_submitted(make_project, bidder, org_admin):
    project = make_project()
    bid = services.start_bid(project, bidder, by=org_admin)
    services.save_bid(bid, by=org_admin, price="100.00", team="x")
    with pytest.raises(BidError) as error:
        services.submit_bid(bid, by=org_admin)
    assert "服务方案" in error.value.message
    assert not BidVersion.objects.exists()


@pytest.mark.django_db
def test_ineligible_organizations_see_the_failed_rules(make_project, make_org, bidder, org_admin):
    from marketplace.models import EntryStandard

    strict = EntryStandard.objects.create(name="须登记三年", required_track="registered", min_years_since_founding=3)
    project = make_project(entry_standard=strict)
    with pytest.raises(BidError) as error:
        services.start_bid(project, bidder, by=org_admin)  # a filed organization founded in 2020
    assert error.value.failures and any("登记" in f or "registered" in f.lower() for f in error.value.failures)
    assert not Bid.objects.exists()


@pytest.mark.django_db
def test_eligibility_withdrawn_after_the_draft_blocks_submission(make_project, bidder, org_admin):
    project = make_project()
    bid = services.start_bid(project, bidder, by=org_admin)
    fill_bid(bid, org_admin)
    from django.db import transaction

    with transaction.atomic():
        bidder.suspend(by=None, reason="test")
        bidder.save()
    before = _state()
    with pytest.raises(BidError) as error:
        services.submit_bid(bid, by=org_admin)
    assert error.value.failures
    assert _state() == before


@pytest.mark.django_db
def test_only_members_act_on_a_bid(make_project, bidder, org_admin, make_user, officer):
    project = make_project()
    bid = services.start_bid(project, bidder, by=org_admin)
    fill_bid(bid, org_admin)
    outsider = make_user("organization_member")
    for user in (outsider, officer):
        with pytest.raises(BidError):
            services.save_bid(bid, by=user, price="1.00")
        with pytest.raises(BidError):
            services.submit_bid(bid, by=user)
    assert not BidVersion.objects.exists()


@pytest.mark.django_db
def test_named_organization_only_for_commission(make_project, make_org, bidder, org_admin):
    other = make_org("approved")
    project = make_project(
        method_code="commission", named_organization=other, justification="唯一具备资质的组织", days=10
    )
    assert services.eligibility_problems(project, bidder)
    assert not services.eligibility_problems(project, other)


@pytest.mark.django_db
def test_venture_allows_one_project_per_organization_a_year(make_project, bidder, org_admin):
    first = make_project(method_code="venture", budget=Decimal("50000"))
    second = make_project(method_code="venture", budget=Decimal("50000"), title="另一个创投项目")
    submit_bid(first, bidder, org_admin, price="40000.00")
    problems = services.eligibility_problems(second, bidder)
    assert any(first.ref in p for p in problems)
    with pytest.raises(BidError):
        submit_bid(second, bidder, org_admin, price="40000.00")


# --- the deadline --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_is_accepted_or_changed_at_or_after_the_deadline(make_project, bidder, org_admin):
    project = make_project()
    bid = services.start_bid(project, bidder, by=org_admin)
    fill_bid(bid, org_admin)
    before = _state()
    with time_machine.travel(project.deadline, tick=False):
        for call in (
            lambda: services.submit_bid(bid, by=org_admin),
            lambda: services.save_bid(bid, by=org_admin, price="1.00"),
            lambda: services.upload_document(bid, by=org_admin, file=SimpleUploadedFile("a.pdf", pdf_bytes())),
            lambda: services.start_bid(project, bidder, by=org_admin),
        ):
            with pytest.raises(BidError) as error:
                call()
            assert "截止" in error.value.message or "deadline" in error.value.message
    assert _state() == before
    with time_machine.travel(project.deadline - datetime.timedelta(microseconds=1), tick=False):
        version = services.submit_bid(bid, by=org_admin)
    assert version.submitted_at < project.deadline


# --- the opening ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_lazy_opening_without_the_scheduler(make_project, bidder, org_admin, make_org, client):
    project = make_project(method_code="consultation", days=15)
    versions = [submit_bid(project, bidder, org_admin)]
    second = make_org("approved", name="第二家组织")
    versions.append(submit_bid(project, second, second.memberships.get().user, price="99000.00"))
    assert opening.ensure_opened(project).state == Project.State.PUBLISHED  # before the deadline: nothing
    # Past the deadline but within the grace (a request that arrived in time may still be on its way): nothing.
    with time_machine.travel(project.deadline + settings.BID_OPENING_GRACE - datetime.timedelta(seconds=1)):
        project.refresh_from_db()
        assert opening.ensure_opened(project).state == Project.State.PUBLISHED
        assert opening.open_bids(project).state == Project.State.PUBLISHED
    with time_machine.travel(project.deadline + settings.BID_OPENING_GRACE + datetime.timedelta(seconds=1)):
        project.refresh_from_db()
        project = opening.ensure_opened(project)
    assert project.state == Project.State.CLOSED and project.opened_at >= project.deadline
    record = OpeningRecord.objects.get(project=project)
    assert {e["digest"] for e in record.entries} == {v.digest for v in versions}
    assert record.valid_count == 2 and not record.failed
    assert set(Bid.objects.values_list("state", flat=True)) == {"opened"}
    # idempotent
    assert opening.open_bids(project).opened_at == project.opened_at
    assert OpeningRecord.objects.count() == 1


@pytest.mark.django_db
def test_scheduled_opening_opens_only_due_projects(make_project, bidder, org_admin):
    due = make_project(method_code="consultation", days=15, budget=Decimal("50000"))
    later = make_project(method_code="consultation", days=15, title="晚些截止", budget=Decimal("50000"))
    from marketplace.tasks import open_due_projects

    Project.objects.filter(pk=due.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    assert open_due_projects() == {"opened": []}  # within the grace after the deadline
    grace = settings.BID_OPENING_GRACE
    Project.objects.filter(pk=due.pk).update(deadline=timezone.now() - grace - datetime.timedelta(seconds=1))
    assert open_due_projects() == {"opened": [due.ref]}
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.state == Project.State.FAILED and later.state == Project.State.PUBLISHED


@pytest.mark.django_db
def test_too_few_valid_bids_fail_the_project_and_tell_everyone(
    make_project, bidder, org_admin, officer, django_capture_on_commit_callbacks, mailoutbox
):
    project = make_project()  # public tender: 3 valid bids
    submit_bid(project, bidder, org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        project = open_now(project)
    assert project.state == Project.State.FAILED
    assert project.opening.failed and project.opening.valid_count == 1
    assert org_admin.notices.filter(subject__contains=project.ref).exists()
    assert officer.notices.filter(subject__contains=project.ref).exists()
    assert AuditEvent.objects.filter(action="project.fail", object_id=str(project.pk)).exists()


# --- the selector ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_selector_seals_bids_until_the_opening(make_project, bidder, org_admin, officer, make_user, make_org):
    project = make_project()
    version = submit_bid(project, bidder, org_admin)
    bid = Bid.objects.get()
    other = make_org("approved").memberships.get().user
    superuser = make_user(username="root", is_superuser=True, is_staff=True)
    evaluator = make_user("evaluator")
    for user in (officer, other, superuser, evaluator):
        assert not selectors.bids_for(user).exists()
        assert selectors.bid_for(user, bid.pk) is None
        assert not selectors.versions_for(user).exists()
        assert not selectors.documents_for(user).exists()
        assert not selectors.opened_bids(user, project).exists()
    assert selectors.bid_for(org_admin, bid.pk) == bid
    assert selectors.version_for(org_admin, version.pk) == version
    assert selectors.opening_record(project) is None
    # The audit log hides the bid's events while sealed.
    hidden = AuditEvent.objects.filter(selectors.sealed_audit_q())
    assert hidden.filter(object_type="marketplace.bid").exists()
    project = open_now(project)
    assert not AuditEvent.objects.filter(selectors.sealed_audit_q()).exists()
    assert selectors.bid_for(officer, bid.pk) == bid
    assert selectors.bid_for(superuser, bid.pk) == bid
    assert selectors.bid_for(other, bid.pk) is None  # a competitor never reads another bid
    assert selectors.opening_record(project) is not None
