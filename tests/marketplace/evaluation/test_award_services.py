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
from marketplace.evaluation.services.scoring import EvaluationError
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
from tests.evaluation_fixtures import award_top, evaluated, report_and_confirm, score_all, serving, values_for
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
        awards.decide_challenge(
            challenge, by=officer, upheld=False, reason="无依据", public_summary="质疑事项的中性摘要。"
        )
    with pytest.raises(AwardError, match="answer"):
        awards.answer_challenge(challenge, by=officer, answer="  ")
    awards.answer_challenge(challenge, by=officer, answer="经复核，评分符合招标文件规定。")
    challenge.refresh_from_db()
    assert challenge.state == Challenge.State.ANSWERED
    awards.decide_challenge(
        challenge, by=officer, upheld=False, reason="质疑事项缺乏事实依据", public_summary="质疑事项的中性摘要。"
    )
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
        awards.decide_challenge(
            challenge, by=officer, upheld=True, reason="评分有误", public_summary="质疑事项的中性摘要。"
        )
    awards.decide_challenge(
        challenge,
        by=officer,
        upheld=True,
        reason="评分有误，重新评审",
        remedy="reevaluate",
        public_summary="质疑事项的中性摘要。",
    )
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
    awards.decide_challenge(
        challenge,
        by=officer,
        upheld=True,
        reason="中标组织资格不符",
        remedy="cancel",
        public_summary="质疑事项的中性摘要。",
    )
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
        awards.decide_challenge(
            challenge, by=officer, upheld=False, reason="质疑不成立", public_summary="质疑事项的中性摘要。"
        )
        assert awards.contract_blocked_reason(awarded) is None
        awarded.refresh_from_db()
        assert can_proceed(awarded.contract)
        awards.mark_contracted(awarded, by=officer)
    awarded.refresh_from_db()
    assert awarded.state == Project.State.CONTRACTED


# --- found in review ------------------------------------------------------------


def challenge(project, index, name):
    return awards.file_challenge(
        bid_of(project, name), by=project.admins[index], reasons="评分未按招标文件规定的标准进行"
    )


def test_an_open_challenge_against_a_cancelled_award_still_blocks_the_contract(awarded, officer):
    first = challenge(awarded, 0, "投标组织1")
    second = challenge(awarded, 2, "投标组织3")
    awards.answer_challenge(first, by=officer, answer="部分评分有误。")
    awards.decide_challenge(
        first, by=officer, upheld=True, reason="重新评审", remedy="reevaluate", public_summary="质疑事项的中性摘要。"
    )
    awarded.refresh_from_db()
    score_all(awarded)
    report_and_confirm(awarded)
    live = award_top(awarded, officer)
    with time_machine.travel(live.challenge_deadline + datetime.timedelta(minutes=1), tick=False):
        assert awards.contract_blocked_reason(awarded) == "A challenge is open."
        with pytest.raises(AwardError, match="challenge is open"):
            awards.mark_contracted(awarded, by=officer)
        awards.answer_challenge(second, by=officer, answer="已重新评审。")
        awards.decide_challenge(
            second, by=officer, upheld=False, reason="已按重新评审的结果处理", public_summary="质疑事项的中性摘要。"
        )
        assert awards.contract_blocked_reason(awarded) is None


def test_the_public_report_never_shows_sheets_of_a_running_re_evaluation(awarded, officer, settings):
    settings.RESULTS_PUBLISH_MEMBER_SCORES = True
    award = awards.live_award(awarded)
    assert evaluation.report_facts(awarded, award.report, public=True)["show_sheets"]
    first = challenge(awarded, 0, "投标组织1")
    awards.answer_challenge(first, by=officer, answer="部分评分有误。")
    awards.decide_challenge(
        first, by=officer, upheld=True, reason="重新评审", remedy="reevaluate", public_summary="质疑事项的中性摘要。"
    )
    awarded.refresh_from_db()
    member = serving(awarded)[0]
    bid = bid_of(awarded, "投标组织1")
    values = values_for(awarded, {})
    values = {pk: (score, "NEWSECRETREASON") for pk, (score, _reason) in values.items()}
    evaluation.save_scores(awarded, bid, by=member.evaluator.user, values=values, submit=True)
    award.report.refresh_from_db()
    facts = evaluation.report_facts(awarded, award.report, public=True)
    assert not facts["show_sheets"] and facts["sheets"] == []


