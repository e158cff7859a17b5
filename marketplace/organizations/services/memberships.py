"""An organization's accounts: invitations by e-mail, accepting them, roles
and leaving.

An organization administrator invites an e-mail address; the e-mail carries
a random token (only its SHA-256 is stored) that expires after
``ORGANIZATION_INVITATION_DAYS``.  Whoever holds the token and has a verified
account may accept it once: the token is the proof, so the account's own
e-mail need not match.  Every organization keeps at least one
administrator.

Each verb runs in one transaction that locks the organization row (so two
administrators cannot both step down at once), checks the rules, writes an
audit event (ids and roles only: no e-mail addresses) and leaves messages for
after the commit.  A broken rule raises ``OrganizationError`` and changes
nothing.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from marketplace.core import notifications
from marketplace.core.audit import record_event
from marketplace.core.models.users import User
from marketplace.core.throttle import Throttle
from marketplace.organizations import messages, permissions
from marketplace.organizations.models import Invitation, Membership, Organization
from marketplace.organizations.services.base import (
    MEMBER_ROLE,
    OrganizationError,
    ensure_member_role,
    locked,
    require,
    workspace_url,
)

# Twenty invitations per organization a day.
INVITES_PER_ORG = Throttle("org-invite", limit=20, window_seconds=24 * 3600)
# The same person across all the organizations they administer: the platform
# must not become a way to mail strangers.
INVITES_PER_USER = Throttle("org-invite-user", limit=30, window_seconds=24 * 3600)


def hash_token(token):
    return hashlib.sha256(str(token or "").encode("utf-8")).hexdigest()


def _require_admin(user, organization):
    require(permissions.can_administer(user, organization))


def _admin_count(organization):
    return Membership.objects.filter(organization=organization, role=Membership.Role.ADMIN).count()


def open_invitations(organization):
    return Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def _clean_email(raw):
    email = (raw or "").strip().lower()
    if not email:
        raise OrganizationError(_("Enter the e-mail address to invite."), "email")
    try:
        validate_email(email)
    except ValidationError:
        raise OrganizationError(_("This is not a valid e-mail address."), "email") from None
    return email


# --- invitations ---------------------------------------------------------------------------


def invite(organization, *, by, email, role=Membership.Role.MEMBER):
    """Invite ``email`` to join as ``role``; returns ``(invitation, token)``.
    The token goes out only in the e-mail (after commit)."""
    email = _clean_email(email)
    if role not in Membership.Role.values:
        raise OrganizationError(_("Choose a role."), "role")
    with transaction.atomic():
        organization = locked(organization)
        _require_admin(by, organization)
        if organization.state == Organization.State.BLACKLISTED:
            raise OrganizationError(_("A blacklisted organization cannot invite new members."), code="blacklisted")
        already = Membership.objects.filter(
            Q(user__email__iexact=email) | Q(user__username__iexact=email), organization=organization
        ).exists()
        if already:
            raise OrganizationError(_("The account with this e-mail address is already a member."), "email")
        if open_invitations(organization).filter(email__iexact=email).exists():
            raise OrganizationError(
                _("This address already has an open invitation. Withdraw it first to send a new one."), "email"
            )
        if INVITES_PER_ORG.blocked(organization.pk):
            raise OrganizationError(
                _("This organization has sent %(limit)d invitations today. Try again tomorrow.")
                % {"limit": INVITES_PER_ORG.limit},
                code="throttled",
            )
        if INVITES_PER_USER.blocked(by.pk):
            raise OrganizationError(
                _("You have sent %(limit)d invitations today. Try again tomorrow.") % {"limit": INVITES_PER_USER.limit},
                code="throttled",
            )
        token = secrets.token_urlsafe(32)
        expires_at = timezone.now() + timedelta(days=settings.ORGANIZATION_INVITATION_DAYS)
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            token_hash=hash_token(token),
            invited_by=by,
            expires_at=expires_at,
        )
        INVITES_PER_ORG.hit(organization.pk)
        INVITES_PER_USER.hit(by.pk)
        record_event(
            "organization.invite",
            actor=by,
            obj=organization,
            details={"invitation": invitation.pk, "role": role},
        )
        notifications.send(
            messages.INVITATION,
            [email],
            {
                "name": organization.name,
                "role": Membership.Role(role).label,
                "date": timezone.localtime(expires_at).strftime("%Y-%m-%d %H:%M"),
                "link": notifications.absolute_url(reverse("orgs:accept", args=[token])),
            },
            # An address: the invitation is written in the language the administrator used.
            language=translation.get_language(),
        )
    return invitation, token


def find_invitation(token):
    """The invitation whose token this is (in any state), or ``None``."""
    if not token:
        return None
    return Invitation.objects.select_related("organization").filter(token_hash=hash_token(token)).first()


def invitation_problem(invitation, *, now=None):
    """Why this invitation cannot be accepted, in the user's words, or ``None``."""
    now = now or timezone.now()
    if invitation is None:
        return _("This invitation link is not valid. Check that you copied the whole link from the e-mail.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn by the organization. Ask its administrator for a new one.")
    if invitation.accepted_at is not None:
        return _("This invitation has already been used. Each invitation can be accepted only once.")
    if invitation.expires_at <= now:
        return _("This invitation expired on %(date)s. Ask the organization's administrator for a new one.") % {
            "date": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")
        }
    if invitation.organization.state == Organization.State.BLACKLISTED:
        return _("This organization is blacklisted and cannot take new members now.")
    return None


