"""The annual purchase list (政府购买服务项目清单, issue 17, 3):
``/purchase-list/`` (the current year, Beijing time) and
``/purchase-list/<year>/``, every public project of the fund year with its
catalogue items, category, communities, streets, method, budget, status,
winner, contract sum, amount disbursed so far and grade; filters by
category, community, street, method and status; the filtered list as xlsx,
CSV (UTF-8 with a BOM, so Excel opens it) and PDF at
``/purchase-list/<year>/download.<xlsx|csv|pdf>``.

The year is the project's fund year (``Project.year``).  A project is
listed once its call is published (later states included: cancelled and
failed tenders stay listed); drafts and calls awaiting approval never.
Every format is made by ``rows`` from the same read modules
(``marketplace.evaluation.open_data``, ``contracts.payments.open_data``),
in a fixed number of queries per page or chunk of projects."""

import tempfile
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from contracts.payments import open_data as money
from marketplace.core import languages, spreadsheets
from marketplace.core.filters import paginate
from marketplace.core.money import format_cny
from marketplace.core.pdf import render_pdf
from marketplace.evaluation import open_data

PER_PAGE = 20
#: projects read at once for a download (each chunk: a fixed number of queries)
CHUNK = 500
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
SEPARATOR = "、"
ZERO = Decimal("0.00")


# --- the filters ---------------------------------------------------------------------------


class PurchaseListForm(forms.Form):
    """``?category=<code>&community=<id>&street=<name>&method=<code>&state=``;
    a value that is not one of the choices is an error shown above the list,
    and the other filters still apply."""

    category = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    community = forms.ChoiceField(label=gettext_lazy("Community"), required=False)
    street = forms.ChoiceField(label=gettext_lazy("Street"), required=False)
    method = forms.ChoiceField(label=gettext_lazy("Method"), required=False)
    state = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, data=None):
        super().__init__(data)
        self.categories = {c.code: c for c in open_data.categories()}
        self.communities = {str(c.pk): c for c in open_data.communities()}
        self.methods = {m.code: m for m in open_data.methods()}
        fields = self.fields
        fields["category"].choices = [("", _("All categories"))] + [
            (code, str(category)) for code, category in self.categories.items()
        ]
        fields["community"].choices = [("", _("All communities"))] + [
            (pk, str(community)) for pk, community in self.communities.items()
        ]
        fields["street"].choices = [("", _("All streets"))] + [(street, street) for street in open_data.streets()]
        fields["method"].choices = [("", _("All methods"))] + [(code, m.label) for code, m in self.methods.items()]
        fields["state"].choices = [("", _("All statuses"))] + open_data.public_states()

    def filters(self):
        """The valid filters as ``open_data.purchase_list``'s keyword arguments."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "category": self.categories.get(data.get("category") or ""),
            "community": self.communities.get(data.get("community") or ""),
            "street": data.get("street") or "",
            "method": self.methods.get(data.get("method") or ""),
            "state": data.get("state") or "",
        }

    def querystring(self):
        """The valid filters as query parameters, ending with ``&`` (for the page links)."""
        self.is_valid()
        kept = {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value}
        return f"{urlencode(kept)}&" if kept else ""


# --- the rows: one function for the page and every download --------------------------------


@dataclass(frozen=True)
class ListRow:
    ref: str
    title: str
    url: str
    items: str
    categories: str
    communities: str
    streets: str
    method: str
    budget: Decimal
    state: str
    state_label: str
    winner: str
    contracts: str
    contract_sum: Decimal | None
    disbursed: Decimal | None
    grade: str


def _grade_text(grade):
    if grade is None:
        return ""
    text = f"{grade.letter} {grade.label}"
    return text if grade.final else _("%(grade)s (interim)") % {"grade": text}


def _unique(values):
    return list(dict.fromkeys(value for value in values if value))


def rows(projects, projects_url="/projects/"):
    """The list's rows for ``projects`` (from ``open_data.purchase_list``,
    their items and communities prefetched): three more queries for the
    winners, the contracts with their payments, and the milestones' grades."""
    projects = list(projects)
    ids = [project.pk for project in projects]
    winners = open_data.winners(ids)
    figures = money.project_money(ids)
    found = []
    for project in projects:
        items = list(project.catalogue_items.all())
        places = list(project.communities.all())
        winner = winners.get(project.pk)
        figure = figures.get(project.pk)
        winner_text = ""
        if winner is not None:
            winner_text = (
                winner.name if not winner.cancelled else _("%(name)s (award cancelled)") % {"name": winner.name}
            )
        found.append(
            ListRow(
                ref=project.ref,
                title=project.title,
                url=f"{projects_url}{project.ref}/",
                items=SEPARATOR.join(_unique(f"{item.code} {item.name}" for item in items)),
                categories=SEPARATOR.join(_unique(str(item.category) for item in items)),
                communities=SEPARATOR.join(_unique(community.name for community in places)),
                streets=SEPARATOR.join(_unique(community.street for community in places)),
                method=project.method.label,
                budget=project.budget,
                state=project.state,
                state_label=str(project.get_state_display()),
                winner=winner_text,
                contracts=SEPARATOR.join(figure.numbers) if figure else "",
                contract_sum=figure.amount if figure else None,
                disbursed=figure.disbursed if figure else None,
                grade=_grade_text(figure.grade if figure else None),
            )
        )
    return found


