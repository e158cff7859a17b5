"""The pages: who sees what (refused users from their side), bad input on
every form (the error shown, nothing saved), the public questionnaire at
phone width without JavaScript, the officer's to-do sections and the
evaluator's panel."""

from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.milestones.models import CriterionScore, MilestoneEvaluation, SurveyResponse, SurveyToken
from contracts.milestones.services import evaluation as services
from contracts.milestones.services import surveys
from tests.contracts.evaluation.conftest import answer_rows, locked_sheet, zh

pytestmark = pytest.mark.django_db

#: make_user's password (tests/conftest.py): the irreversible steps ask for it again
PW = "pw-test-2026"


def text(response):
    return response.content.decode()


@pytest.fixture
def assigned(submitted, expert, officer):
    return services.assign(submitted, by=officer, evaluator=expert)


# --- the evaluator ------------------------------------------------------------------------------------------


def test_the_sheet_is_for_the_assigned_evaluator_only(client, assigned, pool, award_over, officer):
    url = reverse("milestone_evaluate:sheet", args=[assigned.pk])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(pool[1].user)
    assert client.get(url).status_code == 404  # another evaluator: nothing told
    client.force_login(award_over.org_admin)
    assert client.get(url).status_code == 403
    client.force_login(officer)
    assert client.get(url).status_code == 403
    client.force_login(pool[0].user)
    page = client.get(url)
    assert page.status_code == 200
    assert zh("Declaration of interests (回避声明)") in text(page)
    assert assigned.report.narrative not in text(page)  # nothing before the declaration


def test_declaration_bad_input_and_a_conflict_shows_nothing(client, assigned, expert):
    client.force_login(expert.user)
    url = reverse("milestone_evaluate:declare", args=[assigned.pk])
    page = client.post(url, {"relationship": ""})
    assert page.status_code == 200 and zh("Choose your relationship with the organization.") in text(page)
    page = client.post(url, {"relationship": "family", "detail": "", "password": PW})
    assert page.status_code == 200 and zh("Describe your relationship with the organization.") in text(page)
    assigned.refresh_from_db()
    assert assigned.state == "assigned"
    client.post(url, {"relationship": "family", "detail": "负责人是我的表亲", "password": PW})
    assigned.refresh_from_db()
    assert assigned.state == "recused"
    page = client.get(reverse("milestone_evaluate:sheet", args=[assigned.pk]))
    assert zh("You withdrew from this evaluation") in text(page)
    assert assigned.report.narrative not in text(page)
    assert client.post(reverse("milestone_evaluate:score", args=[assigned.pk]), {}).status_code == 200
    assert not CriterionScore.objects.exists()


def test_scoring_bad_input_keeps_what_was_typed_and_saves_nothing(client, assigned, expert, contract):
    services.declare(assigned, by=expert.user, relationship="none")
    client.force_login(expert.user)
    page = client.get(reverse("milestone_evaluate:sheet", args=[assigned.pk]))
    assert assigned.report.narrative in text(page)
    criteria = list(contract.criteria.order_by("order"))
    data = {f"score_{c.pk}": "10" for c in criteria} | {f"reason_{c.pk}": "理由" for c in criteria}
    data |= {f"score_{criteria[0].pk}": "41", "opinion": "整体良好，保留意见"}
    page = client.post(reverse("milestone_evaluate:score", args=[assigned.pk]), data)
    assert page.status_code == 200
    assert "整体良好，保留意见" in text(page)
    assert not CriterionScore.objects.exists()
    data |= {f"score_{criteria[0].pk}": "36", f"reason_{criteria[1].pk}": ""}
    page = client.post(reverse("milestone_evaluate:score", args=[assigned.pk]), data)
    assert page.status_code == 200 and zh("Give the reason for this score.") in text(page)
    assert not CriterionScore.objects.exists()
    data[f"reason_{criteria[1].pk}"] = "完成良好"
    assert client.post(reverse("milestone_evaluate:score", args=[assigned.pk]), data).status_code == 302
    assert CriterionScore.objects.count() == 3
    lock_url = reverse("milestone_evaluate:lock", args=[assigned.pk])
    assert client.get(lock_url).status_code == 200
    page = client.post(lock_url, {})
    assert page.status_code == 200 and zh("Tick the box to confirm.") in text(page)
    assert zh("Enter your password to confirm.") in text(page)
    page = client.post(lock_url, {"confirm": "on", "password": "not-my-password"})
    assert page.status_code == 200 and zh("The password is not correct.") in text(page)
    assert MilestoneEvaluation.objects.get(pk=assigned.pk).state == "declared"
    assert client.post(lock_url, {"confirm": "on", "password": PW}).status_code == 302
    assigned.refresh_from_db()
    assert assigned.state == "locked" and assigned.total == Decimal("56.00")


