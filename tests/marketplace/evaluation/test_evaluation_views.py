"""The evaluators' workspace (/evaluate/): refused readers (sign-in, 403,
404 without a seat), the declaration, scoring with the sealed-scores rule,
the chair's actions, the report and its confirmation, through the views.
Bad input shows its error, keeps what was typed and changes nothing."""

import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.evaluation.services import committee
from marketplace.evaluation.services import scoring as evaluation
from marketplace.models import (
    Bid,
    Committee,
    CommitteeMember,
    Declaration,
    EvaluationReport,
    ReportConfirmation,
    Score,
    ScoreSheet,
)
from tests.evaluation_fixtures import (
    PASSWORD,
    declare_all,
    declare_none,
    form,
    qualify_all,
    score_all,
    serving,
)
from tests.project_fixtures import bare_project

pytestmark = pytest.mark.django_db

DISTINCT_REASON = "方案细致入微-只此一份的理由"


# --- helpers ---------------------------------------------------------------------------------------


def page_text(response):
    return html.unescape(response.content.decode())


def field_errors(response, auto_id):
    """The error text shown next to the field whose id is ``auto_id``."""
    found = re.search(rf'<div id="{re.escape(auto_id)}_error">(.*?)</div>', response.content.decode(), re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def input_value(response, name):
    found = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', response.content.decode())
    assert found, f"no input {name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


def textarea_value(response, name):
    found = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', response.content.decode(), re.S)
    assert found, f"no textarea {name}"
    return html.unescape(found.group(1)).strip()


def checked_radio(response, name):
    for tag in re.findall(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', response.content.decode()):
        if "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def u(name, project, *args):
    return reverse(f"evaluate:{name}", args=[project.ref, *args])


def login(client, member):
    client.force_login(member.evaluator.user)
    return client


def chair_of(project):
    return next(m for m in serving(project) if m.is_chair)


def others_of(project):
    return [m for m in serving(project) if not m.is_chair]


def qualified(project):
    return list(Bid.objects.filter(project=project, state=Bid.State.QUALIFIED).select_related("organization"))


def declaration_data(project, overrides=None, *, confirm=True):
    data = {}
    for bid in committee.bidders_to_declare(project):
        data[f"relationship_{bid.pk}"] = "none"
        data[f"detail_{bid.pk}"] = ""
    data.update(overrides or {})
    if confirm:
        data["confirm"] = "on"
    return data


def score_data(project, scores=None, *, action="save", confirm=False, reason=None):
    """Form data: ``scores`` {criterion name: score as typed}; every reason filled in."""
    scores = scores or {}
    data = {"action": action}
    for criterion in evaluation.score_criteria(project):
        data[f"score_{criterion.pk}"] = scores.get(criterion.name, "20")
        data[f"reason_{criterion.pk}"] = reason or f"{criterion.name}：响应充分"
    if confirm:
        data["confirm"] = "on"
    return data


@pytest.fixture
def committee_formed(opened, pool, officer):
    form(opened, officer)
    opened.refresh_from_db()
    return opened


@pytest.fixture
def scoring(committee_formed, officer):
    """Every member declared none; every bid qualified; nothing scored yet."""
    declare_all(committee_formed)
    qualify_all(committee_formed, officer)
    committee_formed.refresh_from_db()
    return committee_formed


@pytest.fixture
def scored(scoring):
    score_all(scoring)
    return scoring


@pytest.fixture
def outsider(make_evaluator, pool):
    """An evaluator with the expertise who sits on no committee."""
    return make_evaluator("局外专家", list(pool[0].expertise.all()))


# --- who may come in ---------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_sign_in(client, committee_formed):
    for path in (reverse("evaluate:index"), u("project", committee_formed)):
        response = client.get(path)
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_users_without_the_evaluator_role_get_403(client, committee_formed, officer, org_admin):
    for user in (officer, org_admin):
        client.force_login(user)
        assert client.get(reverse("evaluate:index")).status_code == 403
        assert client.get(u("project", committee_formed)).status_code == 403
        assert client.post(u("declare", committee_formed), declaration_data(committee_formed)).status_code == 403


def test_an_evaluator_without_a_seat_gets_404_everywhere(client, scored, outsider):
    report = evaluation.generate_report(scored, by=chair_of(scored).evaluator.user)
    bid = qualified(scored)[0]
    document = bid.current_version.documents.first()
    sheet = ScoreSheet.objects.filter(bid=bid).first()
    client.force_login(outsider.user)
    assert client.get(reverse("evaluate:index")).status_code == 200
    for path in (
        u("project", scored),
        u("bid", scored, bid.pk),
        u("bid_document", scored, bid.pk, document.pk),
        u("report_pdf", scored, report.number),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(u("confirm_report", scored), {"confirm-report-password": PASSWORD}).status_code == 404
    assert client.post(u("reopen", scored, sheet.pk), {f"reopen-{sheet.pk}-reason": "x"}).status_code == 404
    assert not ReportConfirmation.objects.exists()
    assert ScoreSheet.objects.get(pk=sheet.pk).state == ScoreSheet.State.SUBMITTED


def test_a_missing_project_is_404(client, committee_formed):
    login(client, serving(committee_formed)[0])
    assert client.get(reverse("evaluate:project", args=["NO-SUCH-REF"])).status_code == 404


# --- the declaration ---------------------------------------------------------------------------------------


def test_an_undeclared_member_sees_the_declaration_form_and_no_bid(client, committee_formed, officer):
    qualify_all(committee_formed, officer)
    member = serving(committee_formed)[0]
    login(client, member)
    response = client.get(u("project", committee_formed))
    assert response.status_code == 200
    text = page_text(response)
    for bid in committee.bidders_to_declare(committee_formed):
        assert bid.organization.name in text
        assert f'name="relationship_{bid.pk}"' in text
        assert f'name="detail_{bid.pk}"' in text
    assert 'name="confirm"' in text
    assert "¥" not in text  # no price
    bid = qualified(committee_formed)[0]
    assert client.get(u("bid", committee_formed, bid.pk)).status_code == 404
    document = bid.current_version.documents.first()
    assert client.get(u("bid_document", committee_formed, bid.pk, document.pk)).status_code == 404


def test_declaring_no_relationship_through_the_form_opens_the_bids(client, committee_formed, officer):
    member = serving(committee_formed)[0]
    login(client, member)
    response = client.post(u("declare", committee_formed), declaration_data(committee_formed))
    assert response.status_code == 302 and response["Location"] == u("project", committee_formed)
    member.refresh_from_db()
    assert member.declared_at is not None and member.active
    assert Declaration.objects.filter(member=member, relationship="none").count() == 3
    # Before the qualification review: nothing to score yet.
    waiting = page_text(client.get(u("project", committee_formed)))
    assert 'name="relationship_' not in waiting
    assert "/bids/" not in waiting
    qualify_all(committee_formed, officer)
    text = page_text(client.get(u("project", committee_formed)))
    for bid in qualified(committee_formed):
        assert u("bid", committee_formed, bid.pk) in text
        assert bid.organization.name in text
    assert client.get(u("bid", committee_formed, qualified(committee_formed)[0].pk)).status_code == 200


def test_a_declared_conflict_withdraws_the_member_and_shows_no_bids(client, committee_formed, officer):
    member = serving(committee_formed)[0]
    target = committee.bidders_to_declare(committee_formed)[0]
    login(client, member)
    data = declaration_data(
        committee_formed, {f"relationship_{target.pk}": "employment", f"detail_{target.pk}": "2024年曾在该机构任职"}
    )
    response = client.post(u("declare", committee_formed), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.status == CommitteeMember.Status.RECUSED
    assert len(serving(committee_formed)) == 3  # a replacement was drawn
    assert member not in serving(committee_formed)
    qualify_all(committee_formed, officer)
    response = client.get(u("project", committee_formed))
    assert response.status_code == 200
    text = page_text(response)
    for bid in committee.bidders_to_declare(committee_formed):
        assert bid.organization.name not in text
        assert u("bid", committee_formed, bid.pk) not in text
    assert 'name="relationship_' not in text
    assert client.get(u("bid", committee_formed, qualified(committee_formed)[0].pk)).status_code == 404


def test_a_missing_answer_is_refused_and_nothing_is_declared(client, committee_formed):
    member = serving(committee_formed)[0]
    bids = committee.bidders_to_declare(committee_formed)
    login(client, member)
    data = declaration_data(committee_formed)
    del data[f"relationship_{bids[1].pk}"]
    response = client.post(u("declare", committee_formed), data)
    assert response.status_code == 200
    assert bids[1].organization.name in field_errors(response, f"id_relationship_{bids[1].pk}")
    assert checked_radio(response, f"relationship_{bids[0].pk}") == "none"  # typed values kept
    member.refresh_from_db()
    assert member.declared_at is None
    assert not Declaration.objects.exists()


def test_a_relationship_without_details_or_an_unticked_box_is_refused(client, committee_formed):
    member = serving(committee_formed)[0]
    bid = committee.bidders_to_declare(committee_formed)[2]
    login(client, member)
    response = client.post(
        u("declare", committee_formed), declaration_data(committee_formed, {f"relationship_{bid.pk}": "family"})
    )
    assert response.status_code == 200
    assert bid.organization.name in field_errors(response, f"id_detail_{bid.pk}")
    assert checked_radio(response, f"relationship_{bid.pk}") == "family"
    response = client.post(u("declare", committee_formed), declaration_data(committee_formed, confirm=False))
    assert response.status_code == 200
    assert field_errors(response, "id_confirm")
    member.refresh_from_db()
    assert member.declared_at is None and member.active
    assert not Declaration.objects.exists()
    assert len(serving(committee_formed)) == 3


# --- scoring ---------------------------------------------------------------------------------------


def test_a_member_reads_the_counted_version_and_its_documents(client, scoring):
    member = serving(scoring)[0]
    bid = qualified(scoring)[0]
    login(client, member)
    response = client.get(u("bid", scoring, bid.pk))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = page_text(response)
    assert bid.organization.name in text
    assert "持证社工3名" in text and "三年居家养老服务经验" in text
    for criterion in evaluation.score_criteria(scoring):
        assert f"关于{criterion.name}的响应" in text
        assert f'name="score_{criterion.pk}"' in text and f'name="reason_{criterion.pk}"' in text
    document = bid.current_version.documents.get()
    download = client.get(u("bid_document", scoring, bid.pk, document.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert type(download["Content-Disposition"]) is str
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    other = qualified(scoring)[1]
    assert client.get(u("bid_document", scoring, other.pk, document.pk)).status_code == 404


def test_saving_a_draft_keeps_the_scores_for_later(client, scoring):
    member = serving(scoring)[0]
    bid = qualified(scoring)[0]
    login(client, member)
    response = client.post(u("bid", scoring, bid.pk), score_data(scoring, {"服务方案": "41.5"}))
    assert response.status_code == 302
    sheet = ScoreSheet.objects.get(member=member, bid=bid)
    assert sheet.state == ScoreSheet.State.DRAFT
    assert sheet.scores.count() == 2
    criterion = evaluation.score_criteria(scoring)[0]
    page = client.get(u("bid", scoring, bid.pk))
    assert input_value(page, f"score_{criterion.pk}") == "41.50"
    assert textarea_value(page, f"reason_{criterion.pk}") == f"{criterion.name}：响应充分"


def test_submitting_with_the_confirmation_locks_the_sheet(client, scoring):
    member = serving(scoring)[0]
    bid = qualified(scoring)[0]
    login(client, member)
    response = client.post(
        u("bid", scoring, bid.pk),
        score_data(scoring, {"服务方案": "40", "团队与经验": "24"}, action="submit", confirm=True),
    )
    assert response.status_code == 302
    sheet = ScoreSheet.objects.get(member=member, bid=bid)
    assert sheet.state == ScoreSheet.State.SUBMITTED
    assert sheet.total == Decimal("64.00")
    page = page_text(client.get(u("bid", scoring, bid.pk)))
    assert 'name="score_' not in page  # read-only now
    assert "64.00" in page
    # A post against the locked sheet changes nothing.
    response = client.post(u("bid", scoring, bid.pk), score_data(scoring, {"服务方案": "1"}))
    assert response.status_code == 200
    assert Score.objects.filter(sheet=sheet, value=Decimal("1")).count() == 0


def test_submitting_without_the_confirmation_is_refused(client, scoring):
    member = serving(scoring)[0]
    bid = qualified(scoring)[0]
    login(client, member)
    response = client.post(u("bid", scoring, bid.pk), score_data(scoring, {"服务方案": "33"}, action="submit"))
    assert response.status_code == 200
    assert field_errors(response, "id_confirm")
    criterion = evaluation.score_criteria(scoring)[0]
    assert input_value(response, f"score_{criterion.pk}") == "33"
    assert not ScoreSheet.objects.filter(member=member).exists()


def test_submitting_without_the_tick_shows_every_error_at_once(client, scoring):
    """The missing tick and an out-of-range score are both said in one round."""
    member = serving(scoring)[0]
    bid = qualified(scoring)[0]
    team = next(c for c in evaluation.score_criteria(scoring) if c.name == "团队与经验")
    login(client, member)
    response = client.post(u("bid", scoring, bid.pk), score_data(scoring, {"团队与经验": "31"}, action="submit"))
    assert response.status_code == 200
    assert field_errors(response, "id_confirm")
    assert "30" in field_errors(response, f"id_score_{team.pk}")
    assert input_value(response, f"score_{team.pk}") == "31"
    assert not ScoreSheet.objects.filter(member=member).exists()


def test_an_out_of_range_score_shows_its_error_and_saves_nothing(client, scoring):
    member = serving(scoring)[0]
    bid = qualified(scoring)[0]
    team = next(c for c in evaluation.score_criteria(scoring) if c.name == "团队与经验")
    login(client, member)
    response = client.post(u("bid", scoring, bid.pk), score_data(scoring, {"团队与经验": "31"}))
    assert response.status_code == 200
    assert "30" in field_errors(response, f"id_score_{team.pk}")
    assert input_value(response, f"score_{team.pk}") == "31"
    assert not Score.objects.exists()
    response = client.post(
        u("bid", scoring, bid.pk), score_data(scoring, {"团队与经验": "abc"}, action="submit", confirm=True)
    )
    assert response.status_code == 200
    assert field_errors(response, f"id_score_{team.pk}")
    assert not Score.objects.exists()
    assert not ScoreSheet.objects.filter(state=ScoreSheet.State.SUBMITTED).exists()


def test_a_score_without_a_reason_shows_the_error_on_the_reason(client, scoring):
    member = serving(scoring)[0]
    bid = qualified(scoring)[0]
    criterion = evaluation.score_criteria(scoring)[1]
    login(client, member)
    data = score_data(scoring)
    data[f"reason_{criterion.pk}"] = ""
    response = client.post(u("bid", scoring, bid.pk), data)
    assert response.status_code == 200
    assert field_errors(response, f"id_reason_{criterion.pk}")
    assert not Score.objects.exists()


def test_other_members_scores_appear_only_after_my_own_submission(client, scoring):
    me, other = serving(scoring)[0], serving(scoring)[1]
    bid = qualified(scoring)[0]
    evaluation.save_scores(
        scoring,
        bid,
        by=other.evaluator.user,
        values={c.pk: ("11", DISTINCT_REASON) for c in evaluation.score_criteria(scoring)},
        submit=True,
    )
    login(client, me)
    before = page_text(client.get(u("bid", scoring, bid.pk)))
    assert DISTINCT_REASON not in before
    assert other.evaluator.name not in before
    total = ScoreSheet.objects.get(member=other, bid=bid).total
    assert f"{total}" not in before
    # Nor on the project page.
    assert DISTINCT_REASON not in page_text(client.get(u("project", scoring)))
    client.post(u("bid", scoring, bid.pk), score_data(scoring, action="submit", confirm=True))
    after = page_text(client.get(u("bid", scoring, bid.pk)))
    assert DISTINCT_REASON in after
    assert other.evaluator.name in after and f"{total}" in after
    # Not on another bid where I have not submitted.
    assert DISTINCT_REASON not in page_text(client.get(u("bid", scoring, qualified(scoring)[1].pk)))


# --- the chair ---------------------------------------------------------------------------------------


def test_the_chair_sees_progress_and_sheet_states_only(client, scoring):
    chair, other = chair_of(scoring), others_of(scoring)[0]
    bid = qualified(scoring)[0]
    evaluation.save_scores(
        scoring,
        bid,
        by=other.evaluator.user,
        values={c.pk: ("11", DISTINCT_REASON) for c in evaluation.score_criteria(scoring)},
        submit=True,
    )
    login(client, chair)
    text = page_text(client.get(u("project", scoring)))
    assert 'id="chair"' in text
    assert other.evaluator.name in text
    assert DISTINCT_REASON not in text
    for problem in evaluation.progress(scoring).problems:
        assert str(problem) in text
    login(client, other)
    assert 'id="chair"' not in page_text(client.get(u("project", scoring)))


def test_only_the_chair_reopens_a_sheet_with_a_reason(client, scored):
    chair, other = chair_of(scored), others_of(scored)[0]
    sheet = ScoreSheet.objects.get(member=other, bid=qualified(scored)[0])
    path = u("reopen", scored, sheet.pk)
    login(client, other)
    response = client.post(path, {f"reopen-{sheet.pk}-reason": "我想改分"})
    assert response.status_code == 200
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.SUBMITTED and sheet.reopened_count == 0
    login(client, chair)
    response = client.post(path, {f"reopen-{sheet.pk}-reason": ""})
    assert response.status_code == 200
    assert field_errors(response, f"id_reopen-{sheet.pk}-reason")
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.SUBMITTED
    response = client.post(path, {f"reopen-{sheet.pk}-reason": "第二项评分理由与分数不符"})
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.state == ScoreSheet.State.DRAFT and sheet.reopened_count == 1
    login(client, other)
    page = client.get(u("bid", scored, sheet.bid_id))
    assert 'name="score_' in page.content.decode()


DEVIATING = {"服务方案": Decimal("20"), "团队与经验": Decimal("15")}  # 35 against the others' 65: flagged


def _deviating(project):
    """Member 2 (not the chair) scores the first qualified bid far below the others."""
    members = serving(project)
    deviant = next(m for m in members[1:] if not m.is_chair)
    index = members.index(deviant)
    bid = qualified(project)[0]
    score_all(project, {(index, bid.organization.name): DEVIATING})
    sheet = ScoreSheet.objects.get(member=deviant, bid=bid)
    assert sheet.flagged
    return deviant, sheet


def test_the_chair_confirms_a_deviating_score_after_reading_its_reasons(client, scoring):
    chair = chair_of(scoring)
    deviant, sheet = _deviating(scoring)
    login(client, chair)
    text = page_text(client.get(u("project", scoring)))
    assert "35.00" in text and "服务方案的理由" in text
    path = u("confirm_deviation", scoring, sheet.pk)
    response = client.post(path, {f"deviation-{sheet.pk}-note": ""})
    assert response.status_code == 200
    assert field_errors(response, f"id_deviation-{sheet.pk}-note")
    sheet.refresh_from_db()
    assert sheet.flag_confirmed_at is None
    login(client, deviant)
    assert client.post(path, {f"deviation-{sheet.pk}-note": "自评"}).status_code == 200
    sheet.refresh_from_db()
    assert sheet.flag_confirmed_at is None
    login(client, chair)
    response = client.post(path, {f"deviation-{sheet.pk}-note": "理由充分，评分成立"})
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.flag_confirmed_at is not None and sheet.flag_note == "理由充分，评分成立"


def test_the_chair_sees_a_flagged_sheet_only_after_submitting_his_own(client, scoring):
    chair = chair_of(scoring)
    deviant, sheet = _deviating(scoring)
    own = ScoreSheet.objects.get(member=chair, bid=sheet.bid)
    evaluation.reopen_sheet(own, by=chair.evaluator.user, reason="更正本人评分")
    sheet.refresh_from_db()
    assert sheet.flagged
    login(client, chair)
    text = page_text(client.get(u("project", scoring)))
    assert deviant.evaluator.name in text
    assert "35.00" not in text and "服务方案的理由" not in text


def test_generating_the_report_needs_the_chair_and_the_confirmation(client, scored):
    chair, other = chair_of(scored), others_of(scored)[0]
    path = u("generate_report", scored)
    login(client, other)
    assert client.post(path, {"generate-confirm": "on"}).status_code == 200
    login(client, chair)
    response = client.post(path, {})
    assert response.status_code == 200
    assert field_errors(response, "id_generate-confirm")
    assert not EvaluationReport.objects.exists()
    response = client.post(path, {"generate-confirm": "on"})
    assert response.status_code == 302
    report = EvaluationReport.objects.get(project=scored)
    text = page_text(client.get(u("project", scored)))
    assert report.sha256 in text
    assert u("report_pdf", scored, report.number) in text


def test_generating_with_sheets_missing_shows_the_problems(client, scoring):
    login(client, chair_of(scoring))
    response = client.post(u("generate_report", scoring), {"generate-confirm": "on"})
    assert response.status_code == 200
    assert not EvaluationReport.objects.exists()
    assert str(evaluation.progress(scoring).problems[0]) in page_text(response)


# --- the report ---------------------------------------------------------------------------------------


def test_confirming_the_report_needs_the_right_password(client, scored):
    report = evaluation.generate_report(scored, by=chair_of(scored).evaluator.user)
    member = others_of(scored)[0]
    login(client, member)
    page = client.get(u("project", scored))
    assert 'autocomplete="current-password"' in page.content.decode()
    assert 'type="password"' in page.content.decode()
    path = u("confirm_report", scored)
    response = client.post(path, {"confirm-report-password": "wrong-password", "confirm-report-confirm": "on"})
    assert response.status_code == 200
    assert field_errors(response, "id_confirm-report-password")
    assert "wrong-password" not in response.content.decode()
    assert not ReportConfirmation.objects.exists()
    response = client.post(path, {"confirm-report-password": PASSWORD})
    assert response.status_code == 200
    assert field_errors(response, "id_confirm-report-confirm")
    assert not ReportConfirmation.objects.exists()
    response = client.post(path, {"confirm-report-password": PASSWORD, "confirm-report-confirm": "on"})
    assert response.status_code == 302
    assert ReportConfirmation.objects.filter(report=report, member=member).count() == 1
    text = page_text(client.get(u("project", scored)))
    assert 'name="confirm-report-password"' not in text
    assert member.evaluator.name in text


def test_the_report_pdf_is_served_to_members_only(client, scored, org_admin):
    report = evaluation.generate_report(scored, by=chair_of(scored).evaluator.user)
    login(client, others_of(scored)[0])
    response = client.get(u("report_pdf", scored, report.number))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert type(response["Content-Disposition"]) is str
    assert response["Content-Disposition"].startswith("inline")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "%E8%AF%84%E5%AE%A1%E6%8A%A5%E5%91%8A" in response["Content-Disposition"]  # 评审报告
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(u("report_pdf", scored, report.number + 1)).status_code == 404
    # A reopened sheet supersedes the report; its PDF stays readable, listed as superseded.
    chair = chair_of(scored)
    evaluation.reopen_sheet(ScoreSheet.objects.filter(member=chair).first(), by=chair.evaluator.user, reason="更正")
    text = page_text(client.get(u("project", scored)))
    assert report.sha256 not in text
    assert u("report_pdf", scored, report.number) in text
    assert client.get(u("report_pdf", scored, report.number)).status_code == 200


# --- my seats ---------------------------------------------------------------------------------------


def _step(client, project):
    """The “next step” cell of the project's row on the index."""
    content = client.get(reverse("evaluate:index")).content.decode()
    row = re.search(
        rf'<tr[^>]*>\s*<th scope="row"[^>]*><a href="{re.escape(u("project", project))}">.*?</tr>', content, re.S
    )
    assert row, "no row for the project"
    return re.search(r'class="step step-([a-z]+)"', row.group(0)).group(1), html.unescape(row.group(0))


def test_the_index_shows_each_seat_with_its_next_step(client, committee_formed, officer):
    project = committee_formed
    chair = chair_of(project)
    member = others_of(project)[0]
    login(client, member)
    assert _step(client, project)[0] == "declare"
    declare_none(project, member)
    assert _step(client, project)[0] == "qualification"
    declare_all(project)
    qualify_all(project, officer)
    step, row = _step(client, project)
    assert step == "score" and "0" in row and "3" in row
    score_all(project)
    assert _step(client, project)[0] == "done"
    login(client, chair)
    step, row = _step(client, project)
    assert step == "generate" and project.title in row and project.ref in row
    evaluation.generate_report(project, by=chair.evaluator.user)
    assert _step(client, project)[0] == "confirm"
    evaluation.confirm_report(evaluation.current_report(project), by=chair.evaluator.user, password=PASSWORD)
    assert _step(client, project)[0] == "done"


def test_the_index_shows_a_withdrawal(client, committee_formed):
    member = serving(committee_formed)[0]
    bids = committee.bidders_to_declare(committee_formed)
    answers = {bid.pk: ("none", "") for bid in bids}
    answers[bids[0].pk] = ("financial", "持有该机构股份")
    committee.declare(committee_formed, by=member.evaluator.user, answers=answers)
    login(client, member)
    assert _step(client, committee_formed)[0] == "withdrew"
    assert client.get(u("project", committee_formed)).status_code == 200


def test_the_index_runs_a_fixed_number_of_queries(client, committee_formed, officer, community):
    member = serving(committee_formed)[0]
    login(client, member)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("evaluate:index")).status_code == 200
        return len(captured)

    queries()  # warm up (the session, per-request caches)
    one = queries()
    for n in range(3):
        project = bare_project(officer, [community], ref=f"T-EVAL-{n}")
        seat = Committee.objects.create(
            project=project, size=3, deviation_margin=Decimal("20"), formed_by=officer, formed_at=timezone.now()
        )
        CommitteeMember.objects.create(
            committee=seat, evaluator=member.evaluator, selection="drawn", joined_at=timezone.now(), is_chair=n == 0
        )
    assert queries() == one
    content = client.get(reverse("evaluate:index")).content.decode()
    assert content.index("T-EVAL-2") < content.index(committee_formed.ref)  # newest first


# --- issue 14: one clear message ------------------------------------------------------------------------


def test_a_refused_score_sheet_says_so_once_and_keeps_what_was_typed(client, scoring):
    member = serving(scoring)[0]
    bid = qualified(scoring)[0]
    team = next(c for c in evaluation.score_criteria(scoring) if c.name == "团队与经验")
    login(client, member)
    data = score_data(scoring, {"团队与经验": "31"})
    response = client.post(u("bid", scoring, bid.pk), data)
    assert response.status_code == 200
    text = page_text(response)
    assert "未作任何更改" not in text  # no message above the sheet's own box
    assert text.count("未保存。请更正以下内容：") == 1
    assert input_value(response, f"score_{team.pk}") == "31"
    assert textarea_value(response, f"reason_{team.pk}") == data[f"reason_{team.pk}"]
    assert not Score.objects.exists()


def test_a_wrong_report_password_is_said_on_its_field_only(client, scored):
    evaluation.generate_report(scored, by=chair_of(scored).evaluator.user)
    login(client, others_of(scored)[0])
    response = client.post(
        u("confirm_report", scored), {"confirm-report-password": "wrong-password", "confirm-report-confirm": "on"}
    )
    assert response.status_code == 200
    assert field_errors(response, "id_confirm-report-password") == "密码不正确。"
    assert "未作任何更改：密码不正确。" not in page_text(response)
    assert not ReportConfirmation.objects.exists()
