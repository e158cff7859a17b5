"""Public statistics (issue 17, 5): every figure equals the ledger's and the
purchase list's, summed both ways; a call still open counts no bid; the
charts are accessible SVG followed by their table; the CSV holds the same
figures; a bad year is an error on the page; no personal data."""

import csv
import io
from decimal import Decimal

import pytest
from django.db.models import Q, Sum
from django.utils import translation

from cms.views import purchase_list
from cms.views import statistics as views
from contracts.payments import funds
from contracts.payments import open_data as money
from contracts.payments.models import LedgerEntry
from marketplace.core.money import format_cny
from marketplace.evaluation import open_data
from tests.cms.open_data_world import DISBURSED, assert_no_personal_data, build, opened  # noqa: F401
from tests.factories import BidFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(active_contract, community):
    return build(active_contract, community)


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _ledger(year):
    entries = LedgerEntry.objects.filter(contract__project__year=year)

    def total(condition):
        return entries.filter(condition).aggregate(t=Sum("amount"))["t"] or Decimal("0")

    return total(Q(debit="disbursed"))


def test_every_figure_adds_up_both_ways(client, site, world):
    year = world.year
    spending = money.spending(year)
    total = spending["total"]
    disbursed = _ledger(year)
    assert disbursed == DISBURSED
    # the ledger's, the funds dashboard's and the purchase list's totals are one figure
    assert total.disbursed == disbursed == funds.total(funds.by_organization(year)).disbursed
    assert total.contracted == world.contract.amount
    listed = purchase_list.totals(open_data.purchase_list(year))
    assert (listed.contract_sum, listed.disbursed) == (total.contracted, total.disbursed)
    for key in ("category", "community", "street", "organization", "method"):
        rows = spending[key]
        assert rows, key
        assert sum(row.contracted for row in rows) == total.contracted, key
        assert sum(row.disbursed for row in rows) == total.disbursed, key
    (organization,) = spending["organization"]
    assert organization.label == world.contract.organization.name
    (street,) = spending["street"]
    assert street.label == "东城街道"
    by_year = {row.key: row for row in money.spending_by_year()}
    assert (by_year[year].contracted, by_year[year].disbursed) == (total.contracted, total.disbursed)

    calls = open_data.call_figures(year)
    assert calls.calls == listed.count == 3  # the contracted project, the open call, the failed tender
    assert calls.failed == 1 and calls.opened == 2
    assert dict(calls.bids) == {world.contracted.ref: 3, world.failed.ref: 1}
    assert calls.bids_per_call == Decimal("2.00")
    outcomes = {key: count for key, _label, count in calls.challenges}
    assert outcomes["dismissed"] == 1 and sum(outcomes.values()) == 1

    acceptance = money.acceptance_figures(year)
    assert (acceptance.accepted, acceptance.surveyed, acceptance.satisfaction) == (1, 1, Decimal("80.00"))
    assert {letter: count for letter, _label, count in acceptance.grades} == {"A": 0, "B": 1, "C": 0, "D": 0}

    html = _html(client, f"/statistics/?year={year}")
    assert f"¥{format_cny(total.contracted)}" in html and f"¥{format_cny(total.disbursed)}" in html
    assert world.contract.organization.name in html and "2.00" in html and "80.00" in html
    assert_no_personal_data(html)

    body = b"".join(client.get(f"/statistics/{year}.csv").streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert len(lines[0]) == 4 and all(len(line) == 4 for line in lines)
    values = [(line[1], line[3]) for line in lines]
    assert (str(year), str(total.disbursed)) in values and (str(year), str(total.contracted)) in values
    assert (world.contract.organization.name, str(DISBURSED)) in values
    assert_no_personal_data(text)


def test_a_call_still_open_counts_no_bid(client, site, world):
    year = world.year
    before = open_data.call_figures(year)
    for _n in range(3):
        BidFactory(project=world.open_call, organization=OrganizationFactory(approved=True), submitted=True)
    after = open_data.call_figures(year)
    assert world.open_call.ref not in after.bids
    assert after.bids == before.bids and after.bid_total == before.bid_total == 4
    html = _html(client, f"/statistics/?year={year}")
    assert world.open_call.ref not in html


def test_the_charts_are_accessible_svg_and_a_bad_year_is_shown(client, site, world):
    html = _html(client, f"/statistics/?year={world.year}")
    assert html.count("<svg") == 9  # per fund year, the five tables, bids, challenges, grades
    assert html.count('role="img"') == 9 and html.count("<title id=") == 9 and html.count("<desc id=") == 9
    assert 'viewBox="0 0 400 ' in html and 'width="100%"' in html
    assert "<script" not in html.split("<main", 1)[-1].split("</main>", 1)[0]
    assert html.count('<caption class="visually-hidden">') == 9  # each chart followed by its table
    assert 'fill="url(#chart-' in html  # the second series is hatched, not only another colour

    chart = views.bar_chart("c", "t", [("甲", [Decimal("10.00"), Decimal("5.00")])], ["合同", "拨付"])
    (item,) = chart.items
    assert [bar["width"] for bar in item["bars"]] == [398.0, 199.0]
    assert [bar["text"] for bar in item["bars"]] == ["合同: ¥10.00", "拨付: ¥5.00"]
    assert "甲" in chart.desc and "¥5.00" in chart.desc

    # a year that is not one of the list: the error is shown, the current year's figures instead
    page = _html(client, "/statistics/?year=abc")
    assert 'class="form-errors"' in page and "<svg" in page
    assert 'class="form-errors"' in _html(client, "/statistics/?year=1800")
    assert client.get("/statistics/1800.csv").status_code == 404


def test_a_long_table_shows_the_largest_rows_and_one_for_the_others():
    rows = [money.Spend(n, f"组织{n:02d}", Decimal(1000 - n), Decimal(n)) for n in range(23)]
    shown, folded = views.shown_rows(rows, limit=20)
    assert folded == 3 and len(shown) == 21 and shown[:20] == rows[:20]
    assert "3" in shown[-1].label
    assert sum(r.contracted for r in shown) == sum(r.contracted for r in rows)
    assert sum(r.disbursed for r in shown) == sum(r.disbursed for r in rows)
    # one row more than the limit is shown as it is (an "others" row would hide it for nothing)
    assert views.shown_rows(rows[:21], limit=20) == (rows[:21], 0)


def test_the_page_folds_a_province_sized_table_and_the_csv_keeps_every_row(client, site, world, monkeypatch):
    real = views.figures

    def many_organizations(year):
        found = real(year)
        extra = [money.Spend(-n, f"远郊组织{n:03d}", Decimal("1.00"), Decimal("0.00")) for n in range(1, 31)]
        found["spending"]["organization"] = found["spending"]["organization"] + extra
        found["spending"]["total"].contracted += Decimal("30.00")
        return found

    monkeypatch.setattr(views, "figures", many_organizations)
    monkeypatch.setattr(views, "SHOWN_ROWS", 20)
    html = _html(client, f"/statistics/?year={world.year}")
    section = html.split('id="spending-organization"')[1].split("</section>")[0]
    assert world.contract.organization.name in section and "远郊组织019" in section
    assert "远郊组织020" not in section and "远郊组织030" not in section  # folded into the others' row
    with translation.override("zh-hans"):
        others = translation.gettext("%(count)s others (every one is in the CSV)") % {"count": 11}
    assert others in section
    assert section.count(others) == 1  # in the table, not drawn in the chart (it would dwarf the rows)
    total = money.Spend(None, "", world.contract.amount + Decimal("30.00"))
    assert f"¥{format_cny(total.contracted)}" in section  # the table still adds up to the total
    body = b"".join(client.get(f"/statistics/{world.year}.csv").streaming_content).decode("utf-8-sig")
    assert "远郊组织030" in body and "others" not in body
