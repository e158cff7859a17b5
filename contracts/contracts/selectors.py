"""Reads of the contract domain: lists for officers and organizations,
one contract with its documents and versions, and what waits for an
officer (awards to draft, contracts to sign).  Every list is a fixed
number of queries, whatever its rows."""

from django.db.models import Prefetch, Q
from django.utils import timezone

from contracts.contracts.models import Amendment, Contract, ContractDocument, Signature
from marketplace.evaluation.models import Award, Challenge
from marketplace.procurement.models.projects import Project


def _listed():
    return Contract.objects.select_related("project", "organization", "kind", "award")


def officer_contracts(*, state="", q=""):
    found = _listed()
    if state:
        found = found.filter(state=state)
    if q:
        found = found.filter(
            Q(number__icontains=q)
            | Q(project__title__icontains=q)
            | Q(organization__name__icontains=q)
            | Q(project__ref__icontains=q)
        )
    return found.order_by("-created_at", "-pk")


def organization_contracts(organization):
    """An organization's contracts, drafts excluded (a draft is the purchaser's until sent)."""
    return (
        _listed()
        .filter(organization=organization)
        .exclude(state=Contract.State.DRAFT, sent_at__isnull=True)
        .order_by("-created_at", "-pk")
    )


def contract_by_number(number):
    return _listed().filter(number=number).first()


def contract_of_award(award):
    return Contract.objects.filter(award=award).first()


def documents(contract):
    """Every document of the contract, newest first, with its signatures."""
    return list(
        ContractDocument.objects.filter(contract=contract)
        .select_related("amendment")
        .prefetch_related(Prefetch("signatures", queryset=Signature.objects.select_related("signer", "organization")))
        .order_by("-created_at", "-pk")
    )


def amendments(contract):
    return list(Amendment.objects.filter(contract=contract).select_related("proposed_by").order_by("-number"))


def versions(contract):
    """The versions of the contract: ``[(version, document or None, amendment or None)]``,
    version 1 first: the signed contract, then each amendment in force."""
    docs = documents(contract)
    signed = [d for d in docs if d.amendment_id is None and d.voided_at is None]
    rows = [(1, signed[0] if signed else None, None)]
    for amendment in sorted(amendments(contract), key=lambda a: a.number):
        if amendment.state != Amendment.State.IN_FORCE:
            continue
        doc = next((d for d in docs if d.amendment_id == amendment.pk and d.voided_at is None), None)
        rows.append((amendment.version, doc, amendment))
    return rows


def live_document(contract, amendment=None):
    return (
        ContractDocument.objects.filter(contract=contract, amendment=amendment, voided_at__isnull=True)
        .prefetch_related("signatures")
        .order_by("-created_at")
        .first()
    )


# --- what waits for an officer -----------------------------------------------------------------------


def awards_to_draft(now=None):
    """Live awards whose project may be contracted now and has no contract
    yet: the challenge period over, no open challenge.  Oldest award first."""
    now = now or timezone.now()
    open_challenges = Challenge.objects.filter(state__in=Challenge.OPEN_STATES).values("project_id")
    return (
        Award.objects.filter(
            cancelled_at__isnull=True,
            challenge_deadline__lt=now,
            project__state=Project.State.AWARDED,
            contract__isnull=True,
        )
        .exclude(project_id__in=open_challenges)
        .select_related("project")
        .order_by("awarded_at", "pk")
    )


def contracts_to_sign():
    """Drafts and contracts awaiting signatures, oldest award first."""
    return (
        _listed()
        .filter(state__in=(Contract.State.DRAFT, Contract.State.AWAITING_SIGNATURES))
        .order_by("award__awarded_at", "pk")
    )
