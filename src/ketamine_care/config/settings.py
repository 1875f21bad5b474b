"""Settings for ketamine-care, read from the environment.

Deployment facts live here (secrets, hosts, database). Clinical policy lives in versioned
protocol and rule-set data, never in settings.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from ketamine_care.config.env import (
    Secret,
    cache_from_url,
    database_from_url,
    email_from_url,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_secrets,
    with_postgres_settings,
    with_prepared_statements,
)
from ketamine_care.core.logs import init_sentry, logging_config

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("KC_DATA_DIR", Path.cwd() / "data"))

DEBUG = env_bool("DEBUG", False)
# `ketamine-care demo` sets DEMO: DEBUG off (the project's own error pages, hashed static files
# from WhiteNoise) but local: plain http on localhost, sent mail written under the data folder,
# and the demo-only keys when none are given. Never set DEMO for a clinic.
DEMO = env_bool("DEMO", False)
LOCAL = DEBUG or DEMO
# Under DEBUG, serve the project's own 404/500 pages (False: Django's technical pages).
PROJECT_ERROR_PAGES = env_bool("PROJECT_ERROR_PAGES", True)
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not LOCAL:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is False")
    SECRET_KEY = "debug-only-insecure-key-never-use-in-production"

# The audit chain is keyed (HMAC-SHA256) so that nobody with only database access can re-hash
# it. The key lives in the environment or a key file, never in the database. 32 characters is
# the HMAC-SHA256 output length, the minimum key length RFC 2104 recommends.
AUDIT_HMAC_KEY = env_secret("AUDIT_HMAC_KEY")
if not AUDIT_HMAC_KEY:
    if not LOCAL:
        raise ImproperlyConfigured(
            "AUDIT_HMAC_KEY (or AUDIT_HMAC_KEY_FILE) is required when DEBUG is False"
        )
    AUDIT_HMAC_KEY = Secret("debug-only-audit-key-never-use-in-production")
if len(AUDIT_HMAC_KEY) < 32:
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must be at least 32 characters long")
# Retired keys, still needed to verify the events and anchors they signed.
AUDIT_HMAC_OLD_KEYS = env_secrets("AUDIT_HMAC_OLD_KEYS")
# Each clinic's chain head is anchored here by `ketamine-care audit-anchor` (append-only).
AUDIT_ANCHOR_FILE = Path(os.environ.get("AUDIT_ANCHOR_FILE") or DATA_DIR / "audit-anchors.jsonl")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if LOCAL else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = os.environ.get("SITE_NAME", "ketamine-care")
# How patients and staff reach this server (e-mailed links made without a request, such as
# questionnaire reminders), e.g. https://kc.example.
SITE_URL = os.environ.get("SITE_URL", "")
# A self-report link still unanswered this long after it was made gets one e-mailed reminder
# (`ketamine-care send-reminders`, from cron) when the patient has an e-mail address.
SELF_REPORT_REMINDER_AFTER_HOURS = env_int("SELF_REPORT_REMINDER_AFTER_HOURS", 24)
# Text messages (scheduled questionnaires and visit instructions; docs/MEASURES.md): a dotted
# path to a backend class. The demo prints them; elsewhere none is sent until a deployment
# names its provider's backend.
SMS_BACKEND = os.environ.get("SMS_BACKEND") or (
    "ketamine_care.portal.sms.ConsoleBackend"
    if LOCAL
    else "ketamine_care.portal.sms.DisabledBackend"
)

# Two-factor authentication is required for clinic admins, medical directors and prescribers
# unless explicitly switched off (the demo switches it off).
REQUIRE_2FA = env_bool("REQUIRE_2FA", True)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # single-use backup codes
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ketamine_care.core",
    "ketamine_care.jobs",
    "ketamine_care.accounts",
    "ketamine_care.audit",
    "ketamine_care.patients",
    "ketamine_care.instruments",
    "ketamine_care.outcomes",
    "ketamine_care.portal",
    "ketamine_care.inventory",
    "ketamine_care.protocols",
    "ketamine_care.screening",
    "ketamine_care.dosing",
    "ketamine_care.treatment_sessions",
    "ketamine_care.surveillance",
    "ketamine_care.courses",
    "ketamine_care.therapy",
    "ketamine_care.demo",
    "ketamine_care.fhir",
    "ketamine_care.research",
    "ketamine_care.registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files answer here, before sessions and the database (and keep their caching).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ketamine_care.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    # Under DEBUG (the demo): the project's 404/500 pages instead of Django's technical ones.
    "ketamine_care.core.error_pages.ProjectErrorPagesMiddleware",
    "ketamine_care.core.middleware.RequestIdMiddleware",
    "ketamine_care.core.middleware.RequestLogMiddleware",
    # Before sessions and tokens: hostile input to /api/v1 is a 422/413 without a query.
    "ketamine_care.core.api_input.ApiInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ketamine_care.accounts.middleware.CurrentClinicMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ketamine_care.config.urls"
WSGI_APPLICATION = "ketamine_care.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": [
                "template_partials.templatetags.partials",
                "ketamine_care.core.templatetags.clinical",
                # `|clinic_time` / `|clinic_clock`: every time shown, in the clinic's zone.
                "ketamine_care.core.templatetags.clinic_time",
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketamine_care.accounts.context_processors.clinic",
                "ketamine_care.core.context_processors.alert_badge",
                "ketamine_care.treatment_sessions.context_processors.to_sign",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'ketamine-care.sqlite3'}"
# PostgreSQL's parallel query starts extra worker processes for scans it guesses are big: on
# a small host they take the cores other requests need, for queries (search pages, counts
# bounded by a LIMIT) that are quicker without them. Off by default; raise it on a large
# database server (docs/PERFORMANCE.md).
DB_MAX_PARALLEL_WORKERS_PER_GATHER = env_int("DB_MAX_PARALLEL_WORKERS_PER_GATHER", 0)
# The statements nearly every request runs (`core.compiled.CompiledQuery`: the token, the
# audit chain's head, the session and patient a request names) are prepared on PostgreSQL,
# once per connection, so that PostgreSQL does not plan them again on every request. Turn
# off behind a pooler in transaction mode that cannot carry prepared statements (PgBouncer
# before 1.21, or without `max_prepared_statements`; docs/OPERATIONS.md).
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)
DATABASES = {
    "default": with_prepared_statements(
        with_postgres_settings(
            database_from_url(DATABASE_URL, base_dir=Path.cwd()),
            max_parallel_workers_per_gather=DB_MAX_PARALLEL_WORKERS_PER_GATHER,
        ),
        DB_PREPARED_STATEMENTS,
    )
}
# A streaming replica of the primary, for read-only reports only (core/db_routing.py): every
# write, and every read that must see the latest writes, stays on the primary.
DATABASE_REPLICA_URL = env_secret("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = with_prepared_statements(
        with_postgres_settings(
            database_from_url(str(DATABASE_REPLICA_URL), base_dir=Path.cwd()),
            max_parallel_workers_per_gather=DB_MAX_PARALLEL_WORKERS_PER_GATHER,
        ),
        DB_PREPARED_STATEMENTS,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["ketamine_care.core.db_routing.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Patient search counts its matches exactly up to this many; beyond that the count is the
# database's estimate and the answer says so (`count_estimated`, "about N").
PATIENT_SEARCH_EXACT_COUNT_LIMIT = env_int("PATIENT_SEARCH_EXACT_COUNT_LIMIT", 10_000)

# FHIR API (/fhir/R4, docs/FHIR.md): the base of the project's own code systems (codes no
# standard system has), of its identifier systems (each clinic's MRNs), and search paging.
FHIR_CODE_SYSTEM_BASE = os.environ.get(
    "FHIR_CODE_SYSTEM_BASE", "https://ketamine-care.org/fhir/CodeSystem/"
)
FHIR_IDENTIFIER_SYSTEM_BASE = os.environ.get(
    "FHIR_IDENTIFIER_SYSTEM_BASE", "https://ketamine-care.org/fhir/NamingSystem/"
)
FHIR_DEFAULT_COUNT = env_int("FHIR_DEFAULT_COUNT", 20)
FHIR_MAX_COUNT = env_int("FHIR_MAX_COUNT", 100)
# Bulk Data `$export` files (NDJSON, written by the worker): where, and for how many hours
# they can be downloaded before they are deleted.
FHIR_BULK_DIR = Path(os.environ.get("FHIR_BULK_DIR") or DATA_DIR / "fhir-bulk")
FHIR_BULK_HOURS = env_int("FHIR_BULK_HOURS", 24)

# Throttle counters (portal, witness confirmations) must be seen by every worker: the
# database cache by default, whose table the `core` migrations create. CACHE_URL may name
# redis://, memcached://host:port or locmem:// (one process only) instead.
CACHES = {"default": cache_from_url(os.environ.get("CACHE_URL") or "db://")}

# Background jobs (django-tasks, database backend): queued in the database by any app server,
# run by `ketamine-care worker`. A failed attempt is tried again after 30 s, 60 s, 120 s ...
# (at most JOB_RETRY_MAX_SECONDS) until JOB_MAX_ATTEMPTS (jobs/runner.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 5)
JOB_RETRY_BASE_SECONDS = env_int("JOB_RETRY_BASE_SECONDS", 30)
JOB_RETRY_MAX_SECONDS = env_int("JOB_RETRY_MAX_SECONDS", 3600)
# How long an export made by the worker (a REMS CSV) can be downloaded; then it is cleared.
EXPORT_HOURS = env_int("EXPORT_HOURS", 24)
# The worker writes its heartbeat to the shared cache; /healthz calls it stale after this.
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 15)
WORKER_STALE_SECONDS = env_int("WORKER_STALE_SECONDS", 120)

# Reverse proxies whose X-Forwarded-For is believed (IPs or CIDRs, comma-separated). Empty:
# the peer address is the client, whatever the header says.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an IP or CIDR") from exc

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"

# Login throttling: lock an email + IP pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_LOCKOUT_CALLABLE = "ketamine_care.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# The real client address (X-Forwarded-For only from TRUSTED_PROXIES), as the audit trail.
AXES_CLIENT_IP_CALLABLE = "ketamine_care.core.middleware.client_ip"

# A waste or stock-removal witness who enters a wrong password 5 times cannot confirm for 15
# minutes; their own sign-in is not affected (the lock-out above counts sign-ins only).
WITNESS_FAILURE_LIMIT = env_int("WITNESS_FAILURE_LIMIT", 5)
WITNESS_COOLOFF_SECONDS = 15 * 60
# Signing a session note asks for the signer's password again; 5 wrong ones stop signing for
# 15 minutes without touching the sign-in lock-out.
SIGN_PASSWORD_FAILURE_LIMIT = env_int("SIGN_PASSWORD_FAILURE_LIMIT", 5)
SIGN_PASSWORD_COOLOFF_SECONDS = 15 * 60

# Staff invitations and password resets: links expire, and reset requests are throttled
# per client and per address in the shared cache.
INVITATION_HOURS = env_int("INVITATION_HOURS", 72)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60)
PASSWORD_RESETS_PER_HOUR = env_int("PASSWORD_RESETS_PER_HOUR", 5)

OTP_TOTP_ISSUER = SITE_NAME

LANGUAGE_CODE = "en-us"
# The server works in UTC; each clinic has its own IANA zone (Clinic.time_zone), activated per
# request. A new clinic gets DEFAULT_CLINIC_TIME_ZONE (UTC when unset), e.g. America/Chicago.
TIME_ZONE = "UTC"
DEFAULT_CLINIC_TIME_ZONE = os.environ.get("DEFAULT_CLINIC_TIME_ZONE", "") or "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or DATA_DIR / "static")
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# WhiteNoise serves the collected files: compressed, with content hashes in their names and a
# year of caching. `serve` and `migrate` collect them (COLLECTSTATIC_ON_MIGRATE). In debug the
# files are served from the source folders as they change.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
COLLECTSTATIC_ON_MIGRATE = env_bool("COLLECTSTATIC_ON_MIGRATE", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline <script>, no on*= handlers, no inline style, no eval (htmx runs with allowEval off
# and settles no style attribute).
# An injected tag that slipped past escaping therefore cannot run. The API's Swagger page
# (/api/v1/docs) is under the same policy: it loads vendored files (static/vendor/swagger_ui).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
if not LOCAL:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# E-mail: EMAIL_URL (smtp://user:password@host:587/?tls=True, smtp://host:465/?ssl=True,
# console://, file:///path) or EMAIL_HOST and friends. With neither, debug (the demo) writes
# each message as a file under the data folder, and production uses Django's default (SMTP on
# localhost). Messages carry no patient data beyond a first name and a link.
EMAIL_URL = env_secret("EMAIL_URL")
if EMAIL_URL:
    globals().update(email_from_url(str(EMAIL_URL)))
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
elif LOCAL:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "sent-mail"
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Patient data never goes to logs: JSON lines with ids and URL patterns, never a path, query
# string or request body (core/logs.py).
LOGGING = logging_config(
    os.environ.get("LOG_LEVEL", "WARNING"), requests=env_bool("LOG_REQUESTS", True)
)

# Errors may go to Sentry (pip install 'ketamine-care[sentry]'): no personal data, no request
# body, no local variables, every event scrubbed to the route and the stack.
SENTRY_DSN = env_secret("SENTRY_DSN")
if SENTRY_DSN:
    init_sentry(str(SENTRY_DSN), environment=os.environ.get("SENTRY_ENVIRONMENT", "production"))
