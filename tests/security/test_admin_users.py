"""Issue 12, findings 1 and 2: the Wagtail user and group views cannot be used
to take over a superuser or to change one's own roles.  Every request is the
one a browser (or an attacker with a platform-admin account) would send."""

import pytest
from django.contrib.auth.models import Group, Permission

from marketplace.models import User

NEW_PASSWORD = "an-Attacker-pw-2026"


def login(client, user):
    """Signs ``user`` in; a session that needs a second factor is marked as
    verified by ``tests.conftest.verify_otp_session`` once the project has one."""
    client.force_login(user)
    from tests import conftest

    verify = getattr(conftest, "verify_otp_session", None)
    if verify is not None:
        verify(client, user)


def refused(response):
    """Wagtail answers a PermissionDenied with a redirect to the dashboard (or 403);
    a removed or hidden route answers 404."""
    return response.status_code in (403, 404) or (response.status_code == 302 and response["Location"] == "/admin/")


@pytest.fixture
def boss(db):
    return User.objects.create_superuser("boss", "boss@example.test", "boss-pass-2026")


@pytest.fixture
def padmin(client, make_user, site):
    admin = make_user("platform_admin", username="padmin")
    login(client, admin)
    return admin


def roles_of(user):
    return set(user.groups.values_list("name", flat=True))


# --- finding 1: the copy view -------------------------------------------------


@pytest.mark.django_db
def test_copy_view_cannot_overwrite_a_superuser(client, padmin, boss):
    officer = Group.objects.get(name="procurement_officer")
    response = client.post(
        f"/admin/users/copy/{boss.pk}/",
        {
            "username": "owned",
            "email": "owned@example.test",
            "first_name": "名",
            "last_name": "姓",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "is_active": "on",
            "groups": [officer.pk],
        },
    )
    assert refused(response)
    boss.refresh_from_db()
    assert boss.username == "boss" and boss.is_superuser
    assert boss.check_password("boss-pass-2026")
    assert not User.objects.filter(username="owned").exists()


@pytest.mark.django_db
def test_copy_view_is_gone_for_superusers_too(client, boss, make_user):
    other = make_user("evaluator", username="ev")
    login(client, boss)
    assert client.get(f"/admin/users/copy/{other.pk}/").status_code == 404
    # No "Copy" button anywhere in the user list.
    assert "/admin/users/copy/" not in client.get("/admin/users/").content.decode()


@pytest.mark.django_db
def test_copying_ones_own_row_does_not_change_ones_roles(client, padmin):
    finance = Group.objects.get(name="finance_officer")
    response = client.post(
        f"/admin/users/copy/{padmin.pk}/",
        {
            "username": "padmin",
            "email": "padmin@example.test",
            "first_name": "名",
            "last_name": "姓",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "is_active": "on",
            "groups": [finance.pk],
        },
    )
    assert refused(response)
    assert roles_of(padmin) == {"platform_admin"}


# --- finding 2: bulk actions ----------------------------------------------------


@pytest.mark.django_db
def test_bulk_assign_role_cannot_give_oneself_a_role(client, padmin):
    for role in ("procurement_officer", "finance_officer"):
        group = Group.objects.get(name=role)
        url = f"/admin/bulk/marketplace/user/assign_role/?id={padmin.pk}"
        client.get(url)
        client.post(url, {"role": group.pk})
    assert roles_of(padmin) == {"platform_admin"}


@pytest.mark.django_db
def test_bulk_assign_role_cannot_touch_a_superuser(client, padmin, boss):
    group = Group.objects.get(name="evaluator")
    client.post(f"/admin/bulk/marketplace/user/assign_role/?id={boss.pk}", {"role": group.pk})
    assert roles_of(boss) == set()


@pytest.mark.django_db
def test_bulk_assign_role_with_id_all_skips_oneself_and_superusers(client, padmin, boss, make_user):
    target = make_user(username="plain")
    group = Group.objects.get(name="evaluator")
    client.post("/admin/bulk/marketplace/user/assign_role/?id=all", {"role": group.pk})
    assert roles_of(padmin) == {"platform_admin"}
    assert roles_of(boss) == set()
    assert roles_of(target) == {"evaluator"}  # the legitimate part still works


