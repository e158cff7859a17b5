"""What the public site may read about contracts (the CMS builds the
contract announcement, 合同公告, from these): contracts in force or past,
with non-personal fields only: no signer, no IP address, no person's name,
phone or ID number.  Read-only."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from contracts.contracts.models import Contract

PUBLIC_STATES = (Contract.State.ACTIVE, Contract.State.COMPLETED, Contract.State.TERMINATED)


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
