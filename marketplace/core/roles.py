"""Roles are Django groups with permissions.  This module is the one place
that says which role holds which permission; a migration creates the groups
and ``post_migrate`` keeps them in step as later migrations add permissions.

Code checks permissions (``user.has_perm("marketplace.evaluate")``), never
group names, so a user may hold several roles.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Role:
    key: str  # the group's name; stable, never translated
    label: str
    permissions: tuple[str, ...]  # "app_label.codename"
    cms_editor: bool = False  # gets page, image and document rights in Wagtail


ADMIN_ACCESS = "wagtailadmin.access_admin"

ROLES = (
    Role(
        "organization_member",
        _("Organization member"),
        ("marketplace.act_for_organization",),
    ),
    Role(
        "community_worker",
        _("Community worker"),
        ("marketplace.file_community_need",),
    ),
    Role(
        "procurement_officer",
        _("Procurement officer"),
        (
            ADMIN_ACCESS,
            "marketplace.manage_procurement",
            "marketplace.view_auditevent",
            "marketplace.view_community",
            "marketplace.view_district",
            "marketplace.add_catalogueversion",
            "marketplace.change_catalogueversion",
            "marketplace.view_catalogueversion",
            "marketplace.add_catalogueitem",
            "marketplace.change_catalogueitem",
            "marketplace.delete_catalogueitem",
            "marketplace.view_catalogueitem",
            "marketplace.view_servicecategory",
            "marketplace.add_catalogueimport",
            "marketplace.view_catalogueimport",
            "marketplace.view_need",
            "marketplace.add_communityfund",
            "marketplace.change_communityfund",
            "marketplace.view_communityfund",
            "marketplace.view_organization",
            "marketplace.add_entrystandard",
            "marketplace.change_entrystandard",
            "marketplace.view_entrystandard",
            "marketplace.add_evaluator",
            "marketplace.change_evaluator",
            "marketplace.view_evaluator",
            # The contract kinds (configuration rows of the contracts app, issue 15).
            "contracts.add_contractkind",
            "contracts.change_contractkind",
            "contracts.view_contractkind",
        ),
    ),
    Role(
        "evaluator",
        _("Evaluator"),
        ("marketplace.evaluate",),
    ),
    Role(
        "finance_officer",
        _("Finance officer"),
        ("marketplace.approve_payment", "marketplace.view_auditevent"),
    ),
    Role(
        "editor",
        _("Editor"),
        (
            ADMIN_ACCESS,
            # The contract clause text (a snippet with revisions, issue 15).
            "contracts.add_contractclauses",
            "contracts.change_contractclauses",
            "contracts.view_contractclauses",
            "contracts.publish_contractclauses",
            # The editor's note on an announcement (issue 17); its facts come from the data.
            "cms.change_announcement",
            "cms.view_announcement",
        ),
        cms_editor=True,
    ),
    Role(
        "platform_admin",
        _("Platform administrator"),
        (
            ADMIN_ACCESS,
            "marketplace.manage_platform",
            "marketplace.add_user",
            "marketplace.change_user",
            "marketplace.view_user",
            "auth.view_group",
            "marketplace.add_district",
            "marketplace.change_district",
            "marketplace.view_district",
            "marketplace.add_community",
            "marketplace.change_community",
            "marketplace.view_community",
            "marketplace.view_auditevent",
            "marketplace.add_servicecategory",
            "marketplace.change_servicecategory",
            "marketplace.view_servicecategory",
            "marketplace.add_communityfund",
            "marketplace.change_communityfund",
            "marketplace.view_communityfund",
        ),
        cms_editor=True,
    ),
)

ROLES_BY_KEY = {role.key: role for role in ROLES}

# Wagtail page rights an editor holds on the whole tree, and collection rights
# for images and documents.
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
COLLECTION_PERMISSIONS = (
    ("wagtailimages", "image", ("add", "change", "choose")),
    ("wagtaildocs", "document", ("add", "change", "choose")),
)


def role_label(key):
    role = ROLES_BY_KEY.get(key)
    return role.label if role else key


def sync_roles(apps=None, using="default"):
    """Create every role group and give it exactly its permissions (those that
    exist yet).  Works with historical models inside a migration."""
    if apps is None:
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    for role in ROLES:
        group, _created = Group.objects.using(using).get_or_create(name=role.key)
        wanted = []
        for dotted in role.permissions:
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename).first()
            if perm is None and codename.startswith("publish_"):
                perm = _publish_permission(apps, using, app_label, codename.removeprefix("publish_"))
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
        if role.cms_editor:
            _grant_cms_rights(apps, group, using)


def _publish_permission(apps, using, app_label, model_name):
    """Wagtail adds the "publish" permission of a snippet with drafts after
    migrate (wagtail.snippets.models.create_extra_permissions); a role that
    names it must not depend on which post_migrate receiver ran first, so the
    row is made here when it is still missing."""
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return None
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _created = ContentType.objects.using(using).get_or_create(app_label=app_label, model=model_name)
    perm, _created = Permission.objects.using(using).get_or_create(
        content_type=content_type, codename=f"publish_{model_name}", defaults={"name": f"Can publish {model_name}"}
    )
    return perm


def _grant_cms_rights(apps, group, using):
    try:
        Page = apps.get_model("wagtailcore", "Page")
        GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
        Collection = apps.get_model("wagtailcore", "Collection")
        GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    except LookupError:
        return
    Permission = apps.get_model("auth", "Permission")
    root = Page.objects.using(using).filter(depth=1).first()
    if root is not None:
        for codename in PAGE_PERMISSIONS:
            perm = (
                Permission.objects.using(using).filter(content_type__app_label="wagtailcore", codename=codename).first()
            )
            if perm is not None:
                GroupPagePermission.objects.using(using).get_or_create(group=group, page=root, permission=perm)
    collection = Collection.objects.using(using).filter(depth=1).first()
    if collection is None:
        return
    for app_label, model, actions in COLLECTION_PERMISSIONS:
        for action in actions:
            perm = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=f"{action}_{model}")
                .first()
            )
            if perm is not None:
                GroupCollectionPermission.objects.using(using).get_or_create(
                    group=group, collection=collection, permission=perm
                )


def sync_roles_after_migrate(sender, app_config=None, using="default", **kwargs):
    """After every ``migrate``: make sure every app's permissions exist (this
    receiver may run before auth's own for some apps), then sync the roles."""
    if app_config is None or app_config.label != "marketplace":
        return
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    sync_roles(using=using)
