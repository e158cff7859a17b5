"""Who may do what with a contract: one ``can_<verb>(user, obj) -> Decision``
per step, and the ``may_*`` callables the state machine's transitions carry
as their ``permission`` (``(obj, user)``).  Services ask the transitions
(``marketplace.core.fsm.require``) or these functions; views and templates
ask ``available_actions``: the same question, so a button shows exactly when
the service would accept.

Parties: the purchaser's side signs through a procurement officer OTHER
than the one who drafted the contract (four eyes; for an amendment, other
than the one who proposed it); the organization's side through an
administrator of the contract's organization.

This module is imported by the models (the transitions' ``permission``), so
it imports no model of its own domain at import time."""

from django.utils.translation import gettext_lazy as _

from marketplace.core.fsm import refusal
from marketplace.core.permissions import ALLOWED, Decision, active, is_officer, refused
from marketplace.organizations.permissions import can_administer, has_acted_for, is_member

PURCHASER = "purchaser"
ORGANIZATION = "organization"

OFFICERS_ONLY = _("Only a procurement officer may do this.")
FOUR_EYES = _("The officer who drafted the contract cannot sign it for the purchaser: another officer signs.")
FOUR_EYES_AMENDMENT = _("The officer who proposed the amendment cannot confirm it for the purchaser.")
ACTED_FOR = _("You have acted for this organization: another officer signs for the purchaser.")
NOT_A_PARTY = _("Only the organization's administrator or a procurement officer may do this.")


def require(decision, error_class):
    if not decision:
        raise error_class(decision.reason, code="permission")


# --- who the user is for this contract ------------------------------------------------------------


def can_view(user, contract):
    """Officers; members of the contract's organization."""
    if not active(user):
        return refused(_("Sign in first."))
    if is_officer(user) or is_member(user, contract.organization):
        return ALLOWED
    return refused(_("This contract is not yours."))


def party_for(user, contract, *, author_id=None):
    """``(party, Decision)``: which side ``user`` acts for on ``contract``
    (``PURCHASER`` / ``ORGANIZATION``), and whether they may sign for it
    (``author_id``: the officer who may not sign for the purchaser, by
    default the drafter)."""
    if not active(user):
        return None, refused(_("Sign in first."))
    if is_officer(user):
        author_id = contract.drafted_by_id if author_id is None else author_id
        if user.pk == author_id:
            return PURCHASER, refused(FOUR_EYES if author_id == contract.drafted_by_id else FOUR_EYES_AMENDMENT)
        if has_acted_for(user, contract.organization):
            return PURCHASER, refused(ACTED_FOR)
        return PURCHASER, ALLOWED
    if can_administer(user, contract.organization):
        return ORGANIZATION, ALLOWED
    if is_member(user, contract.organization):
        return ORGANIZATION, can_administer(user, contract.organization)
    return None, refused(NOT_A_PARTY)


def _is_party(user, contract):
    """A party who may speak for its side (ask for changes), four eyes apart."""
    if not active(user):
        return refused(_("Sign in first."))
    if is_officer(user):
        return ALLOWED
    return can_administer(user, contract.organization)


# --- the transitions' permission callables: (obj, user) -------------------------------------------


def may_edit(contract, user):
    return ALLOWED if is_officer(user) else refused(OFFICERS_ONLY)


may_send_for_signature = may_edit
may_terminate = may_edit


def may_request_changes(contract, user):
    return _is_party(user, contract)


def may_sign(contract, user):
    return party_for(user, contract)[1]


def may_propose_amendment(amendment, user):
    return ALLOWED if is_officer(user) else refused(OFFICERS_ONLY)


may_withdraw_amendment = may_propose_amendment


def may_confirm_amendment(amendment, user):
    return party_for(user, amendment.contract, author_id=amendment.proposed_by_id)[1]


# --- can_<verb>(user, obj) ------------------------------------------------------------------------


def _from_fsm(bound, user):
    refused_step = refusal(bound, user)
    return ALLOWED if refused_step is None else Decision(False, refused_step[0])


def can_draft(user, award):
    """Draft a contract from ``award``: an officer, on a live award whose
    project may be contracted now (challenge period over, no open
    challenge), once."""
    if not is_officer(user):
        return refused(OFFICERS_ONLY)
    if award is None or award.cancelled_at is not None:
        return refused(_("The project has no live award."))
    blocked = award.project.contract_blocked_reason()
    if blocked:
        return refused(blocked)
    if hasattr(award, "contract"):
        return refused(_("A contract was already drafted from this award."))
    return ALLOWED


def can_edit(user, contract):
    if contract.state != "draft":
        return refused(_("Only a draft can be edited; ask for changes first."))
    return may_edit(contract, user)


def can_send(user, contract):
    return _from_fsm(contract.send_for_signature, user)


def signing_document(contract, amendment=None):
    return contract.documents.filter(amendment=amendment, voided_at__isnull=True).order_by("-created_at").first()


def can_sign(user, contract):
    """Sign the document sent for signature, for the user's side, once."""
    if contract.state != "awaiting_signatures":
        return refused(_("The contract is not awaiting signatures."))
    party, decision = party_for(user, contract)
    if not decision:
        return decision
    document = signing_document(contract)
    if document is None:
        return refused(_("There is no document to sign."))
    if document.signatures.filter(party=party, voided_at__isnull=True).exists():
        return refused(_("Your side has signed already."))
    return ALLOWED


def can_request_changes(user, contract):
    return _from_fsm(contract.request_changes, user)


def can_terminate(user, contract):
    return _from_fsm(contract.terminate, user)


def can_propose_amendment(user, contract):
    if not is_officer(user):
        return refused(OFFICERS_ONLY)
    if contract.state != "active":
        return refused(_("Only an active contract can be amended."))
    if contract.amendments.filter(state__in=("draft", "awaiting_confirmation")).exists():
        return refused(_("Another amendment is waiting for confirmation."))
    return ALLOWED


def can_confirm_amendment(user, amendment):
    if amendment.state != "awaiting_confirmation":
        return refused(_("The amendment is not awaiting confirmation."))
    party, decision = party_for(user, amendment.contract, author_id=amendment.proposed_by_id)
    if not decision:
        return decision
    document = signing_document(amendment.contract, amendment)
    if document is None:
        return refused(_("There is no document to confirm."))
    if document.signatures.filter(party=party, voided_at__isnull=True).exists():
        return refused(_("Your side has confirmed already."))
    return ALLOWED


def can_withdraw_amendment(user, amendment):
    return _from_fsm(amendment.withdraw, user)


def available_actions(user, contract):
    """The steps ``user`` may take on ``contract`` now (buttons)."""
    checks = {
        "edit": lambda: can_edit(user, contract),
        "send": lambda: can_send(user, contract),
        "sign": lambda: can_sign(user, contract),
        "request_changes": lambda: can_request_changes(user, contract),
        "terminate": lambda: can_terminate(user, contract),
        "amend": lambda: can_propose_amendment(user, contract),
    }
    return {name for name, check in checks.items() if check()}
