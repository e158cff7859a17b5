"""A person's own account: self sign-up, proving the e-mail address or mobile
number (verification), signing in with either, and the in-site notices.

Anyone may sign up with an e-mail address or a mainland mobile number and a
password; the identifier, normalised, becomes the user name.  The account may
sign in at once, but ``verified_at`` stays empty (and the services refuse to
let it start or join an organization) until the person follows the e-mailed
link or types the texted six-digit code.

* E-mail: a ``TimestampSigner`` token (salt ``signup-verify``) naming the
  user and a hash of the address, valid ``SIGNUP_VERIFICATION_HOURS``.
* Mobile: a random six-digit code, kept only as a keyed hash in the cache for
  15 minutes; five wrong tries use it up.

Nothing here writes an e-mail address or a number into the audit log.
"""

import hashlib
import re
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.core import languages, messages, notifications
from marketplace.core.audit import record_event
from marketplace.core.errors import DomainError
from marketplace.core.masking import mask_identifier  # noqa: F401  (part of this module's interface)
from marketplace.core.models.notices import Notice
from marketplace.core.models.users import User
from marketplace.core.throttle import Throttle

EMAIL = "email"
PHONE = "phone"

VERIFY_SALT = "signup-verify"
CODE_SECONDS = 15 * 60
CODE_MAX_TRIES = 5

# Sign-up attempts (every POST, good or bad) per client address.  A street
# office or a community centre signs up several organizations from one
# address in an afternoon; a flood is hundreds.
SIGNUP_PER_IP = Throttle("signup-ip", limit=20, window_seconds=3600)
# "Send again": three per user in 15 minutes.
RESEND_PER_USER = Throttle("signup-resend", limit=3, window_seconds=15 * 60)

MOBILE = re.compile(r"1[3-9]\d{9}")
_SEPARATORS = re.compile(r"[\s\-()（）]")

THROTTLED_MESSAGE = gettext_lazy("Too many sign-up attempts from your network. Please try again in an hour.")


class AccountError(DomainError):
    """A verification or sign-up rule was broken; the message is for the user."""

    default_code = "account"


# --- identifiers --------------------------------------------------------------------


def normalise_identifier(raw):
    """``("email", "name@example.cn")`` or ``("phone", "13800138000")``.

    E-mail addresses are lower-cased; a mainland mobile number may be typed
    with +86, spaces or dashes and comes back as its 11 digits.  Anything else
    raises ``ValidationError``."""
    value = (raw or "").strip()
    if not value:
        raise ValidationError(_("Enter your e-mail address or mobile number."), code="required")
    if "@" in value:
        value = value.lower()
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(
                _("This is not a valid e-mail address. Check it, e.g. name@example.cn."), code="invalid"
            ) from None
        if len(value) > 150:
            raise ValidationError(_("This e-mail address is too long (at most 150 characters)."), code="invalid")
        return EMAIL, value
    digits = _SEPARATORS.sub("", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if MOBILE.fullmatch(digits):
        return PHONE, digits
    if digits.isdigit():
        raise ValidationError(
            _("A mainland mobile number has 11 digits and starts with 13 to 19, e.g. 13800138000."), code="invalid"
        )
    raise ValidationError(
        _("Enter an e-mail address (e.g. name@example.cn) or an 11-digit mainland mobile number."), code="invalid"
    )


def _phone_variants(number):
    """Ways an administrator may have typed the number in a ``phone`` field."""
    spaced = f"{number[:3]} {number[3:7]} {number[7:]}"
    dashed = f"{number[:3]}-{number[3:7]}-{number[7:]}"
    return [number, spaced, dashed, f"+86{number}", f"+86 {number}", f"+86-{number}", f"86{number}", f"0086{number}"]


def identifier_taken(kind, value):
    """Whether an account already uses this e-mail address or number (as its
    user name, e-mail or phone)."""
    if kind == EMAIL:
        query = Q(username__iexact=value) | Q(email__iexact=value)
    else:
        query = Q(username__in=_phone_variants(value)) | Q(phone__in=_phone_variants(value))
    return User.objects.filter(query).exists()


def contact_of(user):
    """What the account verifies: ``(kind, value)``, e-mail first."""
    if user.email:
        return EMAIL, user.email
    if user.phone:
        return PHONE, user.phone
    return None, ""


# --- sign-up --------------------------------------------------------------------------


def check_password(password, *, kind, value):
    """Django's password validators, applied to the account about to exist."""
    candidate = User(username=value, email=value if kind == EMAIL else "", phone=value if kind == PHONE else "")
    validate_password(password, user=candidate)


OWNER_NOTICE_PER_IDENTIFIER = Throttle("signup-owner-notice", limit=3, window_seconds=3600)


def sign_up(*, identifier, password, ip, language=None):
    """Create an unverified account and send its verification.  Raises
    ``ValidationError`` (a dict naming the field) and creates nothing when
    the identifier is invalid, the password weak, or the address ``ip`` has
    tried too often (``SIGNUP_PER_IP``; the caller counts each attempt).

    Whether the identifier is already taken is never told to the person
    signing up: they get the same answer either way ("check your mail or
    messages"), and the account's owner is told by message instead.  Returns
    the new user, or ``None`` when the identifier was taken.

    ``language`` is the language the person signed up in (by default the one
    active now): it becomes their language (``core/languages.py``), and the
    messages of the sign-up are written in it."""
    language = languages.supported(language) or languages.current()
    if SIGNUP_PER_IP.blocked(ip):
        raise ValidationError({"__all__": [ValidationError(str(THROTTLED_MESSAGE), code="throttled")]})
    try:
        kind, value = normalise_identifier(identifier)
    except ValidationError as exc:
        raise ValidationError({"identifier": exc.error_list}) from None
    try:
        # Before the look-up: a weak password is refused alike for a new and a taken identifier.
        check_password(password, kind=kind, value=value)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.error_list}) from None
    if identifier_taken(kind, value):
        make_password(password)  # about as long as creating the account takes
        tell_owner_of_signup_attempt(kind, value, language=language)
        return None
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=value,
                email=value if kind == EMAIL else "",
                phone=value if kind == PHONE else "",
                password=password,
                self_signed_up=True,  # unverified until the link or code comes back
            )
            record_event("user.signup", actor=user, obj=user, details={"kind": kind})
            languages.remember(user, language)
            send_verification(user)
    except IntegrityError:
        # The same identifier signed up a moment ago from elsewhere.
        tell_owner_of_signup_attempt(kind, value, language=language)
        return None
    return user


