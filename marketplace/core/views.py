"""Sign-in, second factor, re-authentication, password change and reset:
the account-security pages.  Every page works without JavaScript."""

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from marketplace.core import lockout, reauth, twofactor, workspace
from marketplace.core.throttle import Throttle, client_ip
from marketplace.core.web import safe_next

# Password-reset mails: per client address and per e-mail address (account).
RESET_PER_ADDRESS = Throttle("password-reset-ip", limit=10, window_seconds=3600)
RESET_PER_ACCOUNT = Throttle("password-reset-account", limit=3, window_seconds=3600)


class SignInForm(AuthenticationForm):
    """Django's sign-in form, worded for people who signed up with a mobile
    number or an e-mail address (their account has no other “user name”):
    the field and its error say what may be typed.  The check and the
    lockout are unchanged (the authentication backends)."""

    identifier_label = gettext_lazy("Mobile number, e-mail or user name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = self.identifier_label
        self.fields["username"].widget.attrs.setdefault("autocomplete", "username")

    def get_invalid_login_error(self):
        return ValidationError(
            self.error_messages["invalid_login"], code="invalid_login", params={"username": self.identifier_label}
        )


class SignInView(auth_views.LoginView):
    """The one password sign-in: ``/accounts/login/``, and the same view at
    ``/admin/login/`` and ``/_util/login/`` (Wagtail's).  The lockout is in
    the authentication backends (``marketplace.core.lockout``); the second
    factor is asked next by ``SecondFactorMiddleware``."""

    template_name = "registration/login.html"
    authentication_form = SignInForm

    def get_redirect_url(self):
        """The ``next`` address, if it is one on this site (``safe_next``)."""
        return safe_next(self.request, "")

    def get_default_redirect_url(self):
        """Without ``next``: the person's workspace (``core.workspace``); the
        admin's sign-in keeps its own ``next_page``."""
        if self.next_page:
            return super().get_default_redirect_url()
        return workspace.workspace_url(self.request.user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self._may_go_on(request):
            return redirect(self.get_success_url())
        return super().dispatch(request, *args, **kwargs)

    def _may_go_on(self, request):
        # An account without admin access asked to sign in for the admin
        # stays on the form (redirecting would loop between the two).
        target = self.get_success_url()
        if target.startswith("/admin/") and not request.user.has_perm("wagtailadmin.access_admin"):
            return False
        return target != request.path


class AdminSignInView(SignInView):
    next_page = "/admin/"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=gettext_lazy("The six digits your authenticator app shows now, or one of your backup codes."),
        error_messages={"required": gettext_lazy("Enter the code.")},
    )


class EnrolForm(CodeForm):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=gettext_lazy("The six digits your authenticator app shows for this account."),
        error_messages={"required": gettext_lazy("Enter the code.")},
    )


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
def verify(request):
    """The second step of sign-in for enrolled users."""
    if not twofactor.requires_second_factor(request.user):
        return redirect(safe_next(request, "/accounts/"))
    if not twofactor.is_enrolled(request.user):
        return redirect("second_factor_enrol")
    if twofactor.is_verified(request):
        return redirect(safe_next(request, "/accounts/"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify(request, form.cleaned_data["code"]) is not None:
            reauth.mark_fresh(request)
            return redirect(safe_next(request, "/accounts/"))
        form.add_error("code", _("This code is not correct or was already used. Wait for the next code and try again."))
    context = {"form": form, "next": safe_next(request, "")}
    return _no_store(render(request, "marketplace/core/second_factor_verify.html", context))


@never_cache
@login_required
def enrol(request):
    """Set up the authenticator app: QR code and secret, then one code to
    confirm; the backup codes are shown once, on the confirmation page."""
    user = request.user
    if not twofactor.requires_second_factor(user):
        return redirect("account")
    if twofactor.is_enrolled(user):
        if twofactor.is_verified(request):
            return redirect(safe_next(request, "/accounts/"))
        return redirect("second_factor_verify")
    device = twofactor.pending_device(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.confirm_enrolment(request, device, form.cleaned_data["code"])
        if codes is not None:
            return _no_store(
                render(
                    request,
                    "marketplace/core/second_factor_done.html",
                    {"codes": codes, "next": safe_next(request, "/accounts/")},
                )
            )
        form.add_error("code", _("This code is not correct. Check the time on your phone and type the code shown now."))
    return _no_store(
        render(
            request,
            "marketplace/core/second_factor_enrol.html",
            {
                "form": form,
                "qr_svg": twofactor.qr_svg(device),
                "secret": twofactor.secret_base32(device),
                "next": safe_next(request, ""),
            },
        )
    )


@never_cache
@login_required
def reauthenticate(request):
    """The re-authentication page on its own: password and code, then back."""
    next_url = safe_next(request, "/accounts/")
    if not reauth.applies(request.user):
        return redirect(next_url)
    if request.method == "POST":
        form = reauth.ReauthForm(request.POST, request=request)
        if form.is_valid():
            reauth.mark_fresh(request)
            return redirect(next_url)
        return _no_store(reauth.render_reauth(request, form, status=200, action=request.path, next_url=next_url))
    form = reauth.ReauthForm(request=request)
    return _no_store(reauth.render_reauth(request, form, status=200, action=request.path, next_url=next_url))


class LockoutPasswordChangeForm(PasswordChangeForm):
    """The old password is checked under the sign-in lockout."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            correct = lockout.check_password(self.request, self.user, old_password)
        except lockout.LockedOutError as exc:
            raise forms.ValidationError(exc.message, code="locked") from None
        if not correct:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = LockoutPasswordChangeForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["request"] = self.request
        return kwargs


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Reset mails are limited per client address (the form says so) and per
    e-mail address (silently: the page reads the same, so it tells nobody
    whether the address has an account)."""

    def form_valid(self, form):
        ip = client_ip(self.request)
        if RESET_PER_ADDRESS.blocked(ip):
            form.add_error(None, _("Too many password-reset requests from your network. Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        RESET_PER_ADDRESS.hit(ip)
        account = form.cleaned_data["email"].strip().lower()
        if RESET_PER_ACCOUNT.hit(account) > RESET_PER_ACCOUNT.limit:
            return redirect(self.get_success_url())
        return super().form_valid(form)


__all__ = [
    "AdminSignInView",
    "PasswordChangeView",
    "PasswordResetForm",
    "PasswordResetView",
    "SignInView",
    "enrol",
    "reauthenticate",
    "verify",
]
