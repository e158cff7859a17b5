"""An organization's members and invitations (/org/<pk>/members/…) and
accepting an invitation (/org/invitations/<token>/).  Only the
organization's members see its member list; only its administrators invite,
withdraw invitations, change roles and remove people (a member may leave).
Views check who may look and hand input to
``marketplace.organizations.services.memberships``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marketplace.core import accounts
from marketplace.core.errors import DomainError
from marketplace.organizations import permissions
from marketplace.organizations.forms.members import InviteForm, MemberRoleForm
from marketplace.organizations.models import Organization
from marketplace.organizations.selectors import members as selectors
from marketplace.organizations.services import memberships as services


def _organization_for_member(request, pk):
    """The organization and the visitor's membership; 404 for non-members,
    the same answer as for an id that does not exist."""
    organization = selectors.organization(pk)
    found = permissions.membership(request.user, organization) if organization is not None else None
    if found is None:
        raise Http404
    return organization, found


def _require_admin(request, organization):
    if not permissions.can_administer(request.user, organization):
        raise PermissionDenied


def _found(row):
    if row is None:
        raise Http404
    return row


def _shown_name(user, *, full):
    """Admins see whom they manage; members see names, contacts masked."""
    if user.full_name:
        return user.full_name
    return user.get_username() if full else accounts.mask_identifier(user.get_username())


def _render_members(request, organization, found, *, invite_form=None, status=200):
    is_admin = bool(permissions.can_administer(request.user, organization))
    rows = []
    for item in selectors.memberships_of(organization):
        rows.append(
            {
                "membership": item,
                "name": _shown_name(item.user, full=is_admin),
                "is_me": item.user_id == request.user.pk,
                "role_form": MemberRoleForm(initial={"role": item.role}, prefix=f"m{item.pk}") if is_admin else None,
            }
        )
    context = {
        "organization": organization,
        "my_membership": found,
        "is_admin": is_admin,
        "rows": rows,
        "invitations": services.open_invitations(organization).order_by("-created_at") if is_admin else [],
        "invite_form": (invite_form or InviteForm()) if is_admin else None,
        "can_invite": organization.state != Organization.State.BLACKLISTED,
    }
    return render(request, "marketplace/organizations/members.html", context, status=status)


@never_cache
@login_required
def members(request, pk):
    organization, found = _organization_for_member(request, pk)
    return _render_members(request, organization, found)


@require_POST
@login_required
def invite(request, pk):
    organization, found = _organization_for_member(request, pk)
    _require_admin(request, organization)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, _token = services.invite(
                organization, by=request.user, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
            )
        except DomainError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The invitation was sent to %(email)s.") % {"email": invitation.email})
            return redirect("orgs:members", pk=organization.pk)
    return _render_members(request, organization, found, invite_form=form, status=400)


@require_POST
@login_required
def revoke_invitation(request, pk, invitation_pk):
    organization, found = _organization_for_member(request, pk)
    _require_admin(request, organization)
    invitation = _found(selectors.invitation_in(organization, invitation_pk))
    try:
        services.revoke_invitation(invitation, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("orgs:members", pk=organization.pk)


@require_POST
@login_required
def member(request, pk, membership_pk):
    """Change a member's role (``action=role``) or remove them
    (``action=remove``; a member may remove themself: leave)."""
    organization, found = _organization_for_member(request, pk)
    target = _found(selectors.membership_in(organization, membership_pk))
    action = request.POST.get("action")
    leaving = target.user_id == request.user.pk
    if action == "remove":
        if not leaving:
            _require_admin(request, organization)
        try:
            services.remove_member(target, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("orgs:members", pk=organization.pk)
        if leaving:
            messages.success(request, _("You have left %(name)s.") % {"name": organization.name})
            return redirect("orgs:mine")
        messages.success(request, _("The member was removed."))
        return redirect("orgs:members", pk=organization.pk)
    if action == "role":
        _require_admin(request, organization)
        form = MemberRoleForm(request.POST, prefix=f"m{target.pk}")
        if not form.is_valid():
            messages.error(request, _("Choose a role."))
            return redirect("orgs:members", pk=organization.pk)
        try:
            services.set_member_role(target, by=request.user, role=form.cleaned_data["role"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The role was changed."))
        return redirect("orgs:members", pk=organization.pk)
    messages.error(request, _("Choose what to do."))
    return redirect("orgs:members", pk=organization.pk)


@never_cache
def accept_invitation(request, token):
    """GET: what the invitation is for, and an Accept button (or how to sign
    in first); POST: accept."""
    invitation = services.find_invitation(token)
    problem = services.invitation_problem(invitation)
    context = {
        "invitation": invitation,
        "organization": invitation.organization if invitation else None,
        "problem": problem,
        "sign_in_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
        "sign_up_url": f"{reverse('signup')}?{urlencode({'next': request.path})}",
        "verify_url": f"{reverse('verify_pending')}?{urlencode({'next': request.path})}",
    }
    user = request.user
    if user.is_authenticated and invitation is not None:
        context["already_member"] = selectors.is_member_of(user, invitation.organization_id)
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(context["sign_in_url"])
        try:
            joined = services.accept_invitation(token, by=user)
        except DomainError as exc:
            context["problem"] = exc.message
            return render(request, "marketplace/organizations/invitation.html", context, status=400)
        messages.success(
            request,
            _("You joined %(name)s as %(role)s.")
            % {"name": joined.organization.name, "role": joined.get_role_display()},
        )
        return redirect("orgs:workspace", pk=joined.organization_id)
    status = 404 if invitation is None else 200
    return render(request, "marketplace/organizations/invitation.html", context, status=status)
