"""The pages changed for issue 18 (scale), walked as a new visitor would, on
a phone (390 px wide) and on a desktop:

- the public lists (/projects/, /results/, /needs/) serve their first
  ``MAX_PAGES`` pages: the last served page and a page asked for beyond it
  say so (templates/includes/list_cap.html), and the page links still lead
  back and forth.  ``MAX_PAGES`` and the lists' page size are made small
  here: the views read both on every request, and the live server runs in
  this process;
- a bid receipt (format sfq-bid/2) shows when the request reached the
  platform and when the version was recorded;
- /ocds/ describes the change feed's ``after`` cursor;
- /audit/ says the log is kept in lanes.

Each page passes axe-core and the control checks and is no wider than the
screen.  With ``E2E_SCREENSHOTS=<directory>`` each page is also saved there
at 390 px as ``walk_<name>.png``, for a person to look at."""

import datetime
import os
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cms.views import needs as need_views
from cms.views import projects as project_views
from cms.views import results as result_views
from marketplace.core import paging
from marketplace.core.audit import publish_head, record_event
from marketplace.models import Award, Project
from marketplace.procurement.services import bids as bid_services
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.pages import zh
from tests.evaluation_fixtures import award_top
from tests.factories import (
    BidFactory,
    CatalogueItemFactory,
    CommitteeFactory,
    EvaluationReportFactory,
    OrganizationFactory,
    ProjectFactory,
    QualificationFactory,
    ScoreSheetFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

VIEWPORTS = (("phone", PHONE), ("desktop", DESKTOP))
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")
CAP = 2  # pages served, with one row a page and three rows: page 2 is the last


def plain(html):
    """Text as a reader sees it: no tags, white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def text_of(locator):
    return " ".join(locator.inner_text().split())


# The innermost elements that reach past the right edge of the screen.
_WIDE_JS = r"""
(limit) => {
  const wide = [...document.querySelectorAll('body *')].filter(
    (el) => el.getBoundingClientRect().right > limit + 0.5);
  return wide.filter((el) => !wide.some((other) => other !== el && el.contains(other))).slice(0, 5).map((el) => {
    const classes = (el.getAttribute('class') || '').trim().replace(/\s+/g, '.');
    const text = (el.innerText || '').replace(/\s+/g, ' ').trim().slice(0, 30);
    const right = Math.round(el.getBoundingClientRect().right);
    return `${el.tagName.toLowerCase()}${classes ? '.' + classes : ''} to ${right} px "${text}"`;
  });
}
"""


def looked_at(page, audit, label, name, viewport, shot=None):
    """The page fits its screen and passes the checks; at 390 px it is kept
    as a picture when asked for."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > viewport["width"]:
        wide = page.evaluate(_WIDE_JS, viewport["width"])
        pytest.fail(f"{label} ({name}) scrolls sideways: {width} px wide; past the edge: {wide}")
    audit.check(page, f"{label} ({name})")
    if SHOTS and shot and viewport is PHONE:
        page.screenshot(path=os.path.join(SHOTS, f"walk_{shot}.png"), full_page=True)


# --- the 50-page cap -----------------------------------------------------------------------------


LISTS = {
    # name: (path, the view module whose PER_PAGE is read, the list offers the open data)
    "projects": ("/projects/", project_views, True),
    "results": ("/results/", result_views, True),
    "needs": ("/needs/", need_views, False),
}


def _projects():
    item = CatalogueItemFactory()  # one published catalogue version for all
    for n in range(3):
        ProjectFactory(published=True, title=f"封顶项目居家养老服务{n}", items=[item])


def _results():
    """One award through the services and two more rows (the award row only:
    the list reads the award, its project and the winner's name)."""
    officer = UserFactory(username="e2e-cap-officer", full_name="王采购", roles=("procurement_officer",))
    item = CatalogueItemFactory()  # one published catalogue version for all
    project = ProjectFactory(
        closed=True,
        created_by=officer,
        title="封顶结果儿童课后托管服务0",
        items=[item],
        bidders=["100000.00", "120000.00"],
        bidders__names=["安康社工服务中心", "夕阳红志愿服务队"],
    )
    CommitteeFactory(project=project, declared=True, formed_by=officer)
    QualificationFactory.qualify_all(project, by=officer)
    ScoreSheetFactory.score_all(project)
    EvaluationReportFactory(project=project, confirmed=True)
    model = award_top(project, officer)
    for n in (1, 2):
        other = ProjectFactory(published=True, title=f"封顶结果儿童课后托管服务{n}", items=[item])
        Project.objects.filter(pk=other.pk).update(state=Project.State.AWARDED)
        when = timezone.now() - datetime.timedelta(days=n)
        Award.objects.create(
            project=other,
            bid=model.bid,
            report=model.report,
            rank=1,
            recommended_bid=model.bid,
            price=Decimal("90000.00"),
            awarded_by=officer,
            awarded_at=when,
            challenge_deadline=when + datetime.timedelta(days=9),
        )


@pytest.fixture
def capped_list(request, site, monkeypatch):
    """Three rows in the list of ``request.param``, one a page, two pages served."""
    name = request.param
    path, view_module, offers_open_data = LISTS[name]
    if name == "needs":
        make_need = request.getfixturevalue("make_need")
        for n in range(3):
            make_need("submitted", title=f"封顶需求老年助餐{n}")
    else:
        {"projects": _projects, "results": _results}[name]()
    monkeypatch.setattr(paging, "MAX_PAGES", CAP)
    monkeypatch.setattr(view_module, "PER_PAGE", 1)
    return name, path, offers_open_data


def _notice(name, offers_open_data, *, beyond):
    first = (
        "The list shows its first %(pages)s pages; this is the last of them."
        if beyond
        else "The list shows its first %(pages)s pages."
    )
    rest = (
        zh(
            "Narrow it with the search and the filters above, or download everything as "
            '<a href="%(open_data_url)s">open data</a>.',
            open_data_url="/ocds/",
        )
        if offers_open_data
        else zh("Narrow it with the filters above.")
    )
    return f"{plain(zh(first, pages=CAP))} {plain(rest)}"


def _rows(page):
    return page.locator("main table tbody tr")


@pytest.mark.parametrize("capped_list", list(LISTS), indirect=True)
def test_a_long_list_says_it_shows_its_first_pages(new_context, audit, capped_list):
    name, path, offers_open_data = capped_list
    last_page = zh("Page %(number)s of %(total)s", number=CAP, total=CAP)
    for viewport_name, viewport in VIEWPORTS:
        page = new_context(viewport=viewport).new_page()

        # A page far beyond the cap: the last served page, and why.
        page.goto(f"{path}?page=999")
        notice = page.locator("main .list-cap")
        assert notice.count() == 1
        assert text_of(notice) == _notice(name, offers_open_data, beyond=True)
        assert _rows(page).count() == 1
        assert text_of(page.locator("nav.pagination [aria-current=page]")) == last_page
        assert page.locator("nav.pagination a[rel=next]").count() == 0
        open_data = notice.locator('a[href="/ocds/"]')
        assert open_data.count() == (1 if offers_open_data else 0)
        looked_at(page, audit, f"{path}?page=999", viewport_name, viewport, f"{name}_beyond")

        # Back to the first page: no notice, a link to the next.
        with page.expect_navigation():
            page.locator("nav.pagination a[rel=prev]").click()
        assert re.search(r"[?&]page=1$", page.url), page.url
        assert page.locator("main .list-cap").count() == 0
        assert _rows(page).count() == 1
        looked_at(page, audit, f"{path}?page=1", viewport_name, viewport)

        # The next page is the last served: it says so, without "beyond".
        with page.expect_navigation():
            page.locator("nav.pagination a[rel=next]").click()
        assert re.search(r"[?&]page=2$", page.url), page.url
        assert text_of(page.locator("main .list-cap")) == _notice(name, offers_open_data, beyond=False)
        assert text_of(page.locator("nav.pagination [aria-current=page]")) == last_page
        assert page.locator("nav.pagination a[rel=next]").count() == 0
        looked_at(page, audit, f"{path}?page={CAP}", viewport_name, viewport, f"{name}_cap")

        if offers_open_data and viewport is PHONE:
            with page.expect_navigation():
                page.locator('main .list-cap a[href="/ocds/"]').click()
            assert page.locator("h1").inner_text().strip() == zh("Open data (OCDS)")
    audit.assert_clean()


# --- the bid receipt's two times ---------------------------------------------------------------


@pytest.fixture
def receipt(site):
    """A bid submitted through the service, its request arrived two seconds
    before the version was recorded."""
    project = ProjectFactory(published=True, title="和平社区助餐配送服务")
    organization = OrganizationFactory(approved=True, name="阳光社工服务中心", community=project.communities.first())
    bid = BidFactory(project=project, organization=organization)
    arrived = timezone.now() - datetime.timedelta(seconds=2)
    version = bid_services.submit_bid(bid, by=organization.created_by, received_at=arrived)
    return organization, project, version


def _shown(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S.%f")


def test_the_receipt_shows_when_the_bid_arrived_and_when_it_was_recorded(new_context, sign_in, audit, receipt):
    organization, project, version = receipt
    received, recorded = _shown(version.received_at), _shown(version.submitted_at)
    assert received != recorded
    for viewport_name, viewport in VIEWPORTS:
        page = sign_in(new_context(viewport=viewport), organization.created_by).new_page()
        page.goto(reverse("orgs:receipt", args=[organization.pk, project.ref, version.number]))
        facts = page.locator("main dl.receipt-facts")

        def fact(label, facts=facts):
            term = facts.locator("dt").filter(has_text=re.compile(rf"^\s*{re.escape(zh(label))}\s*$"))
            assert term.count() == 1, label
            return text_of(term.locator("xpath=following-sibling::dd[1]"))

        arrived = fact("Received (server time)")
        assert arrived.startswith(f"{received} {zh('Beijing time')}"), arrived
        assert zh("when your request reached the platform: the time the deadline is counted from") in arrived
        assert fact("Recorded (server time)") == f"{recorded} {zh('Beijing time')}"
        canonical = page.locator("pre.canonical").inner_text()
        assert '"format":"sfq-bid/2"' in canonical
        assert timezone.localtime(version.received_at).isoformat(timespec="microseconds") in canonical
        looked_at(page, audit, "/org/<pk>/bids/<ref>/receipt/<n>/", viewport_name, viewport, "receipt")
    audit.assert_clean()


# --- /ocds/: the change feed's cursor ------------------------------------------------------------


CHANGE_FEED = (
    'A release package of the releases dated strictly after <span class="code">since</span> (an ISO 8601 '
    "date or date and time; without an offset it is Beijing time), ordered by date then id, %(size)s a page; "
    '<span class="code">links.next</span> gives the next page (its <span class="code">after</span> is the '
    "last release's date and id); status 204 when there is nothing more. A bad "
    '<span class="code">since</span> or <span class="code">after</span> is answered with status 400 and a '
    "JSON error."
)


def test_the_open_data_page_describes_the_change_feed(new_context, audit, site):
    ProjectFactory(published=True, title="和平社区助餐配送服务")  # the page's example links
    described = plain(zh(CHANGE_FEED, size=settings.OCDS_PAGE_SIZE))
    assert "after" in described
    for viewport_name, viewport in VIEWPORTS:
        page = new_context(viewport=viewport).new_page()
        page.goto("/ocds/")
        assert page.locator("h1").inner_text().strip() == zh("Open data (OCDS)")
        row = page.locator("main tbody tr").filter(has=page.locator(f'a[href="{reverse("ocds:changes")}"]'))
        assert row.count() == 1
        assert text_of(row.locator("td")) == described
        looked_at(page, audit, "/ocds/", viewport_name, viewport, "ocds")
    audit.assert_clean()


# --- /audit/: the lanes --------------------------------------------------------------------------


LANES = (
    "So that unrelated steps never wait for one another, the log is kept as several such chains side by "
    "side (lanes), and each step is appended to one of them. A head published since then names every "
    "lane's newest event, hash and number of events; the hash shown below is made over that list, so it "
    "still stands for the whole history."
)


@pytest.fixture
def head(site, tmp_path):
    with transaction.atomic():
        for n in range(3):
            record_event("need.submit", object_type="marketplace.need", object_id=str(n), to_state="submitted")
    publication, _path, _created = publish_head(directory=tmp_path)
    return publication


def test_the_audit_page_explains_the_lanes(new_context, audit, head):
    assert zh(LANES) != LANES  # translated
    for viewport_name, viewport in VIEWPORTS:
        page = new_context(viewport=viewport).new_page()
        page.goto("/audit/")
        paragraphs = [" ".join(p.split()) for p in page.locator("main > p").all_inner_texts()]
        assert " ".join(zh(LANES).split()) in paragraphs
        assert head.last_hash in page.locator("main table").inner_text()
        looked_at(page, audit, "/audit/", viewport_name, viewport, "audit")
    audit.assert_clean()