def accept_invitation(token, *, by):
    """``by`` (signed in and verified) joins with the invited role."""
    if by is None or not by.is_authenticated:
        raise OrganizationError(_("Sign in first."), code="sign_in")
    with transaction.atomic():
        found = find_invitation(token)
        if found is None:
            raise OrganizationError(invitation_problem(None), code="invitation")
        organization = locked(found.organization)
        invitation = Invitation.objects.select_for_update().get(pk=found.pk)
        invitation.organization = organization
        problem = invitation_problem(invitation)
        if problem:
            raise OrganizationError(problem, code="invitation")
        user = User.objects.get(pk=by.pk)
        if user.verified_at is None:
            raise OrganizationError(
                _("Confirm your e-mail address or mobile number first, then open the invitation again."),
                code="unverified",
            )
        if Membership.objects.filter(organization=organization, user=user).exists():
            raise OrganizationError(
                _("You are already a member of %(name)s.") % {"name": organization.name}, code="already_member"
            )
        member = Membership.objects.create(organization=organization, user=user, role=invitation.role)
        ensure_member_role(user)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record_event(
            "organization.invitation_accept",
            actor=user,
            obj=organization,
            details={"invitation": invitation.pk, "membership": member.pk, "role": member.role},
        )
        admins = User.objects.filter(
            memberships__organization=organization, memberships__role=Membership.Role.ADMIN, is_active=True
        ).exclude(pk=user.pk)
        notifications.send(
            messages.MEMBER_JOINED,
            admins,
            {"person": user.display_name, "name": organization.name, "role": Membership.Role(member.role).label},
            link=reverse("orgs:members", args=[organization.pk]),
        )
    return member


def revoke_invitation(invitation, *, by):
    with transaction.atomic():
        organization = locked(invitation.organization)
        _require_admin(by, organization)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk, organization=organization)
        if invitation.accepted_at is not None:
            raise OrganizationError(
                _("This invitation has already been accepted; it cannot be withdrawn."), code="invitation"
            )
        if invitation.revoked_at is not None:
            raise OrganizationError(_("This invitation has already been withdrawn."), code="invitation")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        record_event(
            "organization.invitation_revoke",
            actor=by,
            obj=organization,
            details={"invitation": invitation.pk},
        )
    return invitation


# --- members ------------------------------------------------------------------------------


def _locked_membership(member, organization):
    found = Membership.objects.select_for_update().filter(pk=member.pk, organization=organization).first()
    if found is None:
        raise OrganizationError(_("This person is no longer a member; reload the page."), code="not_a_member")
    return found


def remove_member(member, *, by):
    """An administrator removes a member, or a member leaves.  The last
    administrator can do neither."""
    with transaction.atomic():
        organization = locked(member.organization)
        member = _locked_membership(member, organization)
        leaving = by is not None and by.is_authenticated and member.user_id == by.pk
        if not leaving:
            _require_admin(by, organization)
        if member.role == Membership.Role.ADMIN and _admin_count(organization) <= 1:
            if leaving:
                raise OrganizationError(
                    _("You are the organization's only administrator. Make another member administrator first."),
                    code="last_admin",
                )
            raise OrganizationError(_("The organization's last administrator cannot be removed."), code="last_admin")
        user = member.user
        details = {"user": user.pk, "role": member.role, "left": leaving}
        member.delete()
        if not Membership.objects.filter(user=user).exists():
            user.groups.remove(*user.groups.filter(name=MEMBER_ROLE))
        record_event("organization.member_remove", actor=by, obj=organization, details=details)
        if not leaving:
            notifications.send(messages.MEMBER_REMOVED, [user], {"name": organization.name})
    return organization


def set_member_role(member, *, by, role):
    if role not in Membership.Role.values:
        raise OrganizationError(_("Choose a role."), "role")
    with transaction.atomic():
        organization = locked(member.organization)
        _require_admin(by, organization)
        member = _locked_membership(member, organization)
        if member.role == role:
            return member
        if member.role == Membership.Role.ADMIN and _admin_count(organization) <= 1:
            raise OrganizationError(
                _(
                    "The organization's last administrator cannot become a plain member. Make another member "
                    "administrator first."
                ),
                code="last_admin",
            )
        previous = member.role
        member.role = role
        member.save(update_fields=["role"])
        record_event(
            "organization.member_role",
            actor=by,
            obj=organization,
            details={"user": member.user_id, "from": previous, "to": role},
        )
        notifications.send(
            messages.ROLE_CHANGED,
            [member.user],
            {"name": organization.name, "role": Membership.Role(member.role).label},
            link=workspace_url(organization),
        )
    return member
