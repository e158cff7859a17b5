"""The cache of anonymous public pages (marketplace/core/page_cache.py,
cms/page_cache_receivers.py; issue 18): served without a query, emptied
after the commit of every public change (here the commit is played by
``django_capture_on_commit_callbacks(execute=True)``: the test's transaction
never commits), by another process, by the clock, never for a signed-in
reader."""

import datetime
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from marketplace.core import page_cache
from marketplace.models import Project
from marketplace.organizations.services import organizations as organization_services
from marketplace.procurement.services import projects as project_services
from tests.evaluation_fixtures import award_top, evaluated

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_on(settings, tmp_path):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 600
    settings.PUBLIC_PAGE_CACHE_GENERATION = "auto"  # the local-memory cache of the tests: the file
    settings.PUBLIC_PAGE_CACHE_GENERATION_FILE = tmp_path / "page-cache-generation"
    return settings


def _get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def _html(client, url):
    return _get(client, url).content.decode()


def test_second_anonymous_request_is_served_from_the_cache_without_a_query(
    client, site, make_project, django_assert_num_queries
):
    project = make_project("published")
    first = _get(client, "/projects/")
    assert first["X-Page-Cache"] == "miss" and project.ref in first.content.decode()
    other = client_class_new()
    with django_assert_num_queries(0):
        second = other.get("/projects/")
    assert second.status_code == 200 and second["X-Page-Cache"] == "hit"
    assert project.ref in second.content.decode()
    # The security headers come from the outer middlewares on every hit.
    assert "default-src 'self'" in second["Content-Security-Policy"]


def client_class_new():
    from django.test import Client

    return Client()


