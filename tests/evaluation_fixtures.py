"""Fixtures for evaluation, award and challenge: an opened project with three
bidders, an evaluator pool, helpers that walk it through the services, and
``evaluated``, which puts it in the evaluated state with the factories."""

from decimal import Decimal

import pytest

from marketplace.evaluation.services import awards, committee
from marketplace.evaluation.services import scoring as evaluation
from marketplace.models import Bid, Evaluator, Project
from tests.factories import (
    CommitteeFactory,
    EvaluationReportFactory,
    ProjectFactory,
    QualificationFactory,
    ScoreSheetFactory,
)
from tests.project_fixtures import open_now, submit_bid

PASSWORD = "pw-test-2026"
PRICES = ("120000.00", "100000.00", "140000.00")


@pytest.fixture
def make_evaluator(make_user):
    def make(name=None, categories=(), *, roles=("evaluator",), **fields):
        user = make_user(*roles, full_name=name or "", **fields)
        evaluator = Evaluator.objects.create(user=user, name=name or user.username)
        evaluator.expertise.set(categories)
        return evaluator

    return make


@pytest.fixture
def opened(officer, second_officer, published, community, org_admin):
    """A competitive-consultation project (committee of 3, at least 2 valid
    bids) whose three bids have been opened (state closed); the bidders'
    administrators are in ``opened.admins``.  Made by the factories: the
    opening's own walk through the services is in tests/marketplace/
    procurement (``open_now``)."""
    project = ProjectFactory(
        closed=True,
        method_code="consultation",
        created_by=officer,
        submitted_by=officer,
        approved_by=second_officer,
        items=list(published.items.all()[:1]),
        communities=[community],
        bidders=list(PRICES),
        bidders__admins=[org_admin, None, None],
    )
    assert project.state == Project.State.CLOSED
    project.admins = [bid.organization.created_by for bid in bids_of(project)]
    return project


def open_by_services(make_project, make_org, org_admin):
    """The same project as ``opened``, walked through the services (approval,
    three bids, the opening), so the CMS receivers see every event."""
    project = make_project("published", method_code="consultation")
    admins = []
    for index, price in enumerate(PRICES):
        admin = org_admin if index == 0 else None
        organization = make_org("approved", admin=admin, name=f"投标组织{index + 1}")
        user = organization.memberships.get().user
        submit_bid(project, organization, user, price=price)
        admins.append(user)
    project = open_now(project)
    assert project.state == Project.State.CLOSED
    project.admins = admins
    return project


@pytest.fixture
def opened_by_services(make_project, make_org, org_admin):
    return open_by_services(make_project, make_org, org_admin)


@pytest.fixture
def pool(opened, make_evaluator):
    """Five evaluators with the project's expertise and one without."""
    categories = list(committee.default_expertise(opened))
    experts = [make_evaluator(f"专家{n}", categories) for n in range(1, 6)]
    make_evaluator("无关专家", [])
    return experts


def bids_of(project):
    return list(Bid.objects.filter(project=project).select_related("organization").order_by("pk"))


def form(project, officer, **kwargs):
    kwargs.setdefault("expertise", committee.default_expertise(project))
    return committee.form_committee(project, by=officer, **kwargs)


def serving(project):
    return list(committee.active_members(project.committee))


def declare_none(project, member):
    answers = {bid.pk: ("none", "") for bid in committee.bidders_to_declare(project)}
    return committee.declare(project, by=member.evaluator.user, answers=answers)


def declare_all(project):
    for member in serving(project):
        if member.declared_at is None:
            declare_none(project, member)


def qualify_all(project, officer, failing=()):
    decisions = {
        bid.pk: (
            bid.organization.name not in failing,
            "符合招标文件要求" if bid.organization.name not in failing else "缺少资质",
        )
        for bid in evaluation.opened_bids(project)
    }
    return evaluation.review_qualification(project, by=officer, decisions=decisions)


def values_for(project, score_map):
    """``score_map``: criterion name → score; every reason filled in."""
    return {c.pk: (score_map.get(c.name, c.max_score), f"{c.name}的理由") for c in evaluation.score_criteria(project)}


def score_all(project, scores=None):
    """Every serving member submits a sheet on every qualified bid.
    ``scores``: {(member index, organization name): {criterion name: value}}."""
    scores = scores or {}
    for index, member in enumerate(serving(project)):
        for bid in Bid.objects.filter(project=project, state=Bid.State.QUALIFIED).select_related("organization"):
            score_map = scores.get(
                (index, bid.organization.name), {"服务方案": Decimal("40"), "团队与经验": Decimal("25")}
            )
            evaluation.save_scores(
                project, bid, by=member.evaluator.user, values=values_for(project, score_map), submit=True
            )


def report_and_confirm(project):
    chair = next(m for m in serving(project) if m.is_chair)
    report = evaluation.generate_report(project, by=chair.evaluator.user)
    for member in serving(project):
        report = evaluation.confirm_report(report, by=member.evaluator.user, password=PASSWORD)
    report.refresh_from_db()
    return report


def evaluated(project, officer):
    """Committee formed (the first eligible evaluators), declared, qualified,
    scored with the default scores, report confirmed: written by the
    factories.  The same road through the services is walked by
    ``evaluated_by_services`` and by tests/marketplace/evaluation."""
    expertise = committee.default_expertise(project)
    eligible = list(committee.eligible_evaluators(project, expertise=expertise).order_by("pk"))
    CommitteeFactory(project=project, evaluators=eligible, formed_by=officer, declared=True)
    project.refresh_from_db()
    QualificationFactory.qualify_all(project, by=officer)
    ScoreSheetFactory.score_all(project)
    return EvaluationReportFactory(project=project, confirmed=True)


def evaluated_by_services(project, officer):
    """Committee formed, declared, qualified, scored, report confirmed: each
    step through its service."""
    form(project, officer)
    project.refresh_from_db()
    declare_all(project)
    qualify_all(project, officer)
    score_all(project)
    return report_and_confirm(project)


def award_top(project, officer):
    report = evaluation.current_report(project)
    return awards.award(project, Bid.objects.get(pk=report.recommended_bid_id), by=officer)
