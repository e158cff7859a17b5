"""Amendments (变更): a signed contract is never edited in place.

The officer proposes a change (the term's end, milestone dates and shares,
the scope of service, the sum within the budget) with a reason from the
list and an explanation; the amendment's PDF is written at once and both
parties confirm it the way they signed the contract (password, digest).
Only when both have confirmed is it applied: the contract's version moves
on and its milestones change; the earlier versions and PDFs stay."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from contracts.contracts import events, messages, permissions
from contracts.contracts.models import Amendment, Contract, ContractDocument, ContractKind, Milestone
from contracts.contracts.pdfs import amendment_pdf
from contracts.contracts.services.base import ContractError, lock, tell_parties
from contracts.contracts.services.drafting import MAX_TERM_YEARS, check_no_personal_data, term_years_exceeded
from contracts.contracts.services.signing import _signature, check_password, store_document, void_documents
from marketplace.core import fsm
from marketplace.core.audit import record_event

#: milestones whose date or share an amendment may still change
CHANGEABLE_STATES = ("pending", "rejected")
DECIDED_STATES = (Milestone.State.ACCEPTED, Milestone.State.PAID)


def _milestone_changes(contract, milestones):
    """The milestones after the change, checked: ``[(milestone, due_on, share)]``."""
    by_number = {m.number: m for m in contract.milestones.all()}
    changed = {}
    for row in milestones or ():
        milestone = by_number.get(int(row["number"]))
        if milestone is None:
            raise ContractError(_("There is no such milestone."), "milestones", "milestone")
        due_on, share = row["due_on"], Decimal(row["share"])
        if (due_on, share) != (milestone.due_on, milestone.share) and milestone.state not in CHANGEABLE_STATES:
            raise ContractError(
                _("Milestone %(number)s is already reported or decided; it cannot change.")
                % {"number": milestone.number},
                "milestones",
                "milestone_decided",
            )
        changed[milestone.number] = (due_on, share)
    return [(m, *changed.get(n, (m.due_on, m.share))) for n, m in sorted(by_number.items())]


def check_changes(contract, *, ends_on, amount, scope, milestones):
    """Refuse a change the contract may not take; ``(changes, display)``:
    the JSON stored on the amendment and lines for its PDF."""
    changes, display = {}, []
    new_end = ends_on or contract.ends_on
    if ends_on and ends_on != contract.ends_on:
        if ends_on < contract.starts_on:
            raise ContractError(_("The term must end after it starts."), "ends_on", "term_order")
        if term_years_exceeded(contract.starts_on, ends_on, MAX_TERM_YEARS):
            raise ContractError(_("The term may not exceed three years."), "ends_on", "term_too_long")
        if term_years_exceeded(contract.starts_on, ends_on, 1) and not contract.term_justification.strip():
            raise ContractError(
                _("A term over one year needs the contract's justification."), "ends_on", "term_justification"
            )
        changes["ends_on"] = ends_on.isoformat()
        display.append((_("Term ends"), contract.ends_on.isoformat(), ends_on.isoformat()))
    if amount is not None and amount != contract.amount:
        if contract.milestones.filter(state__in=DECIDED_STATES).exists():
            raise ContractError(
                _("A milestone is already accepted or paid: the contract sum can no longer change."),
                "amount",
                "milestone_decided",
            )
        if amount <= 0:
            raise ContractError(_("The contract sum must be more than zero."), "amount", "amount")
        if amount > contract.budget:
            raise ContractError(
                _("The contract sum may not exceed the project budget (¥%(budget)s).") % {"budget": contract.budget},
                "amount",
                "over_budget",
            )
        changes["amount"] = str(amount)
        display.append((_("Contract sum (CNY)"), str(contract.amount), str(amount)))
    if scope and scope.strip() and scope.strip() != contract.service_content.strip():
        check_no_personal_data({"service_content": scope.strip()})
        changes["service_content"] = scope.strip()
        display.append((_("Service content"), contract.service_content, scope.strip()))
    rows = _milestone_changes(contract, milestones)
    if sum((share for _m, _d, share in rows), Decimal("0")) != Decimal("100"):
        raise ContractError(_("The milestones' payment shares must add up to exactly 100%."), "milestones", "shares")
    if contract.kind.schedule == ContractKind.Schedule.FINAL and len(rows) != 1:
        raise ContractError(_("This kind of contract has exactly one milestone."), "milestones", "single_milestone")
    changed_rows = []
    for milestone, due_on, share in rows:
        if not contract.starts_on <= due_on <= new_end:
            raise ContractError(
                _("Milestone %(number)s falls due outside the term.") % {"number": milestone.number},
                "milestones",
                "due_outside_term",
            )
        if (due_on, share) != (milestone.due_on, milestone.share):
            changed_rows.append({"number": milestone.number, "due_on": due_on.isoformat(), "share": str(share)})
            display.append(
                (
                    _("Milestone %(number)s") % {"number": milestone.number},
                    f"{milestone.due_on.isoformat()} · {milestone.share}%",
                    f"{due_on.isoformat()} · {share}%",
                )
            )
    if changed_rows:
        changes["milestones"] = changed_rows
    if not changes:
        raise ContractError(_("Nothing would change."), code="no_change")
    return changes, display


def display_changes(contract, changes):
    """Lines (what, from, to) for a stored amendment, for pages."""
    lines = []
    if "ends_on" in changes:
        lines.append((_("Term ends"), "", changes["ends_on"]))
    if "amount" in changes:
        lines.append((_("Contract sum (CNY)"), "", changes["amount"]))
    if "service_content" in changes:
        lines.append((_("Service content"), "", changes["service_content"]))
    for row in changes.get("milestones", ()):
        lines.append((_("Milestone %(number)s") % {"number": row["number"]}, "", f"{row['due_on']} · {row['share']}%"))
    return lines


def propose_amendment(contract, *, by, reason, explanation, ends_on=None, amount=None, scope="", milestones=()):
    """The officer proposes an amendment; its PDF is written and both
    parties are asked to confirm it."""
    explanation = (explanation or "").strip()
    if reason not in Amendment.Reason.values:
        raise ContractError(_("Choose the reason for the amendment."), "reason", "reason")
    if not explanation:
        raise ContractError(_("Explain the amendment."), "explanation", "explanation")
    with transaction.atomic():
        contract = lock(contract)
        permissions.require(permissions.can_propose_amendment(by, contract), ContractError)
        changes, display = check_changes(contract, ends_on=ends_on, amount=amount, scope=scope, milestones=milestones)
        number = (contract.amendments.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        amendment = Amendment.objects.create(
            contract=contract,
            number=number,
            version=contract.version + 1,
            reason=reason,
            explanation=explanation,
            changes=changes,
            proposed_by=by,
        )
        fsm.require(amendment.send_for_confirmation, by, ContractError)
        pdf, revision = amendment_pdf(contract, amendment, display)
        store_document(contract, pdf, revision, amendment=amendment, version=amendment.version)
        amendment.send_for_confirmation(by=by, reason=explanation)
        amendment.save()
        tell_parties(messages.AMENDMENT_PROPOSED, contract, exclude=[by], amendment=number, reason=explanation)
    return amendment


def _lock_amendment(amendment):
    contract = lock(amendment.contract)
    amendment = Amendment.objects.select_for_update().get(pk=amendment.pk)
    amendment.contract = contract
    return contract, amendment


def confirm_amendment(amendment, *, by, password, sha256, request=None):
    """A party confirms the amendment's PDF; with both confirmations it is applied."""
    check_password(request, by, password)
    with transaction.atomic():
        contract, amendment = _lock_amendment(amendment)
        permissions.require(permissions.can_confirm_amendment(by, amendment), ContractError)
        document = ContractDocument.objects.select_for_update().get(
            pk=permissions.signing_document(contract, amendment).pk
        )
        if sha256 != document.sha256:
            raise ContractError(
                _("The document changed since you opened it: read it again before confirming."),
                code="document_changed",
            )
        party, _decision = permissions.party_for(by, contract, author_id=amendment.proposed_by_id)
        signature = _signature(document, party, by, request)
        record_event(
            "amendment.confirmed",
            actor=by,
            obj=amendment,
            details={"contract": contract.number, "party": party, "sha256": document.sha256},
        )
        tell_parties(messages.AMENDMENT_CONFIRMED, contract, exclude=[by], amendment=amendment.number)
        if fsm.allowed(amendment.put_in_force, by):
            _apply(contract, amendment, by=by)
    return signature