def test_the_evaluators_workspace_lists_the_milestone(client, assigned, expert):
    client.force_login(expert.user)
    page = client.get(reverse("evaluate:index"))
    assert reverse("milestone_evaluate:sheet", args=[assigned.pk]) in text(page)


# --- the officer --------------------------------------------------------------------------------------------


def test_officer_pages_and_assign_bad_input(client, submitted, officer, award_over, worker_here):
    url = reverse("acceptance:milestone", args=[submitted.pk])
    for user in (award_over.org_admin, worker_here):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(officer)
    assert client.get(url).status_code == 200
    page = client.post(reverse("acceptance:assign", args=[submitted.pk]), {"evaluator": ""})
    assert page.status_code == 200 and zh("Choose an evaluator.") in text(page)
    assert not MilestoneEvaluation.objects.exists()
    todo = client.get(reverse("workspace:todo"))
    assert zh("Milestones to evaluate or accept") in text(todo)
    assert url in text(todo)


def test_decide_bad_input_changes_nothing_and_a_good_one_records_the_decision(
    client, submitted, expert, officer, contract
):
    locked_sheet(submitted, expert, officer, points=90)
    answer_rows(submitted, [5] * 20)
    client.force_login(officer)
    url = reverse("acceptance:decide", args=[submitted.pk])
    page = client.post(url, {"decision": "accept", "reason": "", "confirm": "on", "password": PW})
    assert page.status_code == 200 and zh("Give the reasons for the decision.") in text(page)
    page = client.post(url, {"decision": "", "reason": "已达标", "confirm": "on", "password": PW})
    assert page.status_code == 200 and "已达标" in text(page)
    submitted.refresh_from_db()
    assert submitted.state == "under_evaluation" and submitted.score is None
    assert (
        client.post(url, {"decision": "accept", "reason": "已达标", "confirm": "on", "password": PW}).status_code == 302
    )
    submitted.refresh_from_db()
    assert submitted.state == "accepted" and submitted.payable == Decimal("40000.00")
    record = submitted.acceptance_records.get()
    pdf = client.get(reverse("acceptance:record", args=[submitted.pk, record.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    page = client.get(reverse("acceptance:contract", args=[contract.pk]))
    assert page.status_code == 200


def test_below_the_pass_mark_the_view_asks_for_the_override(client, submitted, expert, officer, second_officer):
    locked_sheet(submitted, expert, officer, points=50)
    answer_rows(submitted, [3] * 20)
    client.force_login(officer)
    page = client.post(
        reverse("acceptance:decide", args=[submitted.pk]),
        {"decision": "accept", "reason": "完成", "confirm": "on", "password": PW},
    )
    assert page.status_code == 200
    submitted.refresh_from_db()
    assert submitted.state == "under_evaluation" and not submitted.override_reason
    # the approving form is not offered to the officer who asked
    client.post(
        reverse("acceptance:decide", args=[submitted.pk]),
        {"decision": "accept", "reason": "完成", "override_reason": "停电两周", "confirm": "on", "password": PW},
    )
    page = client.get(reverse("acceptance:milestone", args=[submitted.pk]))
    assert reverse("acceptance:approve_override", args=[submitted.pk]) not in text(page)
    assert (
        client.post(
            reverse("acceptance:approve_override", args=[submitted.pk]), {"confirm": "on", "password": PW}
        ).status_code
        == 200
    )
    submitted.refresh_from_db()
    assert submitted.state == "under_evaluation"
    # the second officer: without the confirmation nothing happens; with it the milestone is accepted
    client.force_login(second_officer)
    page = client.get(reverse("acceptance:milestone", args=[submitted.pk]))
    assert reverse("acceptance:approve_override", args=[submitted.pk]) in text(page)
    page = client.post(reverse("acceptance:approve_override", args=[submitted.pk]), {"password": PW})
    assert page.status_code == 200 and zh("Tick the box to confirm.") in text(page)
    submitted.refresh_from_db()
    assert submitted.state == "under_evaluation"
    client.post(reverse("acceptance:approve_override", args=[submitted.pk]), {"confirm": "on", "password": PW})
    submitted.refresh_from_db()
    assert submitted.state == "accepted" and submitted.override_approved_by == second_officer


def test_moderation_bad_input(client, submitted, officer):
    answer_rows(submitted, [4], comment="很满意")
    response = SurveyResponse.objects.get()
    client.force_login(officer)
    page = client.get(reverse("acceptance:comments"))
    assert "很满意" in text(page)
    page = client.post(reverse("acceptance:moderate", args=[response.pk]), {"decision": "maybe"})
    assert page.status_code == 200
    assert SurveyResponse.objects.get().moderation == "pending"
    client.post(reverse("acceptance:moderate", args=[response.pk]), {"decision": "publish"})
    assert SurveyResponse.objects.get().moderation == "published"


# --- survey links and the questionnaire -----------------------------------------------------------------------


def test_worker_makes_and_prints_links(client, submitted, worker_here, other_worker):
    url = reverse("surveys:links", args=[submitted.pk])
    client.force_login(other_worker)
    assert client.get(url).status_code == 404
    client.force_login(worker_here)
    assert client.get(reverse("surveys:index")).status_code == 200
    assert reverse("surveys:index") in text(client.get(reverse("work:needs")))  # the community panel
    page = client.post(url, {"count": "0"})
    assert page.status_code == 200 and not SurveyToken.objects.exists()
    page = client.post(url, {"count": "2"})
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    tokens = [t for t in page.context["tokens"]]
    assert all(reverse("survey:answer", args=[t]) in text(page) for t in tokens)
    pdf = client.post(reverse("surveys:pdf", args=[submitted.pk]), {"token": [*tokens, "forged"]})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    client.force_login(other_worker)
    assert client.post(reverse("surveys:pdf", args=[submitted.pk]), {"token": tokens}).status_code == 404


def test_the_questionnaire_answers_once_without_an_account(client, submitted, worker_here):
    token = surveys.make_links(submitted, by=worker_here, count=1)[0]
    url = reverse("survey:answer", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    assert 'type="radio"' in text(page) and "<script" not in text(page).split("<main", 1)[-1]
    assert zh("Overall, how satisfied are you with this service?") in text(page)
    questions = list(submitted.contract.survey_questions.values_list("pk", flat=True))
    data = {"overall": "5", **{f"question_{pk}": "4" for pk in questions[:-1]}, "comment": "挺好"}
    page = client.post(url, data)
    assert page.status_code == 200 and zh("Choose an answer.") in text(page)
    assert "挺好" in text(page)  # nothing typed is lost
    page = client.post(url, data | {f"question_{questions[-1]}": "4", "comment": "电话 13812345678"})
    assert page.status_code == 200 and not SurveyResponse.objects.exists()
    assert not SurveyToken.objects.get().used
    page = client.post(url, data | {f"question_{questions[-1]}": "4"})
    assert page.status_code == 302 and page["Location"] == reverse("survey:thanks")
    assert SurveyResponse.objects.get().overall == 5
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404


def test_the_questionnaire_is_throttled(client, submitted, worker_here, settings):
    settings.SURVEY_RATE_LIMIT = 2
    tokens = surveys.make_links(submitted, by=worker_here, count=3)
    for token in tokens[:2]:
        client.post(reverse("survey:answer", args=[token]), {"overall": ""})
    page = client.post(reverse("survey:answer", args=[tokens[2]]), {"overall": "5"})
    assert page.status_code == 429
    assert not SurveyResponse.objects.exists()


def test_refusals_of_the_questionnaire_log_neither_the_token_nor_the_address(client, submitted, worker_here, caplog):
    token = surveys.make_links(submitted, by=worker_here, count=1)[0]
    url = reverse("survey:answer", args=[token])
    questions = list(submitted.contract.survey_questions.values_list("pk", flat=True))
    data = {"overall": "4", **{f"question_{pk}": "4" for pk in questions}}
    with caplog.at_level("DEBUG"):
        assert client.post(url, data, REMOTE_ADDR="203.0.113.9").status_code == 302
        assert client.post(url, data, REMOTE_ADDR="203.0.113.9").status_code == 404
        assert client.get(reverse("survey:answer", args=["x" * 43])).status_code == 404
    assert token not in caplog.text and "203.0.113.9" not in caplog.text
