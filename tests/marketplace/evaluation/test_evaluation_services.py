"""Committee, declarations, qualification, scoring, ranking and the report."""

import datetime
from decimal import Decimal

import pytest

from marketplace.evaluation.services import committee
from marketplace.evaluation.services import scoring as evaluation
from marketplace.evaluation.services.committee import CommitteeError
from marketplace.evaluation.services.scoring import Entry, EvaluationError
from marketplace.models import (
    AuditEvent,
    Bid,
    CommitteeMember,
    EvaluationReport,
    Project,
    PurchaseMethod,
    ReportConfirmation,
    Score,
    ScoreSheet,
)
from marketplace.procurement.selectors import bids as bid_selectors
from marketplace.procurement.services.projects import ProjectError
from tests.evaluation_fixtures import (
    PASSWORD,
    declare_all,
    declare_none,
    form,
    qualify_all,
    report_and_confirm,
    score_all,
    serving,
    values_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the msgids); zh-hans is the default."""
    from django.utils import translation

    with translation.override("en"):
        yield


# --- committee ------------------------------------------------------------------------------


def test_committee_has_the_methods_size_and_one_chair(opened, pool, officer):
    c = form(opened, officer)
    opened.refresh_from_db()
    assert opened.state == Project.State.EVALUATING
    members = serving(opened)
    assert len(members) == c.size == opened.method.committee_size == 3
    assert sum(m.is_chair for m in members) == 1


@pytest.mark.parametrize("size", [2, 4])
def test_an_even_or_small_committee_size_is_refused(opened, pool, officer, size):
    PurchaseMethod.objects.filter(pk=opened.method_id).update(committee_size=max(size, 3) if size == 4 else 3)
    if size == 2:
        # The database refuses a committee under 3 outright.
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            PurchaseMethod.objects.filter(pk=opened.method_id).update(committee_size=2)
        return
    opened.method.refresh_from_db()
    with pytest.raises(CommitteeError, match="odd"):
        form(opened, officer)
    opened.refresh_from_db()
    assert opened.state == Project.State.CLOSED
    assert not CommitteeMember.objects.exists()


def test_the_draw_is_reproducible_from_its_recorded_seed(opened, pool, officer):
    form(opened, officer)
    event = AuditEvent.objects.get(action="committee.formed")
    drawn = event.details["drawn"]
    assert committee.redraw_from_event(event) == drawn
    assert committee.draw(event.details["seed"], list(reversed(event.details["candidates"])), 3) == drawn
    assert sorted(m.evaluator_id for m in serving(opened)) == sorted(drawn)
    # The unrelated expert (no expertise) was never a candidate.
    assert len(event.details["candidates"]) == 5


def test_the_same_seed_gives_the_same_members_and_another_seed_may_not():
    candidates = list(range(1, 30))
    assert committee.draw("abc", candidates, 5) == committee.draw("abc", candidates, 5)
    assert any(committee.draw(f"seed{n}", candidates, 5) != committee.draw("abc", candidates, 5) for n in range(5))


def test_too_small_a_pool_is_refused_and_nothing_changes(opened, make_evaluator, officer):
    categories = list(committee.default_expertise(opened))
    make_evaluator("专家A", categories)
    make_evaluator("专家B", categories)
    with pytest.raises(CommitteeError, match="Only 2 evaluators"):
        form(opened, officer)
    opened.refresh_from_db()
    assert opened.state == Project.State.CLOSED


def test_named_appointment_needs_a_reason_and_bidders_cannot_sit(opened, pool, officer, make_evaluator):
    with pytest.raises(CommitteeError, match="reason"):
        form(opened, officer, appointments=[(pool[0], "  ")])
    bidder_member = opened.admins[1]
    from django.contrib.auth.models import Group

    bidder_member.groups.add(Group.objects.get(name="evaluator"))
    insider = type(pool[0]).objects.create(user=bidder_member, name="投标方成员")
    insider.expertise.set(committee.default_expertise(opened))
    with pytest.raises(CommitteeError, match="cannot serve"):
        form(opened, officer, appointments=[(insider, "熟悉该领域")])
    c = form(opened, officer, appointments=[(pool[0], "唯一的养老服务评估专家")])
    chair = c.members.get(is_chair=True)
    assert chair.evaluator == pool[0] and chair.selection == CommitteeMember.Selection.APPOINTED
    assert insider.pk not in AuditEvent.objects.get(action="committee.formed").details["candidates"]


def test_only_officers_form_committees(opened, pool):
    with pytest.raises(ProjectError, match="procurement officers"):
        form(opened, pool[0].user)
    assert not CommitteeMember.objects.exists()


# --- declarations -----------------------------------------------------------------------------


def test_a_member_who_has_not_declared_reads_nothing(opened, pool, officer):
    form(opened, officer)
    member = serving(opened)[0]
    user = member.evaluator.user
    assert not bid_selectors.bids_for(user).exists()
    assert not bid_selectors.scored_bids(user, opened).exists()
    assert not bid_selectors.versions_for(user).exists()
    assert not bid_selectors.documents_for(user).exists()
    qualify_all(opened, officer)
    bid = Bid.objects.filter(project=opened).first()
    with pytest.raises(EvaluationError, match="Declare"):
        evaluation.save_scores(opened, bid, by=user, values=values_for(opened, {}), submit=True)
    declare_none(opened, member)
    assert bid_selectors.scored_bids(user, opened).count() == 3
    assert bid_selectors.documents_for(user).count() == 3


def test_a_conflict_removes_the_member_and_draws_a_replacement(opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    member = next(m for m in serving(opened) if not m.is_chair)
    bids = committee.bidders_to_declare(opened)
    answers = {bid.pk: ("none", "") for bid in bids}
    answers[bids[0].pk] = ("family", "配偶在该机构任理事")
    committee.declare(opened, by=member.evaluator.user, answers=answers)
    member.refresh_from_db()
    assert member.status == CommitteeMember.Status.RECUSED
    members = serving(opened)
    assert len(members) == 3 and member not in members
    replacement = next(m for m in members if m.selection == CommitteeMember.Selection.REPLACEMENT)
    event = AuditEvent.objects.get(action="committee.replacement_drawn")
    assert event.details["drawn"] == [replacement.evaluator_id]
    assert committee.redraw_from_event(event) == [replacement.evaluator_id]
    assert member.evaluator_id not in event.details["candidates"]
    # The withdrawn member reads nothing and cannot score.
    qualify_all(opened, officer)
    user = member.evaluator.user
    assert not bid_selectors.scored_bids(user, opened).exists()
    assert not bid_selectors.bids_for(user).exists()
    with pytest.raises(EvaluationError, match="not serving"):
        evaluation.save_scores(opened, bids[1], by=user, values=values_for(opened, {}), submit=True)
    assert not ScoreSheet.objects.exists()


def test_a_declaration_must_cover_every_bidder_and_explain_a_conflict(opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    member = serving(opened)[0]
    bids = committee.bidders_to_declare(opened)
    with pytest.raises(CommitteeError, match="every bidder"):
        committee.declare(opened, by=member.evaluator.user, answers={bids[0].pk: ("none", "")})
    answers = {bid.pk: ("none", "") for bid in bids}
    answers[bids[0].pk] = ("financial", "")
    with pytest.raises(CommitteeError, match="Describe"):
        committee.declare(opened, by=member.evaluator.user, answers=answers)
    member.refresh_from_db()
    assert member.declared_at is None and member.status == CommitteeMember.Status.ACTIVE


def test_a_chair_with_a_conflict_hands_the_chair_to_the_replacement(opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    chair = next(m for m in serving(opened) if m.is_chair)
    bids = committee.bidders_to_declare(opened)
    answers = {bid.pk: ("employment", "两年前在此任职") for bid in bids}
    committee.declare(opened, by=chair.evaluator.user, answers=answers)
    chairs = [m for m in serving(opened) if m.is_chair]
    assert len(chairs) == 1 and chairs[0].selection == CommitteeMember.Selection.REPLACEMENT


# --- qualification ---------------------------------------------------------------------------------


def test_failed_bids_are_not_scored(opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    qualify_all(opened, officer, failing=("投标组织3",))
    failed = Bid.objects.get(project=opened, organization__name="投标组织3")
    assert failed.state == Bid.State.DISQUALIFIED
    assert failed.qualification.reason == "缺少资质"
    member = serving(opened)[0]
    with pytest.raises(EvaluationError, match="qualified"):
        evaluation.save_scores(opened, failed, by=member.evaluator.user, values=values_for(opened, {}), submit=True)
    assert failed not in bid_selectors.scored_bids(member.evaluator.user, opened)


def test_too_few_qualified_bids_fail_the_project(opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    assert opened.min_valid_bids == 2
    qualify_all(opened, officer, failing=("投标组织2", "投标组织3"))
    opened.refresh_from_db()
    assert opened.state == Project.State.FAILED


def test_qualification_needs_reasons_for_every_bid(opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    decisions = {bid.pk: (True, "") for bid in evaluation.opened_bids(opened)}
    with pytest.raises(EvaluationError, match="reasons"):
        evaluation.review_qualification(opened, by=officer, decisions=decisions)
    assert Bid.objects.filter(project=opened, state=Bid.State.OPENED).count() == 3


def test_the_entry_standard_result_cannot_be_overridden(opened, pool, officer, monkeypatch):
    form(opened, officer)
    opened.refresh_from_db()
    from marketplace.organizations.services import entry_standards

    failing = entry_standards.RuleResult("status", False, "未通过审核")
    real = entry_standards.check

    def check(standard, organization, **kwargs):
        result = real(standard, organization, **kwargs)
        if organization.name == "投标组织1":
            result.results.append(failing)
        return result

    monkeypatch.setattr(entry_standards, "check", check)
    qualify_all(opened, officer)
    bid = Bid.objects.get(project=opened, organization__name="投标组织1")
    assert bid.state == Bid.State.DISQUALIFIED
    assert bid.qualification.entry_problems == ["未通过审核"] and bid.qualification.manual_passed


# --- scoring ------------------------------------------------------------------------------------------


@pytest.fixture
def scoring(opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    declare_all(opened)
    qualify_all(opened, officer)
    return opened


@pytest.mark.parametrize(
    "score, reason, message",
    [
        ("51", "理由", "between 0 and 50"),
        ("-1", "理由", "between 0 and 50"),
        ("abc", "理由", "number"),
        ("10.123", "理由", "two decimals"),
        ("10", "", "reason"),
        ("NaN", "理由", "number"),
    ],
)
def test_bad_scores_are_refused_and_nothing_is_saved(scoring, score, reason, message):
    member = serving(scoring)[0]
    bid = Bid.objects.filter(project=scoring).first()
    values = values_for(scoring, {})
    criterion = next(c for c in evaluation.score_criteria(scoring) if c.name == "服务方案")
    values[criterion.pk] = (score, reason)
    with pytest.raises(EvaluationError, match=message):
        evaluation.save_scores(scoring, bid, by=member.evaluator.user, values=values, submit=True)
    assert not Score.objects.exists()
    assert not ScoreSheet.objects.filter(state=ScoreSheet.State.SUBMITTED).exists()


def test_a_submitted_sheet_is_locked_until_the_chair_reopens_it(scoring):
    members = serving(scoring)
    chair = next(m for m in members if m.is_chair)
    other = next(m for m in members if not m.is_chair)
    bid = Bid.objects.filter(project=scoring).first()
    sheet = evaluation.save_scores(scoring, bid, by=other.evaluator.user, values=values_for(scoring, {}), submit=True)
    with pytest.raises(EvaluationError, match="locked"):
        evaluation.save_scores(scoring, bid, by=other.evaluator.user, values=values_for(scoring, {"服务方案": 1}))
    with pytest.raises(EvaluationError, match="chair"):
        evaluation.reopen_sheet(sheet, by=other.evaluator.user, reason="改一下")
    with pytest.raises(EvaluationError, match="reason"):
        evaluation.reopen_sheet(sheet, by=chair.evaluator.user, reason=" ")
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.SUBMITTED
    evaluation.reopen_sheet(sheet, by=chair.evaluator.user, reason="服务方案分数录入错误")
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.DRAFT and sheet.reopened_count == 1
    event = AuditEvent.objects.filter(action="scoresheet.reopen").get()
    assert event.reason == "服务方案分数录入错误" and event.actor == chair.evaluator.user
    evaluation.save_scores(
        scoring, bid, by=other.evaluator.user, values=values_for(scoring, {"服务方案": 30}), submit=True
    )
    assert Score.objects.get(sheet=sheet, criterion__name="服务方案").value == 30


def test_others_scores_are_hidden_until_the_member_submits(scoring):
    a, b = serving(scoring)[:2]
    bid = Bid.objects.filter(project=scoring).first()
    evaluation.save_scores(scoring, bid, by=a.evaluator.user, values=values_for(scoring, {}), submit=True)
    evaluation.save_scores(scoring, bid, by=b.evaluator.user, values=values_for(scoring, {}), submit=False)
    assert evaluation.member_sheets_visible(a, bid)
    assert not evaluation.member_sheets_visible(b, bid)


def test_a_deviating_score_is_flagged_and_blocks_the_report_until_the_chair_confirms(scoring):
    # Others give 65; 40 is 25 from their mean (flagged), while theirs are
    # 12.5 from the mean of 65 and 40 (not flagged).
    low = {"服务方案": Decimal("20"), "团队与经验": Decimal("20")}
    score_all(scoring, {(2, "投标组织1"): low})
    flagged = ScoreSheet.objects.filter(flagged=True)
    assert flagged.count() == 1
    sheet = flagged.get()
    assert sheet.bid.organization.name == "投标组织1" and sheet.total == Decimal("40.00")
    chair = next(m for m in serving(scoring) if m.is_chair)
    with pytest.raises(EvaluationError, match="deviating"):
        evaluation.generate_report(scoring, by=chair.evaluator.user)
    evaluation.confirm_deviation(sheet, by=chair.evaluator.user, note="该专家理由充分：方案缺少应急预案")
    report = evaluation.generate_report(scoring, by=chair.evaluator.user)
    assert report.pdf.read(4) == b"%PDF"


def test_within_the_margin_nothing_is_flagged(scoring):
    score_all(scoring, {(2, "投标组织1"): {"服务方案": Decimal("30"), "团队与经验": Decimal("25")}})
    assert not ScoreSheet.objects.filter(flagged=True).exists()


@pytest.mark.parametrize(
    "totals, margin, expected",
    [
        ([Decimal(60), Decimal(62), Decimal(61)], Decimal(20), [False, False, False]),
        ([Decimal(60), Decimal(62), Decimal(30)], Decimal(20), [False, False, True]),
        ([Decimal(60), Decimal(40), Decimal(40)], Decimal(20), [False, False, False]),  # exactly the margin
        ([Decimal(60), Decimal(39), Decimal(40)], Decimal(20), [True, False, False]),
    ],
)
def test_deviation_table(totals, margin, expected):
    assert evaluation.deviations(totals, margin) == expected


# --- price formula and ranking ---------------------------------------------------------------------


def test_price_score_formula():
    assert evaluation.price_score(Decimal("100000"), Decimal("100000"), Decimal("20")) == Decimal("20.00")
    assert evaluation.price_score(Decimal("100000"), Decimal("120000"), Decimal("20")) == Decimal("16.67")
    assert evaluation.price_score(Decimal("90000"), Decimal("140000"), Decimal("30")) == Decimal("19.29")


def _entry(pk, price, totals, minute=0):
    return Entry(
        pk,
        f"组织{pk}",
        Decimal(price),
        [Decimal(t) for t in totals],
        submitted_at=datetime.datetime(2026, 1, 1, 9, minute, tzinfo=datetime.UTC),
    )


@pytest.mark.parametrize(
    "entries, order, totals",
    [
        # plain: the higher total wins
        ([_entry(1, "100", [60, 62]), _entry(2, "100", [70, 70])], [2, 1], ["81.00", "90.00"]),
        # price: the cheaper bid gets the full price weight
        ([_entry(1, "200", [70, 70]), _entry(2, "100", [70, 70])], [2, 1], ["80.00", "90.00"]),
        # equal totals: the lower price ranks first
        ([_entry(1, "100", [60, 60]), _entry(2, "125", [64, 64])], [1, 2], ["80.00", "80.00"]),
        # equal totals and prices: the higher non-price score ranks first (only possible with rounding)
        ([_entry(1, "300", [50, 50]), _entry(2, "300", [50, 50], minute=1)], [1, 2], ["70.00", "70.00"]),
        # mean of members
        ([_entry(1, "100", [50, 61, 72])], [1], ["81.00"]),
    ],
)
def test_ranking_table(entries, order, totals):
    ranked = evaluation.rank(entries, Decimal("20"))
    assert [e.bid_id for e in ranked] == order
    assert [e.rank for e in ranked] == list(range(1, len(order) + 1))
    assert sorted(f"{e.total:.2f}" for e in ranked) == sorted(totals)


def test_ties_on_total_and_price_fall_to_the_higher_non_price_score():
    # Price scores that round to the same cent, totals equal after rounding.
    a = Entry(1, "甲", Decimal("100"), [Decimal("60.00")])
    b = Entry(2, "乙", Decimal("100"), [Decimal("60.01"), Decimal("59.99")])
    ranked = evaluation.rank([a, b], Decimal("20"))
    assert ranked[0].total == ranked[1].total and ranked[0].non_price == ranked[1].non_price
    c = Entry(3, "丙", Decimal("100"), [Decimal("61")])
    d = Entry(4, "丁", Decimal("99"), [Decimal("60")])
    ranked = evaluation.rank([c, d], Decimal("20"))
    # d: 20 + 60 = 80.00; c: 19.80 + 61 = 80.80
    assert [e.bid_id for e in ranked] == [3, 4]


def test_ranking_of_a_scored_project(scoring):
    score_all(scoring)
    ranked = evaluation.ranking(scoring)
    # Same non-price (65) for all: the cheapest (100,000) ranks first.
    assert [e.organization for e in ranked] == ["投标组织2", "投标组织1", "投标组织3"]
    assert [f"{e.price_score}" for e in ranked] == ["20.00", "16.67", "14.29"]
    assert ranked[0].total == Decimal("85.00")


# --- the report --------------------------------------------------------------------------------------


def test_only_the_chair_generates_the_report_once_every_sheet_is_in(scoring):
    members = serving(scoring)
    chair = next(m for m in members if m.is_chair)
    other = next(m for m in members if not m.is_chair)
    with pytest.raises(EvaluationError, match="not submitted"):
        evaluation.generate_report(scoring, by=chair.evaluator.user)
    score_all(scoring)
    with pytest.raises(EvaluationError, match="chair"):
        evaluation.generate_report(scoring, by=other.evaluator.user)
    assert not EvaluationReport.objects.exists()
    report = evaluation.generate_report(scoring, by=chair.evaluator.user)
    assert report.ranking[0]["organization"] == "投标组织2"
    assert report.recommended_bid.organization.name == "投标组织2"


def test_confirmation_needs_the_password_and_is_recorded(scoring):
    score_all(scoring)
    members = serving(scoring)
    chair = next(m for m in members if m.is_chair)
    report = evaluation.generate_report(scoring, by=chair.evaluator.user)
    with pytest.raises(EvaluationError, match="password"):
        evaluation.confirm_report(report, by=members[0].evaluator.user, password="wrong")
    assert not ReportConfirmation.objects.exists()
    report = report_and_confirm_rest(scoring, report, members)
    assert report.confirmed_at is not None
    assert ReportConfirmation.objects.filter(report=report).count() == 3
    assert AuditEvent.objects.filter(action="evaluationreport.confirmed").count() == 3


def report_and_confirm_rest(project, report, members):
    for member in members:
        report = evaluation.confirm_report(report, by=member.evaluator.user, password=PASSWORD)
    report.refresh_from_db()
    return report


def test_the_report_pdf_embeds_the_chinese_font_and_the_scores(scoring, tmp_path):
    import subprocess

    score_all(scoring)
    report = report_and_confirm(scoring)
    path = tmp_path / "report.pdf"
    path.write_bytes(report.pdf.open("rb").read())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "评审报告" in text and "投标组织2" in text and "85.00" in text and "服务方案的理由" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "emb" in fonts.splitlines()[0] and " yes " in fonts


def test_reopening_a_sheet_supersedes_the_report(scoring):
    score_all(scoring)
    report = report_and_confirm(scoring)
    chair = next(m for m in serving(scoring) if m.is_chair)
    sheet = ScoreSheet.objects.filter(member=chair).first()
    evaluation.reopen_sheet(sheet, by=chair.evaluator.user, reason="复核后需要更正")
    report.refresh_from_db()
    assert report.superseded_at is not None
    assert evaluation.current_report(scoring) is None
