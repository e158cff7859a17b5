"""Amendments (issue 15, 5): versioned change objects, each with its PDF,
confirmed by both parties like the signing, applied only when both have
confirmed; nothing is edited in place."""

import datetime
from decimal import Decimal

import pytest

from contracts.contracts import permissions, services
from contracts.contracts.models import Amendment, Contract, ContractDocument
from contracts.contracts.services import ContractError
from tests.contracts.contracts.helpers import PASSWORD, org_member, signed

pytestmark = pytest.mark.django_db


def propose(contract, officer, **changes):
    milestones = [
        {"number": m.number, "due_on": m.due_on, "share": m.share} for m in contract.milestones.order_by("number")
    ]
    for number, (due_on, share) in changes.pop("milestones", {}).items():
        milestones[number - 1] = {"number": number, "due_on": due_on, "share": share}
    return services.propose_amendment(
        contract,
        by=officer,
        reason=changes.pop("reason", Amendment.Reason.SCHEDULE),
        explanation=changes.pop("explanation", "社区活动中心装修，中期服务顺延。"),
        milestones=milestones,
        **changes,
    )


def confirm(amendment, user, sha256=None):
    document = amendment.documents.get(voided_at__isnull=True)
    return services.confirm_amendment(amendment, by=user, password=PASSWORD, sha256=sha256 or document.sha256)


def test_an_amendment_needs_both_confirmations_and_then_makes_the_next_version(award_over, officer, second_officer):
    contract = signed(award_over, officer, second_officer)
    first, second = contract.milestones.order_by("number")
    new_end = contract.ends_on + datetime.timedelta(days=20)
    later = first.due_on + datetime.timedelta(days=14)
    amendment = propose(
        contract,
        officer,
        ends_on=new_end,
        milestones={1: (later, Decimal("50")), 2: (new_end, Decimal("50"))},
    )
    assert amendment.state == Amendment.State.AWAITING_CONFIRMATION and amendment.version == 2
    document = amendment.documents.get()
    assert document.version == 2 and len(document.sha256) == 64
    # One confirmation: nothing changes yet.
    confirm(amendment, award_over.org_admin)
    contract.refresh_from_db()
    first.refresh_from_db()
    assert contract.version == 1 and contract.ends_on != new_end and first.share == Decimal("40")
    # The proposer cannot confirm for the purchaser (four eyes), nor can an org member.
    assert not permissions.can_confirm_amendment(officer, amendment)
    with pytest.raises(ContractError):
        confirm(amendment, officer)
    with pytest.raises(ContractError):
        confirm(amendment, award_over.org_admin)  # once per side
    with pytest.raises(ContractError) as refused:
        confirm(amendment, second_officer, sha256="f" * 64)
    assert refused.value.code == "document_changed"
    amendment.refresh_from_db()
    assert amendment.state == Amendment.State.AWAITING_CONFIRMATION
    signature = confirm(amendment, second_officer)
    assert signature.sha256 == document.sha256 and signature.document == document
    amendment.refresh_from_db()
    contract.refresh_from_db()
    assert amendment.state == Amendment.State.IN_FORCE and amendment.in_force_at
    assert contract.version == 2 and contract.ends_on == new_end
    assert [(m.due_on, m.share) for m in contract.milestones.order_by("number")] == [
        (later, Decimal("50")),
        (new_end, Decimal("50")),
    ]
    # The signed contract's PDF (version 1) stays, beside the amendment's.
    assert ContractDocument.objects.filter(contract=contract, voided_at__isnull=True).count() == 2
    assert contract.state == Contract.State.ACTIVE


def test_bad_amendments_change_nothing(award_over, officer, second_officer, make_user):
    contract = signed(award_over, officer, second_officer)
    with pytest.raises(ContractError) as refused:
        propose(contract, officer, milestones={1: (contract.milestones.get(number=1).due_on, Decimal("30"))})
    assert refused.value.code == "shares"
    with pytest.raises(ContractError) as refused:
        propose(contract, officer, amount=contract.budget + Decimal("1"))
    assert refused.value.code == "over_budget"
    with pytest.raises(ContractError) as refused:
        propose(contract, officer)
    assert refused.value.code == "no_change"
    with pytest.raises(ContractError) as refused:
        propose(contract, officer, explanation="", amount=contract.amount - Decimal("1000"))
    assert refused.value.field == "explanation"
    with pytest.raises(ContractError):
        propose(contract, award_over.org_admin, amount=contract.amount - Decimal("1000"))
    assert not Amendment.objects.exists()
    amendment = propose(contract, officer, amount=contract.amount - Decimal("1000"), reason=Amendment.Reason.FUNDS)
    member = org_member(make_user, contract.organization)
    with pytest.raises(ContractError):
        confirm(amendment, member)
    with pytest.raises(ContractError) as refused:
        propose(contract, officer, amount=contract.amount - Decimal("2000"))
    assert refused.value.code == "permission"  # another amendment is waiting
    services.withdraw_amendment(amendment, by=second_officer, reason="资金已落实，无需变更。")
    amendment.refresh_from_db()
    assert amendment.state == Amendment.State.WITHDRAWN
    assert amendment.documents.get().voided_at is not None
    contract.refresh_from_db()
    assert contract.version == 1 and contract.amount == award_over.price


def test_a_signed_contract_cannot_be_edited_in_place(award_over, officer, second_officer):
    contract = signed(award_over, officer, second_officer)
    assert not permissions.can_edit(officer, contract)
    with pytest.raises(ContractError):
        services.request_changes(contract, by=officer, reason="改")


def test_a_milestone_accepted_after_the_proposal_stops_the_amendment(award_over, officer, second_officer):
    """Review finding: the checks made when an amendment is proposed are made
    again when both parties have confirmed it, under the locks."""
    from contracts.contracts.models import Milestone

    contract = signed(award_over, officer, second_officer)
    first, second = contract.milestones.order_by("number")
    amendment = propose(
        contract, officer, milestones={1: (first.due_on, Decimal("30")), 2: (second.due_on, Decimal("70"))}
    )
    confirm(amendment, award_over.org_admin)
    Milestone.objects.filter(pk=first.pk).update(state=Milestone.State.ACCEPTED, payable=Decimal("1.00"))
    with pytest.raises(ContractError) as refused:
        confirm(amendment, second_officer)
    assert refused.value.code == "milestone_decided"
    second.refresh_from_db()
    assert second.share == Decimal("60")
    # Nor may the sum change once a milestone is accepted.
    services.withdraw_amendment(amendment, by=officer, reason="第一个节点已验收。")
    with pytest.raises(ContractError) as refused:
        propose(contract, officer, amount=contract.amount - Decimal("100.00"))
    assert refused.value.code == "milestone_decided"


def test_an_amendment_s_new_scope_may_not_publish_personal_data(award_over, officer, second_officer):
    contract = signed(award_over, officer, second_officer)
    with pytest.raises(ContractError) as refused:
        propose(contract, officer, scope="联系人张三，电话13912345678，每周上门两次。")
    assert refused.value.code == "personal_data"
    assert not Amendment.objects.filter(contract=contract).exists()
