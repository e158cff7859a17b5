"""The contract domain's public events.

``contract_activated(sender=Contract, contract=...)``: both parties signed;
the contract is in force and its announcement is due.  Sent after the
transaction commits (the CMS listens for it to publish the announcement).

Sent inside the transaction, with the contract's row locked, so that a
receiver's failure rolls the change back (the payments domain keeps the
ledger with them: never one without the other):

``contract_closed(sender=Contract, contract=..., by=...)``: the contract
completed (every milestone accepted) or was terminated; what it will not
pay goes back to the budget.

``contract_sum_changed(sender=Contract, contract=..., previous=..., amendment=..., by=...)``:
an amendment in force changed the contract sum from ``previous``
(a ``Decimal``) to ``contract.amount``."""

from django.dispatch import Signal

contract_activated = Signal()
contract_closed = Signal()
contract_sum_changed = Signal()
