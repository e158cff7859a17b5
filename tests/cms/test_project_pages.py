"""The public side of purchase projects: the call announcement pages
(/projects/<ref>/), the list (/projects/), the opening record, PDFs and
documents."""

import datetime
import json
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms.models import CallAnnouncementPage, OpeningRecordPage, Section, SectionPage
from marketplace.core import events
from marketplace.models import Community, OpeningRecord, Project
from marketplace.procurement.services import projects as project_services
from tests.org_fixtures import pdf_bytes
from tests.project_fixtures import intention_public, open_now, submit_bid

SMALL = Decimal("20000.00")


def _get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode() if status == 200 else response


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _pdf_text(body):
    assert body.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        return body.decode("latin-1")
    result = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True, timeout=60)
    return result.stdout.decode()


# --- publication ------------------------------------------------------------------------


@pytest.mark.django_db
def test_publication_creates_one_live_call_page_and_changes_publish_revisions(make_project, officer, bidder, org_admin):
    # No ``site`` fixture: the receiver creates the projects section if it is missing.
    project = make_project("published")
    section = SectionPage.objects.get(section=Section.PROJECTS)
    pages = CallAnnouncementPage.objects.filter(project=project)
    assert pages.count() == 1
    page = pages.get()
    assert page.live and page.title == project.title and page.slug == project.ref.lower()
    assert page.get_parent().pk == section.pk
    assert page.url == f"/projects/{project.ref.lower()}/"

    events.call_published.send(sender=Project, project=project)  # a second event does not duplicate
    assert CallAnnouncementPage.objects.filter(project=project).count() == 1
    assert not OpeningRecordPage.objects.exists()

    before = page.last_published_at
    clarification = project_services.ask_question(project, organization=bidder, by=org_admin, question="可否联合投标？")
    project_services.answer_question(clarification, by=officer, answer="不接受联合体投标。")
    page.refresh_from_db()
    assert page.last_published_at > before
    assert CallAnnouncementPage.objects.filter(project=project).count() == 1


@pytest.mark.django_db
def test_editors_see_the_pages_in_the_wagtail_admin(client, make_user, make_project, bidder, org_admin):
    project = make_project("published", method_code="consultation", days=15)
    version = submit_bid(project, bidder, org_admin)
    page = CallAnnouncementPage.objects.get(project=project)
    client.force_login(make_user(is_superuser=True, is_staff=True, verified_at=timezone.now()))
    preview = f"/admin/pages/{page.pk}/edit/preview/"
    intro = json.dumps(
        {
            "blocks": [{"key": "a", "type": "unstyled", "depth": 0, "text": "编辑导语", "inlineStyleRanges": []}],
            "entityMap": {},
        }
    )
    empty = json.dumps({"blocks": [], "entityMap": {}})
    response = client.post(preview, {"title": page.title, "slug": page.slug, "intro": intro, "intro_en": empty})
    assert response.json()["is_valid"], response.content
    for url in (f"/admin/pages/{page.get_parent().pk}/", f"/admin/pages/{page.pk}/edit/", f"{preview}?mode="):
        html = _get(client, url)
        assert bidder.name not in html and version.digest not in html  # sealed, even for a superuser
    html = _get(client, f"{preview}?mode=")  # the preview renders the live call page with the edited intro
    assert project.ref in html and "编辑导语" in html


@pytest.mark.django_db
def test_call_page_shows_the_call_and_anonymous_answers(client, site, make_project, officer, bidder, org_admin):
    project = make_project("published")
    asked = project_services.ask_question(project, organization=bidder, by=org_admin, question="服务对象有多少人？")
    project_services.answer_question(asked, by=officer, answer="约120名独居老人。")
    project_services.ask_question(project, organization=bidder, by=org_admin, question="尚未回答的问题")
    project_services.issue_addendum(project, by=officer, text="补充：服务时间为工作日。")

    html = _get(client, f"/projects/{project.ref}/")
    for fact in (
        project.title,
        project.ref,
        "东城街道办事处",  # purchaser
        "公开招标",  # method
        "A0101",  # catalogue item
        "和平社区",  # community served
        "¥150,000.00",
        "测试准入标准",  # entry standard
        "服务方案",  # rubric criterion
        "方案完整、可行，贴合社区需求",
        "为社区60岁以上独居老人提供助洁、助浴、助餐上门服务。",  # call text
        "服务团队至少2名持证社工。",  # requirements
        "补充：服务时间为工作日。",  # the addendum
        "服务对象有多少人？",
        "约120名独居老人。",
        f"{project.ref}/pdf/",
        "购买项目",  # the section, in Chinese
        "UTC+0800",
    ):
        assert fact in html, fact
    assert "尚未回答的问题" not in html
    for secret in (bidder.name, org_admin.username, org_admin.email):
        assert secret not in html
    assert "/opening/" not in html  # not opened yet

    _english(client)
    html = _get(client, f"/projects/{project.ref.lower()}/")  # any case
    assert "Question 1" in html and "Addendum 1" in html and "Approved on the platform" in html
    assert bidder.name not in html


