"""The open data pages on a phone (390 px wide), issue 17 (3 and 5): a
visitor finds the year's purchase list from /disclosure/, filters it, sees
the total row, downloads the xlsx, and reads the statistics page: charts
no wider than the screen, each followed by its table.  Every page passes
axe-core and the control checks."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import transaction

from tests.cms.open_data_world import build, opened  # noqa: F401
from tests.contract_fixtures import ContractFactory
from tests.contracts.evaluation.conftest import zh
from tests.e2e.conftest import PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def world(transactional_db, request, community):
    import_module("contracts.migrations.0002_contract_kinds").add_kinds(apps, None)
    import_module("contracts.migrations.0003_contracts_domain").add_clauses(apps, None)
    with transaction.atomic():
        request.getfixturevalue("migrated_rows")
        request.getfixturevalue("site")
        award = request.getfixturevalue("award_over")
        contract = ContractFactory(award=award, active=True)
        return build(contract, community)


def test_the_purchase_list_and_the_statistics_on_a_phone(new_context, audit, world):
    page = new_context(viewport=PHONE).new_page()
    page.goto(f"/purchase-list/{world.year}/")
    title = zh("Government purchase of services: project list %(year)s") % {"year": world.year}
    assert page.locator("h1").inner_text() == title
    assert page.locator("tfoot").inner_text().count("合计") == 1
    audit.check(page, "/purchase-list/<year>/")
    page.select_option("#id_street", "西城街道")
    with page.expect_navigation():
        page.locator("form.filter-form button[type=submit]").click()
    body = page.locator("tbody").inner_text()
    assert world.open_call.ref in body and world.contracted.ref not in body
    with page.expect_download() as download:
        page.locator("a", has_text="XLSX").click()
    assert download.value.suggested_filename == f"purchase-list-{world.year}.xlsx"

    page.goto(f"/statistics/?year={world.year}")
    audit.check(page, "/statistics/")
    widths = page.eval_on_selector_all("svg[role=img]", "svgs => svgs.map(s => s.getBoundingClientRect().right)")
    assert widths and max(widths) <= 390, widths
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    audit.assert_clean()
