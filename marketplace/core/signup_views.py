"""Self sign-up (/accounts/signup/) and verification (/accounts/verify/…).
Views show forms and hand valid input to ``marketplace.core.accounts``."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from marketplace.core import accounts
from marketplace.core.account_forms import PhoneCodeForm, SignupForm
from marketplace.core.throttle import client_ip
from marketplace.core.web import safe_next


def _with_next(url, next_url):
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


AFTER_VERIFY = "signup_next"
SIGNUP_SENT = "signup_sent"


def _typed(request):
    # Passwords are never written back into a page.
    return {"identifier": request.POST.get("identifier", "")}


@never_cache
def signup(request):
    next_url = safe_next(request)
    if request.user.is_authenticated:
        messages.info(request, _("You are already signed in."))
        return redirect(next_url or "account")
    if request.method != "POST":
        return render(request, "registration/signup.html", {"form": SignupForm(), "next": next_url})

    ip = client_ip(request)
    if accounts.SIGNUP_PER_IP.blocked(ip):
        return render(
            request,
            "registration/signup.html",
            # What was typed stays in the form (but a password is never echoed).
            {"form": SignupForm(initial=_typed(request)), "next": next_url, "refusal": accounts.THROTTLED_MESSAGE},
            status=429,
        )
    form = SignupForm(request.POST)
    try:
        if form.is_valid():
            try:
                accounts.sign_up(
                    identifier=form.cleaned_data["identifier"],
                    password=form.cleaned_data["password1"],
                    ip=ip,
                    language=getattr(request, "LANGUAGE_CODE", None),  # the page's language becomes theirs
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                # The same answer whether the identifier was new or taken (its
                # owner is told by message): nobody is signed in here, and the
                # next step is the same "check your mail or messages" page.
                request.session[SIGNUP_SENT] = {
                    "kind": form.kind,
                    "contact": accounts.mask_identifier(form.cleaned_data["identifier"]),
                }
                if next_url:
                    # Where to go after the e-mail link (e.g. back to an invitation).
                    request.session[AFTER_VERIFY] = next_url
                return redirect(_with_next(reverse("signup_sent"), next_url))
    finally:
        accounts.SIGNUP_PER_IP.hit(ip)
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@never_cache
def signup_sent(request):
    """After sign-up: "check your e-mail" or "sign in and enter the code"."""
    sent = request.session.get(SIGNUP_SENT)
    next_url = safe_next(request)
    if not sent:
        return redirect(_with_next(reverse("signup"), next_url))
    code_next = _with_next(reverse("verify_pending"), next_url)
    return render(
        request,
        "registration/signup_sent.html",
        {
            "kind": sent.get("kind"),
            "masked_contact": sent.get("contact", ""),
            "hours": settings.SIGNUP_VERIFICATION_HOURS,
            "sign_in_url": _with_next(reverse("login"), code_next),
            "next": next_url,
        },
    )


def _pending_context(request, user, *, code_form=None, next_url=""):
    kind, value = accounts.contact_of(user)
    return {
        "kind": kind,
        "masked_contact": accounts.mask_identifier(value),
        "code_form": code_form or PhoneCodeForm(),
        "tries_left": accounts.phone_code_tries_left(user) if kind == accounts.PHONE else None,
        "hours": settings.SIGNUP_VERIFICATION_HOURS,
        "next": next_url,
    }


@never_cache
@login_required
def verify_pending(request):
    """ "Check your e-mail" or "enter the code"; the code form posts here."""
    user = request.user
    next_url = safe_next(request)
    if user.verified_at is not None:
        return render(request, "registration/verify_done.html", {"already": True, "next": next_url})
    if request.method == "POST":
        form = PhoneCodeForm(request.POST)
        if form.is_valid():
            try:
                verified = accounts.verify_phone_code(user, form.cleaned_data["code"])
            except accounts.AccountError as exc:
                form.add_error(None, exc.message)
            else:
                if verified:
                    messages.success(request, _("Your mobile number is confirmed."))
                    return render(request, "registration/verify_done.html", {"already": False, "next": next_url})
                form.add_error(
                    "code",
                    _("That code is wrong. Tries left: %(count)d.") % {"count": accounts.phone_code_tries_left(user)},
                )
        context = _pending_context(request, user, code_form=form, next_url=next_url)
        return render(request, "registration/verify_pending.html", context, status=400)
    return render(request, "registration/verify_pending.html", _pending_context(request, user, next_url=next_url))


@require_POST
@login_required
def verify_resend(request):
    next_url = safe_next(request)
    try:
        kind = accounts.resend_verification(request.user)
    except accounts.AccountError as exc:
        messages.error(request, exc.message)
    else:
        if kind == accounts.EMAIL:
            messages.success(request, _("A new confirmation link is on its way to your e-mail."))
        elif kind == accounts.PHONE:
            messages.success(request, _("A new code is on its way to your mobile phone."))
    return redirect(_with_next(reverse("verify_pending"), next_url))


@never_cache
def verify_email(request, token):
    """The link in the e-mail: valid with or without signing in."""
    try:
        accounts.verify_email_token(token, user=request.user)
    except accounts.AccountError as exc:
        return render(request, "registration/verify_failed.html", {"error": exc.message}, status=400)
    # The browser that signed up (its session holds where sign-up began) goes back there.
    next_url = safe_next(request, value=request.session.pop(AFTER_VERIFY, ""))
    return render(request, "registration/verify_done.html", {"already": False, "email": True, "next": next_url})
