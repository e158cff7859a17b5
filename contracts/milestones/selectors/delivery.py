"""Reads of delivery and supervision: milestones with their lights, reports,
supervision records.  Each function runs a fixed number of queries whatever
the rows."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from contracts.contracts.models import Contract, Milestone
from contracts.milestones import lights
from contracts.milestones.models import (
    CommitteeOpinion,
    Evidence,
    MilestoneReport,
    ServiceLogEntry,
    SupervisionPhoto,
    SupervisionRecord,
)

#: milestone states with a running deadline
RUNNING = ("pending", "submitted", "under_evaluation", "rejected")
SIGNING = lights.CONTRACT_SIGNING_STATES


@dataclass(frozen=True)
class LightRow:
    """A deadline with its light: a milestone's, or (``milestone`` None) the
    contract's signing deadline."""

    contract: Contract
    milestone: Milestone | None
    light: lights.Light

    def sort_key(self):
        return (*self.light.sort_key(), self.contract.number, self.milestone.number if self.milestone else 0)


def _running_milestones():
    return Milestone.objects.filter(contract__state=Contract.State.ACTIVE, state__in=RUNNING).select_related(
        "contract__organization"
    )


def _signing_contracts():
    return Contract.objects.filter(state__in=SIGNING).select_related("award", "organization")


def light_rows(today, *, organization=None, community=None):
    """Every running deadline's light, reds first (then yellows, greens; the
    nearest deadline first): for all contracts (officers), one
    organization's, or those serving one community.  Two queries."""
    milestones = _running_milestones()
    contracts = _signing_contracts()
    if organization is not None:
        milestones = milestones.filter(contract__organization=organization)
        contracts = contracts.filter(organization=organization)
    if community is not None:
        milestones = milestones.filter(contract__communities=community)
        contracts = contracts.none()  # workers supervise signed contracts only
    rows = []
    for milestone in milestones:
        light = lights.milestone_light(milestone, today)
        if light is not None:
            rows.append(LightRow(milestone.contract, milestone, light))
    for contract in contracts:
        light = lights.signing_light(contract.state, contract.award.awarded_at, today)
        if light is not None:
            rows.append(LightRow(contract, None, light))
    return sorted(rows, key=LightRow.sort_key)


def lights_by_milestone(rows):
    return {row.milestone.pk: row.light for row in rows if row.milestone is not None}


# --- organizations ------------------------------------------------------------------------------------------


def organization_milestones(organization):
    """The milestones of the organization's signed contracts (active,
    completed, terminated), by contract and number."""
    return (
        Milestone.objects.filter(
            contract__organization=organization,
            contract__state__in=(Contract.State.ACTIVE, Contract.State.COMPLETED, Contract.State.TERMINATED),
        )
        .select_related("contract")
        .order_by("-contract__activated_at", "contract__number", "number")
    )


def organization_milestone(organization, pk):
    return (
        organization_milestones(organization)
        .select_related("contract__organization", "contract__award")
        .filter(pk=pk)
        .first()
    )


def milestone(pk):
    return Milestone.objects.select_related("contract__organization", "contract__award").filter(pk=pk).first()


# --- reports --------------------------------------------------------------------------------------------------


def reports_of(milestone):
    """The milestone's reports, the latest round first, with their log and evidence."""
    return list(
        MilestoneReport.objects.filter(milestone=milestone)
        .select_related("submitted_by")
        .prefetch_related(
            Prefetch("log", queryset=ServiceLogEntry.objects.select_related("community")),
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "pk")),
        )
        .order_by("-round")
    )


def evidence(pk):
    return Evidence.objects.select_related("report__milestone__contract__organization").filter(pk=pk).first()


def photo(pk):
    return SupervisionPhoto.objects.select_related("record__contract__organization").filter(pk=pk).first()


# --- supervision ------------------------------------------------------------------------------------------------


def supervision_of(contract, *, milestone=None):
    """The contract's supervision records (with photos), the latest visit
    first; with ``milestone``: those about it and those about no milestone."""
    records = SupervisionRecord.objects.filter(contract=contract)
    if milestone is not None:
        records = records.filter(Q(milestone=milestone) | Q(milestone__isnull=True))
    return list(
        records.select_related("community", "author", "milestone", "responded_by")
        .prefetch_related("photos")
        .order_by("-visited_on", "-pk")
    )


def opinions_of(milestone):
    return list(CommitteeOpinion.objects.filter(milestone=milestone).select_related("community", "author"))


def record(pk):
    return (
        SupervisionRecord.objects.select_related("contract__organization", "milestone", "community")
        .filter(pk=pk)
        .first()
    )


# --- community workers ------------------------------------------------------------------------------------------


def community_contracts(community):
    """Contracts in force that serve ``community``."""
    return (
        Contract.objects.filter(communities=community, state=Contract.State.ACTIVE)
        .select_related("organization", "project")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("number")))
        .order_by("-activated_at", "number")
    )


def community_contract(community, pk):
    return community_contracts(community).filter(pk=pk).first()
