"""A cache of anonymous public responses (issue 18), so a public page is
rendered once per change, not once per visitor.

What is cached
    GET and HEAD requests of visitors who carry no cookie but the language
    cookie and the CSRF cookie (so nobody signed in, and nobody with a session
    or pending messages), outside the private areas (``PRIVATE_PREFIXES``:
    admin, work, account, organization, evaluation, community, surveys,
    payments, documents, media, /audit/ whose heads are files written by a
    task), when the response is a 200 HTML, JSON or Atom/RSS page that sets no
    cookie, is not streamed or an attachment, carries no ``Cache-Control``
    private / no-store / no-cache, varies on nothing but the cookie and the
    language, and did not touch the session.  A signed-in request never reads
    nor fills the cache.

    The key holds the generation (below), the scheme, the host, the resolved
    language (``request.LANGUAGE_CODE``, from the platform's language cookie:
    the locale middleware ignores Accept-Language) and the full path with its
    query string.

CSRF tokens and the CSP
    Every page carries the language switch, a POST form with a CSRF token.  A
    stored page keeps a placeholder where the tokens were, and each hit puts a
    fresh token for its own visitor there (``get_token``), so the CSRF
    middleware, which sits outside this one, sets that visitor's cookie as it
    would for a rendered page.  A page where a token appears outside a
    ``csrfmiddlewaretoken`` input is not stored.  The site's policy has no
    nonce (it runs no inline script: ``CONTENT_SECURITY_POLICY``), and the CSP
    and security-header middlewares sit outside this one, so every hit gets
    its headers from them afresh.

How it is invalidated
    One global generation: every key starts with it, so a new generation
    makes every stored page unreachable (they expire on their own).  It is a
    random token, never a counter that an eviction could reset onto old
    entries.  ``invalidate()`` draws a new one; ``invalidate_on_commit()`` does
    it once after the current transaction commits (``cms.page_cache_receivers``
    calls it on every save or delete of a public model, on the domain events,
    and on Wagtail's publish and unpublish).  The generation is read before
    the view runs, so a page rendered from data older than a commit is stored
    under the generation that commit replaced, where nobody looks for it.

    Where the generation lives must be shared by every process that can
    change public data: the web workers, the Celery worker and the scheduler
    (``runplatform`` starts them as separate processes; gunicorn has several
    workers).  With a shared cache (Redis: ``CACHE_URL=redis://…``, Django's
    RedisCache) it is a key in that cache.  With the local-memory cache of
    ``make run`` each process has its own cache, so the generation is a file
    (``PUBLIC_PAGE_CACHE_GENERATION_FILE``, under var/) replaced atomically,
    which every process on the machine reads on each request (one small read,
    no query); each process then keeps its own pages.  Several web machines
    need Redis.  ``PUBLIC_PAGE_CACHE_GENERATION`` = ``auto`` | ``file`` |
    ``cache`` chooses; auto takes the file for local-memory and dummy caches.

Pages that change with the clock
    A call says "open" until its deadline, a result's challenge period ends,
    the purchase list and statistics follow the year, and dates count in days.
    Nothing is written at those moments, so each entry lives no longer than
    the next such moment: the sources registered with
    ``register_moment_source`` (``cms.page_cache_receivers``: the nearest
    deadline of a published call, the nearest challenge deadline) and the next
    local midnight, and never longer than ``PUBLIC_PAGE_CACHE_SECONDS``.  The
    next moment is computed once per generation (and again once it passes).

Hand-written rather than Django's cache middleware: that one keys on the
request's Vary headers and cannot take a generation shared across processes,
an entry lifetime bound to the data, or the CSRF placeholder.
``PUBLIC_PAGE_CACHE_SECONDS=0`` turns the cache off (the test settings do;
the cache's own tests turn it on).
"""

import hashlib
import logging
import os
import re
import uuid
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import cc_delim_re

logger = logging.getLogger(__name__)

PRIVATE_PREFIXES = (
    "/admin/",
    "/work/",
    "/accounts/",
    "/org/",
    "/evaluate/",
    "/community/",
    "/survey/",
    "/payments/",
    "/documents/",
    "/media/",
    "/static/",
    "/healthz",
    "/i18n/",
    "/_util/",
    "/needs/report/",
    "/audit/",
)
CACHED_TYPES = ("text/html", "application/json", "application/atom+xml", "application/rss+xml")
VARY_ALLOWED = {"cookie", "accept-language", "accept-encoding"}
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{32,128})(")')
CSRF_PLACEHOLDER = b"\x00page-cache-csrf\x00"
GENERATION_KEY = "page-cache:generation"
# Below this many seconds of life an entry is not worth storing.
MIN_SECONDS = 1

_moment_sources = []


def register_moment_source(source):
    """``source(now)`` returns the next aware datetime after ``now`` at which
    some public page changes without a write (or None)."""
    if source not in _moment_sources:
        _moment_sources.append(source)


def enabled():
    return _seconds() > 0


def _seconds():
    return int(getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 0) or 0)


def _cache():
    return caches[getattr(settings, "PUBLIC_PAGE_CACHE_ALIAS", "default")]


# --- the generation ---------------------------------------------------------------


def _store_kind():
    kind = getattr(settings, "PUBLIC_PAGE_CACHE_GENERATION", "auto")
    if kind != "auto":
        return kind
    backend = type(_cache()).__name__
    return "file" if backend in ("LocMemCache", "DummyCache") else "cache"


