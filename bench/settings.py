"""Settings for serving a benchmark database (issue 18): the platform's own
settings, production-like (DEBUG off, the manifest static storage, whitenoise),
with ``bench.urls`` (the platform's URLs plus a floor view) and everything a
bench run writes kept under ``var/bench/``.

The secret key and the audit key come from the environment
(``DJANGO_SECRET_KEY``, ``AUDIT_HMAC_KEY``) or, if unset, from a file
generated once under ``var/bench/`` so the generator (which writes the audit
chain) and the served pages (which read it) agree.  Nothing here changes the
platform's settings or URLs.

Usage: DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/bench_s gunicorn config.wsgi
"""

import os
import secrets
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parents[1] / "var" / "bench"


def _kept_secret(name):
    """A random value generated once and kept in ``var/bench/<name>`` (0600)."""
    path = BENCH_DIR / name
    if not path.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", _kept_secret("secret_key"))
os.environ.setdefault("AUDIT_HMAC_KEY", _kept_secret("audit_hmac_key"))
os.environ.setdefault("AUDIT_HMAC_KEY_ID", "bench")
# Plain HTTP on the loopback: no redirect to https, no HSTS, cookies over http.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_HSTS_SECONDS", "0")
os.environ.setdefault("DJANGO_SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("DJANGO_CSRF_COOKIE_SECURE", "false")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("STATIC_ROOT", str(BENCH_DIR / "static"))
os.environ.setdefault("MEDIA_ROOT", str(BENCH_DIR / "media"))
os.environ.setdefault("PRIVATE_MEDIA_ROOT", str(BENCH_DIR / "private"))
os.environ.setdefault("AUDIT_HEAD_DIR", str(BENCH_DIR / "audit-heads"))
os.environ.setdefault("PUBLIC_PAGE_CACHE_GENERATION_FILE", str(BENCH_DIR / "page-cache-generation"))

from config.settings import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
