"""What every project verb shares: the error, the officer check, the
project's row lock, its addresses, and telling the author and the officers."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from marketplace.catalogue.models import CatalogueItem, CatalogueVersion
from marketplace.core import notifications
from marketplace.core.errors import DomainError
from marketplace.core.models.places import Community
from marketplace.core.models.users import User
from marketplace.core.permissions import Permission
from marketplace.procurement import permissions
from marketplace.procurement.models.projects import (
    Project,
    PurchaseMethod,
)
from marketplace.procurement.permissions import enforce

# ``is_officer`` and this name stay importable from here for the admin and
# the Wagtail hooks; the one definition is ``marketplace.core.permissions``.
OFFICER_PERMISSION = str(Permission.MANAGE_PROCUREMENT)
HUNDRED = Decimal("100")


class ProjectError(DomainError):
    """A project rule was broken; ``message`` is for the user, ``field``
    names the form field, ``code`` is stable for callers and tests."""

    default_code = "invalid"


def require_officer(user):
    """Refuse anybody but a procurement officer (``ProjectError``, code ``permission``)."""
    enforce(permissions.can_manage(user), ProjectError)


def clean_text(value):
    return (value or "").strip()


def lock_project(project):
    """The project's row, locked for the transaction (every project verb,
    the opening and the bid verbs take this lock first)."""
    return Project.objects.select_for_update(of=("self",)).get(pk=project.pk)


def officer_url(project):
    return reverse("projects:detail", args=[project.ref])


def public_url(project):
    return f"/projects/{project.ref}/"


# --- notifications -------------------------------------------------------------------


def format_when(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def message_context(project, context=None):
    """A message's context: the project's ``ref`` and ``title``, and ``context``."""
    return {"ref": project.ref, "title": project.title, **(context or {})}


def notify_author(project, message_type, context=None):
    notifications.send(message_type, [project.created_by], message_context(project, context), link=officer_url(project))


def notify_officers(project, message_type, context=None, *, exclude):
    """Tell the procurement officers (but those in ``exclude``) ``message_type``
    (``procurement/messages.py`` or a higher domain's)."""
    officers = User.objects.with_perm(OFFICER_PERMISSION, is_active=True, include_superusers=False)
    officers = officers.exclude(pk__in=exclude)
    notifications.send(message_type, list(officers), message_context(project, context), link=officer_url(project))


def methods():
    return PurchaseMethod.objects.filter(active=True)


def community_choices():
    return Community.objects.select_related("district")


def item_choices():
    return CatalogueItem.objects.filter(version__state=CatalogueVersion.State.PUBLISHED, active=True)