def test_a_hit_carries_a_fresh_csrf_token_that_works(client, site, make_project):
    make_project("published")
    _get(client, "/projects/")
    visitor = client_class_new()
    visitor_csrf = client_class_new()
    visitor_csrf.handler.enforce_csrf_checks = True
    hit = _get(visitor_csrf, "/projects/")
    assert hit["X-Page-Cache"] == "hit"
    html = hit.content.decode()
    assert "\x00" not in html
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert len(token) == 64
    # The cookie for this token is set on the hit, and the language switch accepts the pair.
    assert django_settings.CSRF_COOKIE_NAME in hit.cookies
    switched = visitor_csrf.post(
        "/i18n/setlang/", {"language": "en", "next": "/projects/", "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302
    # A visitor without that cookie gets another token (never the first visitor's).
    again = _get(visitor, "/projects/").content.decode()
    assert token not in again


def test_language_is_part_of_the_key(client, site, make_project):
    make_project("published")
    assert _get(client, "/projects/")["Content-Language"] == "zh-hans"
    english = client_class_new()
    english.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = _get(english, "/projects/")
    assert response["X-Page-Cache"] == "miss" and "Purchase" in response.content.decode()
    assert _get(english, "/projects/")["X-Page-Cache"] == "hit"
    assert "采购" in _html(client_class_new(), "/projects/")


def test_publication_shows_on_the_next_request(client, site, make_project, django_capture_on_commit_callbacks):
    _get(client, "/projects/")
    assert _get(client, "/projects/")["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        make_project("published", title="缓存之后发布的项目")
    response = _get(client, "/projects/")
    assert response["X-Page-Cache"] == "miss" and "缓存之后发布的项目" in response.content.decode()


def test_nothing_changes_until_the_commit(client, site, make_project, django_capture_on_commit_callbacks):
    """The generation is replaced after the commit, not before: a rolled back change invalidates nothing."""
    _get(client, "/projects/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_project("published")
    assert page_cache.invalidate in callbacks
    assert _get(client, "/projects/")["X-Page-Cache"] == "hit"


def test_award_shows_on_the_next_request(client, site, opened, pool, officer, django_capture_on_commit_callbacks):
    assert opened.ref not in _html(client, "/results/")
    assert _get(client, "/results/")["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        evaluated(opened, officer)
        award_top(opened, officer)
    response = _get(client, "/results/")
    assert response["X-Page-Cache"] == "miss" and opened.ref in response.content.decode()


def test_cancellation_shows_on_the_next_request(
    client, site, make_project, officer, django_capture_on_commit_callbacks
):
    project = make_project("published")
    url = f"/projects/{project.ref}/"
    assert "status-cancelled" not in _html(client, url)
    assert _get(client, url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        project_services.cancel_project(project, by=officer, reason="预算调整，暂停采购。")
    html = _html(client, url)
    assert "预算调整，暂停采购。" in html and "status-cancelled" in html


def test_a_suspended_organization_is_taken_down_at_once(
    client, site, make_org, officer_user, django_capture_on_commit_callbacks
):
    organization = make_org("approved", name="将被暂停的服务社")
    page = f"/organizations/{organization.pk}/"
    assert "将被暂停的服务社" in _html(client, page)
    assert "将被暂停的服务社" in _html(client, "/organizations/")
    assert _get(client, page)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        organization_services.suspend(organization, by=officer_user, reason="材料不实")
    _get(client, page, status=404)
    assert "将被暂停的服务社" not in _html(client, "/organizations/")


def test_an_unpublished_cms_page_is_gone_at_once(client, site, django_capture_on_commit_callbacks):
    from wagtail.models import Page

    home = Page.objects.get(depth=2).specific
    child = Page.objects.child_of(home).live().first().specific
    url = child.url
    _get(client, url)
    assert _get(client, url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        child.unpublish()
    assert client.get(url).status_code == 404


def test_a_change_committed_by_another_process_invalidates(client, site, make_project):
    """The web, worker and scheduler processes share the generation file: another
    process that replaces it (here a bare Python that imports nothing of the
    platform) makes this one's pages stale."""
    make_project("published")
    _get(client, "/projects/")
    assert _get(client, "/projects/")["X-Page-Cache"] == "hit"
    path = str(django_settings.PUBLIC_PAGE_CACHE_GENERATION_FILE)
    script = (
        f"import os, uuid; open({path!r} + '.tmp', 'w').write(uuid.uuid4().hex); "
        f"os.replace({path!r} + '.tmp', {path!r})"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert _get(client, "/projects/")["X-Page-Cache"] == "miss"


def test_with_a_shared_cache_the_generation_lives_in_the_cache(client, site, make_project, cache_on):
    cache_on.PUBLIC_PAGE_CACHE_GENERATION = "cache"
    make_project("published")
    _get(client, "/projects/")
    assert _get(client, "/projects/")["X-Page-Cache"] == "hit"
    assert not django_settings.PUBLIC_PAGE_CACHE_GENERATION_FILE.exists()
    # Another process's invalidation reaches the shared cache, not this process's state.
    from django.core.cache import cache

    cache.set(page_cache.GENERATION_KEY, "set-by-another-process", None)
    assert _get(client, "/projects/")["X-Page-Cache"] == "miss"
    # An evicted generation is drawn anew, never reset onto old entries.
    cache.delete(page_cache.GENERATION_KEY)
    assert _get(client, "/projects/")["X-Page-Cache"] == "miss"


def test_a_call_page_is_not_served_past_its_deadline(client, site, make_project):
    project = make_project("published")
    url = f"/projects/{project.ref}/"
    with time_machine.travel(project.deadline - datetime.timedelta(minutes=5), tick=False):
        _get(client, url)
        assert _get(client, url)["X-Page-Cache"] == "hit"
        assert _get(client, "/projects/")["X-Page-Cache"] == "miss"
    with time_machine.travel(project.deadline + datetime.timedelta(seconds=1), tick=False):
        assert _get(client, url)["X-Page-Cache"] == "miss"
        assert _get(client, "/projects/")["X-Page-Cache"] != "hit"


def test_entries_live_no_longer_than_the_next_deadline_or_midnight(site, make_project):
    project = make_project("published")
    now = project.deadline - datetime.timedelta(seconds=90)
    moment = page_cache.next_moment(now)
    assert moment == min(project.deadline, page_cache._next_midnight(now))
    generation = page_cache.current_generation()
    assert page_cache._lifetime(generation, now) <= 90
    # After the deadline, the opening by the first reader (deadline + grace) is the next moment.
    after = project.deadline + datetime.timedelta(seconds=1)
    grace_end = project.deadline + django_settings.BID_OPENING_GRACE
    assert page_cache.next_moment(after) == min(grace_end, page_cache._next_midnight(after))
    midnight = page_cache._next_midnight(timezone.now())
    assert timezone.localtime(midnight).time() == datetime.time(0, 0) and midnight > timezone.now()


def test_signed_in_readers_never_read_nor_fill_the_cache(client, site, make_project, officer):
    project = make_project("published")
    client.force_login(officer)
    for _ in range(2):
        response = _get(client, "/projects/")
        assert "X-Page-Cache" not in response
    anonymous = client_class_new()
    assert _get(anonymous, "/projects/")["X-Page-Cache"] == "miss"
    assert _get(anonymous, "/projects/")["X-Page-Cache"] == "hit"
    # The stored anonymous page is not served to the signed-in reader either.
    response = _get(client, f"/projects/{project.ref}/")
    assert "X-Page-Cache" not in response


def test_private_areas_are_never_cached(client, site):
    for url in ("/accounts/login/", "/healthz"):
        client.get(url)
        assert "X-Page-Cache" not in client.get(url), url


# --- the middleware's rules, one response at a time --------------------------------------


def _middleware(view_response):
    calls = []

    def get_response(request):
        calls.append(request)
        return view_response()

    return page_cache.PublicPageCacheMiddleware(get_response), calls


def _request(path="/projects/", method="get", cookies=None):
    request = getattr(RequestFactory(), method)(path)
    request.COOKIES.update(cookies or {})
    request.LANGUAGE_CODE = "zh-hans"
    return request


def _page(**headers):
    def make():
        response = HttpResponse("<p>公开页面</p>")
        for name, value in headers.items():
            response[name] = value
        return response

    return make


def test_a_response_that_sets_a_cookie_is_not_cached():
    def with_cookie():
        response = _page()()
        response.set_cookie("tracking", "1")
        return response

    middleware, calls = _middleware(with_cookie)
    middleware(_request())
    middleware(_request())
    assert len(calls) == 2


@pytest.mark.parametrize("cache_control", ["private", "no-store", "no-cache, must-revalidate", "max-age=0, private"])
def test_private_or_no_store_responses_are_not_cached(cache_control):
    middleware, calls = _middleware(_page(**{"Cache-Control": cache_control}))
    middleware(_request())
    middleware(_request())
    assert len(calls) == 2


def test_plain_public_response_is_cached_and_others_are_not():
    middleware, calls = _middleware(_page())
    middleware(_request())
    assert middleware(_request())["X-Page-Cache"] == "hit"
    assert len(calls) == 1
    # A session (signed in or not) or a messages cookie: the view runs.
    for cookie in ("sessionid", "messages"):
        middleware(_request(cookies={cookie: "x"}))
    assert len(calls) == 3
    # A POST, and another query string, are not the stored page.
    middleware(_request(method="post"))
    middleware(_request("/projects/?page=2"))
    assert len(calls) == 5


def test_error_streamed_and_attachment_responses_are_not_cached():
    from django.http import StreamingHttpResponse

    for make in (
        lambda: HttpResponse("nope", status=404),
        lambda: StreamingHttpResponse(iter([b"a"]), content_type="text/html"),
        _page(**{"Content-Disposition": 'attachment; filename="x.html"'}),
        _page(**{"Content-Type": "application/pdf"}),
        _page(Vary="Authorization"),
    ):
        middleware, calls = _middleware(make)
        middleware(_request())
        middleware(_request())
        assert len(calls) == 2


def test_a_page_showing_its_token_outside_the_form_is_not_cached():
    from django.middleware.csrf import get_token

    def leaky():
        request = calls[-1]
        return HttpResponse(f'<p data-token="{get_token(request)}"></p>')

    middleware, calls = _middleware(leaky)
    middleware(_request())
    middleware(_request())
    assert len(calls) == 2


def test_off_when_the_setting_is_zero(cache_on):
    cache_on.PUBLIC_PAGE_CACHE_SECONDS = 0
    middleware, calls = _middleware(_page())
    middleware(_request())
    middleware(_request())
    assert len(calls) == 2


def test_models_no_public_page_shows_do_not_invalidate():
    from cms.page_cache_receivers import shows_publicly
    from marketplace.models import AuditEvent, Bid, Organization, User

    assert shows_publicly(Project) and shows_publicly(Organization)
    assert not shows_publicly(Bid) and not shows_publicly(User) and not shows_publicly(AuditEvent)


def test_a_project_page_finds_its_project_by_an_exact_reference(site, make_project, django_assert_num_queries):
    """The page URL's small letters and the stored capitals both match exactly (the unique index);
    the case-insensitive match, which reads the whole table, is only the fallback."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from marketplace.procurement.selectors import projects as selectors

    project = make_project("published")
    with CaptureQueriesContext(connection) as queries:
        assert selectors.public_project(project.ref.lower()) == project
    assert len(queries) == 1 and "UPPER" not in queries[0]["sql"] and "LIKE" not in queries[0]["sql"]
    mixed = project.ref[0].lower() + project.ref[1:]
    assert selectors.public_project(mixed) == project  # any case still works (the fallback)
    assert selectors.public_project("SFQ-1999-9999") is None
