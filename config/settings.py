"""Settings for the platform, read from the environment (12-factor).

Every value that differs between a developer laptop, CI and production comes
from an environment variable; README.md lists them.  A ``.env`` file in the
project root is read when present (``make run`` writes one with a random
secret key for local use); real environment variables always win.
"""

from datetime import timedelta
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
# With debug on, a 404 still shows the site's own page (marketplace/core/error_pages.py);
# true: Django's technical 404 page with the URL patterns (or add ?debug=1 to one address).
DEBUG_TECHNICAL_404 = env.bool("DEBUG_TECHNICAL_404", default=False)

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

# --- Audit log anchor (issue 12): the key that makes the hash chain tamper-evident.
# Never stored in the database.  Rotation: a new AUDIT_HMAC_KEY with a new
# AUDIT_HMAC_KEY_ID, the old one kept in AUDIT_HMAC_PREVIOUS_KEYS="old-id=old-key".
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default="")
_audit_key_derived = not AUDIT_HMAC_KEY
if not AUDIT_HMAC_KEY:
    if DEBUG:
        import hashlib

        # A development key derived from the secret key: changes with it.
        AUDIT_HMAC_KEY = hashlib.sha256(f"audit-hmac-development:{SECRET_KEY}".encode()).hexdigest()
    else:
        raise ImproperlyConfigured(
            "AUDIT_HMAC_KEY is not set. With DJANGO_DEBUG off the platform refuses to start without the "
            "audit log key (it is never stored in the database, so a database writer cannot re-hash the "
            "audit chain): set AUDIT_HMAC_KEY to a long random value, at least 32 characters "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))'), keep it like "
            "the secret key, and set AUDIT_HMAC_KEY_ID to name it; or set DJANGO_DEBUG=true for local development."
        )
elif len(AUDIT_HMAC_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY is too short: use at least 32 random characters.")
AUDIT_HMAC_KEY_ID = env.str("AUDIT_HMAC_KEY_ID", default="dev" if _audit_key_derived else "1")
AUDIT_HMAC_PREVIOUS_KEYS = env.dict("AUDIT_HMAC_PREVIOUS_KEYS", default={})
# Where publish_audit_head writes the signed daily head (to be published outside the database).
AUDIT_HEAD_DIR = Path(env.str("AUDIT_HEAD_DIR", default=str(VAR_DIR / "audit-heads")))

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "marketplace",
    "contracts",
    "cms",
    "demo",  # seed_demo and the demo district; nothing imports it
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "marketplace.core.apps_users.PlatformUsersAppConfig",  # wagtail.users, closed against escalation
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
    # Accounts security: sign-in lockout and second factor (see "Accounts security" below).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "marketplace.core.arrival.ArrivalMiddleware",  # first: the server time a request arrived (bid deadlines)
    "django.middleware.security.SecurityMiddleware",
    "marketplace.core.headers.SecurityHeadersMiddleware",  # Permissions-Policy; documents in a sandbox
    "marketplace.core.headers.ContentSecurityPolicyMiddleware",  # django-csp: site and admin policies
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "marketplace.core.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "marketplace.core.page_cache.PublicPageCacheMiddleware",  # anonymous public pages (issue 18)
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "marketplace.core.request_context.RequestContextMiddleware",  # who acts, for account audit events
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",  # accounts security: which session typed its code
    "marketplace.core.twofactor.SecondFactorMiddleware",  # accounts security: second factor, idle sign-out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",  # accounts security: the lockout page
    "marketplace.core.error_pages.DebugSiteNotFoundMiddleware",  # the site's 404 page with debug on too
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
                "marketplace.core.notice_views.unread_notices",
            ],
        },
    },
]

