"""The site's own error pages (issue 14, item 11): 404 and 403 in the
visitor's language with a way home and a search, also with DEBUG on; the
technical 404 only when asked for; a 500 page that needs no database and no
context processor; Wagtail's admin and /healthz left alone."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory, override_settings
from django.urls import reverse

from marketplace.core.error_pages import wants_site_page

TEMPLATES_DIR = Path(django_settings.BASE_DIR) / "templates"
TECHNICAL = "DEBUG = True"  # Django's technical pages say "because you have DEBUG = True"

# Http404 raised by a view (Wagtail's page tree), and an address that matches no route.
MISSING = ["/no-such-page/", "/no-such-page.html"]


@pytest.fixture
def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _projects_url(site):
    from cms.models import Section, SectionPage

    return SectionPage.objects.get(section=Section.PROJECTS).url


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", MISSING)
def test_404_in_chinese_by_default(client, settings, site, debug, path):
    settings.DEBUG = debug
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert TECHNICAL not in html and "URLconf" not in html
    assert 'lang="zh-Hans"' in html
    assert "页面不存在" in html and "返回首页" in html
    # A way home, the sections, and a search of the purchase projects.
    assert '<a href="/">' in html
    assert f'action="{_projects_url(site)}"' in html and 'name="q"' in html and 'role="search"' in html
    assert 'class="site-header"' in html  # the site's own page, with its header and navigation


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", MISSING)
def test_404_in_english_with_the_language_cookie(english, settings, site, debug, path):
    settings.DEBUG = debug
    response = english.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert TECHNICAL not in html
    assert 'lang="en"' in html
    assert "Page not found" in html and "Back to the home page" in html
    assert "页面不存在" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", MISSING)
def test_developers_still_get_the_technical_404_when_they_ask(client, settings, site, path):
    settings.DEBUG = True
    response = client.get(path, {"debug": "1"})
    assert response.status_code == 404 and TECHNICAL in response.content.decode()
    settings.DEBUG_TECHNICAL_404 = True
    response = client.get(path)
    assert response.status_code == 404 and TECHNICAL in response.content.decode()


@pytest.mark.django_db
def test_a_missing_address_without_slash_is_still_redirected(client, settings, site):
    """APPEND_SLASH keeps working: /no-such-page goes to /no-such-page/ first."""
    settings.DEBUG = True
    response = client.get("/no-such-page")
    assert response.status_code == 301 and response["Location"] == "/no-such-page/"


def test_admin_health_and_files_keep_their_own_answers(settings):
    settings.DEBUG = True
    factory = RequestFactory()
    assert wants_site_page(factory.get("/no-such-page/"))
    for path in [
        "/admin/pages/999999/edit/",
        "/admin/no-such/",
        "/healthz",
        "/static/css/none.css",
        "/media/images/x.png",
    ]:
        assert not wants_site_page(factory.get(path)), path
    assert not wants_site_page(factory.get("/no-such-page/", HTTP_ACCEPT="application/json"))
    settings.DEBUG = False
    assert not wants_site_page(factory.get("/no-such-page/"))  # Django's handler404 does it


@pytest.mark.django_db
def test_healthz_still_answers_json_with_debug_on(client, settings):
    settings.DEBUG = True
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] in ("ok", "unavailable")


@pytest.mark.django_db
def test_wagtail_admin_keeps_its_own_404(client, settings, make_user):
    settings.DEBUG = True
    admin = make_user("platform_admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    response = client.get("/admin/pages/999999/edit/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="site-header"' not in html  # not the public site's page
    assert TECHNICAL not in html


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "无权访问"), ("en", "Not allowed")])
def test_403_page_for_a_refused_page(client, site, make_user, community, language, expected):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(make_user("organization_member", community=community))
    response = client.get(reverse("orgreview:queue"))  # officers only: PermissionDenied
    assert response.status_code == 403
    html = response.content.decode()
    assert expected in html and 'class="site-header"' in html
    assert '<a href="/">' in html and 'name="q"' in html


@pytest.mark.django_db
@pytest.mark.urls("tests.cms.error_page_urls")
def test_403_page_with_debug_on(client, settings, site):
    settings.DEBUG = True
    response = client.get("/_test/refused/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问" in html and TECHNICAL not in html


@pytest.mark.urls("tests.cms.error_page_urls")
def test_500_page_needs_no_database_and_no_context_processor(client):
    """No django_db mark: any database query here fails the test. A context
    processor that fails does not stop the page either."""
    templates = [dict(django_settings.TEMPLATES[0])]
    templates[0]["OPTIONS"] = {
        **templates[0]["OPTIONS"],
        "context_processors": [
            *templates[0]["OPTIONS"]["context_processors"],
            "tests.cms.error_page_urls.broken_context_processor",
        ],
    }
    client.raise_request_exception = False
    with override_settings(TEMPLATES=templates):
        response = client.get("/_test/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务暂时不可用" in html and "Service unavailable" in html
    assert 'lang="zh-Hans"' in html and 'lang="en"' in html
    assert '<a href="/">返回首页</a>' in html and '<a href="/">Back to the home page</a>' in html


def test_500_template_is_standalone():
    source = (TEMPLATES_DIR / "500.html").read_text(encoding="utf-8")
    assert "{%" not in source and "{{" not in source  # no tags: no base, no context, no database
    assert 'href="/static/css/site.css"' in source