@pytest.mark.django_db
def test_bulk_deactivate_cannot_touch_a_superuser(client, padmin, boss, make_user):
    target = make_user(username="plain")
    client.post(
        f"/admin/bulk/marketplace/user/set_active_state/?id={boss.pk}&id={target.pk}",
        {"mark_as_active": "False"},
    )
    boss.refresh_from_db()
    target.refresh_from_db()
    assert boss.is_active
    assert not target.is_active  # an ordinary account may still be deactivated


@pytest.mark.django_db
def test_bulk_delete_refuses_superusers_and_oneself(client, make_user, boss):
    # Even an account that was given the delete permission directly.
    deleter = make_user("platform_admin", username="deleter")
    deleter.user_permissions.add(Permission.objects.get(codename="delete_user", content_type__app_label="marketplace"))
    login(client, deleter)
    client.post(f"/admin/bulk/marketplace/user/delete/?id={boss.pk}&id={deleter.pk}")
    assert User.objects.filter(pk=boss.pk).exists()
    assert User.objects.filter(pk=deleter.pk).exists()
    assert refused(client.post(f"/admin/users/delete/{boss.pk}/"))
    assert User.objects.filter(pk=boss.pk).exists()


@pytest.mark.django_db
def test_platform_admin_cannot_delete_users_without_the_permission(client, padmin, make_user):
    target = make_user(username="plain")
    client.post(f"/admin/bulk/marketplace/user/delete/?id={target.pk}")
    assert refused(client.post(f"/admin/users/delete/{target.pk}/"))
    assert User.objects.filter(pk=target.pk).exists()


@pytest.mark.django_db
def test_bulk_actions_refuse_editors_and_officers(client, make_user, boss):
    target = make_user(username="plain")
    for role in ("editor", "procurement_officer"):
        actor = make_user(role, username=f"x-{role}")
        login(client, actor)
        group = Group.objects.get(name="platform_admin")
        client.post(f"/admin/bulk/marketplace/user/assign_role/?id={actor.pk}", {"role": group.pk})
        client.post(f"/admin/bulk/marketplace/user/set_active_state/?id={target.pk}", {"mark_as_active": "False"})
        assert roles_of(actor) == {role}
    target.refresh_from_db()
    assert target.is_active


@pytest.mark.django_db
def test_edit_view_cannot_deactivate_or_rename_a_superuser(client, padmin, boss):
    response = client.post(
        f"/admin/users/edit/{boss.pk}/",
        {"username": "boss", "email": "boss@example.test", "first_name": "名", "last_name": "姓"},
    )
    assert refused(response)
    boss.refresh_from_db()
    assert boss.is_active


@pytest.mark.django_db
def test_superuser_history_and_usage_are_not_shown_to_platform_admins(client, padmin, boss):
    assert refused(client.get(f"/admin/users/history/{boss.pk}/"))
    assert refused(client.get(f"/admin/users/history-results/{boss.pk}/"))
    assert refused(client.get(f"/admin/users/usage/{boss.pk}/"))


@pytest.mark.django_db
def test_officers_and_editors_see_no_user_history(client, make_user):
    target = make_user("evaluator", username="ev")
    for role in ("editor", "procurement_officer"):
        login(client, make_user(role, username=f"y-{role}"))
        assert refused(client.get(f"/admin/users/history/{target.pk}/"))
        assert refused(client.get(f"/admin/users/usage/{target.pk}/"))


# --- groups: only superusers edit groups and their permissions ----------------------


GROUP_FORM_EMPTY_PANELS = {
    # The page, collection, document, image and snippet permission formsets.
    "page_permissions-TOTAL_FORMS": "0",
    "page_permissions-INITIAL_FORMS": "0",
    "page_permissions-MIN_NUM_FORMS": "0",
    "page_permissions-MAX_NUM_FORMS": "1000",
    "collection_permissions-TOTAL_FORMS": "0",
    "collection_permissions-INITIAL_FORMS": "0",
    "collection_permissions-MIN_NUM_FORMS": "0",
    "collection_permissions-MAX_NUM_FORMS": "1000",
    "document_permissions-TOTAL_FORMS": "0",
    "document_permissions-INITIAL_FORMS": "0",
    "document_permissions-MIN_NUM_FORMS": "0",
    "document_permissions-MAX_NUM_FORMS": "1000",
    "image_permissions-TOTAL_FORMS": "0",
    "image_permissions-INITIAL_FORMS": "0",
    "image_permissions-MIN_NUM_FORMS": "0",
    "image_permissions-MAX_NUM_FORMS": "1000",
}