def _apply(contract, amendment, *, by):
    """Apply the confirmed changes.  What was checked when the amendment was
    proposed is checked again here, under the locks: a milestone accepted
    since then may not change, nor the sum once any milestone is decided."""
    changes = amendment.changes
    milestones = {m.number: m for m in contract.milestones.select_for_update()}
    for row in changes.get("milestones", ()):
        if milestones[int(row["number"])].state not in CHANGEABLE_STATES:
            raise ContractError(
                _("Milestone %(number)s was reported or decided since the amendment was proposed: withdraw it.")
                % {"number": row["number"]},
                code="milestone_decided",
            )
    if "amount" in changes and any(m.state in DECIDED_STATES for m in milestones.values()):
        raise ContractError(
            _("A milestone was accepted since the amendment was proposed: the sum can no longer change; withdraw it."),
            code="milestone_decided",
        )
    if "ends_on" in changes:
        contract.ends_on = parse_date(changes["ends_on"])
    previous_amount = contract.amount
    if "amount" in changes:
        contract.amount = Decimal(changes["amount"])
    if "service_content" in changes:
        contract.service_content = changes["service_content"]
    for row in changes.get("milestones", ()):
        contract.milestones.filter(number=row["number"]).update(
            due_on=parse_date(row["due_on"]), share=Decimal(row["share"])
        )
    contract.version = amendment.version
    contract.save()
    amendment.put_in_force(by=by, reason="")
    amendment.in_force_at = timezone.now()
    amendment.save()
    if contract.amount != previous_amount:
        events.contract_sum_changed.send(
            sender=Contract, contract=contract, previous=previous_amount, amendment=amendment, by=by
        )
    record_event(
        "contract.amended",
        actor=by,
        obj=contract,
        details={"amendment": amendment.number, "version": contract.version, "changes": changes},
    )
    tell_parties(messages.AMENDMENT_IN_FORCE, contract, amendment=amendment.number)


def withdraw_amendment(amendment, *, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ContractError(_("Give the reason for withdrawing."), "reason", "reason")
    with transaction.atomic():
        contract, amendment = _lock_amendment(amendment)
        fsm.require(amendment.withdraw, by, ContractError)
        void_documents(contract, reason, amendment=amendment)
        amendment.withdraw(by=by, reason=reason)
        amendment.save()
    return amendment


__all__ = ["Contract", "check_changes", "confirm_amendment", "propose_amendment", "withdraw_amendment"]
