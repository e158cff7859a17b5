import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import GroupPagePermission

from marketplace.core.roles import ADMIN_ACCESS, ROLES, ROLES_BY_KEY

EXPECTED_KEYS = {
    "organization_member",
    "community_worker",
    "procurement_officer",
    "evaluator",
    "finance_officer",
    "editor",
    "platform_admin",
}


def _perm_names(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.django_db
def test_every_role_group_exists_from_migrations():
    # No fixture has called sync_roles: the migration (and post_migrate) made these.
    assert {r.key for r in ROLES} == EXPECTED_KEYS
    assert set(Group.objects.filter(name__in=EXPECTED_KEYS).values_list("name", flat=True)) == EXPECTED_KEYS


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.key)
def test_each_role_holds_exactly_its_permissions(role):
    for dotted in role.permissions:
        app_label, codename = dotted.split(".")
        assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), (
            f"{role.key} names a permission that does not exist: {dotted}"
        )
    assert _perm_names(Group.objects.get(name=role.key)) == set(role.permissions)


EXPECTED_SMALL_ROLES = {
    "organization_member": {"marketplace.act_for_organization"},
    "community_worker": {"marketplace.file_community_need"},
    "evaluator": {"marketplace.evaluate"},
    "finance_officer": {"marketplace.approve_payment", "marketplace.view_auditevent"},
    # and the contract clause text, kept in the CMS (issue 15)
    "editor": {
        ADMIN_ACCESS,
        "contracts.add_contractclauses",
        "contracts.change_contractclauses",
        "contracts.view_contractclauses",
        "contracts.publish_contractclauses",
        "cms.change_announcement",
        "cms.view_announcement",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("key,expected", EXPECTED_SMALL_ROLES.items())
def test_roles_hold_what_the_design_gives_them(key, expected):
    # Written out here, independently of marketplace.core.roles, so a slip there shows.
    assert _perm_names(Group.objects.get(name=key)) == expected


@pytest.mark.django_db
def test_officer_and_admin_split_catalogue_and_user_management():
    officer = _perm_names(Group.objects.get(name="procurement_officer"))
    admin = _perm_names(Group.objects.get(name="platform_admin"))
    assert {
        "marketplace.manage_procurement",
        "marketplace.add_catalogueitem",
        "marketplace.change_catalogueversion",
    } <= officer
    assert not {p for p in officer if p.endswith("_user") or "approve_payment" in p}
    assert {"marketplace.add_user", "marketplace.change_user", "marketplace.manage_platform"} <= admin
    assert "marketplace.approve_payment" not in admin and "marketplace.manage_procurement" not in admin


@pytest.mark.django_db
def test_intended_separation_between_roles(make_user):
    finance = make_user("finance_officer")
    evaluator = make_user("evaluator")
    worker = make_user("community_worker")
    officer = make_user("procurement_officer")
    org = make_user("organization_member")
    assert finance.has_perm("marketplace.approve_payment")
    assert not officer.has_perm("marketplace.approve_payment")
    assert not evaluator.has_perm("marketplace.approve_payment")
    assert evaluator.has_perm("marketplace.evaluate") and not evaluator.has_perm(ADMIN_ACCESS)
    assert worker.has_perm("marketplace.file_community_need") and not worker.has_perm(ADMIN_ACCESS)
    assert officer.has_perm("marketplace.manage_procurement") and officer.has_perm(ADMIN_ACCESS)
    assert org.has_perm("marketplace.act_for_organization")
    assert not org.has_perm("marketplace.manage_procurement")
    assert not org.has_perm(ADMIN_ACCESS)


@pytest.mark.django_db
def test_a_user_can_hold_several_roles(make_user):
    user = make_user("community_worker", "evaluator")
    assert user.has_perm("marketplace.file_community_need")
    assert user.has_perm("marketplace.evaluate")
    assert not user.has_perm("marketplace.approve_payment")


@pytest.mark.django_db
def test_editor_can_edit_the_page_tree(site):
    editor = Group.objects.get(name="editor")
    codenames = set(
        GroupPagePermission.objects.filter(group=editor, page__depth=1).values_list("permission__codename", flat=True)
    )
    assert {"add_page", "change_page", "publish_page"} <= codenames
    assert ROLES_BY_KEY["editor"].cms_editor


@pytest.mark.django_db
def test_user_without_role_cannot_reach_the_cms_admin(client, make_user):
    make_user(username="nobody")
    client.login(username="nobody", password="pw-test-2026")
    response = client.get("/admin/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["organization_member", "community_worker", "evaluator", "finance_officer"])
def test_roles_without_admin_access_are_refused(client, make_user, role):
    make_user(role, username="someone")
    client.login(username="someone", password="pw-test-2026")
    response = client.get("/admin/pages/")
    assert response.status_code in (302, 403)
    assert response.status_code == 403 or "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "platform_admin", "procurement_officer"])
def test_admin_roles_reach_the_cms_admin(client, make_user, site, role):
    make_user(role, username="staffer")
    client.login(username="staffer", password="pw-test-2026")
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_editor_can_open_the_home_page_editor_but_finance_cannot(client, make_user, site):
    make_user("editor", username="ed")
    make_user("finance_officer", username="fin")
    client.login(username="ed", password="pw-test-2026")
    assert client.get(f"/admin/pages/{site.pk}/edit/").status_code == 200
    client.logout()
    client.login(username="fin", password="pw-test-2026")
    assert client.get(f"/admin/pages/{site.pk}/edit/").status_code in (302, 403)