def stream_rows(projects, projects_url="/projects/"):
    """Every row of ``projects``, read ``CHUNK`` projects at a time."""
    chunk = []
    for project in projects.iterator(chunk_size=CHUNK):
        chunk.append(project)
        if len(chunk) == CHUNK:
            yield from rows(chunk, projects_url)
            chunk = []
    if chunk:
        yield from rows(chunk, projects_url)


@dataclass
class Totals:
    count: int = 0
    budget: Decimal = ZERO
    contract_sum: Decimal = ZERO
    disbursed: Decimal = ZERO

    def add(self, row):
        self.count += 1
        self.budget += row.budget
        self.contract_sum += row.contract_sum or ZERO
        self.disbursed += row.disbursed or ZERO


def totals(projects):
    """The totals of the whole filtered list (every page): four queries."""
    figures = money.project_money(projects.order_by().values("pk")).values()
    return Totals(
        count=projects.count(),
        budget=open_data.budget_total(projects),
        contract_sum=sum((figure.amount for figure in figures), ZERO),
        disbursed=sum((figure.disbursed for figure in figures), ZERO),
    )


# --- the columns of the files -------------------------------------------------------------


def columns():
    """``[(heading, value of a row, is money)]``: the files' columns."""
    return [
        (_("Reference"), lambda r: r.ref, False),
        (_("Title"), lambda r: r.title, False),
        (_("Catalogue item"), lambda r: r.items, False),
        (_("Category"), lambda r: r.categories, False),
        (_("Communities served"), lambda r: r.communities, False),
        (_("Streets"), lambda r: r.streets, False),
        (_("Method"), lambda r: r.method, False),
        (_("Budget (CNY)"), lambda r: r.budget, True),
        (_("Status"), lambda r: r.state_label, False),
        (_("Awarded to"), lambda r: r.winner, False),
        (_("Contract"), lambda r: r.contracts, False),
        (_("Contract sum (CNY)"), lambda r: r.contract_sum, True),
        (_("Disbursed so far (CNY)"), lambda r: r.disbursed, True),
        (_("Grade"), lambda r: r.grade, False),
    ]


def _total_cells(found):
    """The total row under the columns: the label, the count, the sums."""
    by_heading = {
        _("Budget (CNY)"): found.budget,
        _("Contract sum (CNY)"): found.contract_sum,
        _("Disbursed so far (CNY)"): found.disbursed,
    }
    cells = []
    for index, (heading, _value, _is_money) in enumerate(columns()):
        if index == 0:
            cells.append(pgettext("sum", "Total"))
        elif index == 1:
            cells.append(_("%(count)s projects") % {"count": found.count})
        else:
            cells.append(by_heading.get(heading, ""))
    return cells


# --- the views ----------------------------------------------------------------------------


def _projects_url(request):
    from cms.models import Section, SectionPage

    section = SectionPage.objects.filter(section=Section.PROJECTS).first()
    return section.get_url(request) if section is not None else "/projects/"