# Sign-in with the e-mail address (any case) or the mobile number (with or
# without +86) that the account was signed up with.
# The lockout (django-axes) first, then the identifier: one backend that
# refuses a locked-out account or address before any password is compared
# (see "Accounts security").
AUTHENTICATION_BACKENDS = ["marketplace.core.lockout.AccountBackend"]

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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections (a new one per request cost more than most public pages), checked
    # before reuse; and no JIT: its compile time (70-340 ms) exceeds what it saves on the web's
    # short queries (issue 18).  DB_JIT=true gives it back, e.g. for a reporting connection.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if not env.bool("DB_JIT", default=False):
        _db_options = DATABASES["default"].setdefault("OPTIONS", {})
        _db_options["options"] = f"{_db_options.get('options', '')} -c jit=off".strip()
# SQLite (make run): a connection is a file handle; one per request stays the simple default.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, sessions stay in the database) ---------------------
# One process in development: local memory.  Production: CACHE_URL=redis://…
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Anonymous public pages are kept this many seconds at most, less when a deadline comes sooner;
# 0 turns the cache off (marketplace/core/page_cache.py says what is cached and how it is invalidated).
PUBLIC_PAGE_CACHE_SECONDS = env.int("PUBLIC_PAGE_CACHE_SECONDS", default=600)
# Where the cache's generation lives: "cache" (shared: Redis), "file" (the local-memory cache of make run,
# shared by the processes of one machine), or "auto" (the file for a local-memory cache).
PUBLIC_PAGE_CACHE_GENERATION = env.str("PUBLIC_PAGE_CACHE_GENERATION", default="auto")
PUBLIC_PAGE_CACHE_GENERATION_FILE = Path(
    env.str("PUBLIC_PAGE_CACHE_GENERATION_FILE", default=str(VAR_DIR / "page-cache-generation"))
)

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

# --- Accounts security: sign-in lockout, second factor, sessions -------------
# One lockout (django-axes, attempts in the database) on every password check:
# LOCKOUT_ACCOUNT_FAILURES wrong passwords for one account from anywhere, or
# LOCKOUT_ADDRESS_FAILURES from one address, pause sign-in for
# LOCKOUT_COOLOFF_MINUTES after the last failure (marketplace/core/lockout.py).
AXES_HANDLER = "marketplace.core.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = env.int("LOCKOUT_ACCOUNT_FAILURES", default=5)
LOCKOUT_ADDRESS_FAILURE_LIMIT = env.int("LOCKOUT_ADDRESS_FAILURES", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOCKOUT_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "marketplace.core.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "marketplace.core.lockout.client_address"
AXES_LOCKOUT_CALLABLE = "marketplace.core.lockout.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # the pause ends when the page says
AXES_ENABLE_ADMIN = False  # no Django admin: the Wagtail admin shows the attempts
AXES_VERBOSE = False
# Second factor (django-otp: TOTP and backup codes) for procurement officers,
# finance officers, platform administrators and superusers
# (marketplace/core/twofactor.py); their sessions end after SESSION_IDLE_MINUTES
# without a request, and irreversible steps need password and code again if
# the last time was more than REAUTH_MINUTES ago (marketplace/core/reauth.py).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Community Services Procurement")
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
REAUTH_MINUTES = env.int("REAUTH_MINUTES", default=10)

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
    "marketplace.core.uploads.SizeLimitUploadHandler",
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
# How many reverse proxies append to X-Forwarded-For in front of the app: the
# client address (lockout, throttles) is read from there only when this is
# not 0 (marketplace/core/network.py); without a proxy the header is ignored.
TRUSTED_PROXY_HOPS = env.int(
    "DJANGO_TRUSTED_PROXY_HOPS", default=1 if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False) else 0
)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# /healthz asks the broker at most this often per process and reports the last answer in between.
HEALTHZ_BROKER_CHECK_SECONDS = env.int("HEALTHZ_BROKER_CHECK_SECONDS", default=5)

