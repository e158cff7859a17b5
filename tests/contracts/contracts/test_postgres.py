"""What only PostgreSQL can prove (issue 15): the database keeps the sum
within the budget and the milestones' shares at exactly 100 once the
contract has left the draft (a deferred constraint trigger), and two
officers drafting at once get two contract numbers."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone

from contracts.contracts.models import Contract, Milestone
from contracts.contracts.services.drafting import save_with_number
from marketplace.models import Award
from tests.contract_fixtures import ContractFactory

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="constraints and races need PostgreSQL")


@pytest.mark.django_db
def test_the_database_keeps_the_sum_within_the_budget(active_contract):
    with pytest.raises(IntegrityError, match="contract_amount_within_budget"), transaction.atomic():
        Contract.objects.filter(pk=active_contract.pk).update(amount=active_contract.budget + Decimal("0.01"))


@pytest.mark.django_db
def test_the_database_keeps_the_shares_at_100_once_the_contract_left_the_draft(active_contract):
    milestone = active_contract.milestones.get(number=1)
    with pytest.raises(IntegrityError, match="contract_milestone_shares_100"), transaction.atomic():
        Milestone.objects.filter(pk=milestone.pk).update(share=Decimal("30"))
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # Two milestones changed in one transaction (an amendment): checked at the end, accepted.
    with transaction.atomic():
        Milestone.objects.filter(pk=milestone.pk).update(share=Decimal("50"))
        Milestone.objects.filter(contract=active_contract, number=2).update(share=Decimal("50"))
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # A draft may be anything while it is written.
    Contract.objects.filter(pk=active_contract.pk).update(state="draft")
    with transaction.atomic():
        Milestone.objects.filter(pk=milestone.pk).update(share=Decimal("10"))
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError, match="contract_milestone_shares_100"), transaction.atomic():
        Contract.objects.filter(pk=active_contract.pk).update(state="awaiting_signatures")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db(transaction=True)
def test_two_officers_drafting_at_once_get_two_numbers(award_over):
    # A second (cancelled) award of the same project stands in for another project's.
    other_award = Award.objects.create(
        project=award_over.project,
        bid=award_over.bid,
        report=award_over.report,
        rank=award_over.rank,
        recommended_bid=award_over.recommended_bid,
        price=award_over.price,
        awarded_by=award_over.awarded_by,
        awarded_at=award_over.awarded_at,
        challenge_deadline=award_over.challenge_deadline,
        cancelled_at=timezone.now(),
    )
    year = timezone.localdate().year
    first_saved = threading.Event()
    numbers, errors = [], []

    def first():
        try:
            with transaction.atomic():
                contract = save_with_number(ContractFactory.build(award=award_over), year)
                numbers.append(contract.number)
                first_saved.set()
                time.sleep(1.0)  # hold the number uncommitted while the other takes one
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
            first_saved.set()
        finally:
            close_old_connections()

    def second():
        try:
            first_saved.wait(10)
            with transaction.atomic():
                contract = save_with_number(ContractFactory.build(award=other_award), year)
                numbers.append(contract.number)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(numbers) == [f"HT-{year}-0001", f"HT-{year}-0002"]
    assert Contract.objects.filter(number__startswith=f"HT-{year}-").count() == 2
