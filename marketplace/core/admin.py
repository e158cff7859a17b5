"""The sign-in lockout in the Wagtail admin: failed sign-in attempts, who is
locked out now, and a reset for platform administrators.  Read-only apart
from the resets (each one an audit event, each one after a fresh password +
code, ``reauth_required``).  Resetting a second factor is for superusers
only (see ``_reset_second_factor``)."""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from marketplace.core import lockout, reauth, sessions, twofactor

PERMISSION = "marketplace.manage_platform"


def may_manage(user):
    return user.is_active and (user.is_superuser or user.has_perm(PERMISSION))


def may_reset_second_factor(user):
    return user.is_active and user.is_superuser


class SignInAttemptsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "marketplace/core/admin/attempts.html"
    page_title = gettext_lazy("Sign-in attempts")
    header_icon = "lock"

    def dispatch(self, request, *args, **kwargs):
        if not may_manage(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        since = timezone.now() - get_cool_off()
        attempts = list(AccessAttempt.objects.filter(attempt_time__gte=since).order_by("-attempt_time")[:500])
        per_account = dict(
            AccessAttempt.objects.filter(attempt_time__gte=since)
            .values_list("username")
            .annotate(n=Sum("failures_since_start"))
            .values_list("username", "n")
        )
        per_address = dict(
            AccessAttempt.objects.filter(attempt_time__gte=since)
            .values_list("ip_address")
            .annotate(n=Sum("failures_since_start"))
            .values_list("ip_address", "n")
        )
        for attempt in attempts:
            attempt.account_locked = per_account.get(attempt.username, 0) >= settings.AXES_FAILURE_LIMIT
            attempt.address_locked = per_address.get(attempt.ip_address, 0) >= settings.LOCKOUT_ADDRESS_FAILURE_LIMIT
        context.update(
            {
                "attempts": attempts,
                "account_limit": settings.AXES_FAILURE_LIMIT,
                "address_limit": settings.LOCKOUT_ADDRESS_FAILURE_LIMIT,
                "minutes": lockout.cool_off_minutes(),
                "may_reset_second_factor": may_reset_second_factor(self.request.user),
            }
        )
        return context

    @method_decorator(reauth.reauth_required)
    def post(self, request, *args, **kwargs):
        from marketplace.core.audit import record_event

        kind = request.POST.get("reset")
        value = request.POST.get("value", "")[:255]
        if kind == "second_factor":
            return self._reset_second_factor(request, value.strip())
        if kind == "account" and value:
            count = lockout.reset(username=value)
        elif kind == "address" and value:
            count = lockout.reset(ip_address=value)
        else:
            messages.error(request, _("Nothing was reset."))
            return redirect("sign_in_attempts")
        record_event("security.lockout_reset", actor=request.user, details={"kind": kind, "rows": count})
        messages.success(request, _("The lockout was lifted (%(count)s records removed).") % {"count": count})
        return redirect("sign_in_attempts")

    def _reset_second_factor(self, request, username):
        """A lost phone without backup codes: the account sets up a new
        authenticator at its next sign-in.  Superusers only, never one's own:
        whoever knows (or set) an account's password and may reset its
        second factor can enrol their own authenticator on it.  Every session
        of the account ends (``core.sessions``), so the enrolment needs a
        fresh sign-in with the password."""
        from marketplace.core.audit import record_event
        from marketplace.core.models.users import User

        if not may_reset_second_factor(request.user):
            raise PermissionDenied
        user = User.objects.filter(username=username).first()
        if user is None or user.pk == request.user.pk:
            messages.error(request, _("This account's second factor cannot be reset here."))
            return redirect("sign_in_attempts")
        with transaction.atomic():
            removed = twofactor.reset_second_factor(user)
            how, ended = sessions.end_sessions(user)
            record_event(
                "user.second_factor_reset",
                actor=request.user,
                obj=user,
                details={"devices": removed, "sessions": how, "sessions_ended": ended},
            )
        done = _("The second factor of %(name)s was reset: a new one is set up at the next sign-in.")
        messages.success(request, done % {"name": username})
        if how == sessions.PASSWORD_DISABLED:
            messages.warning(
                request, _("Their password was disabled too: they set a new one with “Forgot your password?”.")
            )
        return redirect("sign_in_attempts")


class SignInAttemptsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_manage(request.user)


@hooks.register("register_admin_urls")
def register_sign_in_attempt_urls():
    return [path("sign-in-attempts/", SignInAttemptsView.as_view(), name="sign_in_attempts")]


@hooks.register("register_settings_menu_item")
def register_sign_in_attempts_menu_item():
    return SignInAttemptsMenuItem(
        gettext_lazy("Sign-in attempts"), reverse("sign_in_attempts"), icon_name="lock", order=900
    )