def _escalating_group_post(client, group):
    """The group edit form as a browser posts it, with two permissions added
    (delete users, change groups) that the acting user does not hold."""
    delete_user = Permission.objects.get(codename="delete_user", content_type__app_label="marketplace")
    change_group = Permission.objects.get(codename="change_group", content_type__app_label="auth")
    permissions = [*group.permissions.values_list("pk", flat=True), delete_user.pk, change_group.pk]
    return client.post(
        f"/admin/groups/edit/{group.pk}/",
        {"name": group.name, "permissions": permissions, **GROUP_FORM_EMPTY_PANELS},
    )


@pytest.mark.django_db
def test_group_permissions_are_superuser_only_even_with_group_rights(client, make_user):
    """A platform admin who was given the group permissions directly still cannot
    grant a role they hold new permissions, create a group or delete one."""
    padmin = make_user("platform_admin", "community_worker", username="grouper")
    for codename in ("add_group", "change_group", "delete_group"):
        padmin.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="auth"))
    login(client, padmin)
    role = Group.objects.get(name="community_worker")
    before = set(role.permissions.values_list("pk", flat=True))

    assert refused(client.get(f"/admin/groups/edit/{role.pk}/"))
    assert refused(_escalating_group_post(client, role))
    assert set(role.permissions.values_list("pk", flat=True)) == before

    delete_user = Permission.objects.get(codename="delete_user", content_type__app_label="marketplace")
    response = client.post(
        "/admin/groups/new/", {"name": "rogue", "permissions": [delete_user.pk], **GROUP_FORM_EMPTY_PANELS}
    )
    assert refused(response)
    assert not Group.objects.filter(name="rogue").exists()

    finance = Group.objects.get(name="finance_officer")
    assert refused(client.post(f"/admin/groups/delete/{finance.pk}/"))
    assert Group.objects.filter(pk=finance.pk).exists()


@pytest.mark.django_db
def test_platform_admin_sees_groups_without_edit_links(client, padmin):
    listing = client.get("/admin/groups/")
    assert listing.status_code == 200
    role = Group.objects.get(name="platform_admin")
    assert f"/admin/groups/edit/{role.pk}/" not in listing.content.decode()
    assert refused(client.get(f"/admin/groups/history/{role.pk}/"))


@pytest.mark.django_db
def test_superuser_still_edits_groups(client, boss, make_user):
    make_user("community_worker")  # the roles exist
    login(client, boss)
    response = client.post("/admin/groups/new/", {"name": "reviewers", **GROUP_FORM_EMPTY_PANELS})
    assert response.status_code == 302
    assert Group.objects.filter(name="reviewers").exists()
    # The same request the attacker sends above is a valid one.
    role = Group.objects.get(name="community_worker")
    assert _escalating_group_post(client, role).status_code == 302
    assert role.permissions.filter(codename="delete_user").exists()


@pytest.mark.django_db
def test_platform_admin_still_manages_ordinary_users(client, padmin, make_user):
    """The guards do not take the legitimate work away."""
    target = make_user(username="plain")
    evaluator = Group.objects.get(name="evaluator")
    client.post(f"/admin/bulk/marketplace/user/assign_role/?id={target.pk}", {"role": evaluator.pk})
    assert roles_of(target) == {"evaluator"}
    response = client.post(
        f"/admin/users/edit/{target.pk}/",
        {
            "username": "plain",
            "email": "plain@example.test",
            "first_name": "名",
            "last_name": "姓",
            "is_active": "on",
            "groups": [evaluator.pk, Group.objects.get(name="community_worker").pk],
        },
    )
    assert response.status_code == 302
    assert roles_of(target) == {"evaluator", "community_worker"}
    assert client.get(f"/admin/users/history/{target.pk}/").status_code == 200