@pytest.mark.django_db
def test_cancelled_call_shows_the_reason(client, site, make_project, officer):
    project = make_project("published")
    project_services.cancel_project(project, by=officer, reason="预算调整，暂停采购。")
    html = _get(client, f"/projects/{project.ref}/")
    assert "预算调整，暂停采购。" in html and "status-cancelled" in html


@pytest.mark.django_db
def test_drafts_and_pending_projects_are_not_public(client, site, make_project, officer):
    draft = make_project("draft", title="草稿项目甲", budget=SMALL)
    pending = make_project("pending_approval", title="待审批项目乙", budget=SMALL)
    client.force_login(officer)  # not even their officers see them on the public site
    for project in (draft, pending):
        for suffix in ("", "pdf/", "opening/", "opening/pdf/", "documents/1/"):
            _get(client, f"/projects/{project.ref}/{suffix}", status=404)
    _get(client, "/projects/NO-SUCH-REF/", status=404)
    html = _get(client, "/projects/")
    for project in (draft, pending):
        assert project.title not in html and project.ref not in html
    assert not CallAnnouncementPage.objects.exists()


@pytest.mark.django_db
def test_filters_and_search(client, site, make_project, published, community, officer):
    other = Community.objects.create(district=community.district, street="西城街道", code="T01-02", name="光明社区")
    children_item = published.items.get(code="B0101")
    tender = make_project("published", title="居家养老公开招标", budget=SMALL)
    consult = make_project(
        "published",
        title="课后托管竞争性磋商",
        method_code="consultation",
        days=15,
        items=[children_item],
        communities=[other],
        budget=SMALL,
    )
    cancelled = make_project("published", title="已取消的项目", budget=SMALL)
    project_services.cancel_project(cancelled, by=officer, reason="需求变化")

    def titles(query):
        html = _get(client, f"/projects/?{query}")
        return {p.title for p in (tender, consult, cancelled) if p.title in html}

    assert titles("") == {tender.title, consult.title}  # the open calls by default (issue 14)
    assert titles("state=all") == {tender.title, consult.title, cancelled.title}
    assert titles("method=consultation") == {consult.title}
    assert titles(f"community={other.pk}") == {consult.title}
    assert titles("category=B") == {consult.title}
    assert titles("category=A") == {tender.title}
    assert titles("category=A&state=all") == {tender.title, cancelled.title}
    assert titles("state=cancelled") == {cancelled.title}
    assert titles("state=published") == {tender.title, consult.title}
    assert titles("q=课后") == {consult.title}
    assert titles(f"q={consult.ref.lower()}") == {consult.title}
    assert titles("state=draft") == {tender.title, consult.title}  # not a public state: ignored (the default)
    html = _get(client, "/projects/?method=consultation")
    assert "¥20,000.00" in html and "status-published" in html
    assert 'href="/projects/"' in _get(client, "/")  # the home page leads to the list


@pytest.mark.django_db
def test_index_queries_do_not_grow_with_rows(client, site, make_project):
    make_project("published", budget=SMALL)
    make_project("published", budget=SMALL)
    client.get("/projects/")  # warm up (site, sessions)
    with CaptureQueriesContext(connection) as few:
        _get(client, "/projects/")
    for _ in range(3):
        make_project("published", budget=SMALL)
    with CaptureQueriesContext(connection) as more:
        html = _get(client, "/projects/")
    assert html.count('<tr>\n          <th scope="row"') == 5
    assert len(more) == len(few)


