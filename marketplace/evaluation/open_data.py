"""Open data about purchase projects (issue 17, 3 and 5): the projects of
the annual purchase list (政府购买服务项目清单) with the public result of
each, and the call figures of the statistics page.

A project belongs to the list of its **fund year** (``Project.year``, the
budget year it is bought with) once it is public: a published call and
every later state, cancelled and failed included; never a draft or a call
awaiting approval.  The winner is the shown award of the result
announcement (the live award, else the latest cancelled one), with the
organization's name only.  Bids are counted from the opening records only
(``bid_selectors.opened_bid_counts``), so a call still open counts none.
Nothing personal: no user, no challenger, no reasons.  Every function runs
a fixed number of queries, whatever the number of projects."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.catalogue.models import CatalogueItem, ServiceCategory
from marketplace.core.models.places import Community
from marketplace.evaluation.models import Award, Challenge
from marketplace.procurement.models.projects import Project, PurchaseMethod
from marketplace.procurement.selectors import bids as bid_selectors
from marketplace.procurement.selectors.projects import PUBLIC_Q, PUBLIC_STATES

#: the years a list may be asked for (a wider number is no year of the platform's)
FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_projects(year):
    """The public projects of fund year ``year``."""
    return Project.objects.filter(PUBLIC_Q, year=year)


def purchase_list(year, *, category=None, community=None, street="", method=None, state=""):
    """The public projects of ``year``, by reference, each with its method,
    catalogue items (and their categories) and communities prefetched.
    ``category``: a major category (its minor ones included) or a minor one;
    ``community``: a community; ``street``: a street's name; ``method``: a
    purchase method; ``state``: one of the public states."""
    projects = year_projects(year)
    if category is not None:
        items = CatalogueItem.objects.filter(Q(category=category) | Q(category__parent=category))
        projects = projects.filter(Exists(items.filter(projects=OuterRef("pk"))))
    if community is not None:
        projects = projects.filter(Exists(Community.objects.filter(pk=community.pk, projects=OuterRef("pk"))))
    if street:
        projects = projects.filter(Exists(Community.objects.filter(street=street, projects=OuterRef("pk"))))
    if method is not None:
        projects = projects.filter(method=method)
    if state:
        projects = projects.filter(state=state)
    return (
        projects.select_related("method")
        .prefetch_related(
            Prefetch(
                "catalogue_items",
                queryset=CatalogueItem.objects.select_related("category__parent").order_by("code"),
            ),
            Prefetch("communities", queryset=Community.objects.order_by("street", "name")),
        )
        .order_by("ref", "pk")
    )


def budget_total(projects):
    """The budgets of ``projects`` (a queryset of ``purchase_list``) added up."""
    return projects.order_by().aggregate(total=Sum("budget"))["total"] or Decimal("0.00")


def years():
    """The fund years with public projects, newest first (the current year always offered)."""
    found = set(Project.objects.filter(PUBLIC_Q).order_by().values_list("year", flat=True).distinct())
    return sorted(found | {timezone.localdate().year}, reverse=True)


def categories():
    """The major categories, then each one's minor categories."""
    return list(ServiceCategory.objects.select_related("parent").order_by("sort_order", "code"))


def methods():
    return list(PurchaseMethod.objects.order_by("position", "code"))


def communities():
    return list(Community.objects.order_by("street", "name"))


def streets():
    return list(Community.objects.order_by("street").values_list("street", flat=True).distinct())


def public_states():
    return [(value, label) for value, label in Project.State.choices if value in PUBLIC_STATES]


@dataclass(frozen=True)
class Winner:
    name: str
    organization_id: int
    price: Decimal
    cancelled: bool


def winners(project_ids):
    """``{project_id: Winner}``: the shown award of each awarded project among
    ``project_ids`` (the live one, else the latest cancelled one).  One query."""
    awards = (
        Award.objects.filter(project_id__in=project_ids)
        .select_related("bid__organization")
        .only("pk", "project_id", "bid", "bid__organization__name", "price", "awarded_at", "cancelled_at")
        .order_by("project_id")
    )
    found = {}
    for award in awards:
        key = (award.cancelled_at is None, award.awarded_at, award.pk)
        if award.project_id not in found or key > found[award.project_id][0]:
            winner = Winner(
                name=award.bid.organization.name,
                organization_id=award.bid.organization_id,
                price=award.price,
                cancelled=award.cancelled_at is not None,
            )
            found[award.project_id] = (key, winner)
    return {project_id: winner for project_id, (_key, winner) in found.items()}


# --- the statistics page ----------------------------------------------------------------


@dataclass(frozen=True)
class CallFigures:
    calls: int
    failed: int
    cancelled: int
    opened: int
    bids: dict  # {project ref: bids at the opening}, opened calls only
    challenges: list  # [(key, label, count)]

    @property
    def bid_total(self):
        return sum(self.bids.values())

    @property
    def bids_per_call(self):
        """The mean number of bids per opened call (two places), None before any opening."""
        if not self.bids:
            return None
        return (Decimal(self.bid_total) / len(self.bids)).quantize(Decimal("0.01"))

    @property
    def bid_distribution(self):
        """``[(number of bids, calls)]``, fewest bids first."""
        counts = {}
        for number in self.bids.values():
            counts[number] = counts.get(number, 0) + 1
        return sorted(counts.items())


def challenge_outcome_choices():
    """The outcomes a challenge may have, in order: pending, upheld (each remedy), dismissed."""
    return [
        ("pending", _("Pending a decision")),
        *[(f"upheld_{value}", label) for value, label in Challenge.Remedy.choices],
        ("dismissed", Challenge.State.DISMISSED.label),
    ]


def call_figures(year):
    """The calls of ``year`` (public projects), failed tenders, bids per
    opened call, and challenges by outcome.  Four queries."""
    projects = year_projects(year)
    states = dict(projects.order_by().values_list("state").annotate(n=Count("pk")))
    opened = dict(projects.filter(opened_at__isnull=False).values_list("pk", "ref"))
    counts = bid_selectors.opened_bid_counts(list(opened))
    outcomes = dict.fromkeys((key for key, _label in challenge_outcome_choices()), 0)
    rows = Challenge.objects.filter(project__in=projects).order_by().values("state", "remedy")
    for state, remedy, number in rows.annotate(n=Count("pk")).values_list("state", "remedy", "n"):
        if state in Challenge.OPEN_STATES:
            outcomes["pending"] += number
        elif state == Challenge.State.UPHELD:
            key = f"upheld_{remedy}"
            outcomes[key] = outcomes.get(key, 0) + number
        else:
            outcomes["dismissed"] += number
    return CallFigures(
        calls=sum(states.values()),
        failed=states.get(Project.State.FAILED, 0),
        cancelled=states.get(Project.State.CANCELLED, 0),
        opened=len(opened),
        bids={opened[pk]: number for pk, number in counts.items()},
        challenges=[(key, label, outcomes.get(key, 0)) for key, label in challenge_outcome_choices()],
    )
