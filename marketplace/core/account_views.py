import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from marketplace.core import digests, languages
from marketplace.core.account_forms import DigestForm
from marketplace.core.roles import ROLES

# Sign-in itself (with its lockout and second factor) is marketplace.core.views.SignInView.

logger = logging.getLogger(__name__)


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        logger.exception("Health check: database not answering")
        return False


def _check_broker():
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
            _channel = conn.default_channel  # virtual transports (Redis) connect only when a channel opens
        return True
    except Exception:  # noqa: BLE001
        logger.exception("Health check: broker not answering")
        return False


# The broker's last answer in this process: (broker URL, monotonic time, ok).  A connection per
# request cost ten times a bare page (issue 18), and a load balancer asks every second or two; so
# /healthz reports an answer at most HEALTHZ_BROKER_CHECK_SECONDS old, for the broker configured now.
_broker_answer = None


def _broker_ok():
    global _broker_answer
    url = celery_app.conf.broker_url
    now = time.monotonic()
    if _broker_answer is not None:
        checked_url, checked_at, ok = _broker_answer
        if checked_url == url and now - checked_at < settings.HEALTHZ_BROKER_CHECK_SECONDS:
            return ok
    ok = _check_broker()
    _broker_answer = (url, time.monotonic(), ok)
    return ok


@never_cache
@require_GET
def healthz(request):
    database = _database_ok()
    broker = _broker_ok()
    healthy = database and broker
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": "ok" if database else "unavailable",
        "broker": "ok" if broker else "unavailable",
    }
    return JsonResponse(body, status=200 if healthy else 503)


@login_required
def account(request):
    """The account page; a POST records how routine messages reach the user
    by e-mail (at once or in a daily digest, ``core/digests.py``)."""
    user = request.user
    if request.method == "POST":
        digest_form = DigestForm(request.POST)
        if digest_form.is_valid():
            digests.choose(user, digest_form.digest)
            if digest_form.digest:
                messages.success(request, _("Routine messages will reach you by e-mail once a day, in one summary."))
            else:
                messages.success(request, _("Routine messages will reach you by e-mail at once."))
            return redirect("account")
    else:
        daily = digests.digest_chosen(user)
        digest_form = DigestForm(initial={"routine": DigestForm.DAILY if daily else DigestForm.AT_ONCE})
    held = {g.name for g in user.groups.all()}
    roles = [role for role in ROLES if role.key in held]
    return render(
        request,
        "marketplace/core/account.html",
        {
            "roles": roles,
            "can_use_cms": user.has_perm("wagtailadmin.access_admin"),
            "digest_form": digest_form,
        },
    )


def set_language(request):
    """The language switcher: Django's ``set_language`` (the same redirect
    and cookie, which chooses the interface language of the next requests),
    and for a signed-in person the choice is also kept as their language
    (``core/languages.py``), so that notifications reach them in it."""
    response = i18n.set_language(request)
    cookie = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie is not None and request.user.is_authenticated:
        languages.remember(request.user, cookie.value)
    return response
