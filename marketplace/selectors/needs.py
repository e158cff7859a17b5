"""Read questions about the demand list, shared by the public site, the
workbench and (later) purchase projects.  Every list selects its related rows
up front, so a page's query count does not grow with the rows it shows."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, Q, Sum
from django.db.models.functions import Coalesce

from marketplace.models import CommunityFund, Need, ResidentReport
from marketplace.models.needs import DEFAULT_COMMUNITY_FUND

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
    """Years that have needs, newest first (one query)."""
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
    """Fund and the cost already committed (accepted and planned needs) for
    one community and year.  Two queries."""
    needs = Need.objects.filter(community=community, year=year, state__in=COMMITTED_STATES)
    if exclude is not None:
        needs = needs.exclude(pk=exclude.pk)
    committed = needs.aggregate(total=Sum(_COST))["total"] or Decimal("0.00")
    return FundStatus(community.pk, year, fund_amount(community, year), committed)


def fund_statuses(pairs):
    """FundStatus for many (community_id, year) pairs in two queries, whatever
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
    return {
        pair: FundStatus(
            pair[0], pair[1], amounts.get(pair, DEFAULT_COMMUNITY_FUND), committed.get(pair) or Decimal("0.00")
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
