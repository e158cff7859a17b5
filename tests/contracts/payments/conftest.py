"""Fixtures of the payment tests: an accepted milestone (its payment
requested by the acceptance), the organization's bank account and a
finance officer who took no part in the contract."""

from decimal import Decimal

import pytest

from contracts.milestones.services import acceptance
from contracts.payments import services
from contracts.payments.models import Payment
from tests.contracts.evaluation import conftest as evaluation
from tests.contracts.evaluation.conftest import answer_rows, locked_sheet

# the evaluation tests' fixtures: an active contract, its first milestone, its report submitted
contract, first, submitted = evaluation.contract, evaluation.first, evaluation.submitted
worker_here = evaluation.worker_here

ACCOUNT = {
    "bank_name": "中国工商银行示范区支行",
    "account_name": "测试社工服务中心",
    "account_number": "6222020200112233445",
}


@pytest.fixture
def expert(pool):
    return pool[0]


@pytest.fixture
def finance(make_user):
    return make_user("finance_officer", username="finance1")


@pytest.fixture
def finance2(make_user):
    return make_user("finance_officer", username="finance2")


def accept(milestone, expert, officer, *, points=90, answers=None):
    locked_sheet(milestone, expert, officer, points=points)
    answer_rows(milestone, answers or [5] * 20)
    milestone.refresh_from_db()
    return acceptance.decide(milestone, by=officer, accept=True, reason="达到验收标准")


@pytest.fixture
def accepted(submitted, expert, officer):
    return accept(submitted, expert, officer)


@pytest.fixture
def account(contract, award_over):
    return services.save_payee_account(contract.organization, by=award_over.org_admin, **ACCOUNT)


@pytest.fixture
def payment(accepted):
    return Payment.objects.get(milestone=accepted)


def released(payment, finance):
    services.approve(payment, by=finance)
    return services.release(payment, by=finance)


HALF = Decimal("0.5")
