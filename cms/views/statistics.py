"""Public statistics (issue 17, 5): ``/statistics/?year=`` (the current
fund year by default, Beijing time) and every figure as CSV at
``/statistics/<year>.csv``.

- spending per fund year, and for the year per category, community,
  street, organization and method: the signed contracts' sums and what was
  disbursed, from the ledger (``contracts.payments.open_data``, the funds
  dashboard's own sums: every table adds up to the same totals);
- calls: how many were published, failed (流标) or cancelled, and the bids
  per call, counted from the opening records only (a call still open counts
  no bid: the bids stay sealed);
- challenges by outcome; accepted milestones, the mean resident
  satisfaction and their grades.

Each chart is drawn here as inline SVG (``role="img"`` with a title and a
description, a text label on every bar, the second series hatched, so
nothing is told by colour alone), scales to the screen by its viewBox, and
is followed by the same figures as a table.  No JavaScript, no external
service, no personal data."""

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from contracts.payments import open_data as money
from marketplace.core import languages, spreadsheets
from marketplace.core.money import format_cny
from marketplace.evaluation import open_data

#: the SVG's coordinate width; it is drawn at 100 % of its column
WIDTH = 400
LABEL_HEIGHT = 24
BAR_HEIGHT = 12
TEXT_HEIGHT = 19
ROW_GAP = 10


class YearForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Fund year"), coerce=int, required=False)

    def __init__(self, data=None):
        super().__init__(data)
        self.fields["year"].choices = [(str(year), str(year)) for year in open_data.years()]

    def chosen_year(self):
        if self.is_bound and self.is_valid() and self.cleaned_data["year"]:
            return self.cleaned_data["year"]
        return timezone.localdate().year


# --- the charts ---------------------------------------------------------------------------


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int = WIDTH
    height: int = 0
    items: list = field(default_factory=list)


def _money(value):
    return f"¥{format_cny(value)}"


def bar_chart(chart_id, title, rows, series, *, money_values=True):
    """A horizontal bar chart: ``rows`` are ``(label, [value per series])``,
    ``series`` the series' names.  Every bar carries its series' name and its
    value as text; the second series is hatched."""
    values = [value for _label, row in rows for value in row]
    top = max(values, default=0) or 1
    fmt = _money if money_values else str
    chart = Chart(chart_id, title, "")
    y = 0
    for label, row in rows:
        item = {"label": label, "label_y": y + LABEL_HEIGHT - 5, "bars": []}
        y += LABEL_HEIGHT
        for index, (name, value) in enumerate(zip(series, row, strict=True)):
            width = round(float(Decimal(value) * (WIDTH - 2) / Decimal(top)), 1) if value else 0
            item["bars"].append(
                {
                    "text": f"{name}: {fmt(value)}" if len(series) > 1 else fmt(value),
                    "text_y": y + TEXT_HEIGHT - 4,
                    "y": y + TEXT_HEIGHT,
                    "width": max(width, 1) if value else 0,
                    "hatched": index % 2 == 1,
                }
            )
            y += TEXT_HEIGHT + BAR_HEIGHT + 2
        chart.items.append(item)
        y += ROW_GAP
    chart.height = max(y, LABEL_HEIGHT)
    parts = "; ".join(
        f"{label}: " + ", ".join(f"{name} {fmt(value)}" for name, value in zip(series, row, strict=True))
        for label, row in rows
    )
    chart.desc = parts or _("No figures for this year.")
    return chart


def _spend_chart(chart_id, title, rows):
    series = [_("Contract sums"), _("Disbursed")]
    return bar_chart(chart_id, title, [(row.label, [row.contracted, row.disbursed]) for row in rows], series)


# --- the figures ---------------------------------------------------------------------------


def figures(year):
    """Every figure of the page (and of the CSV) for ``year``."""
    spending = money.spending(year)
    return {
        "spending": spending,
        "by_year": money.spending_by_year(),
        "calls": open_data.call_figures(year),
        "acceptance": money.acceptance_figures(year),
    }


def _tables():
    """``[(key, heading, chart id)]`` of the spending tables."""
    return [
        ("category", _("Spending per category"), "chart-category"),
        ("community", _("Spending per community"), "chart-community"),
        ("street", _("Spending per street"), "chart-street"),
        ("organization", _("Spending per organization"), "chart-organization"),
        ("method", _("Spending per purchase method"), "chart-method"),
    ]


#: Rows a spending table shows on the page; the rest are one "others" row, so the table still adds up
#: to the total (issue 18: a province has thousands of communities and organizations, which made the
#: page megabytes long).  The CSV has every row.
SHOWN_ROWS = 20