def tell_owner_of_signup_attempt(kind, value, *, language):
    """Someone signed up with an e-mail address or number that has an
    account: tell its owner (at most three times an hour), not the visitor
    (in the language of the sign-up form, as the address is all we go by)."""
    if OWNER_NOTICE_PER_IDENTIFIER.blocked(f"{kind}:{value}"):
        return
    OWNER_NOTICE_PER_IDENTIFIER.hit(f"{kind}:{value}")
    context = {
        "sign_in": notifications.absolute_url(reverse("login")),
        "reset": notifications.absolute_url(reverse("password_reset")),
    }
    if kind == EMAIL:
        notifications.send(messages.SIGNUP_ATTEMPT, [notifications.Address(email=value)], context, language=language)
    else:
        notifications.send(
            messages.SIGNUP_ATTEMPT_SMS, [notifications.Address(phone=value)], context, language=language
        )


# --- verification -----------------------------------------------------------------------


def _email_digest(email):
    return hashlib.sha256((email or "").strip().lower().encode("utf-8")).hexdigest()[:20]


def make_email_token(user):
    # The address is in the token only as a hash: links end up in logs.
    signer = signing.TimestampSigner(salt=VERIFY_SALT)
    return signer.sign_object({"u": user.pk, "e": _email_digest(user.email)})


def _code_key(user):
    return f"signup-code:{user.pk}"


def _code_hash(user, code):
    return salted_hmac("signup-code", f"{user.pk}:{code}").hexdigest()


def send_verification(user):
    """E-mail the link or text a new code (after commit).  Nothing for a
    verified account or one with neither contact.  Returns the kind sent."""
    if user.verified_at is not None:
        return None
    kind = contact_of(user)[0]  # the message goes to the user, at that address or number
    if kind == EMAIL:
        token = make_email_token(user)
        link = notifications.absolute_url(reverse("verify_email", args=[token]))
        notifications.send(messages.VERIFY_EMAIL, [user], {"hours": settings.SIGNUP_VERIFICATION_HOURS, "link": link})
    elif kind == PHONE:
        code = f"{secrets.randbelow(10**6):06d}"
        cache.set(
            _code_key(user),
            {"hash": _code_hash(user, code), "expires": time.time() + CODE_SECONDS},
            CODE_SECONDS,
        )
        notifications.send(messages.VERIFICATION_CODE, [user], {"code": code})
    return kind


def resend_verification(user):
    """The "send again" button: at most three times in 15 minutes."""
    if user.verified_at is not None:
        raise AccountError(_("Your account is already confirmed."), code="already_verified")
    if RESEND_PER_USER.blocked(user.pk):
        raise AccountError(
            _("You asked for a new message three times in 15 minutes. Wait a while, then try again."), code="throttled"
        )
    RESEND_PER_USER.hit(user.pk)
    return send_verification(user)


def _mark_verified(user, method):
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.verified_at is None:
            user.verified_at = timezone.now()
            user.save(update_fields=["verified_at"])
            record_event("user.verify", actor=user, obj=user, details={"method": method})
    return user


