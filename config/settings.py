"""Settings for the KEM back-office, read from the environment.

Two profiles:
- ``KEM_PROFILE=embedded`` (the default with nothing set): SQLite under ``var/``, Celery tasks
  run in-process, console e-mail, DEBUG on, demo mode. For trying the software and for tests.
- ``KEM_PROFILE=production``: everything that matters must be given (SECRET_KEY, DATABASE_URL,
  CELERY_BROKER_URL, ALLOWED_HOSTS, KEM_ROOT_KEY); a missing or malformed value stops the start
  with a message naming it. ``.env.example`` lists every variable.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent
env = Env()

PROFILE = env.choice("KEM_PROFILE", ("embedded", "production"), "embedded")
PRODUCTION = PROFILE == "production"
VAR_DIR = Path(env.str("KEM_VAR_DIR", str(BASE_DIR / "var")))

# Demo mode (demo logins, seed_demo) is never allowed in production.
DEMO_MODE = env.bool("KEM_DEMO_MODE", not PRODUCTION)
if PRODUCTION and DEMO_MODE:
    raise ImproperlyConfigured("KEM_DEMO_MODE cannot be true with KEM_PROFILE=production.")

DEBUG = env.bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false with KEM_PROFILE=production.")

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters of random text.")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    # Only ever used on a developer's or a demo machine; production refuses to start without one.
    SECRET_KEY = env.str("SECRET_KEY", "embedded-demo-only-" + "x" * 40)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver", "[::1]"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # The Django admin, behind the second factor (kem.second_factor.KemAdminSite).
    "kem.apps.KemAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "simple_history",
    "django_htmx",
    "django_countries",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "partners",
    "kem.vault",
    "kem",
    "cases",
    "courses",
    "referrals",
    "reports",
]

MIDDLEWARE = [
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kem.middleware.RequestIdMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "kem.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kem.middleware.GreekFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which device verified this session, then: no page until the second factor is passed.
    "django_otp.middleware.OTPMiddleware",
    "kem.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kem.sessions.SessionTimeoutMiddleware",
    # Turns a refused log-in of a locked-out account or address into the lock-out page (last, so
    # that it sees the flag the authentication left on the request).
    "axes.middleware.AxesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kem.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if PRODUCTION:
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": env.db("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kem.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The statistics' covering indexes (Index(include=...)) exist on PostgreSQL only; SQLite, the
# embedded default, builds them without the included columns and Django says so on every migrate.
# Nothing is lost for SQLite's scale, so that one warning is silenced there only.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", 60 if PRODUCTION else 0, minimum=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# Rate limits (certificate verification) and cached statistics of closed periods. In-process by
# default; several web processes must share one (CACHE_URL=redis://127.0.0.1:6379/1).
CACHES = {"default": env.cache("CACHE_URL", "locmemcache://")}

# --- Auth -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses every password check of a locked-out account or address (kem.lockout).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # The product's, the centres' and the roles' names (kem/passwords.py; ASVS 6.2.11).
    {"NAME": "kem.passwords.ContextWordsValidator"},
]
KEM_PASSWORD_CONTEXT_WORDS = env.list("KEM_PASSWORD_CONTEXT_WORDS", [])
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = False
# Second factor (kem/second_factor.py, docs/SECURITY.md): TOTP apps show this issuer name; a
# wrong code doubles the wait before the next try (1, 2, 4 … s, django-otp's throttling).
OTP_TOTP_ISSUER = "KEM"
# A code is good within one 30-second step either side of the server's clock, and only once;
# no drift learning, so the window never walks away from the real time.
OTP_TOTP_SYNC = False
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# Changing the password or the second factor asks for the password (and a code) again, unless
# the person gave them within this many seconds.
KEM_REAUTH_SECONDS = env.int("KEM_REAUTH_SECONDS", 300, minimum=0)
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous people see nothing

# --- Sessions (docs/SECURITY.md, "Lock-out, passwords and sessions") ------------------------
# A log-in ends after KEM_SESSION_IDLE_MINUTES without a request, and KEM_SESSION_MAX_HOURS after
# the log-in whatever the activity (kem.sessions.SessionTimeoutMiddleware).
KEM_SESSION_IDLE_MINUTES = env.int("KEM_SESSION_IDLE_MINUTES", 30, minimum=1)
KEM_SESSION_MAX_HOURS = env.int("KEM_SESSION_MAX_HOURS", 10, minimum=1)
SESSION_COOKIE_AGE = KEM_SESSION_MAX_HOURS * 3600
# Nothing a database dump holds opens a session: with SESSION_CACHE_URL (Redis, production) the
# sessions live in that cache only; without it they are in the database under a hash of their key
# (kem.sessions), so a stolen table row names no cookie that works.
SESSION_CACHE_URL = env.str("SESSION_CACHE_URL", "")
if SESSION_CACHE_URL:
    CACHES["sessions"] = env.cache("SESSION_CACHE_URL", SESSION_CACHE_URL)
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    SESSION_CACHE_ALIAS = "sessions"
else:
    SESSION_ENGINE = "kem.sessions"

# --- Lock-out (django-axes; kem.lockout) -------------------------------------------------------
# KEM_LOGIN_FAILURE_LIMIT wrong passwords for one account, or KEM_LOGIN_ADDRESS_FAILURE_LIMIT from
# one address (any accounts), within KEM_LOCKOUT_MINUTES lock that account or address out for
# KEM_LOCKOUT_MINUTES after the last failure; a manager can unlock their centre's staff sooner.
KEM_LOGIN_FAILURE_LIMIT = env.int("KEM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
KEM_LOGIN_ADDRESS_FAILURE_LIMIT = env.int("KEM_LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
KEM_LOCKOUT_MINUTES = env.int("KEM_LOCKOUT_MINUTES", 30, minimum=1)
AXES_FAILURE_LIMIT = KEM_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=KEM_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "kem.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "kem.views.auth.locked_out"
# The one reading of the client's address (trusted proxies only), shared with the access log.
AXES_CLIENT_IP_CALLABLE = "kem.services.access_log.client_ip"
AXES_RESET_ON_SUCCESS = True
# A refused attempt during a lock-out does not prolong it (else a typo loop never ends).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Axes' own log of every log-in (address, browser) is not kept: lock-outs go to the access log.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# --- Language -------------------------------------------------------------------------------
LANGUAGE_CODE = "el"
LANGUAGES = [("el", _("Greek")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Athens"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# The embedded profile serves static files straight from the apps (no collectstatic step).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- E-mail ---------------------------------------------------------------------------------
if PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST", "localhost")
    EMAIL_PORT = env.int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "kem@localhost")

# --- Security -------------------------------------------------------------------------------
# Cookies (docs/SECURITY.md, "HTTP hardening"): no script reads any of them (htmx takes the CSRF
# token from the page), all are HttpOnly and SameSite=Lax; Secure in production (HTTPS only).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # "__Host-": the browser keeps such a cookie only if it is Secure, for the whole site (Path=/)
    # and for this host alone (no Domain), so neither a sub-domain nor plain HTTP can plant one.
    SESSION_COOKIE_NAME = "__Host-kem-session"
    CSRF_COOKIE_NAME = "__Host-kem-csrf"
    LANGUAGE_COOKIE_NAME = "__Host-kem-language"
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", True)

# Proxies whose X-Forwarded-For is believed (IP addresses or CIDR networks, comma-separated), e.g.
# the TLS-terminating proxy in front of gunicorn. Nobody else's is: a client cannot choose the
# address that rate limits and the access log see (kem.services.access_log.client_ip).
KEM_TRUSTED_PROXIES = env.list("KEM_TRUSTED_PROXIES", [])
for _proxy in KEM_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"KEM_TRUSTED_PROXIES: {_proxy!r} is not an IP address or a network (e.g. 10.0.0.0/8)."
        ) from None

# Content-Security-Policy (django-csp): every script and style comes from our own static files;
# no inline script, inline style or style attribute anywhere (a test in the browser fails on any
# violation). The Swagger UI page adds only what it needs (kem/api/docs.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Permissions-Policy (django-permissions-policy): no page uses any of these browser features.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = (
    env.url("CELERY_BROKER_URL", ("redis", "rediss"))
    if PRODUCTION
    else env.url("CELERY_BROKER_URL", ("redis", "rediss", "memory"), None)
)
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.url("CELERY_RESULT_BACKEND", ("redis", "rediss"), None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The longest task (a large import or export) is stopped at 30 minutes; Redis must not hand an
# unacknowledged task to a second worker before that, so the visibility timeout is well above it.
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 28 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "kem.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Uploaded sheets hold personal data in the clear: they go seven days after upload.
    "import-files-cleanup": {
        "task": "kem.tasks.import_files_cleanup",
        "schedule": crontab(minute=20),
    },
    "interpreter-reminders": {
        "task": "cases.tasks.interpreter_reminders",
        "schedule": crontab(hour=16, minute=0),
    },
    "referrals-overdue": {
        "task": "referrals.tasks.referrals_mark_overdue",
        "schedule": crontab(hour=7, minute=0),
    },
    # Certificates and exports are kept KEM_DOWNLOAD_HOURS after they are made, then deleted.
    "downloads-cleanup": {
        "task": "kem.tasks.downloads_cleanup",
        "schedule": crontab(minute=40),
    },
    # Jobs whose task could not be queued (broker down) are queued again; jobs whose worker died
    # (no heartbeat for KEM_JOB_STALE_MINUTES) are resumed or failed.
    "jobs-sweep": {
        "task": "kem.tasks.jobs_sweep",
        "schedule": 60.0,
    },
    # Special-category facts are written in the order people are saved; nightly they are written
    # again in pseudonym order, so their order in a dump ties none of them to a person.
    "facts-rewrite": {
        "task": "kem.tasks.facts_rewrite",
        "schedule": crontab(hour=2, minute=45),
    },
    "document-reminders": {
        "task": "cases.tasks.document_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
}

# --- REST API -------------------------------------------------------------------------------
# The largest request body (file uploads aside) Django and the API read: a larger one is a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("KEM_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
# JSON nested deeper than this is refused (Python's parser fails near 1,000 levels).
KEM_API_MAX_JSON_DEPTH = env.int("KEM_API_MAX_JSON_DEPTH", 32, minimum=4)

REST_FRAMEWORK = {
    # The session class names the token class's challenge: a call without credentials is a 401
    # with WWW-Authenticate (config/api_authentication.py).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.api_authentication.SessionAuthentication",
        # Hashed, expiring, revocable tokens ("Authorization: Token <key>"; kem.api.auth).
        "knox.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Lists read their query parameters through a FilterSet: a bad value is a 400 naming it.
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "kem.api.schema.AutoSchema",
    # JSON bodies only (another media type is a 415), size-, depth- and text-checked before a
    # view sees them; every error is JSON.
    "DEFAULT_PARSER_CLASSES": ["kem.api.parsers.SafeJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "EXCEPTION_HANDLER": "kem.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": (
        ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"]
        if DEBUG
        else ["rest_framework.renderers.JSONRenderer"]
    ),
}
# API tokens: only a hash is stored; each expires KEM_API_TOKEN_HOURS after it is issued and is
# revoked by log-out, by a password change and by deactivating the user.
KEM_API_TOKEN_HOURS = env.int("KEM_API_TOKEN_HOURS", 10, minimum=1)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=KEM_API_TOKEN_HOURS),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 10,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KEM back-office API",
    "DESCRIPTION": "Beneficiaries, counselling, referrals and classes of a Migrant Integration Centre.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from an outside validator (and none allowed by the Content-Security-Policy).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Choice sets that share a field name ("mode", "area"): name their enums so the schema stays unambiguous.
    "ENUM_NAME_OVERRIDES": {
        "InterpretingModeEnum": "cases.models.InterpretingMode",
        "SessionModeEnum": "cases.models.SessionMode",
        "WorkingAreaEnum": "referrals.models.WorkingArea",
        "ServiceAreaEnum": "cases.models.ServiceArea",
        "ClassStatusEnum": "courses.models.ClassStatus",
        "EnrolmentStatusEnum": "courses.models.EnrolmentStatus",
        "LevelEnum": "courses.models.Level",
        "LessonStatusEnum": "courses.models.LessonStatus",
    },
}

# The schema and its Swagger UI page: logged-in staff only in production (kem/api/docs.py).
KEM_API_DOCS_STAFF_ONLY = PRODUCTION

# --- Logging: structured enough to follow a request, never personal data ------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "kem.middleware.RequestIdLogFilter"},
        "client_errors_in_one_line": {"()": "kem.middleware.ClientErrorsInOneLine"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs the failing SQL with its parameters at DEBUG; parameters may be personal data.
        "django.db.backends": {"level": "INFO", "propagate": True},
        # A refused request is one line, not a traceback (kem.middleware.ClientErrorsInOneLine).
        "django.request": {"filters": ["client_errors_in_one_line"], "propagate": True},
    },
}

# --- KEM ------------------------------------------------------------------------------------
KEM_SUPPRESSION_THRESHOLD = env.int("KEM_SUPPRESSION_THRESHOLD", 9, minimum=1)
# Statistics: the label of suppressed counts ("" = "<threshold+1>", e.g. "<10"),
# and how long computed figures are cached: closed periods (ended before today) and running ones.
KEM_SUPPRESSION_LABEL = env.str("KEM_SUPPRESSION_LABEL", "")
KEM_STATISTICS_CACHE_SECONDS = env.int("KEM_STATISTICS_CACHE_SECONDS", 6 * 3600, minimum=0)
KEM_STATISTICS_OPEN_CACHE_SECONDS = env.int("KEM_STATISTICS_OPEN_CACHE_SECONDS", 60, minimum=0)
KEM_HEALTH_BROKER_TIMEOUT = 3
# How long a made download (certificates of a class, a statistics export) can be fetched.
KEM_DOWNLOAD_HOURS = env.int("KEM_DOWNLOAD_HOURS", 24, minimum=1)
# Spreadsheet imports (kem/sheets.py): each limit is checked before or while the file is read,
# so that no upload can hold a web or worker process for long or fill its memory.
KEM_IMPORT_MAX_BYTES = env.int("KEM_IMPORT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
KEM_IMPORT_MAX_ROWS = env.int("KEM_IMPORT_MAX_ROWS", 50_000, minimum=1)
KEM_IMPORT_MAX_COLUMNS = env.int("KEM_IMPORT_MAX_COLUMNS", 200, minimum=1)
KEM_IMPORT_MAX_LINE_CHARS = env.int("KEM_IMPORT_MAX_LINE_CHARS", 1024 * 1024, minimum=1024)
# What an XLSX's zip may unpack to in all, and how much more than its packed size one large part may be.
KEM_IMPORT_MAX_UNZIPPED_BYTES = env.int("KEM_IMPORT_MAX_UNZIPPED_BYTES", 256 * 1024 * 1024, minimum=1024)
KEM_IMPORT_MAX_RATIO = env.int("KEM_IMPORT_MAX_RATIO", 100, minimum=2)
# Background jobs (imports, downloads): a running job's worker writes a heartbeat on its row;
# one silent for KEM_JOB_STALE_MINUTES is taken to have lost its worker and is resumed (at most
# KEM_JOB_MAX_ATTEMPTS runs in all) or failed, by the beat task kem.tasks.jobs_sweep.
KEM_JOB_STALE_MINUTES = env.int("KEM_JOB_STALE_MINUTES", 5, minimum=1)
KEM_JOB_MAX_ATTEMPTS = env.int("KEM_JOB_MAX_ATTEMPTS", 3, minimum=1)
# Certificate checks a single address may make on the public verification page per minute.
KEM_VERIFY_PER_MINUTE = env.int("KEM_VERIFY_PER_MINUTE", 20, minimum=1)
# Times a single address may open partners' answer links (referrals) per minute, GET or POST.
KEM_PARTNER_LINK_PER_MINUTE = env.int("KEM_PARTNER_LINK_PER_MINUTE", 20, minimum=1)
# How long a partner's answer link (referrals) works before the centre must send a fresh one.
KEM_PARTNER_LINK_DAYS = env.int("KEM_PARTNER_LINK_DAYS", 30, minimum=1)
# The site's public address, for links in e-mails sent to partners (no trailing slash needed).
# Production must name it, over HTTPS: a link sent by e-mail carries its own access.
KEM_SITE_URL = (
    env.url("KEM_SITE_URL", ("https",))
    if PRODUCTION
    else env.url("KEM_SITE_URL", ("http", "https"), "http://127.0.0.1:8000")
).rstrip("/")

# --- Personal-data vault (kem/vault, docs/SECURITY.md) ---------------------------------------
from kem.vault.crypto import decode_root_key  # noqa: E402 - pure code, no settings needed

# Root key: base64 of 32 random bytes (`python manage.py vault_generate_key`), or KEM_ROOT_KEY_FILE.
# Never derived from SECRET_KEY. Older keys stay listed in KEM_OLD_ROOT_KEYS until `rotate_keys`.
KEM_ROOT_KEY = env.str("KEM_ROOT_KEY", "")
KEM_OLD_ROOT_KEYS = env.list("KEM_OLD_ROOT_KEYS", [])
if PRODUCTION and not KEM_ROOT_KEY:
    raise ImproperlyConfigured(
        "KEM_ROOT_KEY (or KEM_ROOT_KEY_FILE) is required with KEM_PROFILE=production: "
        "generate one with `python manage.py vault_generate_key` and back it up off the server."
    )
for _name, _value in [("KEM_ROOT_KEY", KEM_ROOT_KEY)] + [("KEM_OLD_ROOT_KEYS", k) for k in KEM_OLD_ROOT_KEYS]:
    if _value:
        try:
            decode_root_key(_value, name=_name)
        except ValueError as _exc:
            raise ImproperlyConfigured(str(_exc)) from None
# Demo and development only: with no key configured, one is created here on first use.
KEM_ROOT_KEY_AUTOFILE = None if PRODUCTION else VAR_DIR / "vault-root.key"
MIDDLEWARE.append("kem.vault.keycache.KeyCacheMiddleware")
# Backups (`make backup`, docs/OPERATIONS.md): data backups hold no key material and no blind-index
# entries; key backups (person and index keys, wrapped) are kept apart, for fewer days. An erased
# person can be brought back from a data backup with a key backup older than the erasure, until
# that key backup is deleted: KEM_KEY_BACKUP_DAYS is how long erasure takes to hold everywhere.
KEM_BACKUP_DIR = Path(env.str("KEM_BACKUP_DIR", str(VAR_DIR / "backups" / "data")))
KEM_KEY_BACKUP_DIR = Path(env.str("KEM_KEY_BACKUP_DIR", str(VAR_DIR / "backups" / "keys")))
KEM_BACKUP_DAYS = env.int("KEM_BACKUP_DAYS", 35, minimum=1)
KEM_KEY_BACKUP_DAYS = env.int("KEM_KEY_BACKUP_DAYS", 14, minimum=1)