def shown_rows(rows, limit=None):
    """``(rows to show, how many rows were folded into the last one)``:
    the ``limit`` (``SHOWN_ROWS``) largest (the rows come largest first)
    and, when there are more, one row that sums the rest."""
    limit = SHOWN_ROWS if limit is None else limit
    if len(rows) <= limit + 1:  # folding one row into "others" would hide it for nothing
        return rows, 0
    rest = rows[limit:]
    others = money.Spend(None, _("%(count)s others (every one is in the CSV)") % {"count": len(rest)})
    for row in rest:
        others.contracted += row.contracted
        others.disbursed += row.disbursed
    return [*rows[:limit], others], len(rest)


def index(request):
    form = YearForm(request.GET or None)
    year = form.chosen_year()
    found = figures(year)
    spending, calls, acceptance = found["spending"], found["calls"], found["acceptance"]
    tables = []
    for key, heading, chart_id in _tables():
        rows, folded = shown_rows(spending[key])
        tables.append(
            {
                "key": key,
                "heading": heading,
                "rows": rows,
                "folded": folded,
                "shown": len(rows) - 1,
                "count": len(spending[key]),
                # the chart draws the rows shown by name: the others' sum would be the widest bar
                "chart": _spend_chart(chart_id, heading, rows[:-1] if folded else rows),
            }
        )
    return render(
        request,
        "cms/statistics/index.html",
        {
            "year": year,
            "year_form": form,
            "spending": spending,
            "tables": tables,
            "by_year": found["by_year"],
            "by_year_chart": _spend_chart("chart-years", _("Spending per fund year"), found["by_year"]),
            "calls": calls,
            "bids_chart": bar_chart(
                "chart-bids",
                _("Opened calls by number of bids"),
                [
                    (_("%(count)s bids") % {"count": number}, [calls_count])
                    for number, calls_count in calls.bid_distribution
                ],
                [_("Calls")],
                money_values=False,
            ),
            "challenges_chart": bar_chart(
                "chart-challenges",
                _("Challenges by outcome"),
                [(str(label), [count]) for _key, label, count in calls.challenges],
                [_("Challenges")],
                money_values=False,
            ),
            "acceptance": acceptance,
            "grades_chart": bar_chart(
                "chart-grades",
                _("Accepted milestones by grade"),
                [(f"{letter} {label}", [count]) for letter, label, count in acceptance.grades],
                [_("Milestones")],
                money_values=False,
            ),
            "csv_url": f"/statistics/{year}.csv",
        },
    )


# --- the CSV -------------------------------------------------------------------------------


def csv_rows(year):
    """``(section, item, measure, value)`` for every figure of the page."""
    found = figures(year)
    spending, calls, acceptance = found["spending"], found["calls"], found["acceptance"]
    contracted, disbursed = _("Contract sums (CNY)"), _("Disbursed (CNY)")
    for row in found["by_year"]:
        yield _("Spending per fund year"), row.label, contracted, row.contracted
        yield _("Spending per fund year"), row.label, disbursed, row.disbursed
    for key, heading, _chart in _tables():
        for row in spending[key]:
            yield heading, row.label, contracted, row.contracted
            yield heading, row.label, disbursed, row.disbursed
    total = spending["total"]
    yield pgettext("sum", "Total"), year, contracted, total.contracted
    yield pgettext("sum", "Total"), year, disbursed, total.disbursed
    section = _("Calls")
    yield section, year, _("Calls published"), calls.calls
    yield section, year, _("Calls opened"), calls.opened
    yield section, year, _("Failed tenders"), calls.failed
    yield section, year, _("Cancelled"), calls.cancelled
    yield section, year, _("Bids at the openings"), calls.bid_total
    yield section, year, _("Bids per opened call"), "" if calls.bids_per_call is None else calls.bids_per_call
    for number, count in calls.bid_distribution:
        yield _("Opened calls by number of bids"), number, _("Calls"), count
    for _key, label, count in calls.challenges:
        yield _("Challenges by outcome"), label, _("Challenges"), count
    section = _("Acceptance")
    yield section, year, _("Accepted milestones"), acceptance.accepted
    yield section, year, _("Milestones with a resident survey"), acceptance.surveyed
    satisfaction = "" if acceptance.satisfaction is None else acceptance.satisfaction
    yield section, year, _("Mean resident satisfaction (0-100)"), satisfaction
    for letter, label, count in acceptance.grades:
        yield _("Accepted milestones by grade"), f"{letter} {label}", _("Milestones"), count


def _csv(year, language):
    """The lines of the CSV, in the reader's ``language`` (written while the response streams)."""
    with translation.override(language):
        header = [[_("Section"), _("Item"), _("Measure"), _("Value")]]
        yield from spreadsheets.csv_lines(itertools.chain(header, csv_rows(year)))


def csv_download(request, year):
    if not open_data.FIRST_YEAR <= year <= open_data.LAST_YEAR:
        raise Http404
    response = StreamingHttpResponse(_csv(year, languages.current()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="statistics-{year}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
