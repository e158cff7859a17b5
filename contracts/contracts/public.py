"""What the public site may read about contracts (the CMS builds the
contract announcement, 合同公告, from these): contracts in force or past,
with non-personal fields only: no signer, no IP address, no person's name,
phone or ID number.  Read-only."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from contracts.contracts.models import Contract
from marketplace.core.filters import changed_between, disclosure_scope

PUBLIC_STATES = (Contract.State.ACTIVE, Contract.State.COMPLETED, Contract.State.TERMINATED)
#: working days after both signatures within which the contract is announced (政府采购法实施条例 第五十条)
ANNOUNCE_WITHIN = 2


@dataclass(frozen=True)
class PublicMilestone:
    number: int
    title: str
    due_on: object
    share: object
    state: str
    state_label: str = ""


@dataclass(frozen=True)
class PublicContract:
    number: str
    project_ref: str
    project_title: str
    purchaser: str
    organization: str
    organization_id: int
    kind: str
    amount: object
    starts_on: object
    ends_on: object
    service_content: str
    quantity: str
    place: str
    communities: tuple
    state: str
    version: int
    signed_at: object
    announcement_due: object
    announced_at: object
    terminated_at: object = None
    payable_at_termination: object = None
    grade: str = ""
    state_label: str = ""
    grade_label: str = ""
    milestones: tuple = field(default_factory=tuple)


def _published():
    return (
        Contract.objects.filter(state__in=PUBLIC_STATES)
        .select_related("project", "organization", "kind")
        .prefetch_related("communities", "milestones")
        .order_by("-activated_at", "-pk")
    )


def _milestone_label(contract, milestone):
    """A milestone's state for the public; one left open by a termination says so."""
    if contract.state == Contract.State.TERMINATED and milestone.state in (
        "pending",
        "submitted",
        "under_evaluation",
        "rejected",
    ):
        return str(_("Not delivered: the contract was terminated"))
    return str(milestone.get_state_display())


def _public(contract):
    return PublicContract(
        number=contract.number,
        project_ref=contract.project.ref,
        project_title=contract.project.title,
        purchaser=contract.purchaser,
        organization=contract.organization.name,
        organization_id=contract.organization_id,
        kind=contract.kind.label,
        amount=contract.amount,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        service_content=contract.service_content,
        quantity=contract.quantity,
        place=contract.place,
        communities=tuple(c.name for c in contract.communities.all()),
        state=contract.state,
        version=contract.version,
        signed_at=contract.activated_at,
        announcement_due=contract.announcement_due,
        announced_at=contract.announced_at,
        terminated_at=contract.terminated_at,
        grade=contract.grade,
        state_label=str(contract.get_state_display()),
        grade_label=str(contract.get_grade_display()) if contract.grade else "",
        payable_at_termination=contract.payable_at_termination,
        milestones=tuple(
            PublicMilestone(m.number, m.title, m.due_on, m.share, m.state, _milestone_label(contract, m))
            for m in sorted(contract.milestones.all(), key=lambda m: m.number)
        ),
    )


def public_contracts():
    """Every contract the public may see, newest signing first."""
    return [_public(contract) for contract in _published()]


def public_contract(number):
    """One public contract by number, or None."""
    contract = _published().filter(number=number).first()
    return _public(contract) if contract is not None else None


def published():
    """The queryset of public contracts (for lists that filter and paginate
    in the database); turn each row into its public view with ``as_public``."""
    return _published()


def as_public(contract):
    return _public(contract)


def organization_contract_totals(organization_id):
    """An organization's signed contracts for its public service record, in
    one query: ``{"signed": {"count", "amount"}, "active": …, "completed":
    …, "terminated": …, "grades": [(grade, label, n), …]}``; sums are Decimal (0 when
    none).  Drafts and contracts awaiting signatures are not public and do
    not count."""
    states = {
        "active": Contract.State.ACTIVE,
        "completed": Contract.State.COMPLETED,
        "terminated": Contract.State.TERMINATED,
    }
    aggregates = {"signed_count": Count("pk"), "signed_amount": Sum("amount")}
    for key, state in states.items():
        aggregates[f"{key}_count"] = Count("pk", filter=Q(state=state))
        aggregates[f"{key}_amount"] = Sum("amount", filter=Q(state=state))
    for grade in Contract.Grade.values:
        aggregates[f"grade_{grade}"] = Count("pk", filter=Q(grade=grade))
    row = Contract.objects.filter(organization_id=organization_id, state__in=PUBLIC_STATES).aggregate(**aggregates)
    totals = {
        key: {"count": row[f"{key}_count"], "amount": row[f"{key}_amount"] or Decimal("0.00")}
        for key in ("signed", *states)
    }
    totals["grades"] = [(grade, label, row[f"grade_{grade}"]) for grade, label in Contract.Grade.choices]
    return totals


# --- open data (OCDS 1.1.5, cms/ocds) ----------------------------------------------------------


