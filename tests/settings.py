"""Test settings: the real settings, plus a test-only app, fast hashing and
no TLS redirect.  DATABASE_URL and CELERY_BROKER_URL still come from the
environment, so CI runs the suite on PostgreSQL and Redis."""

import os

# The suite sees the bare environment, never a developer's .env (make run writes one).
os.environ["DJANGO_ENV_FILE"] = ""
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
os.environ.setdefault("AUDIT_HMAC_KEY", "test-audit-hmac-key-not-for-production-" + "y" * 20)
os.environ.setdefault("AUDIT_HMAC_KEY_ID", "test")
# Each pytest-xdist worker gets its own embedded (SQLite) broker file: two
# workers writing one file made the health check answer 503 now and then.
if "CELERY_BROKER_URL" not in os.environ and os.environ.get("PYTEST_XDIST_WORKER"):
    from pathlib import Path

    _var = Path(__file__).resolve().parent.parent / "var"
    _var.mkdir(exist_ok=True)
    _broker = _var / f"celery-broker-{os.environ['PYTEST_XDIST_WORKER']}.sqlite3"
    os.environ["CELERY_BROKER_URL"] = f"sqla+sqlite:///{_broker}"

from config.settings import *  # noqa: E402,F403
from config.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.fsm_app"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = "cache+memory://"
# The public page cache is off: most tests change data inside a transaction that never commits, so
# nothing would invalidate it; tests/marketplace/core/test_page_cache.py turns it on.
PUBLIC_PAGE_CACHE_SECONDS = 0
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Organization documents go to a throw-away folder, never to var/private.
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="platform-private-test-"))

# Published audit heads go to a throw-away folder, never to var/audit-heads.
AUDIT_HEAD_DIR = Path(tempfile.mkdtemp(prefix="platform-audit-heads-test-"))

# Accounts security: the lockout stays on (tests prove it); Django's test
# client login() authenticates without a request, which production refuses.
LOCKOUT_ALLOW_REQUESTLESS = True
