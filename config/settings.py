"""Settings for the platform, read from the environment (12-factor).

Every value that differs between a developer laptop, CI and production comes
from an environment variable; README.md lists them.  A ``.env`` file in the
project root is read when present (``make run`` writes one with a random
secret key for local use); real environment variables always win.
"""

from email.utils import parseaddr
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime data kept outside the web root and out of git

env = environ.Env()
# DJANGO_ENV_FILE="" disables the file (the tests do, to see the bare environment).
_env_file = env.str("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    environ.Env.read_env(_env_file, overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-DJANGO_DEBUG-true"
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the platform refuses to start "
            "without a secret key: set DJANGO_SECRET_KEY to a long random value "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DJANGO_DEBUG=true for local development."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "marketplace",
    "contracts",
    "cms",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "marketplace.apps_users.PlatformUsersAppConfig",  # wagtail.users, closed against escalation
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_celery_beat",
    "django_celery_results",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "marketplace.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

if DEBUG:
    # runserver serves static files itself in development.
    MIDDLEWARE.remove("whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cms.context_processors.site_navigation",
                "marketplace.views.notices.unread_notices",
            ],
        },
    },
]

# Sign-in with the e-mail address (any case) or the mobile number (with or
# without +86) that the account was signed up with.
AUTHENTICATION_BACKENDS = ["marketplace.services.accounts.IdentifierBackend"]

# --- Database -------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default is shared by the web server, the worker and the
    # scheduler: wait for locks instead of failing, and take the write lock at
    # the start of a transaction so two writers never deadlock on an upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, sessions stay in the database) ---------------------
# One process in development: local memory.  Production: CACHE_URL=redis://…
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Users ----------------------------------------------------------------
AUTH_USER_MODEL = "marketplace.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "account"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages and time -----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "platform_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ----------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Uploads live outside the web root and are only handed out by views that
# check permissions (Wagtail documents use its serve view).
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Organization documents (certificates, charters, qualifications): private
# files, served only by a view that checks who asks.  Never under MEDIA_URL.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
ORGANIZATION_DOCUMENT_MAX_BYTES = env.int("ORGANIZATION_DOCUMENT_MAX_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# No uploaded file, anywhere, may be larger than this (it is cut off while
# being read); each form has its own, smaller limit.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = [
    "marketplace.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Security -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views override this for themselves
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Email --------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@platform.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who is told when something breaks (e.g. the nightly audit-chain check):
# DJANGO_ADMINS="Ops <ops@example.gov.cn>,Audit <audit@example.gov.cn>"
ADMINS = [parseaddr(entry) for entry in env.list("DJANGO_ADMINS", default=[])]

# --- Background jobs (Celery) -------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="django-db")
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "verify-audit-chain-nightly": {
        "task": "marketplace.tasks.verify_audit_chain",
        "schedule": crontab(hour=2, minute=15),
    },
    "organization-documents-daily": {
        # Warns 30 days before a document expires and marks expired ones.
        "task": "marketplace.tasks.check_document_expiry",
        "schedule": crontab(hour=6, minute=0),
    },
    "open-due-bids-every-minute": {
        # Opens the bids of projects whose deadline has passed.  Views also
        # open them on the first request after the deadline, so a late or
        # stopped scheduler never changes the outcome.
        "task": "marketplace.tasks.open_due_projects",
        "schedule": crontab(minute="*"),
    },
    "organization-blacklists-daily": {
        # Lifts blacklisting at its end date.
        "task": "marketplace.tasks.lift_ended_blacklists",
        "schedule": crontab(hour=0, minute=10),
    },
}

# --- Social organizations -------------------------------------------------------
# Minimum registered capital by legal type (CNY).  The seeds set 3,000 CNY for
# community public-welfare organizations; foundations keep the national floor.
ORGANIZATION_MIN_CAPITAL = {
    "social_group": env.str("ORGANIZATION_MIN_CAPITAL_SOCIAL_GROUP", default="3000"),
    "social_service": env.str("ORGANIZATION_MIN_CAPITAL_SOCIAL_SERVICE", default="3000"),
    "foundation": env.str("ORGANIZATION_MIN_CAPITAL_FOUNDATION", default="2000000"),
}
ORGANIZATION_MIN_MEMBERS = env.int("ORGANIZATION_MIN_MEMBERS", default=5)
ORGANIZATION_INVITATION_DAYS = env.int("ORGANIZATION_INVITATION_DAYS", default=7)
DOCUMENT_EXPIRY_WARNING_DAYS = env.int("DOCUMENT_EXPIRY_WARNING_DAYS", default=30)
# Sign-up verification: e-mail links through the e-mail backend; codes for a
# mobile number through this SMS backend (the console one writes to the log).
# --- Purchase projects and bids ---------------------------------------------------
# The price criterion's weight in a services rubric (percent of 100).
RUBRIC_PRICE_WEIGHT_MIN = env.int("RUBRIC_PRICE_WEIGHT_MIN", default=10)
RUBRIC_PRICE_WEIGHT_MAX = env.int("RUBRIC_PRICE_WEIGHT_MAX", default=30)
# Service periods longer than this need a written justification; never longer than the maximum.
SERVICE_PERIOD_PLAIN_YEARS = 1
SERVICE_PERIOD_MAX_YEARS = 3
BID_DOCUMENT_MAX_BYTES = env.int("BID_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
PROJECT_REF_PREFIX = env.str("PROJECT_REF_PREFIX", default="SFQ")
# Evaluation: a member's non-price score on a bid that differs from the other
# members' mean by more than this many points (of 100) is flagged for the chair.
EVALUATION_DEVIATION_MARGIN = env.str("EVALUATION_DEVIATION_MARGIN", default="20")
# Whether the public result announcement shows each member's score per bidder
# (the law requires totals and ranks; individual sheets stay in the report).
RESULTS_PUBLISH_MEMBER_SCORES = env.bool("RESULTS_PUBLISH_MEMBER_SCORES", default=False)
# Challenges (质疑): working days after the result to file, and to answer.
CHALLENGE_FILING_WORKING_DAYS = 7
CHALLENGE_ANSWER_WORKING_DAYS = 7
# The demo call that closes soon after `make run` starts (seed_demo).
DEMO_CLOSING_MINUTES = env.int("DEMO_CLOSING_MINUTES", default=10)
SMS_BACKEND = env.str("SMS_BACKEND", default="marketplace.services.sms.ConsoleSMSBackend")
SIGNUP_VERIFICATION_HOURS = env.int("SIGNUP_VERIFICATION_HOURS", default=48)

# --- Payments (used by the contracts app; empty means the offline ledger) ----
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")

# --- Wagtail --------------------------------------------------------------------
WAGTAIL_SITE_NAME = _("Community Social Services Procurement Platform")
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "xlsx", "odt", "ods", "txt"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 5 * 1024 * 1024
WAGTAIL_ENABLE_UPDATE_CHECK = False  # no calls to the outside world
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # avatars from gravatar.com would leak who signs in, and fail offline
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False

# --- Logging ----------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Platform -----------------------------------------------------------------------
PLATFORM_DISTRICT_NAME = env.str("PLATFORM_DISTRICT_NAME", default="示范区")
