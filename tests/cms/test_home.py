import pytest
from django.conf import settings

from cms.models import Section, SectionPage

NAV_ZH = ["服务目录", "需求清单", "购买项目", "结果公示", "社会组织", "信息公开"]
NAV_EN = ["Service catalogue", "Community needs", "Purchase projects", "Results", "Organizations", "Disclosure"]


@pytest.mark.django_db
def test_home_page_is_chinese_by_default(client, site):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "政府购买社区社会服务平台" in html
    assert "公开 · 择优 · 以事定费" in html
    for label in NAV_ZH:
        assert label in html
    assert response["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_language_switcher_turns_the_site_english_without_url_prefix(client, site):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Community Social Services Procurement Platform" in html
    for label in NAV_EN:
        assert label in html
    assert "政府购买社区社会服务平台" not in html
    # and back
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "服务目录" in client.get("/").content.decode()


@pytest.mark.django_db
def test_every_page_has_the_switcher_and_navigation(client, site):
    for path in ["/", "/catalogue/", "/accounts/login/", "/accounts/password-reset/"]:
        html = client.get(path).content.decode()
        assert 'action="/i18n/setlang/"' in html, path
        assert 'aria-label="主导航"' in html, path
        for label in NAV_ZH:
            assert label in html, (path, label)


@pytest.mark.django_db
def test_section_pages_exist_with_their_slugs(client, site):
    urls = {p.section: p.url for p in SectionPage.objects.all()}
    assert set(urls) == set(Section.values)
    for key, url in urls.items():
        assert url == f"/{key}/"
        response = client.get(url)
        assert response.status_code == 200
        if key == "disclosure":  # the announcements (issue 17): none yet
            assert response.context["result_count"] == 0


@pytest.mark.django_db
def test_editor_intro_is_shown_in_the_chosen_language(client, site):
    site.intro = "<p>中文简介</p>"
    site.intro_en = "<p>English introduction</p>"
    site.save_revision().publish()
    assert "中文简介" in client.get("/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/").content.decode()
    assert "English introduction" in html and "中文简介" not in html


@pytest.mark.django_db
def test_unknown_page_is_a_translated_404(client, site):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_static_assets_are_local(client, site):
    html = client.get("/").content.decode()
    assert "/static/css/site.css" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org', "")
    assert "https://" not in html


@pytest.mark.django_db
def test_navigation_costs_the_same_queries_whatever_the_number_of_sections(client, site):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/")  # warm the site-root cache
    with CaptureQueriesContext(connection) as all_six:
        assert client.get("/").status_code == 200
    for page in SectionPage.objects.all()[:4]:
        page.unpublish()
    client.get("/")
    with CaptureQueriesContext(connection) as two:
        html = client.get("/").content.decode()
    assert html.count('class="card"') == 2
    assert len(two.captured_queries) == len(all_six.captured_queries)