# --- Content-Security-Policy (django-csp) and Permissions-Policy -------------------
# The site runs no inline script or style (static/ holds its CSS); the Wagtail
# admin runs its own scripts, some inline, so it has a policy of its own
# (marketplace.core.headers.ContentSecurityPolicyMiddleware).  Uploaded and
# generated documents carry "sandbox; default-src 'none'" instead.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
CONTENT_SECURITY_POLICY_ADMIN_PREFIX = "/admin/"
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],  # Wagtail's inline widget and panel scripts
        "style-src": ["'self'", "'unsafe-inline'"],  # Wagtail's style attributes
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-src": ["'self'"],  # the page preview
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],  # the preview frames the site's own pages
    },
}

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
    "publish-audit-head-daily": {
        # Signs the chain's head and writes it to AUDIT_HEAD_DIR for publication.
        "task": "marketplace.tasks.publish_audit_head",
        "schedule": crontab(hour=0, minute=5),
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
    "daily-digests": {
        # One e-mail per user who chose it, with the routine messages held for them (issue 14).
        "task": "marketplace.tasks.send_daily_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    "contract-light-reminders-hourly": {
        # One reminder when a milestone's traffic light turns yellow, one when it turns red (issue 15).
        "task": "contracts.tasks.send_light_reminders",
        "schedule": crontab(minute=20),
    },
    "stuck-payments-every-5-minutes": {
        # A payment released but never sent to its gateway (a lost task) is sent again (issue 16).
        "task": "contracts.tasks.retry_stuck_payments",
        "schedule": crontab(minute="*/5"),
    },
    "announcements-every-minute": {
        # Publishes any announcement the data owes that no receiver published
        # after its commit, so each appears within a minute of its event (issue 17).
        "task": "cms.tasks.publish_announcements",
        "schedule": crontab(minute="*"),
        # A run not started within the minute is dropped: the next one does its work.
        "options": {"expires": 55},
    },
    "announcements-nightly": {
        # The same over every project, for whatever the minute runs missed.
        "task": "cms.tasks.publish_all_announcements",
        "schedule": crontab(hour=1, minute=40),
    },
    "purge-consumed-messages": {
        # The embedded SQL broker keeps every delivered message: delete them,
        # and queued notifications never delivered (issue 12).
        "task": "marketplace.tasks.purge_consumed_messages",
        "schedule": crontab(minute="*/10"),
    },
}
# Days a notification that could not be delivered stays queued (address and text) before it is deleted.
OUTGOING_MESSAGE_KEEP_DAYS = env.int("OUTGOING_MESSAGE_KEEP_DAYS", default=7)

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
# The longest a web request may run: gunicorn's --timeout (its default, 30 s, is what the README's command
# uses; with sync workers the arbiter kills a request that runs longer).  A bid that reached the server
# before the deadline may still be on its way to the project's lock for this long, so the opening waits
# for the deadline plus this grace (and a few seconds for the scheduler's and the database's clocks).
WEB_REQUEST_TIMEOUT_SECONDS = env.int("WEB_REQUEST_TIMEOUT_SECONDS", default=30)
# Arrival stamped by the front proxy (marketplace/core/arrival.py): the name of the header in which it
# writes the moment it received the request, nginx's `proxy_set_header X-Request-Start "t=${msec}";`.
# Empty (the default): the arrival is when Django takes the request.  Set it ONLY when the proxy
# overwrites the header on every request and the web processes cannot be reached except through it.
ARRIVAL_PROXY_HEADER = env.str("ARRIVAL_PROXY_HEADER", default="")
# How long a stamped request may wait for a worker and still count from its stamp.  It lengthens the
# opening's grace, so it must be the same in EVERY process (web, worker, beat): the worker opens the bids.
# 0 (the default) uses no proxy stamp at all.
ARRIVAL_QUEUE_SECONDS = max(0, env.int("ARRIVAL_QUEUE_SECONDS", default=0))
BID_OPENING_GRACE = timedelta(
    seconds=env.int("BID_OPENING_GRACE_SECONDS", default=WEB_REQUEST_TIMEOUT_SECONDS + ARRIVAL_QUEUE_SECONDS + 5)
)
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
# Open data (OCDS 1.1.5, cms/ocds, /ocds/): every ocid is this prefix plus the
# project's reference.  Prefixes are registered with the Open Contracting
# Partnership ("ocds-" + 6 characters); the default is a PLACEHOLDER until the
# district registers its own: set OCDS_OCID_PREFIX before publishing for real.
OCDS_OCID_PREFIX = env.str("OCDS_OCID_PREFIX", default="ocds-xxxxxx-")
OCDS_PUBLISHER_NAME = env.str("OCDS_PUBLISHER_NAME", default="政府购买社区社会服务平台")
OCDS_LICENSE = env.str("OCDS_LICENSE", default="https://creativecommons.org/licenses/by/4.0/")
# Releases per page of the change feed (/ocds/changes.json).
OCDS_PAGE_SIZE = env.int("OCDS_PAGE_SIZE", default=100)
# The demo call that closes soon after `make run` starts (seed_demo).
DEMO_CLOSING_MINUTES = env.int("DEMO_CLOSING_MINUTES", default=10)
SMS_BACKEND = env.str("SMS_BACKEND", default="marketplace.core.sms.ConsoleSMSBackend")
SIGNUP_VERIFICATION_HOURS = env.int("SIGNUP_VERIFICATION_HOURS", default=48)

