"""In-site notices (站内消息): a person sees and opens only their own."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone, translation

from marketplace.core.notice_views import unread_notices
from marketplace.models import Notice


def zh(message):
    with translation.override("zh-hans"):
        return translation.gettext(message)


def main_part(response):
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


@pytest.fixture
def people(make_user):
    return make_user(username="me"), make_user(username="them")


def notice(user, subject, *, link="", read=False, age_minutes=0):
    item = Notice.objects.create(user=user, subject=subject, body=f"{subject} 正文", link=link)
    changes = {"created_at": timezone.now() - datetime.timedelta(minutes=age_minutes)}
    if read:
        changes["read_at"] = timezone.now()
    Notice.objects.filter(pk=item.pk).update(**changes)
    item.refresh_from_db()
    return item


@pytest.mark.django_db
def test_the_page_shows_only_my_notices_newest_first_unread_highlighted(client, site, people):
    me, them = people
    notice(me, "较早的消息", age_minutes=30, read=True)
    notice(me, "最新的消息", age_minutes=1)
    notice(them, "别人的消息")
    client.force_login(me)
    response = client.get("/accounts/notices/")
    assert response.status_code == 200
    html = main_part(response)
    assert "最新的消息" in html and "较早的消息" in html
    assert "别人的消息" not in html
    assert html.index("最新的消息") < html.index("较早的消息")
    # The unread one is marked, in words as well as colour; the read one is not.
    newest = html[html.index("最新的消息") - 300 : html.index("最新的消息")]
    older = html[html.index("较早的消息") - 300 : html.index("较早的消息")]
    assert 'class="item-card notice"' in newest and zh("Unread") in newest
    assert zh("Unread") not in older


@pytest.mark.django_db
def test_the_page_needs_sign_in(client, site):
    response = client.get("/accounts/notices/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_notices_are_paginated(client, site, people):
    me, _them = people
    for n in range(25):
        notice(me, f"消息{n:02d}", age_minutes=n)
    client.force_login(me)
    first = main_part(client.get("/accounts/notices/"))
    assert "消息00" in first and "消息19" in first and "消息20" not in first
    assert "?page=2" in first
    second = main_part(client.get("/accounts/notices/?page=2"))
    assert "消息24" in second and "消息00" not in second


@pytest.mark.django_db
def test_opening_a_notice_marks_it_read_and_follows_its_link(client, site, people):
    me, _them = people
    item = notice(me, "审核结果", link="/org/1/")
    client.force_login(me)
    response = client.post(f"/accounts/notices/{item.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/org/1/"
    item.refresh_from_db()
    assert item.read_at is not None


@pytest.mark.django_db
def test_a_notice_without_a_safe_link_goes_back_to_the_list(client, site, people):
    me, _them = people
    plain = notice(me, "无链接")
    outside = notice(me, "外部链接", link="https://evil.example/")
    protocol_relative = notice(me, "外部链接2", link="//evil.example/")
    client.force_login(me)
    for item in (plain, outside, protocol_relative):
        response = client.post(f"/accounts/notices/{item.pk}/open/")
        assert response.status_code == 302 and response["Location"] == "/accounts/notices/"
        item.refresh_from_db()
        assert item.read_at is not None


@pytest.mark.django_db
def test_another_users_notice_cannot_be_opened(client, site, people):
    me, them = people
    theirs = notice(them, "别人的消息", link="/org/1/")
    client.force_login(me)
    assert client.post(f"/accounts/notices/{theirs.pk}/open/").status_code == 404
    assert client.post("/accounts/notices/999999/open/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_opening_is_a_post(client, site, people):
    me, _them = people
    item = notice(me, "消息")
    client.force_login(me)
    assert client.get(f"/accounts/notices/{item.pk}/open/").status_code == 405
    assert client.get("/accounts/notices/read-all/").status_code == 405
    item.refresh_from_db()
    assert item.read_at is None


@pytest.mark.django_db
def test_mark_all_as_read_touches_only_my_notices(client, site, people):
    me, them = people
    mine = [notice(me, f"我的{n}") for n in range(3)]
    theirs = notice(them, "别人的")
    client.force_login(me)
    assert zh("Mark all as read") in main_part(client.get("/accounts/notices/"))
    response = client.post("/accounts/notices/read-all/")
    assert response.status_code == 302 and response["Location"] == "/accounts/notices/"
    assert all(Notice.objects.get(pk=item.pk).read_at is not None for item in mine)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert zh("Mark all as read") not in main_part(client.get("/accounts/notices/"))


@pytest.mark.django_db
def test_unread_count_context_processor(people, django_assert_num_queries):
    me, them = people
    notice(me, "一", read=False)
    notice(me, "二", read=False)
    notice(me, "三", read=True)
    notice(them, "四", read=False)
    request = RequestFactory().get("/")
    request.user = me
    with django_assert_num_queries(1):
        assert unread_notices(request) == {"unread_notice_count": 2}
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_notices(request) == {"unread_notice_count": 0}


@pytest.mark.django_db
def test_empty_list(client, site, people):
    me, _them = people
    client.force_login(me)
    assert zh("No messages yet.") in main_part(client.get("/accounts/notices/"))
