"""Issue 12, finding 6: nobody can take the statutory announcements offline
through the admin (unpublish, delete, move, copy, bulk actions, expiry,
privacy), an editor's correction goes through a second person, and every
publish and unpublish is an audit event."""

import json

import pytest
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction, TaskState, WorkflowState

from cms.models import CallAnnouncementPage, OpeningRecordPage, Section, SectionPage
from cms.receivers import ensure_call_page, ensure_opening_page
from marketplace.models import AuditEvent, Project, User
from tests.project_fixtures import bare_project


def login(client, user):
    """Signs ``user`` in; a session that needs a second factor is marked as
    verified by ``tests.conftest.verify_otp_session`` once the project has one."""
    client.force_login(user)
    from tests import conftest

    verify = getattr(conftest, "verify_otp_session", None)
    if verify is not None:
        verify(client, user)


def refused(response):
    return response.status_code in (403, 404) or (response.status_code == 302 and response["Location"] == "/admin/")


@pytest.fixture
def pages(site, officer):
    project = bare_project(officer, ref="SFQ-2026-0001", title="和平社区居家养老上门服务")
    # Published (the state the call page is made in); a plain update, as a fixture.
    Project.objects.filter(pk=project.pk).update(state="published", published_at=timezone.now())
    project.refresh_from_db()
    call = ensure_call_page(project)
    opening = ensure_opening_page(project)
    section = SectionPage.objects.get(section=Section.PROJECTS)
    return {"home": site, "section": section, "call": call, "opening": opening}


@pytest.fixture
def boss(db):
    return User.objects.create_superuser("boss", "boss@example.test", "boss-pass-2026")


@pytest.fixture(params=["editor", "platform_admin", "superuser"])
def actor(request, make_user, boss):
    if request.param == "superuser":
        return boss
    return make_user(request.param, username=f"a-{request.param}")


def all_live(pages):
    return all(Page.objects.get(pk=page.pk).live for page in pages.values())


def public_pages_answer(client):
    client.logout()
    urls = ("/projects/", "/projects/sfq-2026-0001/")  # the opening record's page: ``all_live``
    return [client.get(url).status_code for url in urls]


@pytest.mark.django_db
def test_nobody_unpublishes_the_projects_section(client, pages, actor):
    login(client, actor)
    section = pages["section"]
    client.get(f"/admin/pages/{section.pk}/unpublish/")
    response = client.post(f"/admin/pages/{section.pk}/unpublish/", {"include_descendants": "on"})
    assert refused(response)
    for page in ("call", "opening", "home"):
        response = client.post(f"/admin/pages/{pages[page].pk}/unpublish/", {"include_descendants": "on"})
        assert refused(response)
    assert all_live(pages)
    assert public_pages_answer(client) == [200, 200]


@pytest.mark.django_db
def test_nobody_deletes_moves_or_copies_a_statutory_page(client, pages, actor):
    login(client, actor)
    results = pages["section"].get_siblings().exclude(pk=pages["section"].pk).first()
    for page in ("section", "call", "opening"):
        pk = pages[page].pk
        assert refused(client.post(f"/admin/pages/{pk}/delete/")), page
        assert refused(client.post(f"/admin/pages/{pk}/move/{results.pk}/confirm/")), page
        assert refused(client.post(f"/admin/pages/{pk}/move/", {"new_parent_page": results.pk})), page
        assert refused(
            client.post(
                f"/admin/pages/{pk}/copy/",
                {"new_title": "copy", "new_slug": f"copy-{page}", "new_parent_page": pages["home"].pk},
            )
        ), page
        assert refused(client.post(f"/admin/pages/{pk}/privacy/", {"restriction_type": "login"})), page
    assert not PageViewRestriction.objects.exists()
    assert Page.objects.filter(pk=pages["opening"].pk).exists()
    assert Page.objects.get(pk=pages["call"].pk).get_parent().pk == pages["section"].pk
    assert CallAnnouncementPage.objects.count() == 1
    assert all_live(pages)
    assert public_pages_answer(client) == [200, 200]


