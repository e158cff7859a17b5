"""Four eyes on the floors of a purchase method (采购方式).

Every rule of a method that an officer could loosen to weaken competition, and
putting a method into use, change only when a second procurement officer
approves the change one officer proposed (``FLOOR_FIELDS`` lists them and
says why).  The proposer can neither approve nor reject (the database refuses
it too); every step is an audit event.  When a method is put into use the
approver sees every governed value, not only the ones that change."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.procurement import permissions
from marketplace.procurement.models.projects import PurchaseMethod, PurchaseMethodChange

FLOOR_FIELDS = (
    "code",
    "min_period",
    "period_unit",
    "min_valid_bids",
    "committee_size",
    "addendum_min_days",
    "addendum_unit",
    "named_organization",
    "justification_required",
    "budget_cap",
    "one_bid_per_organization",
    "intention_days",
)
"""The fields of ``PurchaseMethod`` whose change needs a second officer
(putting a method into use, ``active``, too):

- ``code``: decides which statutory floor applies (LEGAL_FLOORS, the single
  source and consultation rules, the database's check constraints);
- ``min_period`` and ``period_unit``: how long a call stays open;
- ``min_valid_bids``: how many valid bids a call needs to go ahead;
- ``committee_size``: how many evaluators score the bids;
- ``addendum_min_days`` and ``addendum_unit``: the time bidders keep after an addendum;
- ``named_organization`` and ``justification_required``: whether a call may
  be addressed to one organization, and must then say why;
- ``budget_cap``: the largest budget a call of this method may have (raising
  or clearing it lets big purchases avoid the stricter methods);
- ``one_bid_per_organization``: one project per organization and year
  (公益创投): unticking it lets one organization take them all;
- ``intention_days``: how long the purchase intention is public before the
  call (lowering it shortens the public's notice).

Not governed, because they loosen nothing: ``name``, ``name_en``,
``description``, ``position``; and retiring a method (``active`` off)."""


class MethodChangeError(DomainError):
    """A change to a purchase method's floors was refused."""

    default_code = "invalid"


def require_officer(user):
    permissions.enforce(permissions.can_propose_method_change(user), MethodChangeError)


def _stored(value):
    """A governed value as the change row (JSON) keeps it: a Decimal as its text."""
    return str(value) if isinstance(value, Decimal) else value


def _value(name, value):
    """A governed value as the model holds it (the text of a Decimal back to a Decimal)."""
    if name == "active":
        return bool(value)
    return PurchaseMethod._meta.get_field(name).to_python(value)


def _same(name, one, other):
    try:
        return _value(name, one) == _value(name, other)
    except ValidationError:
        return False


def governed_values(method):
    """Every governed value of ``method`` (and whether it is in use), as stored in a change."""
    return {**{name: _stored(getattr(method, name)) for name in FLOOR_FIELDS}, "active": method.active}


def governed_changes(before, method):
    """The governed values ``method`` (edited, unsaved) has that differ from
    ``before``; retiring a method (active → not active) needs nobody's approval."""
    changes = {
        name: getattr(method, name) for name in FLOOR_FIELDS if not _same(name, getattr(method, name), before.get(name))
    }
    if method.active and not before.get("active"):
        changes["active"] = True
    return changes


def _validated(method, values):
    """``method`` with ``values`` applied, checked like the form checks it."""
    candidate = PurchaseMethod.objects.get(pk=method.pk)
    for name, value in values.items():
        setattr(candidate, name, value)
    try:
        candidate.full_clean()  # a new code must not be taken
    except ValidationError as exc:
        raise MethodChangeError(" ".join(exc.messages), code="invalid") from exc
    return candidate


def propose_change(method, *, values, by, previous=None):
    """Record a pending change of ``method``'s governed ``values``; nothing
    changes until another officer approves it."""
    require_officer(by)
    values = {name: _stored(value) for name, value in values.items() if name in FLOOR_FIELDS or name == "active"}
    if not values:
        return None
    with transaction.atomic():
        method = PurchaseMethod.objects.select_for_update().get(pk=method.pk)
        if PurchaseMethodChange.objects.filter(method=method, state=PurchaseMethodChange.State.PENDING).exists():
            raise MethodChangeError(
                _("A change to this method is already waiting for approval: it must be decided first."),
                code="pending_change",
            )
        _validated(method, values)
        try:
            with transaction.atomic():
                change = PurchaseMethodChange.objects.create(
                    method=method,
                    proposed=values,
                    previous=governed_values(method)
                    if previous is None
                    else {name: _stored(value) for name, value in previous.items()},
                    proposed_by=by,
                )
        except IntegrityError as exc:
            raise MethodChangeError(
                _("A change to this method is already waiting for approval: it must be decided first."),
                code="pending_change",
            ) from exc
        record_event(
            "purchasemethod.change_proposed",
            actor=by,
            obj=method,
            details={"change": change.pk, "proposed": values, "previous": change.previous},
        )
    return change


def _locked_pending(change, by):
    require_officer(by)
    change = PurchaseMethodChange.objects.select_for_update().get(pk=change.pk)
    if change.state != PurchaseMethodChange.State.PENDING:
        raise MethodChangeError(_("This change has been decided already."), code="decided")
    permissions.enforce(permissions.can_decide_method_change(by, change), MethodChangeError)
    return change


def approve_change(change, *, by):
    """A second officer approves: the values take effect now (checked again
    against the floors and the calls using the method)."""
    with transaction.atomic():
        change = _locked_pending(change, by)
        method = PurchaseMethod.objects.select_for_update().get(pk=change.method_id)
        before = governed_values(method)
        # The approver decided on the values shown (``previous`` and ``proposed``): if the
        # method's governed values are no longer those, the proposal is stale.
        if any(not _same(name, before.get(name), value) for name, value in change.previous.items() if name in before):
            raise MethodChangeError(
                _("The method has changed since this change was proposed: reject it and propose it again."),
                code="stale",
            )
        method = _validated(method, change.proposed)
        method.save()
        change.state = PurchaseMethodChange.State.APPROVED
        change.decided_by, change.decided_at = by, timezone.now()
        change.save()
        record_event(
            "purchasemethod.change_approved",
            actor=by,
            obj=method,
            details={
                "change": change.pk,
                "proposed_by": change.proposed_by_id,
                "applied": change.proposed,
                "before": before,
            },
        )
    return change


def reject_change(change, *, by, reason=""):
    with transaction.atomic():
        change = _locked_pending(change, by)
        change.state = PurchaseMethodChange.State.REJECTED
        change.decided_by, change.decided_at = by, timezone.now()
        change.reason = " ".join(str(reason or "").split())[:1000]
        change.save()
        record_event(
            "purchasemethod.change_rejected",
            actor=by,
            obj=change.method,
            reason=change.reason,
            details={"change": change.pk, "proposed_by": change.proposed_by_id, "proposed": change.proposed},
        )
    return change
