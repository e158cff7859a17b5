"""The contract domain's public events, sent after the transaction commits
(the CMS listens for them to publish the contract announcement).

``contract_activated(sender=Contract, contract=...)``: both parties signed;
the contract is in force and its announcement is due."""

from django.dispatch import Signal

contract_activated = Signal()
