"""Open data about contracts, acceptance and payments (issue 17, 3 and 5):
per project of the annual purchase list its signed contracts' sum, what
was disbursed so far and its grade; per fund year the spending of the
statistics page by category, community, street, organization and method,
the mean resident satisfaction and the grades of accepted milestones.

- **contract sum**: the sums of the signed contracts (in force, completed
  or terminated; a contract awaiting signatures commits nothing yet);
- **disbursed**: the ledger's disbursed account (``LedgerEntry`` debited
  to ``disbursed``: one entry per paid payment), the same sums as the funds
  dashboard (``contracts.payments.funds``), so the list, the statistics and
  the ledger add up to the same totals;
- **grade**: the contract's final grade once it is completed, else the
  grade of the share-weighted mean of its accepted milestones' scores
  (interim), else none.

A contract serving several communities is split over them evenly to the
fen (the lowest id taking the remainder), as the funds dashboard does, so
the per-community and per-street tables add up to the totals; a contract
naming no community is counted once under "no community named".  Read
only, no personal data (no signer, account, resident or answer), a fixed
number of queries whatever the number of contracts."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Sum
from django.utils.translation import gettext_lazy as _

from contracts.contracts.models import Contract, Milestone
from contracts.milestones import scoring
from contracts.payments import funds
from contracts.payments.models import LedgerEntry
from marketplace.catalogue.models import ServiceCategory
from marketplace.core.models.places import Community
from marketplace.core.money import split_evenly
from marketplace.organizations.models import Organization
from marketplace.procurement.models.projects import PurchaseMethod

ZERO = Decimal("0.00")
SIGNED = (Contract.State.ACTIVE, Contract.State.COMPLETED, Contract.State.TERMINATED)
DECIDED = (Milestone.State.ACCEPTED, Milestone.State.PAID)
#: the key of the row of contracts that name no community (and so no street)
NONE = "none"


@dataclass(frozen=True)
class Grade:
    letter: str
    label: str
    score: Decimal | None
    final: bool


@dataclass(frozen=True)
class ProjectMoney:
    numbers: tuple
    amount: Decimal
    disbursed: Decimal
    grade: Grade | None


def _grade(letter, score, final):
    return Grade(letter, str(Contract.Grade(letter).label), score, final)


def _disbursed(contract_ids):
    rows = (
        LedgerEntry.objects.filter(contract_id__in=contract_ids, debit=LedgerEntry.Account.DISBURSED)
        .values("contract_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["contract_id"]: row["total"] or ZERO for row in rows}


def project_money(project_ids):
    """``{project_id: ProjectMoney}`` for the projects among ``project_ids``
    (a list or a queryset of ids) with signed contracts.  Three queries."""
    contracts = list(
        Contract.objects.filter(project_id__in=project_ids, state__in=SIGNED)
        .order_by("project_id", "pk")
        .values_list("pk", "project_id", "number", "amount", "grade", "final_score")
    )
    ids = [row[0] for row in contracts]
    disbursed = _disbursed(ids)
    weighted = {}
    milestones = Milestone.objects.filter(contract_id__in=ids, state__in=DECIDED, score__isnull=False)
    for contract_id, share, score in milestones.order_by().values_list("contract_id", "share", "score"):
        weighted.setdefault(contract_id, []).append((share, score))
    found = {}
    for pk, project_id, number, amount, letter, final_score in contracts:
        if letter:
            grade = _grade(letter, final_score, True)
        elif pk in weighted:
            score = scoring.final_score(weighted[pk])
            grade = _grade(scoring.grade(score), score, False)
        else:
            grade = None
        before = found.get(project_id)
        found[project_id] = ProjectMoney(
            numbers=(*before.numbers, number) if before else (number,),
            amount=(before.amount if before else ZERO) + amount,
            disbursed=(before.disbursed if before else ZERO) + disbursed.get(pk, ZERO),
            grade=grade or (before.grade if before else None),  # the latest contract's grade
        )
    return found


def grade_choices():
    return list(Contract.Grade.choices)


# --- the statistics page ----------------------------------------------------------------


@dataclass
class Spend:
    key: object
    label: str
    contracted: Decimal = ZERO
    disbursed: Decimal = ZERO


def _add(rows, key, label, contracted, disbursed):
    row = rows.setdefault(key, Spend(key, label))
    row.contracted += contracted
    row.disbursed += disbursed


def _sorted(rows):
    return sorted(rows.values(), key=lambda r: (-r.contracted, -r.disbursed, str(r.label)))


def total(rows):
    found = Spend(None, "")
    for row in rows:
        found.contracted += row.contracted
        found.disbursed += row.disbursed
    return found


def spending(year):
    """The year's spending, ``{"category", "community", "street",
    "organization", "method": [Spend], "total": Spend}``; each table adds up
    to the total.  Seven queries."""
    ledger = funds._contract_figures(year)  # {contract: (committed, disbursed)}: the funds dashboard's own sums
    contracts = list(
        Contract.objects.filter(project__year=year, state__in=SIGNED).values_list(
            "pk",
            "amount",
            "organization_id",
            "project__method_id",
            "catalogue_item__category_id",
            "catalogue_item__category__parent_id",
        )
    )
    signed = {row[0] for row in contracts}
    # a contract in the ledger but no longer signed (none should be): its payments still count
    others = [pk for pk in ledger if pk not in signed]
    if others:
        extra = Contract.objects.filter(pk__in=others).values_list(
            "pk",
            "amount",
            "organization_id",
            "project__method_id",
            "catalogue_item__category_id",
            "catalogue_item__category__parent_id",
        )
        contracts += [(row[0], ZERO, *row[2:]) for row in extra]
    ids = [row[0] for row in contracts]
    organizations = dict(Organization.objects.filter(pk__in={row[2] for row in contracts}).values_list("pk", "name"))
    methods = {method.pk: method for method in PurchaseMethod.objects.filter(pk__in={row[3] for row in contracts})}
    categories = dict(ServiceCategory.objects.values_list("pk", "name"))
    served = {}
    for contract_id, community_id in Contract.communities.through.objects.filter(contract_id__in=ids).values_list(
        "contract_id", "community_id"
    ):
        served.setdefault(contract_id, set()).add(community_id)
    places = {pk: (name, street) for pk, name, street in Community.objects.values_list("pk", "name", "street")}
    nowhere = str(_("No community named"))

    tables = {name: {} for name in ("category", "community", "street", "organization", "method")}
    for pk, amount, organization_id, method_id, category_id, parent_id in contracts:
        disbursed = ledger.get(pk, (ZERO, ZERO))[1]
        major = parent_id or category_id
        _add(tables["category"], major, categories.get(major, ""), amount, disbursed)
        _add(tables["organization"], organization_id, organizations.get(organization_id, ""), amount, disbursed)
        method = methods.get(method_id)
        _add(tables["method"], method_id, method.label if method else "", amount, disbursed)
        communities = served.get(pk)
        if not communities:
            _add(tables["community"], NONE, nowhere, amount, disbursed)
            _add(tables["street"], NONE, nowhere, amount, disbursed)
            continue
        amounts = split_evenly(amount, communities)
        paid = split_evenly(disbursed, communities)
        for community_id in communities:
            name, street = places[community_id]
            share, paid_share = amounts.get(community_id, ZERO), paid.get(community_id, ZERO)
            _add(tables["community"], community_id, f"{street} {name}", share, paid_share)
            _add(tables["street"], street, street, share, paid_share)
    found = {name: _sorted(rows) for name, rows in tables.items()}
    found["total"] = total(found["organization"])
    return found


def spending_by_year():
    """``[Spend]`` per fund year with contracts or payments, newest first.  Two queries."""
    rows = {}
    contracted = (
        Contract.objects.filter(state__in=SIGNED)
        .values("project__year")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("project__year", "total")
    )
    for year, amount in contracted:
        _add(rows, year, str(year), amount or ZERO, ZERO)
    disbursed = (
        LedgerEntry.objects.filter(debit=LedgerEntry.Account.DISBURSED)
        .values("contract__project__year")
        .annotate(total=Sum("amount"))
        .order_by()
        .values_list("contract__project__year", "total")
    )
    for year, amount in disbursed:
        _add(rows, year, str(year), ZERO, amount or ZERO)
    return sorted(rows.values(), key=lambda r: -r.key)


@dataclass(frozen=True)
class AcceptanceFigures:
    accepted: int
    surveyed: int
    satisfaction: Decimal | None
    grades: list  # [(letter, label, count)]


def acceptance_figures(year):
    """The accepted milestones of the year's signed contracts: how many, the
    mean resident satisfaction (0-100) over those surveyed, and how many
    fall in each grade by their score.  Two queries."""
    milestones = Milestone.objects.filter(
        contract__project__year=year, contract__state__in=SIGNED, state__in=DECIDED
    ).order_by()
    figures = milestones.aggregate(
        accepted=Count("pk"),
        surveyed=Count("satisfaction_score"),
        satisfaction=Avg("satisfaction_score"),
    )
    counts = dict.fromkeys(Contract.Grade.values, 0)
    for score in milestones.filter(score__isnull=False).values_list("score", flat=True):
        counts[scoring.grade(score)] += 1
    satisfaction = figures["satisfaction"]
    return AcceptanceFigures(
        accepted=figures["accepted"],
        surveyed=figures["surveyed"],
        satisfaction=scoring.round2(Decimal(str(satisfaction))) if satisfaction is not None else None,
        grades=[(letter, str(label), counts[letter]) for letter, label in Contract.Grade.choices],
    )
