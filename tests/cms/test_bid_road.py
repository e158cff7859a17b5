"""The straight road from a public call to a bid (issue 14): the home page's
open calls, the call page's bid button (or why not) for each kind of reader,
and the public list that opens on the open calls with a count per state."""

import re
from decimal import Decimal
from html import escape as html_escape

import pytest
from django.utils import timezone, translation

from marketplace.models import EntryStandard, Project
from marketplace.organizations.services import entry_standards
from marketplace.procurement.services import projects as project_services
from tests.project_fixtures import open_now

SMALL = Decimal("20000.00")


def zh(msgid, **values):
    """The page's words in Simplified Chinese (the default language); the new
    ones are in /work/i18n/issue14_road.json until the catalogue is compiled."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    return text % values if values else text


BID_NOW = zh("Bid now")  # 我要投标
SIGN_IN_TO_BID = zh("Sign in or register to bid")  # 登录或注册后投标
CLOSED = zh("This call is closed: no bid can be submitted or changed.")
CANNOT = "%(name)s cannot bid on this call:"


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


START_FORM = re.compile(
    r'<form method="post" action="([^"]+)" class="inline-form">\s*'
    r'<input type="hidden" name="csrfmiddlewaretoken"[^>]*>\s*'
    r'<input type="hidden" name="action" value="start">'
)


def _start_forms(html):
    """The actions of the start-a-bid forms on the page."""
    return START_FORM.findall(html)


# --- the call page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_readers_are_sent_to_sign_in_and_back(client, site, make_project):
    project = make_project("published")
    html = _html(client, f"/projects/{project.ref}/")
    assert SIGN_IN_TO_BID in html
    assert f'href="/accounts/login/?next=/projects/{project.ref}/"' in html
    assert BID_NOW not in html and not _start_forms(html)
    # the call page itself links to sign-up, keeping the way back
    assert f'href="/accounts/signup/?next=/projects/{project.ref}/"' in html
    # the sign-in page offers sign-up, keeping the way back
    login = _html(client, f"/accounts/login/?next=/projects/{project.ref}/")
    assert f'href="/accounts/signup/?next=/projects/{project.ref}/"' in login
    signup = _html(client, f"/accounts/signup/?next=/projects/{project.ref}/")
    assert f'value="/projects/{project.ref}/"' in signup


@pytest.mark.django_db
def test_a_member_of_an_eligible_organization_gets_one_button_to_its_bid(client, site, make_project, bidder, org_admin):
    project = make_project("published")
    client.force_login(org_admin)
    response = client.get(f"/projects/{project.ref}/")
    html = response.content.decode()
    assert BID_NOW in html
    assert _start_forms(html) == [f"/org/{bidder.pk}/bids/{project.ref}/"]
    assert SIGN_IN_TO_BID not in html and zh(CANNOT, name=bidder.name) not in html
    assert "no-store" in response["Cache-Control"]  # it names the reader's organization

    # the button starts the draft and lands on the bid form
    started = client.post(f"/org/{bidder.pk}/bids/{project.ref}/", {"action": "start"})
    assert started.status_code == 302 and started["Location"].startswith(f"/org/{bidder.pk}/bids/{project.ref}/")
    html = _html(client, f"/projects/{project.ref}/")
    assert zh("Continue my bid") in html and not _start_forms(html)
    assert f'href="/org/{bidder.pk}/bids/{project.ref}/"' in html


@pytest.mark.django_db
def test_a_member_of_several_eligible_organizations_gets_one_button_each(
    client, site, make_project, make_org, bidder, org_admin
):
    other = make_org("approved", admin=org_admin, name="明德社工服务中心")
    project = make_project("published")
    client.force_login(org_admin)
    html = _html(client, f"/projects/{project.ref}/")
    assert sorted(_start_forms(html)) == sorted(
        [f"/org/{bidder.pk}/bids/{project.ref}/", f"/org/{other.pk}/bids/{project.ref}/"]
    )
    assert zh("Bid as %(name)s", name=bidder.name) in html and zh("Bid as %(name)s", name=other.name) in html


@pytest.mark.django_db
def test_a_member_of_an_unapproved_organization_is_sent_to_its_workspace(
    client, site, make_project, make_org, make_user
):
    member = make_user("organization_member", verified_at=timezone.now())
    organization = make_org("submitted", admin=member, name="待审核的组织")
    project = make_project("published")
    client.force_login(member)
    html = _html(client, f"/projects/{project.ref}/")
    assert not _start_forms(html) and BID_NOW not in html
    assert zh(CANNOT, name="待审核的组织") in html
    assert "本组织尚未通过审核" in html  # the entry standard's own words
    assert f'href="/org/{organization.pk}/"' in html
    assert zh("Open the organization's workspace: its record and its review") in html
    # and what to do next, in the entry standard's words
    failures = entry_standards.check(project.entry_standard, organization).failures
    for action in filter(None, (getattr(rule, "action", "") for rule in failures)):
        assert html_escape(action) in html


@pytest.mark.django_db
def test_an_organization_short_of_the_entry_standard_is_told_what_is_missing(
    client, site, make_project, bidder, org_admin
):
    strict = EntryStandard.objects.create(name="十年以上的组织", min_years_since_founding=50)
    project = make_project("published", entry_standard=strict)
    client.force_login(org_admin)
    html = _html(client, f"/projects/{project.ref}/")
    assert not _start_forms(html)
    assert zh(CANNOT, name=bidder.name) in html
    assert "要求至少 50 年" in html  # the failed rule, with its numbers
    assert zh("Add what is missing in the organization's workspace") in html and f'href="/org/{bidder.pk}/"' in html


@pytest.mark.django_db
def test_officers_and_people_without_an_organization_get_no_button(client, site, make_project, officer, make_user):
    project = make_project("published")
    client.force_login(officer)
    html = _html(client, f"/projects/{project.ref}/")
    assert not _start_forms(html) and SIGN_IN_TO_BID not in html
    assert zh("Procurement officers do not bid.") in html and f'href="/work/projects/{project.ref}/"' in html

    nobody = make_user("organization_member", verified_at=timezone.now())
    client.force_login(nobody)
    html = _html(client, f"/projects/{project.ref}/")
    assert not _start_forms(html)
    assert zh("Your account does not act for any organization, so it cannot bid yet.") in html
    assert 'href="/org/new/"' in html


@pytest.mark.django_db
def test_a_closed_call_says_so_to_everybody(client, site, make_project, bidder, org_admin, officer):
    cancelled = make_project("published", budget=SMALL)
    project_services.cancel_project(cancelled, by=officer, reason="预算调整")
    closed = make_project("published", budget=SMALL)
    open_now(closed)
    for who in (None, org_admin):
        if who is not None:
            client.force_login(who)
        for project in (cancelled, closed):
            html = _html(client, f"/projects/{project.ref}/")
            assert CLOSED in html, project.state
            assert not _start_forms(html) and SIGN_IN_TO_BID not in html


# --- the home page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_lists_the_open_calls_nearest_deadline_first(client, site, make_project, officer):
    later = make_project("published", title="三十天后截止的项目", days=30, budget=SMALL)
    sooner = make_project("published", title="廿五天后截止的项目", days=25, budget=SMALL)
    soonest = make_project("published", title="廿一天后截止的项目", days=21, budget=Decimal("12345.67"))
    cancelled = make_project("published", title="已取消的项目", days=22, budget=SMALL)
    project_services.cancel_project(cancelled, by=officer, reason="需求变化")
    # a deadline with seconds is shown with them
    exact = timezone.localtime(soonest.deadline).replace(second=30)
    Project.objects.filter(pk=soonest.pk).update(deadline=exact)

    html = _html(client, "/")
    positions = [html.index(project.title) for project in (soonest, sooner, later)]
    assert positions == sorted(positions)
    assert cancelled.title not in html
    assert "¥12,345.67" in html
    assert exact.strftime("%Y-%m-%d %H:%M:%S") in html
    assert timezone.localtime(later.deadline).strftime("%Y-%m-%d %H:%M") in html
    assert f'href="/projects/{soonest.ref}/"' in html
    assert "全部正在招标的项目 (3)" in html and 'href="/projects/"' in html


@pytest.mark.django_db
def test_home_shows_a_handful_of_calls(client, site, make_project):
    for days in range(21, 28):
        make_project("published", title=f"第{days}天截止", days=days, budget=SMALL)
    html = _html(client, "/")
    assert html.count('<li>\n      <h3><a href="/projects/') == 5
    assert "第21天截止" in html and "第27天截止" not in html
    assert "全部正在招标的项目 (7)" in html


@pytest.mark.django_db
def test_home_without_open_calls(client, site):
    html = _html(client, "/")
    assert zh("No call is open for bids now.") in html and 'href="/projects/?state=all"' in html


# --- the public list ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_projects_open_on_the_open_calls_with_a_count_per_state(client, site, make_project, officer):
    later = make_project("published", title="较晚截止的项目", days=30, budget=SMALL)
    sooner = make_project("published", title="较早截止的项目", days=22, budget=SMALL)
    cancelled = make_project("published", title="已取消的项目", budget=SMALL)
    project_services.cancel_project(cancelled, by=officer, reason="需求变化")
    opened = make_project("published", title="已开标的项目", budget=SMALL)
    open_now(opened)
    opened.refresh_from_db()

    html = _html(client, "/projects/")
    assert sooner.title in html and later.title in html
    assert html.index(sooner.title) < html.index(later.title)  # nearest deadline first
    assert cancelled.title not in html and opened.title not in html

    tabs = dict(re.findall(r'<li><a href="/projects/([^"]*)"[^>]*>([^<]+?) <span class="tab-count">', html))
    counts = dict(re.findall(r'>([^<>]+?) <span class="tab-count">(\d+)</span>', html))
    assert counts["招标中"] == "2" and counts["已取消"] == "1" and counts["全部状态"] == "4"
    with translation.override("zh-hans"):
        opened_label = str(Project.State(opened.state).label)
    assert counts[opened_label] == "1"
    assert 'href="/projects/" aria-current="page"' in html
    assert "?state=cancelled" in tabs and "?state=all" in tabs

    html = _html(client, "/projects/?state=cancelled")
    assert cancelled.title in html and sooner.title not in html
    assert 'href="/projects/?state=cancelled" aria-current="page"' in html
    html = _html(client, "/projects/?state=all")
    assert all(p.title in html for p in (later, sooner, cancelled, opened))


@pytest.mark.django_db
def test_the_tabs_keep_the_other_filters_and_the_filters_fold(client, site, make_project):
    make_project("published", title="居家养老公开招标", budget=SMALL)
    make_project("published", title="课后托管", budget=SMALL)
    html = _html(client, "/projects/")
    assert '<details class="filter-fold">' in html  # folded: the first result is near the top
    html = _html(client, "/projects/?q=养老")
    assert '<details class="filter-fold" open>' in html
    assert "居家养老公开招标" in html and "课后托管" not in html
    assert 'href="/projects/?q=%E5%85%BB%E8%80%81&amp;state=cancelled"' in html
    counts = dict(re.findall(r'>([^<>]+?) <span class="tab-count">(\d+)</span>', html))
    assert counts["招标中"] == "1" and counts["全部状态"] == "1"
    # a search inside another tab keeps the tab
    html = _html(client, "/projects/?state=all")
    assert '<input type="hidden" name="state" value="all">' in html


@pytest.mark.django_db
def test_the_open_list_works_in_english(client, site, make_project):
    from django.conf import settings

    make_project("published", budget=SMALL)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = _html(client, "/projects/")
    assert "Open for bids" in html and "All statuses" in html and "Search and filter" in html
