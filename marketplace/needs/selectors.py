"""Read questions about the demand list, shared by the public site, the
workbench and (later) purchase projects.  Every list selects its related rows
up front, so a page's query count does not grow with the rows it shows."""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, DecimalField, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from marketplace.core.generation_cache import per_generation
from marketplace.core.models.audit import AuditEvent
from marketplace.core.models.places import Community
from marketplace.core.money import split_evenly
from marketplace.needs.models import DEFAULT_COMMUNITY_FUND, CommunityFund, Need, ResidentReport

# Needs whose cost counts against the community's yearly fund.
COMMITTED_STATES = (Need.State.ACCEPTED, Need.State.PLANNED)
# Every filed need is on the public demand list, with its state and answer.
# (Resident reports are not: they hold personal data and stay with the
# community's workers until a worker turns one into a need.)
PUBLIC_STATES = tuple(Need.State.values)
OTHER_CATEGORY = "other"

_MONEY = DecimalField(max_digits=14, decimal_places=2)
_COST = Coalesce("assessed_cost", "estimated_budget", output_field=_MONEY)


def _with_relations(queryset):
    return queryset.select_related("community", "catalogue_item__category__parent")


def public_needs(*, community=None, category=None, state=None, year=None):
    """The public demand list, newest first.  ``category`` is a major or
    minor ServiceCategory, or ``"other"`` for needs outside the catalogue."""
    needs = _with_relations(Need.objects.filter(state__in=PUBLIC_STATES))
    if community is not None:
        needs = needs.filter(community=community)
    if category == OTHER_CATEGORY:
        needs = needs.filter(catalogue_item__isnull=True)
    elif category is not None:
        needs = needs.filter(Q(catalogue_item__category=category) | Q(catalogue_item__category__parent=category))
    if state:
        needs = needs.filter(state=state)
    if year:
        needs = needs.filter(year=year)
    return needs.order_by("-created_at", "-id")


def public_need(pk):
    return _with_relations(Need.objects.filter(state__in=PUBLIC_STATES, pk=pk)).first()


def need_years():
    """Years that have needs, newest first: one query (``DISTINCT year`` reads
    the whole table) per change of public data, else from the cache (issue 18)."""
    return per_generation("need-years", _need_years)


def _need_years():
    return list(Need.objects.order_by("-year").values_list("year", flat=True).distinct())


# --- the community fund -----------------------------------------------------------


@dataclass(frozen=True)
class FundStatus:
    community_id: int
    year: int
    amount: Decimal
    committed: Decimal

    @property
    def remaining(self):
        return self.amount - self.committed

    @property
    def exceeded(self):
        return self.committed > self.amount

    @property
    def share(self):
        """Committed share of the fund in percent (0–100 for the meter)."""
        if self.amount <= 0:
            return 100 if self.committed > 0 else 0
        return min(100, int(self.committed * 100 / self.amount))


def fund_amount(community, year):
    """The community's fund for the year; no CommunityFund row means the default."""
    amount = CommunityFund.objects.filter(community=community, year=year).values_list("amount", flat=True).first()
    return DEFAULT_COMMUNITY_FUND if amount is None else amount


def fund_status(community, year, *, exclude=None):
    """Fund and the cost already committed (accepted and planned needs, and
    what purchase projects add beyond their needs) for one community and
    year.  Four queries."""
    needs = Need.objects.filter(community=community, year=year, state__in=COMMITTED_STATES)
    if exclude is not None:
        needs = needs.exclude(pk=exclude.pk)
    committed = needs.aggregate(total=Sum(_COST))["total"] or Decimal("0.00")
    committed += _project_extras({community.pk}, {year}).get((community.pk, year), Decimal("0.00"))
    return FundStatus(community.pk, year, fund_amount(community, year), committed)


