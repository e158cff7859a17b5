"""The procurement actor rules (``marketplace.procurement.permissions``): each
``can_*`` refuses the wrong user and allows the right one, and the project's
page offers an action exactly when its service accepts it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from marketplace.models import Bid, Project, PurchaseMethodChange
from marketplace.procurement import permissions
from marketplace.procurement.models.projects import PurchaseMethod
from marketplace.procurement.services import bids as bid_services
from marketplace.procurement.services import projects as services
from marketplace.procurement.services.bids import BidError
from marketplace.procurement.services.method_changes import MethodChangeError, approve_change, propose_change
from marketplace.procurement.services.projects import ProjectError
from tests.org_fixtures import pdf_bytes
from tests.project_fixtures import fill_bid, open_now, submit_bid


@pytest.fixture
def worker(make_user):
    return make_user("community_worker")


def _refused(decision):
    assert not decision and decision.reason
    return decision


# --- officers -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_can_manage_and_draft_are_for_officers(officer, worker):
    assert permissions.can_manage(officer) and permissions.can_draft(officer)
    assert permissions.can_use_workbench(officer) and not permissions.can_use_workbench(worker)
    assert _refused(permissions.can_manage(worker)).code == "permission"
    _refused(permissions.can_draft(worker))


@pytest.mark.django_db
def test_can_edit_a_draft_only(make_project, officer, worker):
    draft = make_project("draft")
    assert permissions.can_edit(officer, draft)
    _refused(permissions.can_edit(worker, draft))
    pending = services.submit_for_approval(draft, by=officer)
    assert _refused(permissions.can_edit(officer, pending)).code == "not_draft"


@pytest.mark.django_db
def test_can_submit_and_cancel_are_for_officers(make_project, officer, worker):
    project = make_project("draft")
    assert permissions.can_submit(officer, project) and permissions.can_cancel(officer, project)
    _refused(permissions.can_submit(worker, project))
    _refused(permissions.can_cancel(worker, project))


@pytest.mark.django_db
def test_can_approve_needs_a_second_officer(make_project, officer, second_officer, worker):
    project = make_project("pending_approval")
    assert _refused(permissions.can_approve(officer, project)).code == "four_eyes"  # the author
    assert _refused(permissions.can_approve(worker, project)).code == "permission"
    assert permissions.can_approve(second_officer, project)
    assert permissions.has_shaped(officer, project) and not permissions.has_shaped(second_officer, project)


@pytest.mark.django_db
def test_can_change_documents_of_a_draft_only(make_project, officer, worker):
    draft = make_project("draft")
    assert permissions.can_change_documents(officer, draft)
    _refused(permissions.can_change_documents(worker, draft))
    pending = services.submit_for_approval(draft, by=officer)
    assert _refused(permissions.can_change_documents(officer, pending)).code == "not_draft"


@pytest.mark.django_db
def test_can_issue_addendum_while_the_call_is_open(make_project, officer, worker):
    project = make_project("published")
    assert permissions.can_issue_addendum(officer, project)
    _refused(permissions.can_issue_addendum(worker, project))
    later = project.deadline + datetime.timedelta(seconds=1)
    assert _refused(permissions.can_issue_addendum(officer, project, later)).code == "call_closed"


@pytest.mark.django_db
def test_can_answer_an_open_question_once(make_project, officer, worker, bidder, org_admin):
    project = make_project("published")
    question = services.ask_question(project, organization=bidder, by=org_admin, question="几点开始？")
    assert permissions.can_answer(officer, question)
    _refused(permissions.can_answer(worker, question))
    services.answer_question(question, by=officer, answer="九点。")
    question.refresh_from_db()
    assert _refused(permissions.can_answer(officer, question)).code == "answered"


@pytest.mark.django_db
def test_can_retender_a_failed_project_once(make_project, officer, worker):
    project = open_now(make_project("published"))
    assert project.state == Project.State.FAILED
    assert permissions.can_retender(officer, project)
    _refused(permissions.can_retender(worker, project))
    copy = services.retender(project, by=officer)
    assert _refused(permissions.can_retender(officer, project)).code == "retendered"
    assert _refused(permissions.can_retender(officer, copy)).code == "state"


# --- organizations and bids ---------------------------------------------------------------------


@pytest.mark.django_db
def test_can_act_for_and_change_a_bid_are_for_members(make_project, bidder, org_admin, officer):
    project = make_project("published")
    bid = bid_services.start_bid(project, bidder, by=org_admin)
    assert permissions.can_act_for(org_admin, bidder) and permissions.can_change_bid(org_admin, bid)
    _refused(permissions.can_act_for(officer, bidder))
    _refused(permissions.can_change_bid(officer, bid))
    with pytest.raises(BidError) as refused:
        bid_services.save_bid(bid, by=officer, team="x")
    assert refused.value.code == "permission"


@pytest.mark.django_db
def test_bid_actions_show_exactly_when_the_service_accepts(make_project, bidder, org_admin, officer):
    project = make_project("published")
    bid = bid_services.start_bid(project, bidder, by=org_admin)
    fill_bid(bid, org_admin)
    bid = Bid.objects.get(pk=bid.pk)
    assert permissions.available_bid_actions(officer, bid) == set()
    assert permissions.available_bid_actions(org_admin, bid) == {"submit"}
    with pytest.raises(BidError):
        bid_services.withdraw_bid(bid, by=org_admin)
    bid_services.submit_bid(bid, by=org_admin)
    bid = Bid.objects.get(pk=bid.pk)
    assert permissions.available_bid_actions(org_admin, bid) == {"submit", "withdraw"}
    bid_services.withdraw_bid(bid, by=org_admin)


@pytest.mark.django_db
def test_withdrawing_a_draft_is_refused_with_the_state_code(make_project, bidder, org_admin):
    project = make_project("published")
    bid = bid_services.start_bid(project, bidder, by=org_admin)
    with pytest.raises(BidError) as refused:
        bid_services.withdraw_bid(bid, by=org_admin)
    assert refused.value.code == "state"


# --- purchase methods ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_method_changes_need_two_officers(officer, second_officer, worker, published):
    method = PurchaseMethod.objects.get(code="commission")
    assert permissions.can_propose_method_change(officer, method)
    _refused(permissions.can_propose_method_change(worker, method))
    change = propose_change(method, values={"min_period": method.min_period + 1}, by=officer)
    assert _refused(permissions.can_decide_method_change(officer, change)).code == "four_eyes"
    _refused(permissions.can_decide_method_change(worker, change))
    assert permissions.can_decide_method_change(second_officer, change)
    with pytest.raises(MethodChangeError) as refused:
        approve_change(change, by=officer)
    assert refused.value.code == "four_eyes"
    approve_change(change, by=second_officer)
    assert PurchaseMethodChange.objects.get(pk=change.pk).state == PurchaseMethodChange.State.APPROVED


# --- the project's page offers what the services accept -----------------------------------------


@pytest.mark.django_db
def test_draft_actions_match_the_services(make_project, officer, second_officer, worker):
    project = make_project("draft")
    assert permissions.available_actions(worker, project) == set()
    actions = permissions.available_actions(officer, project)
    assert actions == {"edit", "documents", "intention", "submit", "cancel"}
    # a colleague may send it too (and then may not approve it)
    assert permissions.available_actions(second_officer, project) == actions
    with pytest.raises(ProjectError) as refused:
        services.approve_project(project, by=second_officer)
    assert refused.value.code == "state"
    document = services.upload_project_document(
        project, by=officer, file=SimpleUploadedFile("a.pdf", pdf_bytes("a"), "application/pdf"), kind="call"
    )
    services.remove_project_document(document, by=officer)
    project = services.submit_for_approval(project, by=officer)
    assert "submit" not in permissions.available_actions(officer, project)


@pytest.mark.django_db
def test_approval_actions_match_the_services(make_project, officer, second_officer):
    project = make_project("pending_approval")
    assert permissions.available_actions(officer, project) == {"cancel"}
    with pytest.raises(ProjectError) as refused:
        services.approve_project(project, by=officer)
    assert refused.value.code == "permission"
    assert refused.value.message == str(permissions.SECOND_OFFICER)
    assert permissions.available_actions(second_officer, project) == {"approve", "return", "cancel"}
    services.approve_project(project, by=second_officer)


@pytest.mark.django_db
def test_published_actions_match_the_services(make_project, officer):
    project = make_project("published")
    assert permissions.available_actions(officer, project) == {"addendum", "cancel"}
    with pytest.raises(ProjectError) as refused:
        services.update_project(project, by=officer, data={}, items=[], communities=[], criteria=[])
    assert refused.value.code == "not_draft"
    services.issue_addendum(project, by=officer, text="服务时间调整。")


@pytest.mark.django_db
def test_cancel_is_not_offered_once_the_deadline_has_passed(make_project, officer):
    project = make_project("published")
    Project.objects.filter(pk=project.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    project.refresh_from_db()
    assert "cancel" not in permissions.available_actions(officer, project)
    with pytest.raises(ProjectError) as refused:
        services.cancel_project(project, by=officer, reason="预算调整")
    assert refused.value.code == "opening_due"
    with pytest.raises(ProjectError) as refused:
        services.issue_addendum(project, by=officer, text="迟了")
    assert refused.value.code == "call_closed"


@pytest.mark.django_db
def test_failed_actions_match_the_services(make_project, officer, bidder, org_admin):
    project = make_project("published")
    submit_bid(project, bidder, org_admin)
    project = open_now(project)
    assert project.state == Project.State.FAILED
    assert permissions.available_actions(officer, project) == {"retender"}
    with pytest.raises(ProjectError) as refused:
        services.cancel_project(project, by=officer, reason="x")
    assert refused.value.code == "state"
    services.retender(project, by=officer)
    assert permissions.available_actions(officer, project) == set()