@dataclass(frozen=True)
class OpenDataAmendment:
    """An amendment in force, for the open-data feed: its number, when it
    took force, the reason's code and label, and the new sum and end of term
    when it changed them (else None).  Never the explanation (free text) or
    who proposed it."""

    number: int
    in_force_at: object
    reason: str
    reason_label: str
    amount: object = None
    ends_on: object = None


@dataclass(frozen=True)
class OpenDataMilestone:
    number: int
    title: str
    due_on: object
    share: object
    state: str
    decided_at: object = None


@dataclass(frozen=True)
class OpenDataContract:
    """A public contract with what the open-data feed adds to
    ``PublicContract``: the award it executes, the times it came into force,
    completed or was terminated, its amendments in force, its milestones
    with their decision times and the SHA-256 of the signed contract PDF."""

    pk: int
    public: PublicContract
    award_id: int
    activated_at: object
    completed_at: object
    terminated_at: object
    amendments: tuple
    milestones: tuple
    signed_sha256: str = ""


def open_data_contracts(project_id):
    """The project's public contracts, in the order they were signed."""
    from decimal import Decimal

    from contracts.contracts.models import Amendment, ContractDocument

    found = []
    for contract in _published().filter(project_id=project_id).order_by("activated_at", "pk"):
        amendments = []
        for amendment in Amendment.objects.filter(
            contract=contract, state=Amendment.State.IN_FORCE, in_force_at__isnull=False
        ).order_by("number"):
            changes = amendment.changes or {}
            amendments.append(
                OpenDataAmendment(
                    number=amendment.number,
                    in_force_at=amendment.in_force_at,
                    reason=amendment.reason,
                    reason_label=str(amendment.get_reason_display()),
                    amount=Decimal(str(changes["amount"])) if changes.get("amount") else None,
                    ends_on=changes.get("ends_on") or None,
                )
            )
        signed = (
            ContractDocument.objects.filter(contract=contract, amendment__isnull=True, voided_at__isnull=True)
            .order_by("-created_at", "-pk")
            .values_list("sha256", flat=True)
            .first()
        )
        found.append(
            OpenDataContract(
                pk=contract.pk,
                public=_public(contract),
                award_id=contract.award_id,
                activated_at=contract.activated_at,
                completed_at=contract.completed_at,
                terminated_at=contract.terminated_at,
                amendments=tuple(amendments),
                milestones=tuple(
                    OpenDataMilestone(m.number, m.title, m.due_on, m.share, m.state, m.decided_at)
                    for m in sorted(contract.milestones.all(), key=lambda m: m.number)
                ),
                signed_sha256=signed or "",
            )
        )
    return found


# --- announcements (cms.announcements) ------------------------------------------------------------


def disclosure_events(project_ref=None, project_ids=None):
    """The announcements the contract domain owes (the shape of
    ``marketplace.procurement.public.disclosure_events``): each signed
    contract (合同公告, public from ``announced_at``) and each termination
    (终止公告).  No signer, no person."""
    scope = disclosure_scope("project__ref", "project_id", project_ref, project_ids)
    found = []
    rows = Contract.objects.filter(state__in=PUBLIC_STATES, activated_at__isnull=False, **scope).select_related(
        "project", "organization"
    )
    for contract in rows:
        common = {
            "title": contract.project.title,
            "project_ref": contract.project.ref,
            "contract_number": contract.number,
        }
        facts = {
            "organization": contract.organization.name,
            "organization_id": contract.organization_id,
            "amount": str(contract.amount),
            "starts_on": contract.starts_on.isoformat(),
            "ends_on": contract.ends_on.isoformat(),
        }
        found.append(
            {
                "kind": "contract",
                "key": contract.number,
                **common,
                "event_at": contract.activated_at,
                "published_at": contract.announced_at,
                "facts": facts,
            }
        )
        if contract.state == Contract.State.TERMINATED and contract.terminated_at:
            found.append(
                {
                    "kind": "termination",
                    "key": f"contract-{contract.number}",
                    **common,
                    "event_at": contract.terminated_at,
                    "published_at": contract.terminated_at,
                    "facts": {
                        **facts,
                        # Not the officer's reason: it was written for the parties,
                        # and the public pages never showed it (PublicContract).
                        "outcome": "contract_terminated",
                        "payable": str(contract.payable_at_termination)
                        if contract.payable_at_termination is not None
                        else "",
                    },
                }
            )
    return found


def projects_with_contract_events_since(since, until=None):
    """The ids of the projects whose public contracts changed in ``(since,
    until]`` (``until=None``: after ``since``): signed, completed, terminated,
    amended, or a milestone decided."""
    fields = ("activated_at", "completed_at", "terminated_at", "amendments__in_force_at", "milestones__decided_at")
    changed = changed_between(fields, since, until)
    return set(Contract.objects.filter(changed, state__in=PUBLIC_STATES).values_list("project_id", flat=True))
