"""Drafting a contract (issue 15, 1-2): the gate, the prefilled form, every
bad input refused with its error and nothing saved, the number, the
kind's payment shape, editing a draft."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from contracts.contracts import permissions, services
from contracts.contracts.models import Contract, ContractKind, Milestone
from contracts.contracts.services import ContractError
from marketplace.models import Award, Bid, Challenge
from tests.contracts.contracts.helpers import (
    document_of,
    draft_post,
    drafted,
    kind,
    page,
    sent,
    service_terms,
    sign_as,
    zh,
)

pytestmark = pytest.mark.django_db


def test_drafting_is_refused_while_the_challenge_period_runs(award_over, officer, client):
    Award.objects.filter(pk=award_over.pk).update(challenge_deadline=timezone.now() + datetime.timedelta(days=3))
    award_over.refresh_from_db()
    with pytest.raises(ContractError) as refused:
        drafted(award_over, officer)
    assert refused.value.code == "permission"
    assert refused.value.message == str(award_over.project.contract_blocked_reason())
    client.force_login(officer)
    response = client.get(reverse("contracts:draft", args=[award_over.project.ref]))
    assert response.status_code == 302
    response = client.post(reverse("contracts:draft", args=[award_over.project.ref]), draft_post(award_over))
    assert response.status_code == 302
    assert not Contract.objects.exists()


def test_drafting_is_refused_while_a_challenge_is_open(award_over, officer):
    loser = Bid.objects.filter(project=award_over.project).exclude(pk=award_over.bid_id).first()
    Challenge.objects.create(
        project=award_over.project,
        award=award_over,
        bid=loser,
        organization=loser.organization,
        reasons="评分未按招标文件规定的标准进行。",
        filed_by=loser.organization.created_by,
        filed_at=timezone.now() - datetime.timedelta(days=2),
        answer_due=timezone.now() + datetime.timedelta(days=5),
    )
    blocked = award_over.project.contract_blocked_reason()
    assert blocked and permissions.can_draft(officer, award_over).reason == str(blocked)
    with pytest.raises(ContractError) as refused:
        drafted(award_over, officer)
    assert refused.value.message == str(blocked)
    assert not Contract.objects.exists()


def test_only_an_officer_drafts(award_over, client):
    admin = award_over.org_admin
    decision = permissions.can_draft(admin, award_over)
    assert not decision and decision.reason == zh(permissions.OFFICERS_ONLY)
    with pytest.raises(ContractError):
        drafted(award_over, admin)
    client.force_login(admin)
    assert client.get(reverse("contracts:draft", args=[award_over.project.ref])).status_code == 403
    response = client.post(reverse("contracts:draft", args=[award_over.project.ref]), draft_post(award_over))
    assert response.status_code == 403
    assert not Contract.objects.exists()


def test_the_form_is_prefilled_and_a_valid_draft_is_saved_with_a_number(award_over, officer, client):
    project = award_over.project
    item = project.catalogue_items.order_by("code").first()
    client.force_login(officer)
    url = reverse("contracts:draft", args=[project.ref])
    response = client.get(url)
    assert response.status_code == 200
    text = page(response)
    assert str(award_over.price) in text  # the sum is the awarded price
    assert item.content in text  # the standard, copied
    assert "30" in text  # the legal clock
    response = client.post(url, draft_post(award_over))
    contract = Contract.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("contracts:detail", args=[contract.number])
    assert re.fullmatch(rf"HT-{timezone.localdate().year}-0001", contract.number)
    assert contract.state == Contract.State.DRAFT and contract.drafted_by == officer
    assert contract.amount == award_over.price and contract.budget == project.budget
    assert contract.organization == Bid.objects.get(pk=award_over.bid_id).organization
    assert contract.service_content == item.content
    assert sum(m.share for m in contract.milestones.all()) == Decimal("100")
    assert contract.criteria.count() == 3 and contract.survey_questions.count() == 3
    assert set(contract.communities.all()) == set(project.communities.all())
    # Drafting again leads to the contract: one per award.
    assert client.get(url)["Location"] == reverse("contracts:detail", args=[contract.number])
    assert not permissions.can_draft(officer, award_over)


def test_every_bad_input_is_shown_and_nothing_is_saved(award_over, officer, client):
    """Shares not 100, weights under the floor, a sum over the budget, a
    term over a year without justification, and more: each error on the
    page with everything typed, no contract."""
    project = award_over.project
    start = timezone.localdate()
    _terms, milestones, criteria, _questions = services.initial_terms(award_over)
    half = [dict(m, share=Decimal("45")) for m in milestones]
    long_end = start + datetime.timedelta(days=500)
    cases = [
        (
            {"milestones": half},
            zh("The milestones' payment shares add up to %(total)s%%, not exactly 100%%.", total=Decimal("90")),
        ),
        (
            {"terms": {"resident_weight": Decimal("60"), "expert_weight": Decimal("40")}},
            zh(
                "%(level)s: the residents' satisfaction must weigh at least %(floor)s%%.",
                level=zh("Community level"),
                floor=Decimal("70"),
            ),
        ),
        (
            {"terms": {"amount": project.budget + Decimal("1")}},
            zh("The contract sum may not exceed the project budget (¥%(budget)s).", budget=project.budget),
        ),
        (
            {
                "terms": {"starts_on": start, "ends_on": long_end, "term_justification": ""},
                "milestones": [dict(m, due_on=start + datetime.timedelta(days=30)) for m in milestones],
            },
            zh("A term over one year needs a justification (the project's, or yours)."),
        ),
        (
            {
                "terms": {"starts_on": start, "ends_on": start + datetime.timedelta(days=4 * 366)},
                "milestones": [dict(m, due_on=start + datetime.timedelta(days=30)) for m in milestones],
            },
            zh("The term may not exceed three years."),
        ),
        (
            {
                "milestones": [
                    dict(milestones[0], due_on=project.service_end + datetime.timedelta(days=10)),
                    milestones[1],
                ]
            },
            zh("Milestone “%(title)s” falls due outside the term.", title=milestones[0]["title"]),
        ),
        (
            {"criteria": [dict(criteria[0], max_score=Decimal("50")), criteria[1]]},
            zh("The maximum scores of the evaluation criteria add up to %(total)s, not 100.", total=Decimal("90")),
        ),
        ({"questions": [{"text": "服务人员的态度"}, {"text": "服务是否准时"}]}, zh("Give 3 to 5 survey questions.")),
        (
            {"terms": {"kind": kind("reward")}},
            zh("This kind of contract pays once after the final evaluation: give exactly one milestone at 100%."),
        ),
        ({"milestones": []}, zh("Add at least one milestone.")),
    ]
    client.force_login(officer)
    url = reverse("contracts:draft", args=[project.ref])
    for changes, error in cases:
        data = draft_post(award_over, **changes)
        data["contract-quantity"] = "每周上门两次，服务 41 户（已输入）"
        response = client.post(url, data)
        text = page(response)
        assert response.status_code == 200, changes
        assert error in text, (changes, error)
        assert "每周上门两次，服务 41 户（已输入）" in text  # nothing typed is lost
        assert not Contract.objects.exists() and not Milestone.objects.exists()


def test_the_service_refuses_what_the_form_would_let_through(award_over, officer):
    """The service is the rule: above the awarded price, a street-level floor of 50."""
    with pytest.raises(ContractError) as refused:
        drafted(award_over, officer, terms={"amount": award_over.price + Decimal("0.01")})
    assert refused.value.code in ("over_price", "over_budget")
    with pytest.raises(ContractError) as refused:
        drafted(
            award_over,
            officer,
            terms={"level": Contract.Level.STREET, "resident_weight": Decimal("45"), "expert_weight": Decimal("55")},
        )
    assert refused.value.code == "resident_floor"
    assert not Contract.objects.exists()
    contract = drafted(
        award_over,
        officer,
        terms={"level": Contract.Level.STREET, "resident_weight": Decimal("50"), "expert_weight": Decimal("50")},
    )
    assert contract.resident_weight == Decimal("50")


def test_a_term_over_a_year_with_the_projects_justification_is_accepted(award_over, officer):
    start = timezone.localdate()
    terms, milestones, _c, _q = services.initial_terms(award_over)
    end = start + datetime.timedelta(days=700)
    contract = drafted(
        award_over,
        officer,
        terms={"starts_on": start, "ends_on": end, "term_justification": "项目持续两年，需保持服务连续性。"},
        milestones=[dict(milestones[0], due_on=start + datetime.timedelta(days=300)), dict(milestones[1], due_on=end)],
    )
    assert contract.ends_on == end


def test_the_kind_decides_the_payment_shape_not_its_code(award_over, officer):
    """A kind with the "final" schedule takes exactly one milestone at 100 %,
    whatever its code; renaming the code changes nothing."""
    reward = kind("reward")
    reward.code = "renamed-reward"
    reward.save()
    _terms, milestones, _c, _q = services.initial_terms(award_over)
    with pytest.raises(ContractError) as refused:
        drafted(award_over, officer, terms={"kind": reward})
    assert refused.value.code == "single_milestone"
    one = [dict(milestones[1], share=Decimal("100"))]
    contract = drafted(award_over, officer, terms={"kind": reward}, milestones=one)
    assert [m.share for m in contract.milestones.all()] == [Decimal("100")]


def test_a_draft_is_edited_in_place_until_it_is_sent(award_over, officer, second_officer, client):
    contract = drafted(award_over, officer)
    client.force_login(second_officer)
    url = reverse("contracts:edit", args=[contract.number])
    assert client.get(url).status_code == 200
    _terms, milestones, _c, _q = services.initial_terms(award_over)
    three = [
        dict(milestones[0], share=Decimal("30")),
        dict(milestones[0], title="季度", share=Decimal("30")),
        dict(milestones[1], share=Decimal("40")),
    ]
    response = client.post(url, draft_post(award_over, milestones=three, terms={"quantity": "服务 50 户"}))
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.quantity == "服务 50 户"
    assert [m.share for m in contract.milestones.order_by("number")] == [Decimal(30), Decimal(30), Decimal(40)]
    services.send_for_signature(contract, by=officer)
    response = client.get(url)
    assert response.status_code == 302  # no longer a draft
    with pytest.raises(ContractError):
        services.update_draft(contract, by=officer, **service_terms(award_over))


def test_the_evaluation_page_links_to_drafting(award_over, officer, client):
    client.force_login(officer)
    response = client.get(reverse("projects:evaluation", args=[award_over.project.ref]))
    assert reverse("contracts:draft", args=[award_over.project.ref]) in page(response)


def test_every_broken_rule_is_listed_at_once_with_a_link_to_its_place(award_over, officer, client):
    """The walk of issue 15: the form showed one broken rule per submission.
    Now the service reports every rule the terms break (``TermsError``) and
    the page lists them all at the top of the form, each linking to its
    field or table, with no second flash message saying the same."""
    _terms, milestones, criteria, _questions = services.initial_terms(award_over)
    changes = {
        "milestones": [dict(milestones[0], share=Decimal("10")), milestones[1]],
        "criteria": [dict(criteria[0], max_score=Decimal("10")), *criteria[1:]],
        "terms": {"resident_weight": Decimal("40"), "expert_weight": Decimal("60")},
    }
    with pytest.raises(services.ContractError) as refused:
        drafted(award_over, officer, **changes)
    assert [p.code for p in refused.value.problems] == ["resident_floor", "shares", "criteria"]
    client.force_login(officer)
    response = client.post(reverse("contracts:draft", args=[award_over.project.ref]), draft_post(award_over, **changes))
    assert response.status_code == 200
    summary = re.search(r'<div class="form-errors error-summary".*?</div>', response.content.decode(), re.S).group(0)
    assert summary.count("<li>") == 3
    for anchor in ("#field-contract-resident_weight", "#section-milestones", "#section-criteria"):
        assert f'href="{anchor}"' in summary
    for anchor in ('id="field-contract-resident_weight"', 'id="section-milestones"', 'id="section-criteria"'):
        assert anchor in response.content.decode()
    assert not list(response.context["messages"])
    assert not Contract.objects.exists()


def test_the_kind_and_the_signers_role_read_in_english(award_over, officer, second_officer, client):
    from django.utils import translation

    contract = sent(award_over, officer)
    sign_as(contract, second_officer)
    signature = document_of(contract).signatures.get()
    assert signature.role == zh("Procurement officer")  # the record keeps what was written at signing
    with translation.override("en"):
        assert contract.kind.label == "Purchase"
        assert str(signature.role_label) == "Procurement officer"
    with translation.override("zh-hans"):
        assert contract.kind.label == contract.kind.name
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = page(client.get(reverse("contracts:detail", args=[contract.number])))
    assert "Purchase · " in text and "Procurement officer" in text


def test_a_malformed_row_does_not_hold_back_the_contracts_rules(award_over, officer, client):
    """The second walk: a half-filled third milestone showed only its own
    error; the shares, rubric and weight problems came on the next submit."""
    _terms, milestones, criteria, _questions = services.initial_terms(award_over)
    data = draft_post(
        award_over,
        milestones=[dict(milestones[0], share=Decimal("45")), milestones[1]],
        criteria=[dict(criteria[0], max_score=Decimal("10")), *criteria[1:]],
        terms={"resident_weight": Decimal("40"), "expert_weight": Decimal("60")},
    )
    data["milestones-2-title"] = "第三期"  # a third row begun and left without its share or date
    client.force_login(officer)
    response = client.post(reverse("contracts:draft", args=[award_over.project.ref]), data)
    summary = re.search(r'<div class="form-errors error-summary".*?</div>', page(response), re.S).group(0)
    assert summary.count("<li>") >= 4  # the row's missing fields and the three rules
    shares = "The milestones' payment shares add up to %(total)s%%, not exactly 100%%."
    assert any(zh(shares, total=total) in summary for total in (Decimal("105"), Decimal("105.00"))), summary
    assert "第三期" in page(response)
    assert not Contract.objects.exists()


def test_a_subsidy_contract_keeps_the_kind_s_cap_in_its_terms(award_over, officer):
    """The cap on the share of documented cost is part of the terms: copied
    when drafted, unchanged by a later edit of the kind."""
    subsidy = ContractKind.objects.get(schedule=ContractKind.Schedule.COST_SHARE)
    contract = drafted(award_over, officer, terms={"kind": subsidy})
    assert contract.cost_share_cap == subsidy.cost_share_cap is not None
    ContractKind.objects.filter(pk=subsidy.pk).update(cost_share_cap=Decimal("10"))
    contract.refresh_from_db()
    assert contract.cost_share_cap == subsidy.cost_share_cap