def verify_email_token(token, *, user=None):
    """Confirm the e-mail address from the link's token.  ``user``, when
    signed in, must be the account the token names.  Returns the (verified)
    user; raises ``AccountError`` and changes nothing otherwise."""
    signer = signing.TimestampSigner(salt=VERIFY_SALT)
    try:
        data = signer.unsign_object(token, max_age=timedelta(hours=settings.SIGNUP_VERIFICATION_HOURS))
    except signing.SignatureExpired:
        raise AccountError(
            _("This confirmation link has expired. Sign in and ask for a new one on the confirmation page."),
            code="link_expired",
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise AccountError(
            _("This confirmation link is not valid. Copy the whole link from the e-mail."), code="link_invalid"
        ) from None
    if not isinstance(data, dict):
        raise AccountError(
            _("This confirmation link is not valid. Copy the whole link from the e-mail."), code="link_invalid"
        )
    account = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if account is None or not constant_time_compare(_email_digest(account.email), str(data.get("e", ""))):
        raise AccountError(
            _("This confirmation link is not valid. Copy the whole link from the e-mail."), code="link_invalid"
        )
    if user is not None and user.is_authenticated and user.pk != account.pk:
        raise AccountError(
            _("This confirmation link belongs to another account. Sign out, then open the link again."),
            code="link_other_account",
        )
    if account.verified_at is not None:
        return account
    return _mark_verified(account, EMAIL)


# Wrong tries are counted atomically (cache add/incr), per texted code, so
# guesses sent in parallel cannot get more than five.
CODE_TRIES = Throttle("signup-code-tries", limit=CODE_MAX_TRIES, window_seconds=CODE_SECONDS)


def _tries_key(user, entry):
    return f"{user.pk}:{entry['hash']}"


def phone_code_tries_left(user):
    entry = cache.get(_code_key(user))
    if not entry or entry["expires"] <= time.time():
        return 0
    return max(CODE_MAX_TRIES - CODE_TRIES.count(_tries_key(user, entry)), 0)


def verify_phone_code(user, code):
    """True when ``code`` is the texted code (the account is then verified),
    False for a wrong code.  Raises ``AccountError`` when no code is valid
    (expired, never sent, or five wrong tries): a new one is needed."""
    if user.verified_at is not None:
        return True
    key = _code_key(user)
    entry = cache.get(key)
    now = time.time()
    if not entry or entry["expires"] <= now:
        cache.delete(key)
        raise AccountError(_("The code has expired. Ask for a new code."), code="code_expired")
    tries_key = _tries_key(user, entry)
    if CODE_TRIES.blocked(tries_key):
        raise AccountError(_("The code was entered wrongly five times. Ask for a new code."), code="code_tries")
    code = re.sub(r"\s", "", str(code or ""))
    if re.fullmatch(r"\d{6}", code) and constant_time_compare(_code_hash(user, code), entry["hash"]):
        if CODE_TRIES.count(tries_key) >= CODE_MAX_TRIES:  # used up by guesses running alongside this one
            raise AccountError(_("The code was entered wrongly five times. Ask for a new code."), code="code_tries")
        cache.delete(key)
        _mark_verified(user, PHONE)
        user.refresh_from_db(fields=["verified_at"])
        return True
    if CODE_TRIES.hit(tries_key) >= CODE_MAX_TRIES:
        raise AccountError(_("The code was entered wrongly five times. Ask for a new code."), code="code_tries")
    return False


# --- signing in with the e-mail address or number -------------------------------------


class IdentifierBackend(ModelBackend):
    """Sign in with the e-mail address in any case, or the mobile number
    with +86, spaces or dashes: the user name typed is normalised as at
    sign-up.  User names that are neither (``admin``) work as typed."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.pop(User.USERNAME_FIELD, None)
        if username is None or password is None:
            return None
        return super().authenticate(request, username=account_username(username), password=password, **kwargs)


def account_username(typed):
    """The user name an identifier typed at sign-in stands for: the e-mail
    address or mobile number normalised as at sign-up when an account has
    it as its user name, else the text as typed (stripped).  The sign-in
    lockout counts attempts under this name (``marketplace.core.lockout``)."""
    typed = str(typed or "").strip()
    try:
        _kind, value = normalise_identifier(typed)
    except ValidationError:
        return typed
    if value != typed and not User._default_manager.filter(username=value).exists():
        return typed
    return value


# --- in-site notices ------------------------------------------------------------------------


def open_notice(user, pk):
    """Mark one of the user's own notices read and return it (``None`` if
    it is not theirs)."""
    notice = Notice.objects.filter(user=user, pk=pk).first()
    if notice is not None and notice.read_at is None:
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
    return notice


def mark_all_notices_read(user):
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
