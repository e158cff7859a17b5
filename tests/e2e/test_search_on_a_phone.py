"""The site search on a phone (390 px wide, issue 17 point 6): a visitor
types 养老 in the header's box on the home page, submits it with the
button (no JavaScript needed), reads the results grouped by type with the
word marked, and narrows them to the purchase projects.  Every page visited
passes axe-core and the control checks (44 px targets) and nothing is wider
than the phone."""

import pytest

from cms.search import index
from tests.e2e.conftest import PHONE
from tests.factories import CatalogueItemFactory, ProjectFactory

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

HOME_CARE = "居家养老上门服务"
MEALS = "社区老年助餐服务"


@pytest.fixture
def calls(site):
    item = CatalogueItemFactory(name="四点半课堂", content="课后托管")  # no 养老 of its own
    projects = [ProjectFactory(published=True, title=title, items=[item]) for title in (HOME_CARE, MEALS)]
    index.rebuild()
    return projects


def _titles(page):
    # one line each: a title wraps as text, never cut at its <mark>
    titles = page.locator(".search-hit h4 a").all_inner_texts()
    assert all("\n" not in title for title in titles), titles
    return titles


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_visitor_searches_from_the_header_on_a_phone(new_context, audit, calls):
    home_care, _meals = calls
    page = new_context(viewport=PHONE).new_page()
    page.goto("/")
    box = page.locator("form.header-search input[name=q]")
    assert box.is_visible()
    box.fill("养老")
    with page.expect_navigation():
        page.locator("form.header-search button[type=submit]").click()
    assert "/search/?q=" in page.url
    titles = _titles(page)
    assert HOME_CARE in titles and MEALS not in titles
    assert page.locator(".search-hit mark").first.inner_text() == "养老"
    assert page.locator(f".search-hit a[href='/projects/{home_care.ref}/']").count() == 1
    assert _fits(page)
    audit.check(page, "/search/?q=养老")

    # Only the purchase projects (the tab with its count).
    with page.expect_navigation():
        page.locator(".search-types a[href*='type=projects']").click()
    assert _titles(page) == [HOME_CARE]
    assert _fits(page)
    audit.check(page, "/search/?q=养老&type=projects")

    # The other word, from the results page's own form.
    page.fill("#id_q", "助餐")
    page.select_option("#id_type", "")
    with page.expect_navigation():
        page.locator("form.filter-form button[type=submit]").click()
    assert MEALS in _titles(page)
    audit.check(page, "/search/?q=助餐")
    audit.assert_clean()