# --- Payments (issue 16) ----------------------------------------------------------
# "ledger": an offline treasury voucher, the finance officer records the bank's reference (the default);
# "stripe": Stripe Connect transfers to each organization's connected account (test keys).
PAYMENT_GATEWAY = env.str("PAYMENT_GATEWAY", default="ledger")
PAYMENT_CURRENCY = env.str("PAYMENT_CURRENCY", default="cny")
# the funds dashboard's light: a payment waiting longer than this many working days is red (half: yellow)
PAYMENT_WAITING_WORKING_DAYS = env.int("PAYMENT_WAITING_WORKING_DAYS", default=10)
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=20.0)
# the connected accounts' country (ISO 3166-1 alpha-2); blank: Stripe takes the platform's own
STRIPE_CONNECT_COUNTRY = env.str("STRIPE_CONNECT_COUNTRY", default="")

# --- Wagtail --------------------------------------------------------------------
WAGTAIL_SITE_NAME = _("Community Social Services Procurement Platform")
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
# Wagtail's database search, safe for quotes on SQLite (marketplace.core.search).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "marketplace.core.search"}}
WAGTAIL_I18N_ENABLED = False
# Statutory pages are published only through their two-person workflow; the
# approval publishes (cms.moderation).
WAGTAIL_FINISH_WORKFLOW_ACTION = "cms.moderation.publish_approved_revision"
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "xlsx", "odt", "ods", "txt"]
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# Library documents: a PDF must be plain (no scripts, actions, embedded files), and
# every document is downloaded as an attachment in an empty sandbox (marketplace.core.headers).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "marketplace.core.document_upload.CheckedDocumentForm"
WAGTAILDOCS_INLINE_CONTENT_TYPES = []
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 5 * 1024 * 1024
WAGTAIL_ENABLE_UPDATE_CHECK = False  # no calls to the outside world
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # avatars from gravatar.com would leak who signs in, and fail offline
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Accounts security: the admin and private pages sign in through the site's
# sign-in (lockout, second factor); passwords are changed and reset on the
# site's pages only (both under the lockout and the reset-mail limits).
WAGTAILADMIN_LOGIN_URL = "/admin/login/"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False

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
# The district's name for English readers: a place name (pinyin, e.g. "Wuhou District"), not UI text;
# blank: English pages show the Chinese name.
PLATFORM_DISTRICT_NAME_EN = env.str(
    "PLATFORM_DISTRICT_NAME_EN", default="Shifan District" if PLATFORM_DISTRICT_NAME == "示范区" else ""
)
