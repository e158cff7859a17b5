"""The factories must leave the rows the services would: these tests hold
each factory-made state against the domain's own checks, so a factory that
drifts from the services fails here, not in some unrelated test."""

from decimal import Decimal

import pytest

from marketplace.evaluation import permissions as evaluation_permissions
from marketplace.evaluation.services import awards
from marketplace.evaluation.services.ranking import progress
from marketplace.models import Bid, Organization, Project
from marketplace.procurement import permissions as procurement_permissions
from marketplace.procurement.services.bids import verify
from tests.factories import (
    CommitteeFactory,
    EvaluationReportFactory,
    EvaluatorFactory,
    OrganizationFactory,
    ProjectFactory,
    QualificationFactory,
    ScoreSheetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PRICES = ["120000.00", "100000.00", "140000.00"]


@pytest.mark.parametrize("trait", ["submitted", "returned", "approved", "suspended", "blacklisted"])
def test_organization_traits_walk_the_transitions(trait):
    organization = OrganizationFactory(**{trait: True})
    organization.refresh_from_db()
    assert organization.state == trait
    assert organization.memberships.get().user == organization.created_by
    assert organization.staff.count() == 5


def test_a_published_project_is_open_for_bids():
    project = ProjectFactory(published=True)
    assert project.state == Project.State.PUBLISHED
    assert procurement_permissions.call_is_open(project)
    assert sum(c.weight for c in project.criteria.all()) == Decimal("100")


def test_a_closed_project_has_opened_bids_that_verify_and_an_opening_record():
    project = ProjectFactory(closed=True, bidders=PRICES, method_code="consultation")
    assert project.state == Project.State.CLOSED and project.opened_at is not None
    bids = list(Bid.objects.filter(project=project).select_related("current_version"))
    assert [b.state for b in bids] == [Bid.State.OPENED] * 3
    assert all(verify(b.current_version) for b in bids)
    assert [e["price"] for e in project.opening.entries] == PRICES  # submission order
    assert project.opening.valid_count == 3 and not project.opening.failed


def test_too_few_bidders_fail_the_project():
    project = ProjectFactory(closed=True, bidders=["100000.00"], method_code="consultation")
    assert project.state == Project.State.FAILED and project.opening.failed


def test_the_evaluation_chain_ranks_as_the_services_do_and_the_award_service_accepts_it():
    officer = UserFactory(roles=("procurement_officer",))
    project = ProjectFactory(closed=True, bidders=PRICES, method_code="consultation")
    committee = CommitteeFactory(project=project, evaluators=EvaluatorFactory.create_batch(3), declared=True)
    project.refresh_from_db()
    assert project.state == Project.State.EVALUATING
    chair = committee.members.get(is_chair=True).evaluator.user
    assert not evaluation_permissions.can_score(chair, project)  # qualification first
    QualificationFactory.qualify_all(project, by=officer)
    assert evaluation_permissions.can_score(chair, project)
    ScoreSheetFactory.score_all(project)
    assert progress(project).problems == []
    report = EvaluationReportFactory(project=project, confirmed=True)
    cheapest = Bid.objects.get(project=project, price=Decimal("100000.00"))
    assert report.recommended_bid_id == cheapest.pk  # same scores: the lowest price wins
    assert [row["organization"] for row in report.ranking] == ["投标组织2", "投标组织1", "投标组织3"]
    awards.award(project, cheapest, by=officer)
    project.refresh_from_db()
    assert project.state == Project.State.AWARDED


def test_an_organization_is_draft_by_default():
    assert OrganizationFactory().state == Organization.State.DRAFT
