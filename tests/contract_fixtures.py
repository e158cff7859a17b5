"""Contracts (issue 15): an award whose challenge period is over, and
contracts in each state, written by factories.  The road through the
contract services is walked once by tests/contracts/contracts."""

import datetime
from decimal import Decimal

import factory
import pytest
from django.db import transaction
from django.utils import timezone
from factory.django import DjangoModelFactory

from contracts.contracts.models import Contract, ContractKind, EvaluationCriterion, Milestone, SurveyQuestion
from marketplace.models import Award, Bid, Project
from tests.evaluation_fixtures import award_top, evaluated


def end_challenge_period(project):
    """Move the live award's dates back so its challenge period is over (no
    challenge was filed): what ten working days of waiting would do."""
    award = Award.objects.get(project=project, cancelled_at__isnull=True)
    now = timezone.now()
    awarded_at = now - datetime.timedelta(days=20)
    Award.objects.filter(pk=award.pk).update(
        awarded_at=awarded_at, challenge_deadline=now - datetime.timedelta(hours=1)
    )
    award.refresh_from_db()
    return award


@pytest.fixture
def award_over(opened, pool, officer):
    """``opened`` evaluated and awarded to the cheapest bid (投标组织2), the
    challenge period over: a contract may be drafted.  The award is
    returned; its organization's administrator is ``award.org_admin``."""
    evaluated(opened, officer)
    opened.refresh_from_db()
    award_top(opened, officer)
    award = end_challenge_period(opened)
    award.org_admin = Bid.objects.get(pk=award.bid_id).organization.created_by
    return award


def kind(code="purchase"):
    return ContractKind.objects.get(code=code)


class ContractFactory(DjangoModelFactory):
    """A contract drafted from ``award`` (required) with two milestones
    (40 % and 60 %), a three-line rubric and three survey questions.
    ``active=True``: signed by both parties (no documents or signatures are
    written: tests of signing go through the services), the project
    contracted."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    class Params:
        active = factory.Trait(
            state=Contract.State.ACTIVE,
            activated_at=factory.LazyFunction(timezone.now),
        )

    number = factory.Sequence(lambda n: f"HT-T-{n + 1:04d}")
    project = factory.LazyAttribute(lambda c: c.award.project)
    organization = factory.LazyAttribute(lambda c: Bid.objects.get(pk=c.award.bid_id).organization)
    purchaser = factory.LazyAttribute(lambda c: c.project.purchaser)
    kind = factory.LazyFunction(kind)
    catalogue_item = factory.LazyAttribute(lambda c: c.project.catalogue_items.first())
    service_content = factory.LazyAttribute(lambda c: c.catalogue_item.content)
    service_quality = factory.LazyAttribute(lambda c: c.catalogue_item.quality)
    service_outputs = factory.LazyAttribute(lambda c: c.catalogue_item.outputs)
    quantity = "每周上门两次，服务 40 户"
    place = "和平社区"
    amount = factory.LazyAttribute(lambda c: c.award.price)
    budget = factory.LazyAttribute(lambda c: c.project.budget)
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda c: c.starts_on + datetime.timedelta(days=300))
    drafted_by = factory.LazyAttribute(lambda c: c.award.awarded_by)

    @factory.post_generation
    def terms(contract, create, extracted, **kwargs):
        if not create:
            return
        contract.communities.set(contract.project.communities.all())
        today = timezone.localdate()
        Milestone.objects.bulk_create(
            [
                Milestone(
                    contract=contract,
                    number=1,
                    title="中期",
                    deliverables="中期服务报告",
                    due_on=today + datetime.timedelta(days=30),
                    share=Decimal("40"),
                ),
                Milestone(
                    contract=contract,
                    number=2,
                    title="结项",
                    deliverables="结项服务报告",
                    due_on=contract.ends_on,
                    share=Decimal("60"),
                ),
            ]
        )
        EvaluationCriterion.objects.bulk_create(
            [
                EvaluationCriterion(contract=contract, order=1, name="服务数量完成情况", max_score=Decimal("40")),
                EvaluationCriterion(contract=contract, order=2, name="服务质量", max_score=Decimal("40")),
                EvaluationCriterion(contract=contract, order=3, name="档案管理", max_score=Decimal("20")),
            ]
        )
        SurveyQuestion.objects.bulk_create(
            [
                SurveyQuestion(contract=contract, order=1, text="服务人员态度"),
                SurveyQuestion(contract=contract, order=2, text="服务是否准时"),
                SurveyQuestion(contract=contract, order=3, text="服务对您是否有帮助"),
            ]
        )
        if contract.state == Contract.State.ACTIVE:
            Project.objects.filter(pk=contract.project_id).update(state=Project.State.CONTRACTED)


@pytest.fixture
def active_contract(award_over):
    # One transaction: on PostgreSQL the milestones' shares are checked when
    # the contract's transaction commits (a deferred trigger), and a
    # transactional test commits each statement on its own.
    with transaction.atomic():
        return ContractFactory(award=award_over, active=True)
