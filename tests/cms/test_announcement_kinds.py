"""Announcements of the procurement stage (issue 17, 1): the purchase
intention as published (a later edit of the draft does not change it), the
call, the opening, the result and a challenge decision with the officer's
neutral summary (never the challenger, its letter or the reasons addressed
to it); an editor's note; nothing is announced twice."""

import datetime

import pytest
from django.utils import timezone

from cms import announcements
from cms.models import Announcement
from marketplace.evaluation.services import awards
from marketplace.evaluation.services.awards import AwardError
from marketplace.models import Bid, Project
from marketplace.procurement.services import projects as project_services
from tests.evaluation_fixtures import award_top, evaluated

pytestmark = pytest.mark.django_db

MARKER = "私人标记-13800138000"


def test_the_intention_is_announced_as_published(
    client, site, make_project, officer, django_capture_on_commit_callbacks
):
    project = make_project("draft")
    with django_capture_on_commit_callbacks(execute=True):
        project_services.publish_intention(project, by=officer)
    row = Announcement.objects.get(kind="intention", key=project.ref)
    assert row.published_at == Project.objects.get(pk=project.pk).intention_published_at
    assert not row.late
    Project.objects.filter(pk=project.pk).update(title="改动后的标题", budget=1)
    html = client.get(f"/disclosure/a/{row.pk}/").content.decode()
    assert project.title in html and "改动后的标题" not in html
    assert "¥150,000.00" in html  # the budget as it was announced
    # The call is not public yet: the draft's own pages stay private.
    assert client.get(f"/projects/{project.ref.lower()}/").status_code == 404


def test_a_challenge_decision_is_announced_without_the_challenger(client, site, opened, pool, officer):
    evaluated(opened, officer)
    opened.refresh_from_db()
    award_top(opened, officer)
    loser = Bid.objects.select_related("organization").get(project=opened, organization__name="投标组织1")
    challenge = awards.file_challenge(loser, by=opened.admins[0], reasons=f"评分有误，联系人 {MARKER}")
    awards.answer_challenge(challenge, by=officer, answer=f"已复核。{MARKER}")
    with pytest.raises(AwardError) as refused:  # the summary is required by the service too
        awards.decide_challenge(challenge, by=officer, upheld=False, reason="理由不成立", public_summary="  ")
    assert refused.value.field == "public_summary"
    awards.decide_challenge(
        challenge, by=officer, upheld=False, reason=f"理由不成立 {MARKER}", public_summary="质疑评分细则的适用。"
    )
    announcements.publish_due()
    row = Announcement.objects.get(kind="challenge")
    assert row.facts["summary"] == "质疑评分细则的适用。" and row.facts["outcome"] == "dismissed"
    result = Announcement.objects.get(kind="result")
    assert result.facts["organization"] == "投标组织2"
    assert {"call", "opening", "result", "challenge"} <= set(Announcement.objects.values_list("kind", flat=True))
    # Published by this module, never before its decision.
    challenge.refresh_from_db()
    assert row.published_at >= challenge.decided_at
    pages = [client.get(f"/disclosure/a/{r.pk}/").content.decode() for r in Announcement.objects.all()]
    pages.append(client.get("/disclosure/").content.decode())
    pages.append(client.get("/disclosure/feed/").content.decode())
    for html in pages:
        assert MARKER not in html and "投标组织1" not in html
        assert opened.admins[0].username not in html


def test_an_editors_note_shows_and_the_facts_cannot_be_edited(client, site, make_project, officer, make_user):
    project = make_project("published")
    announcements.publish_due()
    row = Announcement.objects.get(kind="call", key=project.ref)
    editor = make_user("editor", username="editor1")
    client.force_login(editor)
    edit = f"/admin/announcements/edit/{row.pk}/"
    page = client.get(edit)
    assert page.status_code == 200
    form = page.context["form"]
    assert list(form.fields) == ["note"]
    # A note is public: contact details are refused, and nothing is saved.
    refused = client.post(edit, {"note": "如有疑问请联系张三，电话 13812345678"})
    assert refused.status_code == 200 and "note" in refused.context["form"].errors
    row.refresh_from_db()
    assert row.note == ""
    # Ordinary announcement text is not taken for contact details.
    plain = "合同 HT-2026-0008 金额 150000.00 元，统一社会信用代码 914403001922038216，2026-12-07 签订。"
    assert client.post(edit, {"note": plain}).status_code == 302
    row.refresh_from_db()
    assert row.note == plain
    response = client.post(edit, {"note": "本公告的采购文件另见附件。", "title": "篡改的标题"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.note == "本公告的采购文件另见附件。" and row.title == project.title
    assert "本公告的采购文件另见附件。" in client.get(f"/disclosure/a/{row.pk}/").content.decode()
    # Nobody adds or deletes an announcement, superusers included.
    for path in ("/admin/announcements/new/", f"/admin/announcements/delete/{row.pk}/"):
        assert client.get(path).status_code == 302
    assert Announcement.objects.filter(pk=row.pk).exists()


def test_publishing_twice_at_once_writes_each_once(make_project):
    project = make_project("published")
    first = announcements.publish_due(project.ref)
    assert first >= 2  # the intention and the call
    assert announcements.publish_due(project.ref, now=timezone.now()) == 0
    assert Announcement.objects.filter(project_ref=project.ref).count() == first


def test_officers_see_late_announcements_on_their_to_do_page(client, site, make_project, officer):
    project = make_project("published")
    announcements.publish_due()
    row = Announcement.objects.get(kind="call", key=project.ref)
    client.force_login(officer)
    page = client.get("/work/").content.decode()
    assert "/work/disclosure/" in page and f"/disclosure/a/{row.pk}/" not in page
    Announcement.objects.filter(pk=row.pk).update(due_at=row.published_at - datetime.timedelta(hours=1))
    page = client.get("/work/").content.decode()
    assert f"/disclosure/a/{row.pk}/" in page