def test_disqualifying_ranked_bids_below_the_minimum_fails_the_project(opened, pool, officer):
    evaluated(opened, officer)
    opened.refresh_from_db()
    assert opened.min_valid_bids == 2
    awards.disqualify_ranked(bid_of(opened, "投标组织2"), by=officer, reason="资质证书经核实为伪造")
    opened.refresh_from_db()
    assert opened.state == Project.State.EVALUATING  # two valid bids are left
    awards.disqualify_ranked(bid_of(opened, "投标组织1"), by=officer, reason="业绩材料经核实不实")
    opened.refresh_from_db()
    assert opened.state == Project.State.FAILED
    with pytest.raises(AwardError):
        awards.award(opened, bid_of(opened, "投标组织3"), by=officer, reason="前两名被取消资格")
    assert not Award.objects.exists()


@pytest.fixture
def chair_deviates(opened, pool, officer):
    from tests.evaluation_fixtures import declare_all, form, qualify_all

    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    qualify_all(opened, officer)
    members = serving(opened)
    chair_index = next(i for i, m in enumerate(members) if m.is_chair)
    score_all(opened, {(chair_index, "投标组织1"): {"服务方案": Decimal("10"), "团队与经验": Decimal("5")}})
    sheet = ScoreSheet.objects.get(member=members[chair_index], bid__organization__name="投标组织1")
    assert sheet.flagged
    return opened, members[chair_index], sheet


def test_the_chair_cannot_confirm_his_own_deviating_score(chair_deviates):
    project, chair, sheet = chair_deviates
    with pytest.raises(EvaluationError, match="another member"):
        evaluation.confirm_deviation(sheet, by=chair.evaluator.user, note="我认为我的评分合理")
    other = next(m for m in serving(project) if not m.is_chair)
    assert evaluation.may_confirm_deviation(other, sheet)
    evaluation.confirm_deviation(sheet, by=other.evaluator.user, note="组长理由充分：方案缺少应急预案")
    sheet.refresh_from_db()
    assert sheet.flag_confirmed_by == other.evaluator.user


def test_a_member_cannot_confirm_another_members_deviation(chair_deviates):
    project, chair, _sheet = chair_deviates
    members = [m for m in serving(project) if not m.is_chair]
    flagged_other = ScoreSheet.objects.filter(flagged=True, bid__organization__name="投标组织1").exclude(member=chair)
    for sheet in flagged_other:
        peer = next(m for m in members if m.pk != sheet.member_id)
        with pytest.raises(EvaluationError):
            evaluation.confirm_deviation(sheet, by=peer.evaluator.user, note="可以")


def test_cancelling_the_award_leaves_no_bid_awarded(awarded, officer):
    first = challenge(awarded, 2, "投标组织3")
    awards.answer_challenge(first, by=officer, answer="经核实属实。")
    awards.decide_challenge(
        first,
        by=officer,
        upheld=True,
        reason="中标组织资格不符",
        remedy="cancel",
        public_summary="质疑事项的中性摘要。",
    )
    assert not Bid.objects.filter(project=awarded, state=Bid.State.AWARDED).exists()


def test_the_winner_may_decline_after_the_award_and_the_next_is_awarded_with_a_reason(awarded, officer, site):
    winner = bid_of(awarded, "投标组织2")
    with pytest.raises(AwardError, match="awarded organization"):
        awards.record_decline(bid_of(awarded, "投标组织1"), by=officer, reason="不是中标人")
    awards.record_decline(winner, by=officer, reason="该组织书面声明放弃中标")
    awarded.refresh_from_db()
    assert awarded.state == Project.State.EVALUATING
    winner.refresh_from_db()
    assert winner.state == Bid.State.QUALIFIED and winner.declined_at is not None
    assert Award.objects.get().cancelled_at is not None
    with pytest.raises(AwardError, match="recommended another bid"):
        awards.award(awarded, bid_of(awarded, "投标组织1"), by=officer)
    live = awards.award(awarded, bid_of(awarded, "投标组织1"), by=officer, reason="第一名放弃中标，依次确定第二名")
    assert live.rank == 2
    from django.test import Client

    html = Client().get(f"/projects/{awarded.ref}/result/").content.decode()
    assert "第一名放弃中标，依次确定第二名" in html and "投标组织1" in html
    challenge_state = Challenge.objects.filter(project=awarded).count()
    assert challenge_state == 0


