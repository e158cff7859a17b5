"""The annual purchase list (issue 17, 3): every public project of the fund
year once, with its winner, contract sum, disbursed amount and grade; never
a draft or another year's project; filters validated (a bad value is an
error on the page, not a 500); the totals are the sums of the rows; the
xlsx, CSV and PDF hold the same rows; a fixed number of queries; no
personal data anywhere."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from cms.views import purchase_list
from marketplace.core.money import format_cny
from marketplace.evaluation import open_data
from marketplace.models import Project
from tests.cms.open_data_world import DISBURSED, assert_no_personal_data, build, opened, pdf_text  # noqa: F401
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(active_contract, community):
    return build(active_contract, community)


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _body(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def _rows(year, **filters):
    return purchase_list.rows(open_data.purchase_list(year, **filters))


def test_the_list_is_the_public_projects_of_the_year(client, site, world):
    rows = {row.ref: row for row in _rows(world.year)}
    assert set(rows) == {world.contracted.ref, world.open_call.ref, world.failed.ref}

    contracted = rows[world.contracted.ref]
    organization = world.contract.organization.name
    assert contracted.winner == organization
    assert contracted.contract_sum == world.contract.amount and contracted.disbursed == DISBURSED
    assert contracted.contracts == world.contract.number
    assert contracted.grade.startswith("B ") and contracted.budget == world.contracted.budget
    assert contracted.communities == "和平社区" and contracted.streets == "东城街道"
    assert contracted.url == f"/projects/{world.contracted.ref}/"
    assert contracted.items and contracted.categories and contracted.method
    call = rows[world.open_call.ref]
    assert call.winner == "" and call.contract_sum is None and call.disbursed is None and call.grade == ""
    assert call.state == Project.State.PUBLISHED
    assert rows[world.failed.ref].state == Project.State.FAILED

    html = _html(client, f"/purchase-list/{world.year}/")
    for ref in rows:
        assert html.count(f'<span class="code">{ref}</span>') == 1
    for hidden in (world.draft, world.other_year):
        assert hidden.ref not in html and hidden.title not in html
    assert organization in html and f"¥{format_cny(world.contract.amount)}" in html
    assert f"¥{format_cny(DISBURSED)}" in html

    # the total row: the sums of every row
    totals = purchase_list.totals(open_data.purchase_list(world.year))
    assert totals.count == 3
    assert totals.budget == sum(row.budget for row in rows.values())
    assert totals.contract_sum == world.contract.amount and totals.disbursed == DISBURSED
    assert f"¥{format_cny(totals.budget)}" in html
    assert "合计" in html  # pgettext("sum", "Total") in the default language

    # the other year lists its own project only; /purchase-list/ is the current year
    earlier = _html(client, f"/purchase-list/{world.year - 1}/")
    assert world.other_year.ref in earlier and world.contracted.ref not in earlier
    current = _html(client, "/purchase-list/")
    assert str(timezone.localdate().year) in current
    assert client.get("/purchase-list/1800/").status_code == 404
    # found from the disclosure section
    disclosure = _html(client, "/disclosure/")
    assert 'href="/purchase-list/"' in disclosure and 'href="/statistics/"' in disclosure
    assert client.get(f"/purchase-list/{world.year}/download.doc").status_code == 404
    assert_no_personal_data(html)


def test_the_filters_and_a_bad_value(client, site, world):
    base = f"/purchase-list/{world.year}/"

    def refs(query):
        html = _html(client, f"{base}?{query}")
        return {p.ref for p in (world.contracted, world.open_call, world.failed) if p.ref in html}, html

    consultation = world.contracted.method.code
    assert refs(f"method={consultation}")[0] == {world.contracted.ref}
    assert refs(f"community={world.west.pk}")[0] == {world.open_call.ref, world.failed.ref}
    assert refs("street=东城街道")[0] == {world.contracted.ref}
    assert refs("state=failed")[0] == {world.failed.ref}
    category = world.contracted.catalogue_items.first().category.major
    assert refs(f"category={category.code}")[0] == {world.contracted.ref, world.open_call.ref, world.failed.ref}
    assert refs("state=contracted&street=西城街道")[0] == set()

    # unknown values: the error is shown, the other filters still apply, nothing fails
    found, html = refs("method=nonsense&community=abc&state=draft&street=%00")
    assert found == {world.contracted.ref, world.open_call.ref, world.failed.ref}
    assert 'class="form-errors"' in html and html.count('class="field field-invalid"') == 4
    found, html = refs("state=draft&method=" + consultation)
    assert found == {world.contracted.ref}  # a draft is no public state: refused, the method still applies
    assert 'class="form-errors"' in html

    # the totals follow the filters
    rows = _rows(world.year, street="西城街道")
    assert {row.ref for row in rows} == {world.open_call.ref, world.failed.ref}
    html = _html(client, f"{base}?street=西城街道")
    assert f"¥{format_cny(sum(row.budget for row in rows))}" in html


def test_the_downloads_hold_the_same_rows(client, site, world):
    rows = _rows(world.year)
    refs = [row.ref for row in rows]

    xlsx = client.get(f"/purchase-list/{world.year}/download.xlsx")
    assert xlsx.streaming  # sent from a file in chunks, not built in memory
    book = load_workbook(io.BytesIO(_body(xlsx)))
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    heading, body, total = values[0], values[1:-1], values[-1]
    assert len(heading) == len(purchase_list.columns())
    assert [line[0] for line in body] == refs
    by_ref = {line[0]: line for line in body}
    contracted = by_ref[world.contracted.ref]
    assert Decimal(str(contracted[11])) == world.contract.amount and Decimal(str(contracted[12])) == DISBURSED
    assert total[0] == "合计"
    assert Decimal(str(total[7])) == sum(row.budget for row in rows)
    assert Decimal(str(total[12])) == DISBURSED
    assert_no_personal_data(repr(values))

    body = _body(client.get(f"/purchase-list/{world.year}/download.csv"))
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    text = body.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert [line[0] for line in lines[1:-1]] == refs
    assert lines[-1][0] == "合计" and Decimal(lines[-1][7]) == sum(row.budget for row in rows)
    assert Decimal(lines[-1][11]) == world.contract.amount and Decimal(lines[-1][12]) == DISBURSED
    assert_no_personal_data(text)

    # the filtered list only
    body = _body(client.get(f"/purchase-list/{world.year}/download.csv?street=西城街道&method=nonsense"))
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert sorted(line[0] for line in lines[1:-1]) == sorted([world.open_call.ref, world.failed.ref])

    response = client.get(f"/purchase-list/{world.year}/download.pdf")
    body = _body(response)
    assert body.startswith(b"%PDF") and response["Content-Type"] == "application/pdf"
    text = pdf_text(body)
    if text is not None:
        for ref in refs:
            assert ref in text
        assert world.draft.ref not in text
        assert_no_personal_data(text)


def test_a_fixed_number_of_queries(client, site, published, community, django_assert_max_num_queries):
    items = list(published.items.all()[:1])
    year = timezone.localdate().year

    def make(count):
        for _n in range(count):
            ProjectFactory(published=True, year=year, items=items, communities=[community])

    def measure(url):
        with CaptureQueriesContext(connection) as context:
            _body(client.get(url))
        return len(context.captured_queries)

    make(1)
    ProjectFactory(closed=True, year=year, items=items, communities=[community], bidders=["90000.00"])
    measure(f"/purchase-list/{year}/")  # once first: what a process reads once (the site) is not counted
    page = measure(f"/purchase-list/{year}/")
    download = measure(f"/purchase-list/{year}/download.csv")
    make(9)
    assert Project.objects.filter(year=year, published_at__isnull=False).count() == 11
    with django_assert_max_num_queries(page):
        _body(client.get(f"/purchase-list/{year}/"))
    with django_assert_max_num_queries(download):
        _body(client.get(f"/purchase-list/{year}/download.csv"))
    assert measure(f"/purchase-list/{year}/") == page
