"""The contract domain's verbs (see each module's docstring)."""

from contracts.contracts.services.amendments import confirm_amendment, propose_amendment, withdraw_amendment
from contracts.contracts.services.base import ContractError, signing_days_left, signing_deadline
from contracts.contracts.services.drafting import current_terms, draft_contract, initial_terms, update_draft
from contracts.contracts.services.signing import request_changes, send_for_signature, sign, terminate

__all__ = [
    "ContractError",
    "confirm_amendment",
    "current_terms",
    "draft_contract",
    "initial_terms",
    "propose_amendment",
    "request_changes",
    "send_for_signature",
    "sign",
    "signing_days_left",
    "signing_deadline",
    "terminate",
    "update_draft",
    "withdraw_amendment",
]
