"""Scores, totals and the ranking (pure arithmetic), and the committee's
progress towards its report.

The price score is computed, never entered:
    price score = lowest valid price ÷ bid price × price weight
A non-price criterion is scored 0..its maximum and counts
``score × weight ÷ maximum`` points; a member's non-price total is the sum.
A bid's total = price score + the mean of the members' non-price totals.
Ranking: total (higher first), then price (lower first), then the non-price
mean (higher first), then the earlier submission.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.evaluation.models import ScoreSheet
from marketplace.evaluation.services.committee import active_members
from marketplace.procurement.models.bids import Bid

CENT = Decimal("0.01")


def quantize(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- ranking (pure) -------------------------------------------------------------------------


@dataclass
class Entry:
    bid_id: int
    organization: str
    price: Decimal
    member_totals: list  # Decimal non-price totals, one per member
    submitted_at: object = None
    price_score: Decimal = Decimal(0)
    non_price: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    rank: int = 0
    extra: dict = field(default_factory=dict)


def price_score(lowest, price, weight):
    """Lowest valid price ÷ this price × the price weight, to the cent."""
    return quantize(Decimal(lowest) / Decimal(price) * Decimal(weight))


def rank(entries, price_weight):
    """Score and order ``entries`` (qualified bids); returns them ranked 1..n."""
    entries = list(entries)
    if not entries:
        return []
    lowest = min(entry.price for entry in entries)
    for entry in entries:
        entry.price_score = price_score(lowest, entry.price, price_weight)
        totals = entry.member_totals
        entry.non_price = quantize(sum(totals, Decimal(0)) / len(totals)) if totals else Decimal("0.00")
        entry.total = entry.price_score + entry.non_price
    entries.sort(key=lambda e: (-e.total, e.price, -e.non_price, e.submitted_at or timezone.now(), e.bid_id))
    for position, entry in enumerate(entries, start=1):
        entry.rank = position
    return entries


def deviations(totals, margin):
    """For each member's total, whether it differs from the mean of the
    other members' totals by more than ``margin``."""
    flags = []
    for index, total in enumerate(totals):
        others = totals[:index] + totals[index + 1 :]
        if not others:
            flags.append(False)
            continue
        mean = sum(others, Decimal(0)) / len(others)
        flags.append(abs(total - mean) > margin)
    return flags


def criterion_max(criterion):
    return criterion.max_score if criterion.max_score is not None else criterion.weight


def points(criterion, value):
    """What a score on a criterion counts, in points of the rubric's 100."""
    return Decimal(value) * criterion.weight / criterion_max(criterion)


def score_criteria(project):
    return list(project.criteria.filter(is_price=False).order_by("position", "pk"))


# --- progress, ranking and the report ----------------------------------------------------------


@dataclass
class Progress:
    serving: list
    qualified: list
    sheets: dict  # (member_id, bid_id) -> ScoreSheet
    problems: list

    @property
    def ready(self):
        return not self.problems


def progress(project):
    """What stands between the committee and its report."""
    committee = getattr(project, "committee", None)
    problems = []
    if committee is None:
        return Progress([], [], {}, [_("No committee yet.")])
    serving = list(active_members(committee))
    qualified = list(
        Bid.objects.filter(project=project, state=Bid.State.QUALIFIED)
        .select_related("organization", "current_version")
        .order_by("current_version__submitted_at", "pk")
    )
    sheets = {
        (s.member_id, s.bid_id): s
        for s in ScoreSheet.objects.filter(member__in=serving, bid__in=qualified).select_related("member__evaluator")
    }
    if len(serving) < committee.size:
        problems.append(_("%(count)s of %(size)s seats are filled.") % {"count": len(serving), "size": committee.size})
    if not any(m.is_chair for m in serving):
        problems.append(_("The committee has no chair."))
    undeclared = [m.evaluator.name for m in serving if m.declared_at is None]
    if undeclared:
        problems.append(_("Not yet declared: %(names)s.") % {"names": "、".join(undeclared)})
    if committee.qualification_done_at is None:
        problems.append(_("The qualification review is not finished."))
    missing = sum(
        1
        for m in serving
        for b in qualified
        if (m.pk, b.pk) not in sheets or sheets[(m.pk, b.pk)].state != ScoreSheet.State.SUBMITTED
    )
    if missing:
        problems.append(
            ngettext("%(count)s score sheet is not submitted.", "%(count)s score sheets are not submitted.", missing)
            % {"count": missing}
        )
    unconfirmed = sum(1 for s in sheets.values() if s.flagged and s.flag_confirmed_at is None)
    if unconfirmed:
        problems.append(
            ngettext(
                "%(count)s deviating score awaits the chair's confirmation.",
                "%(count)s deviating scores await the chair's confirmation.",
                unconfirmed,
            )
            % {"count": unconfirmed}
        )
    return Progress(serving, qualified, sheets, problems)


def ranking(project, state=None):
    """The current ranking from the submitted sheets of serving members."""
    state = state or progress(project)
    price = project.criteria.filter(is_price=True).first()
    weight = price.weight if price else Decimal(0)
    entries = []
    for bid in state.qualified:
        totals = [
            state.sheets[(m.pk, bid.pk)].total
            for m in state.serving
            if (m.pk, bid.pk) in state.sheets and state.sheets[(m.pk, bid.pk)].state == ScoreSheet.State.SUBMITTED
        ]
        entries.append(
            Entry(
                bid_id=bid.pk,
                organization=bid.organization.name,
                price=bid.current_version.price,
                member_totals=totals,
                submitted_at=bid.current_version.submitted_at,
                extra={"organization_id": bid.organization_id},
            )
        )
    return rank(entries, weight)
