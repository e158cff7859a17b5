"""What every organization service shares: the domain's error, the lists
of required documents and return sections, the row lock and the
notifications (in-site and e-mail, after commit)."""

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.translation import gettext_lazy

from marketplace.core import notifications
from marketplace.core.errors import DomainError
from marketplace.core.models.users import User
from marketplace.core.permissions import Permission
from marketplace.organizations.models import Membership, Organization, OrganizationDocument

MEMBER_ROLE = "organization_member"

# Documents an organization must hold, valid, before it can be submitted.
REQUIRED_DOCUMENTS = {
    Organization.Track.FILED: (OrganizationDocument.Kind.CHARTER,),
    Organization.Track.REGISTERED: (OrganizationDocument.Kind.CERTIFICATE, OrganizationDocument.Kind.CHARTER),
}

# The groups of fields an officer can return with a reason ("return with
# reasons per field"): the wizard's three steps, the roster and documents.
RETURN_SECTIONS = {
    "basics": gettext_lazy("Name, type and community"),
    "people": gettext_lazy("Contact person and office"),
    "staff": gettext_lazy("Members (at least five)"),
    "registration": gettext_lazy("Founding and registration"),
    "documents": gettext_lazy("Documents"),
}


class OrganizationError(DomainError):
    """A rule was broken; the message is for the user.  ``field`` names the
    form field it concerns, when there is one; ``code`` says which rule."""

    default_code = "organization"

    def __init__(self, message, field=None, code=None):
        # A refused field's code names it unless the raiser is more precise.
        super().__init__(message, field, code or (f"invalid_{field}" if field else None))


def require(decision):
    """Raise a refused ``Decision`` (from ``marketplace.organizations.permissions``)."""
    if not decision:
        raise OrganizationError(decision.reason, code="permission")


def locked(organization):
    return Organization.objects.select_for_update(of=("self",)).get(pk=organization.pk)


def ensure_member_role(user):
    """Acting for an organization is a capability (``act_for_organization``)
    that the organization-member role grants; a person who joins or starts an
    organization gets it."""
    group = Group.objects.filter(name=MEMBER_ROLE).first()
    if group is not None and not user.groups.filter(pk=group.pk).exists():
        user.groups.add(group)


# --- notifications (in-site and e-mail, after commit) ----------------------------


def workspace_url(organization):
    return reverse("orgs:workspace", args=[organization.pk])


def _context(organization, context):
    return {"name": organization.name, **(context or {})}


def notify_members(organization, message_type, context=None):
    """Tell the organization's members ``message_type`` (``organizations/messages.py``);
    ``name`` (the organization's) is in the context."""
    users = User.objects.filter(memberships__organization=organization, is_active=True)
    notifications.send(message_type, users, _context(organization, context), link=workspace_url(organization))


def notify_officers(organization, message_type, context=None):
    # Officers who belong to the organization may not decide on it: not them.
    members = Membership.objects.filter(organization=organization).values("user_id")
    officers = list(
        User.objects.with_perm(str(Permission.MANAGE_PROCUREMENT), is_active=True, include_superusers=False)
        .exclude(pk__in=members)
        .exclude(pk=organization.created_by_id)
    )
    link = reverse("orgreview:detail", args=[organization.pk])
    notifications.send(message_type, officers, _context(organization, context), link=link)
