"""Journey a: a visitor finds an open call from the home page.

The start state (a published call) comes from the factories; the browser
walks only what a visitor does: the home page, then the call.
"""

import pytest

from tests.e2e.pages import CallPage, HomePage, shows, zh
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

TITLE = "和平社区独居老人探访服务"


@pytest.fixture
def open_call(site):
    return ProjectFactory(published=True, title=TITLE)


def test_a_visitor_finds_an_open_call_from_the_home_page(page, audit, open_call):
    home = HomePage(page, audit).open()
    assert zh("Public information") in home.text()

    # The home page's own list of open calls when it has one, else the
    # main navigation's projects section (the list of calls).
    links = home.call_links(open_call)
    if links.count():
        call = home.follow(links.first, CallPage)
    else:
        projects = home.to_projects()
        assert TITLE in projects.text()
        call = projects.to_call(open_call)

    assert call.heading() == TITLE
    assert open_call.ref in call.text()
    assert shows(call.text(), "Open for bids until %(deadline)s (Beijing time).")
    audit.assert_clean()


def test_the_home_page_lists_the_open_calls(page, audit, open_call):
    """The home page shows the open calls itself (the other helper's change:
    until it is merged this fails with "no link to the call on the home page")."""
    home = HomePage(page, audit).open()
    links = home.call_links(open_call)
    assert links.count(), "no link to the open call on the home page"
    assert TITLE in links.first.inner_text()
    call = home.follow(links.first, CallPage)
    assert call.heading() == TITLE
    audit.assert_clean()