def _check_year(year):
    if not open_data.FIRST_YEAR <= year <= open_data.LAST_YEAR:
        raise Http404


def current(request):
    """The current fund year's list (Beijing time)."""
    return year_list(request, timezone.localdate().year)


def year_list(request, year):
    _check_year(year)
    form = PurchaseListForm(request.GET or None)
    projects = open_data.purchase_list(year, **form.filters())
    page = paginate(request, projects, PER_PAGE)
    querystring = form.querystring()
    return render(
        request,
        "cms/purchase_list/index.html",
        {
            "year": year,
            "years": open_data.years(),
            "filter_form": form,
            "filtered": bool(querystring),
            "rows": rows(page.object_list, _projects_url(request)),
            "rows_page": page,
            "totals": totals(projects),
            "pagination_query": querystring,
            "list_url": f"/purchase-list/{year}/",
            "downloads": [(fmt.upper(), f"/purchase-list/{year}/download.{fmt}?{querystring}") for fmt in FORMATS],
        },
    )


def download(request, year, fmt):
    _check_year(year)
    if fmt not in FORMATS:
        raise Http404
    form = PurchaseListForm(request.GET or None)
    projects = open_data.purchase_list(year, **form.filters())
    projects_url = request.build_absolute_uri(_projects_url(request))
    filename = f"purchase-list-{year}.{fmt}"
    if fmt == "csv":
        body = _csv(stream_rows(projects, projects_url), languages.current())
        response = StreamingHttpResponse(body, content_type=FORMATS[fmt])
    elif fmt == "xlsx":
        response = FileResponse(_xlsx(year, stream_rows(projects, projects_url)), content_type=FORMATS[fmt])
    else:
        response = HttpResponse(_pdf(year, form, stream_rows(projects, projects_url)), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _csv(found_rows, language):
    """The lines of the CSV, written while the response streams (in the
    reader's ``language``: the request may be over by then)."""
    with translation.override(language):
        yield from spreadsheets.csv_lines(_csv_rows(found_rows))


def _csv_rows(found_rows):
    cols = columns()
    yield [str(heading) for heading, _value, _money in cols]
    found = Totals()
    for row in found_rows:
        found.add(row)
        yield [value(row) for _h, value, _m in cols]
    yield list(_total_cells(found))


def _xlsx(year, found_rows):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(year))
    cols = columns()
    bold = Font(bold=True)

    def heading(text):
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = bold
        return cell

    sheet.append([heading(text) for text, _value, _money in cols])
    found = Totals()
    for row in found_rows:
        found.add(row)
        sheet.append([spreadsheets.text_cell(sheet, value(row)) for _heading, value, _money in cols])
    totals = _total_cells(found)
    sheet.append([heading(cell) if isinstance(cell, str) else spreadsheets.text_cell(sheet, cell) for cell in totals])
    # Written row by row (write-only) to a file on disk, then sent from it in
    # chunks: memory does not grow with the list.
    body = tempfile.TemporaryFile()
    workbook.save(body)
    body.seek(0)
    return body


def _cell(value, is_money):
    if is_money:
        return format_cny(value) if value is not None else ""
    return value or ""


def _pdf(year, form, found_rows):
    cols = columns()
    table = []
    found = Totals()
    for row in found_rows:
        found.add(row)
        table.append([(_cell(value(row), is_money), is_money) for _heading, value, is_money in cols])
    totals_row = [
        (format_cny(cell) if isinstance(cell, Decimal) else cell, isinstance(cell, Decimal))
        for cell in _total_cells(found)
    ]
    chosen = [
        f"{field.label}: {dict(field.field.choices).get(field.value(), field.value())}"
        for field in form
        if form.is_bound and field.name in getattr(form, "cleaned_data", {}) and form.cleaned_data[field.name]
    ]
    return render_pdf(
        "pdf/purchase_list.html",
        {
            "year": year,
            "headings": [heading for heading, _value, _money in cols],
            "table": table,
            "totals_row": totals_row,
            "filters": chosen,
        },
        language=languages.current(),
    )
