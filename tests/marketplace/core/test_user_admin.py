"""User management in the CMS admin cannot be used to escalate privileges."""

import pytest
from django.contrib.auth.models import Group

from marketplace.models import User


@pytest.fixture
def platform_admin(client, make_user, site):
    admin = make_user("platform_admin", username="padmin")
    client.login(username="padmin", password="pw-test-2026")
    return admin


NEW_USER = {
    "username": "newbie",
    "email": "newbie@example.test",
    "first_name": "新",
    "last_name": "用户",
    "password1": "a-Long-passw0rd-2026",
    "password2": "a-Long-passw0rd-2026",
}


@pytest.mark.django_db
def test_platform_admin_cannot_create_a_superuser(client, platform_admin):
    form = client.get("/admin/users/new/").content.decode()
    assert 'name="is_superuser"' not in form
    response = client.post("/admin/users/new/", {**NEW_USER, "is_superuser": "on"})
    assert response.status_code == 302
    created = User.objects.get(username="newbie")
    assert created.is_superuser is False


@pytest.mark.django_db
def test_platform_admin_can_create_a_user_with_a_role(client, platform_admin):
    evaluator = Group.objects.get(name="evaluator")
    client.post("/admin/users/new/", {**NEW_USER, "groups": [evaluator.pk]})
    assert list(User.objects.get(username="newbie").groups.values_list("name", flat=True)) == ["evaluator"]


@pytest.mark.django_db
def test_platform_admin_cannot_touch_a_superuser(client, platform_admin):
    boss = User.objects.create_superuser("boss", "boss@example.test", "boss-pass-2026")

    def refused(response):
        # Wagtail turns PermissionDenied into a redirect to the dashboard with a message.
        return response.status_code == 403 or (response.status_code == 302 and response["Location"] == "/admin/")

    assert refused(client.get(f"/admin/users/edit/{boss.pk}/"))
    response = client.post(
        f"/admin/users/edit/{boss.pk}/",
        {"username": "boss", "email": "x@example.test", "password1": "owned-2026-x", "password2": "owned-2026-x"},
    )
    assert refused(response)
    assert refused(client.get(f"/admin/users/delete/{boss.pk}/"))
    assert refused(client.post(f"/admin/users/delete/{boss.pk}/"))
    assert User.objects.filter(pk=boss.pk).exists()
    boss.refresh_from_db()
    assert boss.check_password("boss-pass-2026") and boss.email == "boss@example.test"


@pytest.mark.django_db
def test_nobody_changes_their_own_roles(client, platform_admin):
    finance = Group.objects.get(name="finance_officer")
    form = client.get(f"/admin/users/edit/{platform_admin.pk}/").content.decode()
    assert 'name="groups"' not in form
    client.post(
        f"/admin/users/edit/{platform_admin.pk}/",
        {
            "username": "padmin",
            "email": "padmin@example.test",
            "first_name": "",
            "last_name": "",
            "is_active": "on",
            "groups": [finance.pk],
        },
    )
    assert set(platform_admin.groups.values_list("name", flat=True)) == {"platform_admin"}


@pytest.mark.django_db
def test_superuser_keeps_full_control(client, site):
    User.objects.create_superuser("root2", "root2@example.test", "root-pass-2026")
    client.login(username="root2", password="root-pass-2026")
    assert 'name="is_superuser"' in client.get("/admin/users/new/").content.decode()
    client.post("/admin/users/new/", {**NEW_USER, "is_superuser": "on"})
    assert User.objects.get(username="newbie").is_superuser


@pytest.mark.django_db
def test_editor_cannot_manage_users(client, make_user, site):
    make_user("editor", username="ed")
    client.login(username="ed", password="pw-test-2026")
    assert client.get("/admin/users/").status_code in (302, 403)
    assert client.post("/admin/users/new/", NEW_USER).status_code in (302, 403)
    assert not User.objects.filter(username="newbie").exists()
