"""marketplace.evaluation.permissions: each ``can_*`` refuses and allows, and
the award button shows exactly when the award service accepts."""

import datetime

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from marketplace.core import fsm
from marketplace.core.errors import DomainError
from marketplace.evaluation import permissions
from marketplace.evaluation.services import awards
from marketplace.evaluation.services import scoring as evaluation
from marketplace.models import Bid, CommitteeMember, ScoreSheet
from tests.evaluation_fixtures import (
    PASSWORD,
    award_top,
    declare_all,
    evaluated,
    form,
    qualify_all,
    report_and_confirm,
    score_all,
    serving,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def refused(decision, code):
    assert not decision and decision.reason, decision
    assert decision.code == code, (decision.code, decision.reason)


def chair_of(project):
    return next(m for m in serving(project) if m.is_chair)


def other_member(project):
    return next(m for m in serving(project) if not m.is_chair)


def bid_of(project, name):
    return Bid.objects.select_related("organization").get(project=project, organization__name=name)


@pytest.fixture
def formed(opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    return opened


@pytest.fixture
def ranked(opened, pool, officer):
    evaluated(opened, officer)
    opened.refresh_from_db()
    return opened


@pytest.fixture
def awarded(ranked, officer):
    award_top(ranked, officer)
    ranked.refresh_from_db()
    return ranked


# --- the committee ------------------------------------------------------------------------------------


def test_can_form_committee(opened, pool, officer):
    refused(permissions.can_form_committee(opened.admins[0], opened), "not_officer")
    assert permissions.can_form_committee(officer, opened)
    form(opened, officer)
    opened.refresh_from_db()
    refused(permissions.can_form_committee(officer, opened), "not_closed")


def test_can_set_chair_and_appoint_member(opened, pool, officer):
    refused(permissions.can_set_chair(officer, opened), "no_committee")
    form(opened, officer)
    opened.refresh_from_db()
    refused(permissions.can_set_chair(opened.admins[0], opened), "not_officer")
    assert permissions.can_set_chair(officer, opened)
    refused(permissions.can_appoint_member(officer, opened), "committee_complete")
    CommitteeMember.objects.filter(pk=other_member(opened).pk).update(status=CommitteeMember.Status.RECUSED)
    assert permissions.can_appoint_member(officer, opened)
    refused(permissions.can_appoint_member(opened.admins[0], opened), "not_officer")


def test_can_declare(formed, officer):
    member = chair_of(formed)
    refused(permissions.can_declare(officer, formed), "not_member")
    assert permissions.can_declare(member.evaluator.user, formed)
    declare_all(formed)
    refused(permissions.can_declare(member.evaluator.user, formed), "already_declared")


# --- qualification and scoring ------------------------------------------------------------------------------


def test_can_review_qualification(formed, officer):
    refused(permissions.can_review_qualification(formed.admins[0], formed), "not_officer")
    assert permissions.can_review_qualification(officer, formed)


def test_can_score_needs_a_declared_member_after_the_qualification(formed, officer):
    user = chair_of(formed).evaluator.user
    refused(permissions.can_score(officer, formed), "not_member")
    refused(permissions.can_score(user, formed), "not_declared")
    declare_all(formed)
    refused(permissions.can_score(user, formed), "qualification_pending")
    qualify_all(formed, officer)
    assert permissions.can_score(user, formed)


def test_the_scoring_service_refuses_with_the_same_code(formed, officer):
    declare_all(formed)
    bid = Bid.objects.filter(project=formed).first()
    with pytest.raises(DomainError) as refusal:
        evaluation.save_scores(formed, bid, by=chair_of(formed).evaluator.user, values={})
    assert refusal.value.code == "qualification_pending"
    assert refusal.value.message == permissions.can_score(chair_of(formed).evaluator.user, formed).reason


@pytest.fixture
def scored(formed, officer):
    declare_all(formed)
    qualify_all(formed, officer)
    score_all(formed)
    formed.refresh_from_db()
    return formed


def test_can_reopen_sheet_is_the_chairs(scored):
    sheet = ScoreSheet.objects.filter(member=other_member(scored)).select_related("member__committee__project").first()
    refused(permissions.can_reopen_sheet(other_member(scored).evaluator.user, sheet), "not_chair")
    assert permissions.can_reopen_sheet(chair_of(scored).evaluator.user, sheet)
    # the state machine's permission asks the same rule
    assert fsm.refusal(sheet.reopen, chair_of(scored).evaluator.user) is None
    assert fsm.refusal(sheet.reopen, other_member(scored).evaluator.user)[1] == "permission"
    evaluation.reopen_sheet(sheet, by=chair_of(scored).evaluator.user, reason="请补充理由")
    sheet.refresh_from_db()
    refused(permissions.can_reopen_sheet(chair_of(scored).evaluator.user, sheet), "not_submitted")


def test_can_confirm_deviation(scored):
    members = [m for m in serving(scored) if not m.is_chair]
    sheet = ScoreSheet.objects.filter(member=members[0]).select_related("member__committee__project", "bid").first()
    refused(permissions.can_confirm_deviation(chair_of(scored).evaluator.user, sheet), "not_flagged")
    ScoreSheet.objects.filter(pk=sheet.pk).update(flagged=True)
    sheet.refresh_from_db()
    assert permissions.can_confirm_deviation(chair_of(scored).evaluator.user, sheet)
    refused(permissions.can_confirm_deviation(members[1].evaluator.user, sheet), "not_confirmer")


# --- the report ---------------------------------------------------------------------------------------------


def test_can_generate_report_is_the_chairs_once(scored):
    refused(permissions.can_generate_report(other_member(scored).evaluator.user, scored), "not_chair")
    chair = chair_of(scored).evaluator.user
    assert permissions.can_generate_report(chair, scored)
    evaluation.generate_report(scored, by=chair)
    refused(permissions.can_generate_report(chair, scored), "report_exists")


def test_can_confirm_report_once_per_member(scored, officer):
    chair = chair_of(scored).evaluator.user
    report = evaluation.generate_report(scored, by=chair)
    refused(permissions.can_confirm_report(officer, report), "not_member")
    assert permissions.can_confirm_report(chair, report)
    evaluation.confirm_report(report, by=chair, password=PASSWORD)
    refused(permissions.can_confirm_report(chair, report), "already_confirmed")


# --- the award ----------------------------------------------------------------------------------------------


def test_can_award(scored, officer):
    refused(permissions.can_award(officer, scored), "report_unconfirmed")
    report_and_confirm(scored)
    refused(permissions.can_award(scored.admins[0], scored), "not_officer")
    assert permissions.can_award(officer, scored)
    award_top(scored, officer)
    scored.refresh_from_db()
    refused(permissions.can_award(officer, scored), "not_evaluating")


def test_the_award_service_raises_the_can_award_refusal(ranked):
    report = evaluation.current_report(ranked)
    with pytest.raises(awards.AwardError) as refusal:
        awards.award(ranked, report.recommended_bid, by=ranked.admins[1])
    assert refusal.value.code == "not_officer"


def test_can_record_decline_and_disqualify_ranked(ranked, officer):
    top = bid_of(ranked, "投标组织2")
    refused(permissions.can_record_decline(ranked.admins[0], top), "not_officer")
    refused(permissions.can_disqualify_ranked(ranked.admins[0], top), "not_officer")
    assert permissions.can_record_decline(officer, top)
    assert permissions.can_disqualify_ranked(officer, top)
    award_top(ranked, officer)
    top.refresh_from_db()
    loser = bid_of(ranked, "投标组织1")
    assert permissions.can_record_decline(officer, top)  # the winner may still decline
    refused(permissions.can_record_decline(officer, loser), "not_winner")
    refused(permissions.can_disqualify_ranked(officer, top), "not_evaluating")


def test_can_mark_contracted_after_the_challenge_period(awarded, officer):
    refused(permissions.can_mark_contracted(officer, awarded), "contract_blocked")
    live = awards.live_award(awarded)
    with time_machine.travel(live.challenge_deadline + datetime.timedelta(seconds=1), tick=False):
        assert permissions.can_mark_contracted(officer, awarded)
        refused(permissions.can_mark_contracted(awarded.admins[0], awarded), "not_officer")


# --- challenges ---------------------------------------------------------------------------------------------


def test_can_file_challenge(awarded):
    winner, loser = bid_of(awarded, "投标组织2"), bid_of(awarded, "投标组织1")
    refused(permissions.can_file_challenge(awarded.admins[1], winner), "own_award")
    refused(permissions.can_file_challenge(awarded.admins[2], loser), "not_member")
    assert permissions.can_file_challenge(awarded.admins[0], loser)


def test_can_answer_then_decide_challenge(awarded, officer):
    loser = bid_of(awarded, "投标组织1")
    challenge = awards.file_challenge(loser, by=awarded.admins[0], reasons="评分未按招标文件规定的标准进行")
    refused(permissions.can_answer_challenge(awarded.admins[0], challenge), "not_officer")
    assert permissions.can_answer_challenge(officer, challenge)
    refused(permissions.can_decide_challenge(officer, challenge), "not_answered")
    assert fsm.refusal(challenge.mark_answered, awarded.admins[0])[1] == "permission"
    challenge = awards.answer_challenge(challenge, by=officer, answer="已复核评分")
    refused(permissions.can_answer_challenge(officer, challenge), "answered")
    assert permissions.can_decide_challenge(officer, challenge)


# --- the award button shows exactly when the award service accepts -----------------------------------------


class _RollbackError(Exception):
    pass


def service_accepts(project, user):
    """Whether ``awards.award`` takes the next-in-line bid now (rolled back)."""
    report = evaluation.current_report(project)
    bid = report.next_in_line()[1] if report is not None else None
    bid = bid or Bid.objects.filter(project=project).first()
    try:
        with transaction.atomic():
            awards.award(project, bid, by=user, reason="次序在前的组织已放弃")
            raise _RollbackError
    except _RollbackError:
        return True
    except DomainError:
        return False


def button_shows(client, project, user):
    client.force_login(user)
    response = client.get(reverse("projects:evaluation", args=[project.ref]))
    assert response.status_code == 200
    return 'id="award-form"' in response.content.decode()


def assert_button_matches_service(client, project, user):
    project.refresh_from_db()
    allowed = "award" in permissions.available_actions(user, project)
    assert allowed == service_accepts(project, user)
    assert button_shows(client, project, user) == allowed
    return allowed


def test_the_award_button_shows_exactly_when_the_service_accepts(client, scored, officer):
    assert not assert_button_matches_service(client, scored, officer)  # the report is not out
    report_and_confirm(scored)
    assert assert_button_matches_service(client, scored, officer)
    for bid in Bid.objects.filter(project=scored, state=Bid.State.QUALIFIED):
        awards.record_decline(bid, by=officer, reason="书面声明放弃")
    assert not assert_button_matches_service(client, scored, officer)  # nobody left to award
