"""The rules a project's content must satisfy, as pure checks: the rubric,
the service and bidding periods, the community funds, the draft's fields."""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.core import workdays
from marketplace.needs import selectors as need_selectors
from marketplace.procurement.models.projects import (
    DayCount,
)
from marketplace.procurement.services.projects.base import HUNDRED, ProjectError, clean_text

# --- the rubric --------------------------------------------------------------------


@dataclass
class Criterion:
    name: str
    weight: Decimal
    description: str = ""
    max_score: Decimal | None = None
    is_price: bool = False


def parse_decimal(value, field, message):
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ProjectError(message, field) from None
    if not result.is_finite():
        raise ProjectError(message, field)
    return result


def clean_rubric(rows):
    """Check a rubric (a list of ``Criterion`` or dicts) and return it as
    ``Criterion`` objects.  The weights total exactly 100; exactly one
    criterion is the price, weighted within the configured range; every other
    criterion has a description and a maximum score."""
    criteria = []
    for row in rows:
        if isinstance(row, dict):
            row = Criterion(**row)
        name = clean_text(row.name)
        if not name:
            raise ProjectError(_("Every criterion needs a name."), "criteria")
        weight = parse_decimal(row.weight, "criteria", _("“%(name)s”: the weight must be a number.") % {"name": name})
        if weight <= 0 or weight != weight.quantize(Decimal("0.01")):
            raise ProjectError(
                _("“%(name)s”: the weight must be above 0, with at most two decimals.") % {"name": name}, "criteria"
            )
        max_score = None
        if not row.is_price:
            if not clean_text(row.description):
                raise ProjectError(_("“%(name)s”: describe what earns the score.") % {"name": name}, "criteria")
            if row.max_score in (None, ""):
                raise ProjectError(_("“%(name)s”: give the maximum score.") % {"name": name}, "criteria")
            max_score = parse_decimal(
                row.max_score, "criteria", _("“%(name)s”: the maximum score must be a number.") % {"name": name}
            )
            if max_score <= 0 or max_score != max_score.quantize(Decimal("0.01")):
                raise ProjectError(
                    _("“%(name)s”: the maximum score must be above 0, with at most two decimals.") % {"name": name},
                    "criteria",
                )
        criteria.append(
            Criterion(
                name=name,
                weight=weight,
                description=clean_text(row.description),
                max_score=max_score,
                is_price=bool(row.is_price),
            )
        )
    if not criteria:
        raise ProjectError(_("The rubric needs criteria."), "criteria")
    names = [c.name for c in criteria]
    if len(set(names)) != len(names):
        raise ProjectError(_("Two criteria have the same name."), "criteria")
    prices = [c for c in criteria if c.is_price]
    if len(prices) != 1:
        raise ProjectError(_("Exactly one criterion must be the price."), "criteria")
    low, high = settings.RUBRIC_PRICE_WEIGHT_MIN, settings.RUBRIC_PRICE_WEIGHT_MAX
    if not (low <= prices[0].weight <= high):
        raise ProjectError(
            _("The price weighs %(weight)s; for services it must weigh between %(low)s and %(high)s.")
            % {"weight": _number(prices[0].weight), "low": low, "high": high},
            "criteria",
        )
    total = sum((c.weight for c in criteria), Decimal("0"))
    if total != HUNDRED:
        raise ProjectError(
            _("The weights total %(total)s; they must total exactly 100.") % {"total": _number(total)}, "criteria"
        )
    return criteria


def _number(value):
    return f"{value.normalize():f}"


def rubric_of(project):
    return [
        Criterion(name=c.name, weight=c.weight, description=c.description, max_score=c.max_score, is_price=c.is_price)
        for c in project.criteria.all()
    ]


# --- service period and bidding period ------------------------------------------------


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_service_period(start, end, justification):
    if start is None or end is None:
        raise ProjectError(_("Give the service period."), "service_start")
    if end < start:
        raise ProjectError(_("The service cannot end before it starts."), "service_end")
    plain_end = _add_years(start, settings.SERVICE_PERIOD_PLAIN_YEARS) - datetime.timedelta(days=1)
    max_end = _add_years(start, settings.SERVICE_PERIOD_MAX_YEARS) - datetime.timedelta(days=1)
    if end > max_end:
        raise ProjectError(
            _("A service period may last at most %(years)s years (until %(date)s).")
            % {"years": settings.SERVICE_PERIOD_MAX_YEARS, "date": max_end.isoformat()},
            "service_end",
        )
    if end > plain_end and not clean_text(justification):
        raise ProjectError(_("A service period over one year needs a written justification."), "period_justification")


def earliest_deadline(method, published_at):
    """The first day on which a call published at ``published_at`` may close."""
    published_on = timezone.localdate(published_at)
    return workdays.add_days(published_on, method.min_period, method.period_unit)


def check_bidding_period(method, published_at, deadline):
    if deadline is None:
        raise ProjectError(_("Give the bid deadline."), "deadline")
    if deadline <= published_at:
        raise ProjectError(_("The bid deadline must be in the future."), "deadline")
    published_on = timezone.localdate(published_at)
    closing_on = timezone.localdate(deadline)
    counted = workdays.days_between(published_on, closing_on, method.period_unit)
    if counted < method.min_period:
        raise ProjectError(
            _(
                "%(method)s needs at least %(days)s %(unit)s between publication and the deadline; "
                "published on %(published)s, the deadline can be on %(earliest)s at the earliest."
            )
            % {
                "method": method.label,
                "days": method.min_period,
                "unit": _unit(method.period_unit),
                "published": published_on.isoformat(),
                "earliest": earliest_deadline(method, published_at).isoformat(),
            },
            "deadline",
        )


def _unit(unit):
    return DayCount(unit).label


# --- funds --------------------------------------------------------------------------


@dataclass(frozen=True)
class FundCheck:
    available: Decimal  # the served communities' remaining funds, plus what this project's needs already hold
    needs_cost: Decimal
    budget: Decimal

    @property
    def exceeded(self):
        return self.budget > self.available


def fund_check(*, communities, year, budget, needs=(), project=None):
    """Can ``budget`` be met from the served communities' funds for ``year``?
    Accepted needs already hold their cost; a project holds what its budget
    adds beyond the needs it takes up (split evenly across its communities)."""
    statuses = need_selectors.fund_statuses((c.pk, year) for c in communities)
    if project is not None and project.pk is not None and project.year == year:
        # What this project already holds in that year is its own to re-use.
        own = need_selectors.project_extra_shares(project)
        remaining = sum(
            (statuses[(c.pk, year)].remaining + own.get(c.pk, Decimal("0")) for c in communities), Decimal("0")
        )
    else:
        remaining = sum((statuses[(c.pk, year)].remaining for c in communities), Decimal("0"))
    needs_cost = sum(
        (n.cost for n in needs if n.year == year and n.community_id in {c.pk for c in communities}), Decimal("0")
    )
    return FundCheck(available=remaining + needs_cost, needs_cost=needs_cost, budget=budget)


DRAFT_FIELDS = (
    "title",
    "purchaser",
    "budget",
    "budget_override_reason",
    "method",
    "named_organization",
    "justification",
    "entry_standard",
    "service_start",
    "service_end",
    "period_justification",
    "deadline",
    "min_valid_bids",
    "description",
    "requirements",
)
