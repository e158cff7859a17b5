"""Award rules, result notices, challenges and the contract gate."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_fsm import can_proceed

from marketplace.evaluation.services import awards
from marketplace.evaluation.services import scoring as evaluation
from marketplace.evaluation.services.awards import AwardError
from marketplace.models import (
    AuditEvent,
    Award,
    Bid,
    Challenge,
    ChallengeDocument,
    EvaluationReport,
    Notice,
    Project,
    ScoreSheet,
)
from tests.evaluation_fixtures import award_top, evaluated
from tests.org_fixtures import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the msgids); zh-hans is the default."""
    from django.utils import translation

    with translation.override("en"):
        yield

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def ranked(opened, pool, officer):
    """Evaluated and confirmed: 投标组织2 (cheapest) ranks first, then 1, then 3."""
    evaluated(opened, officer)
    opened.refresh_from_db()
    return opened


def bid_of(project, name):
    return Bid.objects.select_related("organization").get(project=project, organization__name=name)


# --- award rules ------------------------------------------------------------------------------


def test_the_top_ranked_bid_is_awarded(ranked, officer, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        live = award_top(ranked, officer)
    ranked.refresh_from_db()
    assert ranked.state == Project.State.AWARDED
    assert live.bid.organization.name == "投标组织2" and live.rank == 1 and live.reason == ""
    assert live.price == Decimal("100000.00") and live.recommended_bid_id == live.bid_id
    states = dict(Bid.objects.filter(project=ranked).values_list("organization__name", "state"))
    assert states == {"投标组织1": "not_awarded", "投标组织2": "awarded", "投标组织3": "not_awarded"}
    event = AuditEvent.objects.get(action="award.made")
    assert event.details["rank"] == 1 and event.details["report_sha256"] == live.report.sha256
    # Every bidder hears (in-site and e-mail), each of its own result.
    letters = {admin.email: [m for m in mail.outbox if m.to == [admin.email]] for admin in ranked.admins}
    for admin in ranked.admins:
        assert Notice.objects.filter(user=admin, subject__contains=ranked.ref).exists()
        assert len(letters[admin.email]) == 1
        assert f"/org/{Bid.objects.get(project=ranked, organization__memberships__user=admin).organization_id}/" in (
            letters[admin.email][0].body
        )
    winner_mail = letters[ranked.admins[1].email][0]
    loser_mail = letters[ranked.admins[0].email][0]
    assert winner_mail.subject != loser_mail.subject


def test_an_officer_cannot_award_another_bid_than_the_top_ranked(ranked, officer):
    second = bid_of(ranked, "投标组织1")
    with pytest.raises(AwardError, match="highest-ranked"):
        awards.award(ranked, second, by=officer, reason="价格更合适")
    ranked.refresh_from_db()
    assert ranked.state == Project.State.EVALUATING and not Award.objects.exists()


def test_only_after_a_decline_the_next_may_be_awarded_and_only_with_a_reason(ranked, officer):
    top, second = bid_of(ranked, "投标组织2"), bid_of(ranked, "投标组织1")
    with pytest.raises(AwardError, match="reason"):
        awards.record_decline(top, by=officer, reason="")
    awards.record_decline(top, by=officer, reason="该组织书面声明放弃中标")
    with pytest.raises(AwardError, match="highest-ranked"):
        awards.award(ranked, top, by=officer)
    with pytest.raises(AwardError, match="recommended another bid"):
        awards.award(ranked, second, by=officer)
    live = awards.award(ranked, second, by=officer, reason="排名第一的组织放弃中标，依次确定排名第二的组织")
    assert live.rank == 2 and live.recommended_bid_id == top.pk and live.reason.startswith("排名第一")
    top.refresh_from_db()
    assert top.state == Bid.State.NOT_AWARDED


def test_a_disqualified_top_bid_passes_the_award_to_the_next(ranked, officer):
    top = bid_of(ranked, "投标组织2")
    awards.disqualify_ranked(top, by=officer, reason="提供的资质证书经核实为伪造")
    top.refresh_from_db()
    assert top.state == Bid.State.DISQUALIFIED and top.qualification.passed is False
    third = bid_of(ranked, "投标组织3")
    with pytest.raises(AwardError, match="投标组织1"):
        awards.award(ranked, third, by=officer, reason="x")
    live = awards.award(ranked, bid_of(ranked, "投标组织1"), by=officer, reason="第一名被取消资格")
    assert live.rank == 2


def test_no_award_without_a_confirmed_report(opened, pool, officer):
    from tests.evaluation_fixtures import declare_all, form, qualify_all, score_all, serving

    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    qualify_all(opened, officer)
    score_all(opened)
    chair = next(m for m in serving(opened) if m.is_chair)
    report = evaluation.generate_report(opened, by=chair.evaluator.user)
    with pytest.raises(AwardError, match="confirmed"):
        awards.award(opened, report.recommended_bid, by=officer)


def test_only_officers_award(ranked, pool):
    report = evaluation.current_report(ranked)
    from marketplace.procurement.services.projects import ProjectError

    with pytest.raises(ProjectError, match="procurement officers"):
        awards.award(ranked, report.recommended_bid, by=ranked.admins[1])
    assert not Award.objects.exists()


# --- working-day deadlines ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, expected",
    [
        # Before the National Day holiday (1–7 Oct 2026); Saturday 10 Oct is a make-up working day.
        (datetime.datetime(2026, 9, 30, 15, 0, tzinfo=SHANGHAI), datetime.date(2026, 10, 15)),
        # A plain week: Monday + 7 working days = the next Wednesday.
        (datetime.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), datetime.date(2026, 11, 11)),
        # From a Friday evening.
        (datetime.datetime(2026, 11, 6, 22, 0, tzinfo=SHANGHAI), datetime.date(2026, 11, 17)),
    ],
)
def test_challenge_deadlines_count_working_days(start, expected):
    end = awards.end_of_working_day(start, 7)
    local = timezone.localtime(end)
    assert local.date() == expected and (local.hour, local.minute) == (23, 59)