# --- bids, the opening and its record ---------------------------------------------------------


@pytest.mark.django_db
def test_opening_record_appears_only_after_the_opening(client, site, make_project, bidder, org_admin):
    project = make_project("published", method_code="consultation", days=15)
    version = submit_bid(project, bidder, org_admin)

    html = _get(client, f"/projects/{project.ref}/")
    assert bidder.name not in html and version.digest not in html
    assert "/opening/" not in html
    _get(client, f"/projects/{project.ref}/opening/", status=404)
    _get(client, f"/projects/{project.ref}/opening/pdf/", status=404)
    assert not OpeningRecordPage.objects.exists()

    open_now(project)
    page = OpeningRecordPage.objects.get(project=project)
    assert page.live and page.slug == "opening"
    assert page.get_parent().specific.project_id == project.pk
    html = _get(client, f"/projects/{project.ref}/opening/")
    record = OpeningRecord.objects.get(project=project)
    assert [entry["digest"] for entry in record.entries] == [version.digest]
    assert version.digest in html and bidder.name in html and "¥120,000.00" in html
    assert "status-failed" in html  # one valid bid, two needed
    call = _get(client, f"/projects/{project.ref}/")
    assert f"{project.ref}/opening/" in call


@pytest.mark.django_db
def test_lazy_opening_on_the_first_request_after_the_deadline(client, site, make_project, bidder, org_admin):
    project = make_project("published", method_code="consultation", days=15)
    version = submit_bid(project, bidder, org_admin)
    # The deadline passes; no scheduled task runs.
    Project.objects.filter(pk=project.pk).update(deadline=timezone.now() - datetime.timedelta(minutes=1))

    html = _get(client, f"/projects/{project.ref}/")
    project.refresh_from_db()
    assert project.opened_at is not None and project.state == Project.State.FAILED
    assert OpeningRecordPage.objects.filter(project=project, live=True).exists()
    assert f"{project.ref}/opening/" in html and "status-failed" in html
    assert version.digest in _get(client, f"/projects/{project.ref}/opening/")


# --- PDFs and documents --------------------------------------------------------------------------


@pytest.mark.django_db
def test_call_pdf(client, site, make_project, officer, bidder, org_admin):
    project = make_project("published")
    response = client.get(f"/projects/{project.ref}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{project.ref}.pdf"'
    text = _pdf_text(response.content)
    assert project.ref in text
    if shutil.which("pdftotext"):
        assert "和平社区居家养老上门服务" in text  # the CJK font is embedded

    from django.core.cache import cache

    from marketplace.procurement import pdfs as project_pdfs

    assert cache.get(project_pdfs.cache_key("call", project)) == response.content
    asked = project_services.ask_question(project, organization=bidder, by=org_admin, question="问")
    project_services.answer_question(asked, by=officer, answer="答")
    assert cache.get(project_pdfs.cache_key("call", project)) is None  # a new answer, a new PDF


@pytest.mark.django_db
def test_opening_pdf(client, site, make_project, bidder, org_admin):
    project = make_project("published", method_code="consultation", days=15)
    version = submit_bid(project, bidder, org_admin)
    open_now(project)
    response = client.get(f"/projects/{project.ref}/opening/pdf/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="{project.ref}-opening.pdf"'
    text = _pdf_text(response.content)
    assert project.ref in text
    if shutil.which("pdftotext"):
        assert version.digest in text.replace("\n", "").replace(" ", "")


@pytest.mark.django_db
def test_documents_download_only_once_the_call_is_public(client, site, make_project, officer, second_officer):
    project = make_project("draft")
    content = pdf_bytes("招标文件")
    document = project_services.upload_project_document(
        project,
        by=officer,
        file=SimpleUploadedFile("招标文件.pdf", content, "application/pdf"),
        kind="call",
        title="招标文件正文",
    )
    url = f"/projects/{project.ref}/documents/{document.pk}/"
    _get(client, url, status=404)
    project = intention_public(project, by=officer)
    project = project_services.submit_for_approval(project, by=officer)
    _get(client, url, status=404)
    project_services.approve_project(project, by=second_officer)

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content
    assert "招标文件正文" in _get(client, f"/projects/{project.ref}/")
    _get(client, f"/projects/{project.ref}/documents/{document.pk + 1000}/", status=404)