def _generation_file():
    return Path(getattr(settings, "PUBLIC_PAGE_CACHE_GENERATION_FILE", settings.VAR_DIR / "page-cache-generation"))


def _write_generation_file(token):
    path = _generation_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
    temporary.write_text(token)
    os.replace(temporary, path)  # atomic: a reader sees the old token or the new one


def current_generation():
    """The generation every key starts with (created if there is none)."""
    if _store_kind() == "file":
        try:
            token = _generation_file().read_text()
        except FileNotFoundError:
            token = ""
        if not token:
            token = uuid.uuid4().hex
            _write_generation_file(token)
        return token
    cache = _cache()
    token = cache.get(GENERATION_KEY)
    if token is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)  # the first process to add it wins
        token = cache.get(GENERATION_KEY)
    return token


def invalidate():
    """Every stored page is stale from now on, in every process."""
    if not enabled():
        return
    token = uuid.uuid4().hex
    try:
        if _store_kind() == "file":
            _write_generation_file(token)
        else:
            _cache().set(GENERATION_KEY, token, None)
    except Exception:
        # A page that cannot be invalidated must not be served: refuse the change.
        logger.exception("Public page cache: the generation could not be replaced")
        raise


def invalidate_on_commit(using=None):
    """``invalidate()`` once, after the current transaction commits (at once
    outside a transaction); nothing if it rolls back."""
    if not enabled():
        return
    # Once per saved row: a transaction writing many rows replaces the generation many times after
    # its commit (one small write each), which is cheaper than knowing which callbacks will run.
    transaction.on_commit(invalidate, using=using)


# --- the lifetime of an entry -----------------------------------------------------------


def _next_midnight(now):
    local = timezone.localtime(now)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time.min)
    return timezone.make_aware(tomorrow, timezone.get_current_timezone())


def next_moment(now):
    """The next moment after ``now`` at which a public page changes by the clock alone."""
    moments = [_next_midnight(now)]
    for source in _moment_sources:
        moment = source(now)
        if moment is not None and moment > now:
            moments.append(moment)
    return min(moments)


def _lifetime(generation, now):
    """Seconds an entry stored now may live."""
    cache = _cache()
    key = f"page-cache:{generation}:moment"
    moment = cache.get(key)
    if moment is None or moment <= now:
        moment = next_moment(now)
        cache.set(key, moment, _seconds())
    return min(_seconds(), int((moment - now).total_seconds()))


# --- the middleware ------------------------------------------------------------------------


def _allowed_cookies():
    return {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}


def _cacheable_request(request):
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(PRIVATE_PREFIXES):
        return False
    # Any other cookie (the session: signed in or not; pending messages) is a personal page.
    return set(request.COOKIES) <= _allowed_cookies()


def _key(request, generation):
    raw = "|".join((request.scheme, request.get_host(), getattr(request, "LANGUAGE_CODE", ""), request.get_full_path()))
    return f"page-cache:{generation}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _cacheable_response(request, response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.get("Content-Type", "").split(";")[0].strip() not in CACHED_TYPES:
        return False
    if response.has_header("Content-Disposition"):
        return False
    cache_control = {
        part.split("=")[0].strip().lower() for part in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if cache_control & {"private", "no-store", "no-cache"}:
        return False
    vary = {part.strip().lower() for part in cc_delim_re.split(response.get("Vary", "")) if part.strip()}
    if vary - VARY_ALLOWED:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _punch_csrf(request, content):
    """The content with a placeholder for each CSRF token, or None when a token
    shows anywhere else (then the page is not stored)."""
    tokens = set()

    def replace(match):
        tokens.add(match.group(2))
        return match.group(1) + CSRF_PLACEHOLDER + match.group(3)

    punched = CSRF_INPUT.sub(replace, content)
    if any(token in punched for token in tokens):
        return None
    if not tokens and request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return None  # the view asked for a token that the page shows elsewhere
    return punched


class PublicPageCacheMiddleware:
    """Serves and stores anonymous public pages (see the module's docstring).
    Sits right after the CSRF middleware: the locale is resolved, and the CSRF,
    CSP and security-header middlewares treat a hit as any response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not enabled() or not _cacheable_request(request):
            return self.get_response(request)
        try:
            generation = current_generation()
            key = _key(request, generation)
        except Exception:
            logger.exception("Public page cache: not available, rendering")
            return self.get_response(request)
        cache = _cache()
        entry = cache.get(key)
        if entry is not None:
            return self._from_entry(request, entry)
        response = self.get_response(request)
        if _cacheable_response(request, response):
            self._store(request, response, key, generation)
        return response

    def _store(self, request, response, key, generation):
        content = _punch_csrf(request, response.content)
        if content is None:
            return
        seconds = _lifetime(generation, timezone.now())
        if seconds < MIN_SECONDS:
            return
        headers = [(name, value) for name, value in response.headers.items() if name.lower() != "set-cookie"]
        _cache().set(key, (response.status_code, headers, content), seconds)
        response["X-Page-Cache"] = "miss"

    def _from_entry(self, request, entry):
        status, headers, content = entry
        if CSRF_PLACEHOLDER in content:
            content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        response["Content-Length"] = str(len(content))
        response["X-Page-Cache"] = "hit"
        return response