def test_the_award_sets_the_filing_period_and_a_challenge_its_answer_period(ranked, officer):
    with time_machine.travel(datetime.datetime(2026, 9, 30, 15, 0, tzinfo=SHANGHAI), tick=False):
        live = award_top(ranked, officer)
    assert timezone.localtime(live.challenge_deadline).date() == datetime.date(2026, 10, 15)
    loser = bid_of(ranked, "投标组织1")
    with time_machine.travel(datetime.datetime(2026, 10, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        challenge = awards.file_challenge(loser, by=ranked.admins[0], reasons="评分未按招标文件规定的标准进行")
        assert awards.working_time_left(challenge.answer_due) == 7
    # 9 Oct (Fri) + 7 working days: 10 (Sat, make-up), 12, 13, 14, 15, 16, 19.
    assert timezone.localtime(challenge.answer_due).date() == datetime.date(2026, 10, 19)


# --- challenges ------------------------------------------------------------------------------------


@pytest.fixture
def awarded(ranked, officer):
    award_top(ranked, officer)
    ranked.refresh_from_db()
    return ranked


def test_only_unsuccessful_bidders_challenge_within_the_period(awarded, officer):
    winner = bid_of(awarded, "投标组织2")
    with pytest.raises(AwardError, match="own award"):
        awards.file_challenge(winner, by=awarded.admins[1], reasons="我们认为分数太低了一些")
    loser = bid_of(awarded, "投标组织1")
    with pytest.raises(AwardError, match="members"):
        awards.file_challenge(loser, by=awarded.admins[2], reasons="冒充其他组织提出质疑")
    with pytest.raises(AwardError, match="10 characters"):
        awards.file_challenge(loser, by=awarded.admins[0], reasons="不服")
    live = awards.live_award(awarded)
    with time_machine.travel(live.challenge_deadline + datetime.timedelta(seconds=1), tick=False):
        with pytest.raises(AwardError, match="ended"):
            awards.file_challenge(loser, by=awarded.admins[0], reasons="评分未按招标文件规定的标准进行")
    assert not Challenge.objects.exists()
    with time_machine.travel(live.challenge_deadline - datetime.timedelta(minutes=1), tick=False):
        awards.file_challenge(loser, by=awarded.admins[0], reasons="评分未按招标文件规定的标准进行")
    with pytest.raises(AwardError, match="already filed"):
        awards.file_challenge(loser, by=awarded.admins[0], reasons="再次提出质疑的理由说明")


def test_a_challenge_keeps_its_documents_and_refuses_what_is_not_a_document(awarded):
    loser = bid_of(awarded, "投标组织3")
    fake = SimpleUploadedFile("证据.pdf", b"<html>not a pdf</html>", "application/pdf")
    with pytest.raises(AwardError):
        awards.file_challenge(loser, by=awarded.admins[2], reasons="评分未按招标文件规定的标准进行", files=[fake])
    assert not Challenge.objects.exists() and not ChallengeDocument.objects.exists()
    good = SimpleUploadedFile("证据.pdf", pdf_bytes("证据"), "application/pdf")
    challenge = awards.file_challenge(
        loser, by=awarded.admins[2], reasons="评分未按招标文件规定的标准进行", files=[good]
    )
    document = challenge.documents.get()
    assert document.original_name == "证据.pdf" and len(document.sha256) == 64


def test_answer_then_dismiss(awarded, officer):
    challenge = awards.file_challenge(
        bid_of(awarded, "投标组织1"), by=awarded.admins[0], reasons="评分未按招标文件规定的标准进行"
    )
    with pytest.raises(AwardError, match="Answer the challenge"):
        awards.decide_challenge(challenge, by=officer, upheld=False, reason="无依据")
    with pytest.raises(AwardError, match="answer"):
        awards.answer_challenge(challenge, by=officer, answer="  ")
    awards.answer_challenge(challenge, by=officer, answer="经复核，评分符合招标文件规定。")
    challenge.refresh_from_db()
    assert challenge.state == Challenge.State.ANSWERED
    awards.decide_challenge(challenge, by=officer, upheld=False, reason="质疑事项缺乏事实依据")
    challenge.refresh_from_db()
    assert challenge.state == Challenge.State.DISMISSED
    awarded.refresh_from_db()
    assert awarded.state == Project.State.AWARDED
    actions = list(AuditEvent.objects.filter(object_type="marketplace.challenge").values_list("action", flat=True))
    assert actions == ["challenge.filed", "challenge.mark_answered", "challenge.dismiss"]


def test_upheld_back_to_evaluation_reopens_the_sheets(awarded, officer):
    challenge = awards.file_challenge(
        bid_of(awarded, "投标组织1"), by=awarded.admins[0], reasons="评分未按招标文件规定的标准进行"
    )
    awards.answer_challenge(challenge, by=officer, answer="经复核，部分评分有误。")
    with pytest.raises(AwardError, match="Choose"):
        awards.decide_challenge(challenge, by=officer, upheld=True, reason="评分有误")
    awards.decide_challenge(challenge, by=officer, upheld=True, reason="评分有误，重新评审", remedy="reevaluate")
    awarded.refresh_from_db()
    assert awarded.state == Project.State.EVALUATING
    assert Award.objects.get().cancelled_at is not None
    assert set(Bid.objects.filter(project=awarded).values_list("state", flat=True)) == {"qualified"}
    assert not ScoreSheet.objects.filter(state=ScoreSheet.State.SUBMITTED).exists()
    assert evaluation.current_report(awarded) is None
    assert EvaluationReport.objects.filter(project=awarded).count() == 1
    assert AuditEvent.objects.filter(action="award.cancelled", reason="评分有误，重新评审").exists()


def test_upheld_cancel_cancels_the_project(awarded, officer):
    challenge = awards.file_challenge(
        bid_of(awarded, "投标组织3"), by=awarded.admins[2], reasons="中标组织不符合准入标准的要求"
    )
    awards.answer_challenge(challenge, by=officer, answer="经核实属实。")
    awards.decide_challenge(challenge, by=officer, upheld=True, reason="中标组织资格不符", remedy="cancel")
    awarded.refresh_from_db()
    assert awarded.state == Project.State.CANCELLED and awarded.cancel_reason == "中标组织资格不符"
    assert awards.live_award(awarded) is None


# --- the contract gate --------------------------------------------------------------------------------


def test_no_contract_while_the_challenge_period_runs(awarded, officer):
    assert "challenge period" in awards.contract_blocked_reason(awarded)
    assert not can_proceed(awarded.contract)
    with pytest.raises(AwardError, match="challenge period"):
        awards.mark_contracted(awarded, by=officer)
    awarded.refresh_from_db()
    assert awarded.state == Project.State.AWARDED


def test_no_contract_while_a_challenge_is_open_even_after_the_period(awarded, officer):
    live = awards.live_award(awarded)
    challenge = awards.file_challenge(
        bid_of(awarded, "投标组织1"), by=awarded.admins[0], reasons="评分未按招标文件规定的标准进行"
    )
    after = live.challenge_deadline + datetime.timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        assert awards.contract_blocked_reason(awarded) == "A challenge is open."
        with pytest.raises(AwardError, match="challenge is open"):
            awards.mark_contracted(awarded, by=officer)
        awards.answer_challenge(challenge, by=officer, answer="经复核，评分无误。")
        assert awards.contract_blocked_reason(awarded) == "A challenge is open."
        awards.decide_challenge(challenge, by=officer, upheld=False, reason="质疑不成立")
        assert awards.contract_blocked_reason(awarded) is None
        awarded.refresh_from_db()
        assert can_proceed(awarded.contract)
        awards.mark_contracted(awarded, by=officer)
    awarded.refresh_from_db()
    assert awarded.state == Project.State.CONTRACTED
