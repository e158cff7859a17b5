"""The contract fixtures hold the domain's invariants (issue 15)."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from contracts.contracts.models import Contract, ContractKind
from marketplace.models import Project


@pytest.mark.django_db
def test_an_active_contract_from_an_award_whose_period_is_over(active_contract):
    assert active_contract.project.contract_blocked_reason() is None
    assert active_contract.state == Contract.State.ACTIVE
    active_contract.project.refresh_from_db()
    assert active_contract.project.state == Project.State.CONTRACTED
    assert sum(m.share for m in active_contract.milestones.all()) == Decimal("100")
    assert sum(c.max_score for c in active_contract.criteria.all()) == Decimal("100")
    assert active_contract.amount == active_contract.award.price <= active_contract.budget


@pytest.mark.django_db
def test_the_four_kinds_are_configuration_rows():
    assert set(ContractKind.objects.values_list("schedule", flat=True)) == {"milestones", "final", "cost_share"}
    assert ContractKind.objects.count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        ({"amount": "budget+1"}, "contract_amount_within_budget"),
        ({"resident_weight": Decimal("60"), "expert_weight": Decimal("40")}, "contract_resident_weight_floor"),
        ({"resident_weight": Decimal("80"), "expert_weight": Decimal("30")}, "contract_weights_sum_to_100"),
        ({"pass_mark": Decimal("85")}, "contract_full_payment_above_pass"),
    ],
)
def test_the_database_refuses_a_contract_that_breaks_its_terms(active_contract, changes, constraint):
    if changes.get("amount") == "budget+1":
        changes = {"amount": active_contract.budget + Decimal("0.01")}
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Contract.objects.filter(pk=active_contract.pk).update(**changes)