def _project_extras(community_ids, years):
    """{(community_id, year): amount} held by active purchase projects beyond
    the needs they took up (split evenly over each project's communities).
    One query, whatever the number of projects."""
    # The purchase project is a higher domain: reach its model through the
    # need's foreign key rather than importing procurement here.
    Project = Need._meta.get_field("project").related_model  # noqa: N806

    through = Project.communities.through
    served = through.objects.filter(project_id=OuterRef("project_id")).order_by().values("project_id")
    held = (
        Need.objects.filter(project_id=OuterRef("project_id"), state=Need.State.PLANNED, year=OuterRef("project__year"))
        .order_by()
        .values("project_id")
        .annotate(total=Sum(_COST))
        .values("total")
    )
    rows = (
        through.objects.filter(
            community_id__in=community_ids, project__state__in=Project.ACTIVE_STATES, project__year__in=years
        )
        .annotate(
            served=Subquery(served.annotate(n=Count("*")).values("n")),
            first=Subquery(served.annotate(low=Min("community_id")).values("low")),
            held=Subquery(held, output_field=_MONEY),
        )
        .values_list("community_id", "project__year", "project__budget", "served", "first", "held")
    )
    extras = {}
    for community_id, year, budget, count, first, needs_cost in rows:
        extra = budget - (needs_cost or Decimal("0.00"))
        if extra <= 0 or not count:
            continue
        share = (extra / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
        if community_id == first:
            share += extra - share * count
        extras[(community_id, year)] = extras.get((community_id, year), Decimal("0.00")) + share
    return extras


def project_extra_shares(project):
    """{community_id: amount} this project holds beyond its planned needs."""
    needs_cost = project.needs.filter(state=Need.State.PLANNED, year=project.year).aggregate(total=Sum(_COST))[
        "total"
    ] or Decimal("0")
    if project.state not in project.ACTIVE_STATES:
        return {}
    return split_evenly(project.budget - needs_cost, project.communities.values_list("pk", flat=True))


def fund_statuses(pairs):
    """FundStatus for many (community_id, year) pairs in five queries, whatever
    their number: ``{(community_id, year): FundStatus}``."""
    pairs = set(pairs)
    if not pairs:
        return {}
    community_ids = {c for c, _y in pairs}
    years = {y for _c, y in pairs}
    amounts = {
        (c, y): amount
        for c, y, amount in CommunityFund.objects.filter(community_id__in=community_ids, year__in=years).values_list(
            "community_id", "year", "amount"
        )
    }
    committed = {
        (row["community_id"], row["year"]): row["total"]
        for row in Need.objects.filter(community_id__in=community_ids, year__in=years, state__in=COMMITTED_STATES)
        .values("community_id", "year")
        .annotate(total=Sum(_COST))
        .order_by()
    }
    extras = _project_extras(community_ids, years)
    return {
        pair: FundStatus(
            pair[0],
            pair[1],
            amounts.get(pair, DEFAULT_COMMUNITY_FUND),
            (committed.get(pair) or Decimal("0.00")) + extras.get(pair, Decimal("0.00")),
        )
        for pair in pairs
    }


# --- the workbench ----------------------------------------------------------------


def community_needs(community, *, state=None):
    needs = _with_relations(Need.objects.filter(community=community))
    if state:
        needs = needs.filter(state=state)
    return needs.order_by("-created_at", "-id")


def community_reports(community, *, state=None):
    """A community's resident reports (with personal data: workers of that
    community only)."""
    reports = ResidentReport.objects.filter(community=community).select_related("need")
    if state:
        reports = reports.filter(state=state)
    return reports.order_by("-created_at", "-id")


def assessment_queue(*, state=None, community=None, year=None):
    """Needs for officers, oldest first: by default those waiting for an
    assessment or a decision."""
    needs = _with_relations(Need.objects.all())
    if state:
        needs = needs.filter(state=state)
    else:
        needs = needs.filter(state__in=(Need.State.SUBMITTED, Need.State.ASSESSED))
    if community is not None:
        needs = needs.filter(community=community)
    if year:
        needs = needs.filter(year=year)
    return needs.order_by("created_at", "id")


# --- the workbench's single rows (the views ask the permissions which ones a user may see) ---


def workbench_need(pk):
    """A need with what its page shows, or None."""
    needs = Need.objects.select_related("community", "catalogue_item__category__parent", "filed_by")
    return needs.filter(pk=pk).first()


def resident_report(pk):
    return ResidentReport.objects.select_related("community", "handled_by").filter(pk=pk).first()


def need_of_report(report):
    """The need a resident's report was turned into, or None."""
    return Need.objects.filter(resident_report=report).first()


def communities():
    return Community.objects.all()


def community(pk):
    return Community.objects.filter(pk=pk).first() if pk is not None else None


def history(obj):
    """The audit trail of a need or a report, oldest first, with the actors."""
    return (
        AuditEvent.objects.filter(object_type=f"{obj._meta.app_label}.{obj._meta.model_name}", object_id=str(obj.pk))
        .select_related("actor")
        .order_by("id")
    )


# --- the officers' to-do page (marketplace/workspace) ------------------------------------------------


def awaiting_officer():
    """Needs waiting for an officer's assessment or decision, oldest first."""
    return assessment_queue()
