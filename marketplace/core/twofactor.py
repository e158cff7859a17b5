"""Second factor (django-otp): TOTP plus one-time backup codes.

Who needs it: procurement officers, finance officers, platform
administrators and superusers (``requires_second_factor``).  Their password
sign-in, wherever it happens, gives a session that ``SecondFactorMiddleware``
confines to the enrolment / verification pages and sign-out until a code is
typed; the middleware also signs such sessions out after
``SESSION_IDLE_MINUTES`` without a request.

Enrolment (on the first sign-in after the role is granted): an unconfirmed
TOTP device is made, its secret shown as a QR code (inline SVG, segno) and
as base32 text; the first correct code confirms it, verifies the session,
and ten backup codes are shown once.  The enrolment is an audit event.
"""

import base64
import time

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

# Permissions that mark the roles which must use a second factor.
SECOND_FACTOR_PERMISSIONS = (
    "marketplace.manage_procurement",  # procurement officer
    "marketplace.approve_payment",  # finance officer
    "marketplace.manage_platform",  # platform administrator
)
BACKUP_CODE_COUNT = 10
LAST_SEEN_KEY = "security_last_seen"
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup"


def requires_second_factor(user):
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(user.has_perm(perm) for perm in SECOND_FACTOR_PERMISSIONS)


def confirmed_totp(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enrolled(user):
    return confirmed_totp(user) is not None


def is_verified(request):
    user = request.user
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def secret_base32(device):
    return base64.b32encode(device.bin_key).decode("ascii")


def qr_svg(device):
    """The ``otpauth://`` URL as an inline SVG (no script, no image file)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=4, dark="#000", light="#fff")


def pending_device(user):
    """The unconfirmed TOTP device being enrolled (made on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_DEVICE_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def new_backup_codes(user):
    """Replace the user's backup codes with ``BACKUP_CODE_COUNT`` fresh ones
    and return them (shown once; each works once)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def reset_second_factor(user):
    """Remove every device of the user (authenticator and backup codes);
    returns how many.  The next sign-in asks to set up a new one."""
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        removed += StaticDevice.objects.filter(user=user).delete()[0]
    return removed


def _clean_code(code):
    return "".join(str(code or "").split()).lower()


def match_code(user, code):
    """The device that accepts ``code`` (a TOTP code or an unused backup
    code; a backup code is used up), or ``None``.  Wrong codes slow the
    device down (django-otp throttling)."""
    code = _clean_code(code)
    if not code:
        return None
    # Six digits are an app code, anything else a backup code: a wrong guess
    # slows down only the device it was meant for.
    model = TOTPDevice if code.isdigit() and len(code) <= 8 else StaticDevice
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    return None


def verify(request, code):
    """Check a code for the signed-in user and mark the session verified."""
    device = match_code(request.user, code)
    if device is not None:
        django_otp.login(request, device)
        touch(request)
    return device


def confirm_enrolment(request, device, code):
    """Confirm a pending device with its first code.  Returns the backup
    codes, or ``None`` when the code is wrong."""
    from marketplace.core import reauth
    from marketplace.core.audit import record_event

    user = request.user
    if device.user_id != user.pk or device.confirmed:
        return None
    if not device.verify_token(_clean_code(code)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_backup_codes(user)
        record_event("user.second_factor_enrolled", actor=user, obj=user, details={"method": "totp"})
    django_otp.login(request, device)
    reauth.mark_fresh(request)
    touch(request)
    return codes


# --- the session guard -----------------------------------------------------------------


def idle_seconds():
    return int(getattr(settings, "SESSION_IDLE_MINUTES", 30)) * 60


def touch(request):
    request.session[LAST_SEEN_KEY] = int(time.time())


def _open_paths():
    paths = [
        reverse("logout"),
        reverse("second_factor_verify"),
        reverse("second_factor_enrol"),
        reverse("wagtailadmin_logout"),
        "/i18n/",
        settings.STATIC_URL,
    ]
    return tuple(p for p in paths if p)


class SecondFactorMiddleware:
    """After ``OTPMiddleware``: for the roles that need a second factor,
    sign out idle sessions, and send a session that has not typed its code
    to enrolment or verification, whatever page it asks for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and requires_second_factor(user):
            response = self._guard(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _guard(self, request):
        now = int(time.time())
        last_seen = request.session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - int(last_seen) > idle_seconds():
            logout(request)
            messages.info(
                request,
                _("You were signed out after %(minutes)s minutes without activity. Sign in again.")
                % {"minutes": idle_seconds() // 60},
            )
            return redirect_to_login(request.get_full_path())
        if last_seen is None or now - int(last_seen) >= 10:
            request.session[LAST_SEEN_KEY] = now
        if is_verified(request) or request.path_info.startswith(_open_paths()):
            return None
        target = "second_factor_verify" if is_enrolled(request.user) else "second_factor_enrol"
        return redirect_to_login(request.get_full_path(), login_url=reverse(target))