@pytest.mark.django_db
def test_bulk_page_actions_refuse_statutory_pages(client, pages, actor):
    login(client, actor)
    ids = f"id={pages['section'].pk}&id={pages['call'].pk}&id={pages['opening'].pk}"
    results = SectionPage.objects.get(section=Section.RESULTS)
    client.post(f"/admin/bulk/wagtailcore/page/unpublish/?{ids}", {"include_descendants": "on"})
    client.post(f"/admin/bulk/wagtailcore/page/delete/?{ids}")
    client.post(f"/admin/bulk/wagtailcore/page/move/?{ids}", {"chooser": results.pk})
    client.post(f"/admin/bulk/wagtailcore/page/unpublish/?id=all&childOf={pages['home'].pk}")
    assert all_live(pages)
    assert OpeningRecordPage.objects.filter(pk=pages["opening"].pk).exists()
    assert Page.objects.get(pk=pages["call"].pk).get_parent().pk == pages["section"].pk
    assert public_pages_answer(client) == [200, 200]


@pytest.mark.django_db
def test_the_buttons_are_not_offered(client, pages, boss):
    login(client, boss)
    section = pages["section"]
    body = client.get(f"/admin/pages/{section.pk}/edit/").content.decode()
    assert f"/admin/pages/{section.pk}/unpublish/" not in body
    assert f"/admin/pages/{section.pk}/delete/" not in body
    assert f"/admin/pages/{section.pk}/move/" not in body
    assert 'name="expire_at"' not in body


def _intro(text):
    return json.dumps(
        {
            "blocks": [
                {
                    "key": "a1b2c",
                    "type": "unstyled",
                    "depth": 0,
                    "text": text,
                    "inlineStyleRanges": [],
                    "entityRanges": [],
                }
            ],
            "entityMap": {},
        }
    )


def _edit(client, section, text, action):
    return client.post(
        f"/admin/pages/{section.pk}/edit/",
        {
            "title": section.title,
            "slug": section.slug,
            "section": section.section,
            "intro": _intro(text),
            "intro_en": _intro(""),
            action: "on",
        },
    )


@pytest.mark.django_db
def test_editor_cannot_publish_a_change_directly(client, pages, make_user):
    editor = make_user("editor", username="ed1")
    login(client, editor)
    section = pages["section"]
    _edit(client, section, "一人改动", "action-publish")
    section.refresh_from_db()
    assert "一人改动" not in section.intro  # at most a draft
    client.logout()
    assert "一人改动" not in client.get("/projects/").content.decode()


@pytest.mark.django_db
def test_an_editors_correction_needs_a_second_person_and_is_audited(client, pages, make_user):
    editor = make_user("editor", username="ed1")
    second = make_user("editor", username="ed2")
    section = pages["section"]

    login(client, editor)
    response = _edit(client, section, "更正后的介绍", "action-submit")
    assert response.status_code == 302
    state = WorkflowState.objects.get(object_id=str(section.pk), status=WorkflowState.STATUS_IN_PROGRESS)
    task_state = state.current_task_state
    approve = f"/admin/pages/workflow/action/{section.pk}/approve/{task_state.pk}/"

    # The submitter cannot approve their own change.
    client.post(approve, {"comment": ""})
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_IN_PROGRESS
    section.refresh_from_db()
    assert "更正后的介绍" not in section.intro

    login(client, second)
    response = client.post(approve, {"comment": ""})
    assert response.status_code in (200, 302)
    task_state.refresh_from_db()
    assert task_state.status == TaskState.STATUS_APPROVED
    section.refresh_from_db()
    assert "更正后的介绍" in section.intro and section.live
    client.logout()
    assert "更正后的介绍" in client.get("/projects/").content.decode()

    event = AuditEvent.objects.filter(action="page.published", object_id=str(section.pk)).latest("id")
    assert event.details["author"] == "ed1"
    assert event.details["approved_by"] == "ed2"
    assert event.actor_id == second.pk


@pytest.mark.django_db
def test_every_publish_and_unpublish_is_an_audit_event(pages):
    # The platform's own publication of the call (in the fixture) is recorded.
    assert AuditEvent.objects.filter(action="page.published", object_id=str(pages["call"].pk)).exists()
    # An unpublish by code (a management shell, a future service) is recorded as well.
    Page.objects.get(pk=pages["opening"].pk).specific.unpublish()
    assert AuditEvent.objects.filter(action="page.unpublished", object_id=str(pages["opening"].pk)).exists()


@pytest.mark.django_db
def test_moderation_workflow_is_set_up_with_the_site(site):
    from wagtail.models import WorkflowPage

    workflow = WorkflowPage.objects.get(page=site).workflow
    task = workflow.tasks.get().specific
    assert type(task).__name__ == "SecondApprovalTask"
    assert set(task.groups.values_list("name", flat=True)) == {"editor", "platform_admin"}
    section = SectionPage.objects.get(section=Section.PROJECTS)
    assert section.get_workflow() == workflow