def form_inputs(html, form_id):
    """The inputs a browser would send from the form ``form_id``: hidden and
    text values as rendered, every checkbox ticked (the confirmations)."""
    from html.parser import HTMLParser

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside = False
            self.action = None
            self.data = {}

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and attrs.get("id") == form_id:
                self.inside, self.action = True, attrs.get("action")
            elif self.inside and tag == "input" and attrs.get("name"):
                kind = attrs.get("type", "text")
                if kind == "checkbox":
                    self.data[attrs["name"]] = attrs.get("value", "on")
                elif kind not in ("submit", "button"):
                    self.data[attrs["name"]] = attrs.get("value", "")

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False

    parser = Parser()
    parser.feed(html)
    assert parser.action, f"no form {form_id}"
    return parser.action, parser.data


def test_the_award_form_as_a_browser_sends_it_awards_the_project(opened, pool, officer, client, site):
    evaluated(opened, officer)
    client.force_login(officer)
    html = client.get(f"/work/projects/{opened.ref}/evaluation/").content.decode()
    action, data = form_inputs(html, "award-form")
    assert any(name.endswith("bid") for name in data), data  # the hidden bid field is in the page
    response = client.post(action, data)
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.state == Project.State.AWARDED


def test_every_bad_score_is_reported_at_once(opened, pool, officer, client):
    from tests.evaluation_fixtures import declare_all, form, qualify_all

    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    qualify_all(opened, officer)
    member = serving(opened)[0]
    bid = bid_of(opened, "投标组织1")
    plan, team = evaluation.score_criteria(opened)
    with pytest.raises(EvaluationError) as caught:
        evaluation.save_scores(
            opened, bid, by=member.evaluator.user, values={plan.pk: ("51", "理由"), team.pk: ("-1", "")}, submit=True
        )
    fields = [field for field, _message in caught.value.errors]
    assert fields == [f"score_{plan.pk}", f"score_{team.pk}", f"reason_{team.pk}"]
    client.force_login(member.evaluator.user)
    response = client.post(
        f"/evaluate/{opened.ref}/bids/{bid.pk}/",
        {f"score_{plan.pk}": "51", f"reason_{plan.pk}": "理由", f"score_{team.pk}": "-1", f"reason_{team.pk}": ""},
    )
    assert response.status_code == 200
    form_errors = response.context["score_form"].errors
    assert {f"score_{plan.pk}", f"score_{team.pk}", f"reason_{team.pk}"} <= set(form_errors)


def test_the_challenge_form_reports_short_grounds_and_the_missing_tick_together(awarded, client):
    loser = bid_of(awarded, "投标组织1")
    client.force_login(awarded.admins[0])
    response = client.post(
        f"/org/{loser.organization_id}/bids/{awarded.ref}/challenge/", {"reasons": "不服", "complete": "1"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "reasons" in errors and "confirm" in errors
    assert not Challenge.objects.exists()


def test_a_reopened_sheet_shows_the_member_why(opened, pool, officer, client):
    from tests.evaluation_fixtures import declare_all, form, qualify_all

    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    qualify_all(opened, officer)
    members = serving(opened)
    chair = next(m for m in members if m.is_chair)
    other = next(m for m in members if not m.is_chair)
    bid = bid_of(opened, "投标组织1")
    sheet = evaluation.save_scores(opened, bid, by=other.evaluator.user, values=values_for(opened, {}), submit=True)
    evaluation.reopen_sheet(sheet, by=chair.evaluator.user, reason="团队与经验的分数与理由不一致")
    client.force_login(other.evaluator.user)
    html = client.get(f"/evaluate/{opened.ref}/bids/{bid.pk}/").content.decode()
    assert "团队与经验的分数与理由不一致" in html


def test_after_the_period_the_result_page_no_longer_invites_challenges(awarded, client, site):
    live = awards.live_award(awarded)
    url = f"/projects/{awarded.ref}/result/"
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    during = client.get(url).content.decode()
    assert "may file a challenge" in during and "The challenge period ended" not in during
    with time_machine.travel(live.challenge_deadline + datetime.timedelta(minutes=1), tick=False):
        after = client.get(url).content.decode()
    assert "The challenge period ended" in after and "may file a challenge" not in after


def test_histories_name_people_not_accounts(awarded, officer, client):
    first = challenge(awarded, 0, "投标组织1")
    awards.answer_challenge(first, by=officer, answer="经复核，评分无误。")
    officer.full_name = "采购经办 王磊"
    officer.save()
    client.force_login(officer)
    html = client.get(f"/work/projects/{awarded.ref}/challenges/{first.pk}/").content.decode()
    assert "采购经办 王磊" in html
    html = client.get(f"/work/projects/{awarded.ref}/").content.decode()
    assert "evaluation.qualification_reviewed" not in html
