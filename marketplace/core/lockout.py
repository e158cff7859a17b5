"""One sign-in lockout for every way to authenticate (django-axes).

Every password check goes through ``django.contrib.auth.authenticate`` with
the request, so the first backend (``LockoutBackend``, an axes backend)
refuses a locked-out account or address before any password is compared,
and every wrong password is recorded in the database (``axes.AccessAttempt``)
where platform administrators see and reset them (``marketplace.core.admin``).
The ways in: the site's sign-in (also served at ``/admin/login/`` and
``/_util/login/``), the password re-entry when a member confirms the
evaluation report, the re-authentication page before irreversible steps,
and the password-change form (``check_password`` below).

Two limits, both counted over ``AXES_COOLOFF_TIME`` since the last failure:

* per account: ``AXES_FAILURE_LIMIT`` wrong passwords for one account, from
  anywhere.  The account is the *normalised* one (``account_username``): an
  e-mail address in another case or a mobile number with +86 counts for the
  same account as the user name itself;
* per address: ``LOCKOUT_ADDRESS_FAILURE_LIMIT`` wrong passwords from one
  client address, whatever the account.
"""

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Sum
from django.http import QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from marketplace.core.accounts import IdentifierBackend, account_username
from marketplace.core.network import client_ip

LOCKED_OUT_MESSAGE = gettext_lazy(
    "Too many wrong passwords. Signing in to this account or from your network is paused for "
    "%(minutes)s minutes; wait, then try again. If you forgot your password, reset it."
)


def cool_off_minutes(request=None):
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def locked_out_message(request=None):
    return LOCKED_OUT_MESSAGE % {"minutes": cool_off_minutes(request)}


class LockoutBackend(AxesStandaloneBackend):
    """The first authentication backend: refuses locked-out attempts.

    A call without a request (no client address to count) is refused too,
    except where ``LOCKOUT_ALLOW_REQUESTLESS`` is set: the test settings set
    it for Django's test client ``login()``, which authenticates without one."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            if getattr(settings, "LOCKOUT_ALLOW_REQUESTLESS", False):
                return None
            raise AxesBackendRequestParameterRequired("Authentication needs the request (for the sign-in lockout).")
        return super().authenticate(request, username=username, password=password, **kwargs)


class AccountBackend(LockoutBackend, IdentifierBackend):
    """The one authentication backend: the lockout check first, then the
    sign-in by user name, e-mail address or mobile number
    (``IdentifierBackend``).  One backend, not two in a row, so that
    ``User.objects.with_perm`` keeps working without naming a backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        LockoutBackend.authenticate(self, request, username=username, password=password, **kwargs)  # raises if locked
        kwargs.pop("response_context", None)
        return IdentifierBackend.authenticate(self, request, username=username, password=password, **kwargs)


def lockout_username(request, credentials):
    """``AXES_USERNAME_CALLABLE``: the account the attempt is for, normalised
    like the sign-in backend does, so that ``Officer@Example.cn`` and
    ``officer@example.cn`` count for one account."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        typed = credentials.get(field)
    else:
        typed = getattr(request, "POST", {}).get(field) if request is not None else None
    if typed is None:
        return None
    return account_username(typed)[:255]


class LockoutHandler(AxesDatabaseHandler):
    """The database handler with two limits: per account and per address.

    The posted form is not stored with the attempt (axes would keep every
    field but one named ``password``: a mistyped password in another field,
    a code, a confirmation text); the account, address, browser and path are."""

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is None:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        posted = request.POST
        request.POST = QueryDict()
        try:
            return super().user_login_failed(sender, credentials, request, **kwargs)
        finally:
            request.POST = posted

    def get_failures(self, request, credentials=None):
        username = get_client_username(request, credentials)
        per_account, per_address = failure_counts(request, username, request.axes_ip_address)
        if per_address >= settings.LOCKOUT_ADDRESS_FAILURE_LIMIT:
            return max(per_account, get_failure_limit(request, credentials))
        return per_account


def failure_counts(request, username, ip_address):
    """Wrong passwords within the cool-off: ``(for the account, from the address)``."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
    per_account = 0
    if username:
        per_account = recent.filter(username=username).aggregate(n=Sum("failures_since_start"))["n"] or 0
    per_address = 0
    if ip_address:
        per_address = recent.filter(ip_address=ip_address).aggregate(n=Sum("failures_since_start"))["n"] or 0
    return per_account, per_address


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: a page that says what happened and when to
    try again, in the user's language (HTTP 429)."""
    return render(
        request,
        "marketplace/core/locked_out.html",
        {"message": locked_out_message(request), "minutes": cool_off_minutes(request)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def is_locked(request, username):
    """Whether attempts for this account from this request's address are
    refused now."""
    return not AxesProxyHandler.is_allowed(request, {settings.AXES_USERNAME_FORM_FIELD: username})


class LockedOutError(Exception):
    def __init__(self, request=None):
        super().__init__(locked_out_message(request))
        self.message = str(self)


def check_password(request, user, password):
    """Re-entry of the signed-in user's own password, under the lockout.

    ``True`` when ``password`` is the user's password.  A wrong one counts
    as a failed attempt (and may lock the account); ``LockedOutError`` is raised
    when the account or address is locked, without comparing the password.

    The caller turns ``LockedOutError`` into an error on its own form, which
    is shown again with everything else the user typed (the re-entry pages
    are not the sign-in page).  So the lock is not left flagged on the
    request: axes' middleware would swap that page for the bare lockout page
    (``lockout_response``) and lose the form.  The form stays refused while
    the lock lasts: the next call raises again, before any password check."""
    username = user.get_username()
    if is_locked(request, username):
        raise LockedOutError(request)
    if not password:
        return False
    found = authenticate(request, username=username, password=password)
    if found is None and getattr(request, "axes_locked_out", False):
        request.axes_locked_out = False  # reported on the form instead (see above)
        raise LockedOutError(request)
    return found is not None and found.pk == user.pk


def reset(*, username=None, ip_address=None):
    """Lift a lockout (the admin's reset action); returns the rows removed."""
    return AxesProxyHandler.reset_attempts(username=username, ip_address=ip_address)


def client_address(request):
    """``AXES_CLIENT_IP_CALLABLE``: the same address the other throttles use
    (``marketplace.core.network.client_ip``: a valid address or None)."""
    return client_ip(request) or None


__all__ = [
    "LOCKED_OUT_MESSAGE",
    "LockedOutError",
    "LockoutBackend",
    "LockoutHandler",
    "check_password",
    "client_address",
    "failure_counts",
    "is_locked",
    "lockout_response",
    "lockout_username",
    "reset",
]
