"""Issue 12, finding 7 (two of its items): the site history shows entries about
users and groups only to those who may manage users, and the page chooser's
search does not fail on a quote."""

import pytest
from django.contrib.auth.models import Group

NEW_USER = {
    "username": "newbie",
    "email": "newbie@example.test",
    "first_name": "新",
    "last_name": "用户",
    "password1": "a-Long-passw0rd-2026",
    "password2": "a-Long-passw0rd-2026",
}


def login(client, user):
    """Signs ``user`` in; a session that needs a second factor is marked as
    verified by ``tests.conftest.verify_otp_session`` once the project has one."""
    client.force_login(user)
    from tests import conftest

    verify = getattr(conftest, "verify_otp_session", None)
    if verify is not None:
        verify(client, user)


@pytest.fixture
def user_admin_logged(client, make_user, site):
    """A platform admin creates a user through the admin (Wagtail logs it)."""
    padmin = make_user("platform_admin", username="padmin")
    login(client, padmin)
    evaluator = Group.objects.get(name="evaluator")
    response = client.post("/admin/users/new/", {**NEW_USER, "groups": [evaluator.pk]})
    assert response.status_code == 302
    client.logout()
    return padmin


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["procurement_officer", "editor", "finance_officer"])
def test_site_history_hides_user_admin_entries_from_other_roles(client, make_user, user_admin_logged, role):
    login(client, make_user(role, username=f"r-{role}"))
    for url in (
        "/admin/reports/site-history/",
        "/admin/reports/site-history/results/",
        "/admin/reports/site-history/?export=csv",
    ):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert "newbie" not in body.decode(), url


@pytest.mark.django_db
def test_site_history_shows_user_admin_entries_to_user_managers(client, user_admin_logged):
    login(client, user_admin_logged)
    assert "newbie" in client.get("/admin/reports/site-history/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("query", ['"', '""', "'", '"和平', 'a"b', "\\", "%", "OR", "(", ")"])
def test_page_chooser_search_survives_quotes(client, make_user, site, query):
    login(client, make_user("editor", username="ed"))
    for url in ("/admin/choose-page/search/",):
        response = client.get(url, {"q": query})
        assert response.status_code == 200, (url, query)


@pytest.mark.django_db
def test_page_chooser_search_still_finds_pages(client, make_user, site):
    login(client, make_user("editor", username="ed"))
    response = client.get("/admin/choose-page/search/", {"q": "购买"})
    assert response.status_code == 200
    assert "购买项目" in response.content.decode()
