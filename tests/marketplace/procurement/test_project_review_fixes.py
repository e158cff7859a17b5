"""Defects found in review of the projects and bids change, each with the
test that shows it fixed."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from marketplace.models import AuditEvent, Bid, Need, Project
from marketplace.procurement.selectors import bids as selectors
from marketplace.procurement.services import bids as bid_services
from marketplace.procurement.services import projects as services
from marketplace.procurement.services.bids import BidError
from marketplace.procurement.services.projects import ProjectError
from tests.project_fixtures import RUBRIC, fill_bid, open_now, project_data, submit_bid


@pytest.mark.django_db
def test_a_huge_price_is_a_clear_error_not_a_crash(make_project, bidder, org_admin):
    project = make_project()
    bid = bid_services.start_bid(project, bidder, by=org_admin)
    for price in ("1e100", "99999999999.00"):
        with pytest.raises(BidError) as error:
            bid_services.save_bid(bid, by=org_admin, price=price)
        assert error.value.field == "price"


@pytest.mark.django_db
def test_a_crash_report_carries_no_bid_content(client, make_project, bidder, org_admin, settings, monkeypatch):
    settings.ADMINS = [("ops", "ops@example.test")]
    settings.DEBUG = False
    project = make_project()
    bid_services.start_bid(project, bidder, by=org_admin)

    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bid_services, "save_bid", crash)
    client.raise_request_exception = False
    client.force_login(org_admin)
    mail.outbox.clear()
    response = client.post(
        f"/org/{bidder.pk}/bids/{project.ref}/",
        {"action": "save", "price": "1000.00", "team": "SECRET-TEAM-XYZ", "experience": "x"},
    )
    assert response.status_code == 500
    assert all("SECRET-TEAM-XYZ" not in message.body for message in mail.outbox)


@pytest.mark.django_db
def test_after_the_opening_officers_read_only_what_was_opened(make_project, make_org, bidder, org_admin, officer):
    project = make_project(method_code="consultation", days=15)
    first = submit_bid(project, bidder, org_admin)
    bid = Bid.objects.get(organization=bidder)
    fill_bid(bid, org_admin, price="99.00")
    second = bid_services.submit_bid(bid, by=org_admin)
    drafter = make_org("approved")
    draft = bid_services.start_bid(project, drafter, by=drafter.memberships.get().user)
    withdrawn_org = make_org("approved")
    user = withdrawn_org.memberships.get().user
    submit_bid(project, withdrawn_org, user)
    bid_services.withdraw_bid(Bid.objects.get(organization=withdrawn_org), by=user)
    open_now(project)
    assert list(selectors.bids_for(officer)) == [bid]
    assert selectors.bid_for(officer, draft.pk) is None
    assert list(selectors.versions_for(officer)) == [second]
    assert selectors.version_for(officer, first.pk) is None
    assert selectors.version_for(org_admin, first.pk) == first  # the bidder keeps its history


@pytest.mark.django_db
def test_a_cancelled_draft_never_becomes_public(client, make_project, officer):
    project = make_project("draft")
    services.cancel_project(project, by=officer, reason="内部原因")
    assert client.get("/projects/").content.decode().count(project.ref) == 0
    assert client.get(f"/projects/{project.ref}/").status_code == 404
    assert client.get(f"/projects/{project.ref}/pdf/").status_code == 404


@pytest.mark.django_db
def test_an_officer_who_edited_the_draft_cannot_approve_it(make_project, officer, second_officer, published):
    project = make_project("draft")
    data = {field: getattr(project, field) for field in services.DRAFT_FIELDS}
    data["budget"] = Decimal("140000.00")
    services.update_project(
        project,
        by=second_officer,
        data=data,
        items=project.catalogue_items.all(),
        communities=project.communities.all(),
        criteria=RUBRIC,
    )
    services.submit_for_approval(project, by=officer)
    with pytest.raises(ProjectError):
        services.approve_project(project, by=second_officer)
    project.refresh_from_db()
    assert project.state == Project.State.PENDING_APPROVAL


@pytest.mark.django_db
def test_venture_rule_ignores_cancelled_and_failed_projects(make_project, bidder, org_admin, officer):
    first = make_project(method_code="venture", budget=Decimal("50000"))
    submit_bid(first, bidder, org_admin, price="40000.00")
    services.cancel_project(first, by=officer, reason="取消")
    second = make_project(method_code="venture", budget=Decimal("50000"), title="另一个")
    assert not bid_services.eligibility_problems(second, bidder)


@pytest.mark.django_db
def test_a_project_moved_to_another_year_does_not_borrow_its_old_hold(make_project, officer, community, published):
    project = make_project("draft", budget=Decimal("150000"))
    next_year = project.service_start.replace(year=project.service_start.year + 1, month=3, day=1)
    make_project(
        "draft",
        budget=Decimal("200000"),
        service_start=next_year,
        service_end=next_year + datetime.timedelta(days=100),
        title="占满次年",
    )
    data = {field: getattr(project, field) for field in services.DRAFT_FIELDS}
    data.update(service_start=next_year, service_end=next_year + datetime.timedelta(days=100))
    with pytest.raises(ProjectError) as error:
        services.update_project(
            project,
            by=officer,
            data=data,
            items=project.catalogue_items.all(),
            communities=project.communities.all(),
            criteria=RUBRIC,
        )
    assert error.value.field == "budget_override_reason"


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))))
def test_a_need_taken_out_of_a_draft_forgets_the_project(make_project, make_need, officer):
    # A fixed day: the need's service period (December) must start after the
    # deadline, which a run in December would not give.
    need = make_need("accepted")
    project = make_project("draft", needs=[need], service_start=need.period_start, service_end=need.period_end, days=1)
    data = {field: getattr(project, field) for field in services.DRAFT_FIELDS}
    services.update_project(
        project,
        by=officer,
        data=data,
        items=project.catalogue_items.all(),
        communities=project.communities.all(),
        criteria=RUBRIC,
        needs=[],
    )
    need.refresh_from_db()
    assert need.state == Need.State.ACCEPTED and need.project is None


@pytest.mark.django_db
def test_cancelling_after_the_deadline_waits_for_the_opening(make_project, officer, bidder, org_admin):
    project = make_project()
    submit_bid(project, bidder, org_admin)
    Project.objects.filter(pk=project.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(ProjectError):
        services.cancel_project(project, by=officer, reason="不想开标")
    project.refresh_from_db()
    assert project.state == Project.State.PUBLISHED


@pytest.mark.django_db
def test_service_must_start_after_the_deadline(officer, published, community):
    data = project_data()
    data["service_start"] = timezone.localdate(data["deadline"])
    with pytest.raises(ProjectError) as error:
        services.create_project(
            by=officer, data=data, items=published.items.all()[:1], communities=[community], criteria=RUBRIC
        )
    assert error.value.field == "service_start"


@pytest.mark.django_db
def test_unconfirmed_bidders_are_told_their_bid_did_not_count(
    make_project, bidder, org_admin, officer, django_capture_on_commit_callbacks
):
    project = make_project(method_code="consultation", days=15)
    submit_bid(project, bidder, org_admin)
    services.issue_addendum(project, by=officer, text="更正")
    open_now(project)
    assert org_admin.notices.filter(subject__contains=project.ref).count() >= 3
    assert AuditEvent.objects.filter(action="bid.withdraw", object_type="marketplace.bid").exists()


@pytest.mark.django_db
def test_an_entry_standard_used_by_an_open_call_cannot_change(client, make_project, officer, site):
    from marketplace.models import EntryStandard

    project = make_project()
    standard = project.entry_standard
    client.force_login(officer)
    url = f"/admin/entry-standards/edit/{standard.pk}/"
    response = client.post(
        url,
        {
            "name": standard.name,
            "description": "改为更严格",
            "required_track": "registered",
            "min_years_since_founding": "3",
            "qualification": "",
            "min_qualified_staff": "0",
            "min_performance_grade": "",
        },
    )
    assert response.status_code == 200
    assert project.ref in response.content.decode()
    standard.refresh_from_db()
    assert standard.required_track == "" and standard == EntryStandard.objects.get(pk=standard.pk)


@pytest.mark.django_db
def test_purchase_methods_keep_the_legal_floors_and_freeze_during_open_calls(make_project):
    from django.core.exceptions import ValidationError

    from marketplace.models import PurchaseMethod

    tender = PurchaseMethod.objects.get(code="public_tender")
    tender.min_period = 15
    with pytest.raises(ValidationError) as error:
        tender.full_clean()
    assert "min_period" in error.value.message_dict
    consultation = PurchaseMethod.objects.get(code="consultation")
    consultation.min_period = 12  # stricter than the law: fine
    consultation.full_clean()
    make_project(method_code="consultation", days=15)
    with pytest.raises(ValidationError):
        consultation.full_clean()


@pytest.mark.django_db
def test_the_bidder_downloads_its_document_with_plain_string_headers(client, make_project, bidder, org_admin):
    """A WSGI server (gunicorn, wsgiref) refuses header values that are str
    subclasses such as a TextChoices member; the test client does not."""
    from wsgiref.headers import Headers

    from marketplace.models import BidDocument

    project = make_project()
    submit_bid(project, bidder, org_admin)
    document = BidDocument.objects.get()
    client.force_login(org_admin)
    response = client.get(f"/org/{bidder.pk}/bids/{project.ref}/documents/{document.pk}/")
    assert response.status_code == 200
    for name, value in response.items():
        assert type(value) is str, name
    Headers(list(response.items()))  # what wsgiref checks
