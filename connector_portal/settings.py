"""Settings for the Connector, read from the environment.

Every knob is an environment variable (see README.md). The embedded default needs nothing
installed: SQLite under var/ and the django-q2 ORM broker.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CONNECTOR_VAR_DIR", BASE_DIR / "var"))
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"  # noqa: S105


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
TESTING = "pytest" in sys.modules or env_bool("CONNECTOR_TESTING")
if not DEBUG and not TESTING and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is the development secret; set a real one or DJANGO_DEBUG=1."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Fernet keys: the first encrypts, all decrypt, so keys can rotate.
CONNECTOR_ENCRYPTION_KEYS = env_list("CONNECTOR_ENCRYPTION_KEYS")
if not CONNECTOR_ENCRYPTION_KEYS and not DEBUG and not TESTING:
    raise ImproperlyConfigured("CONNECTOR_ENCRYPTION_KEYS must be set when DJANGO_DEBUG is off.")
# Allow http:// and loopback addresses for webhooks and platform URLs (local development).
CONNECTOR_ALLOW_LOOPBACK_URLS = env_bool("CONNECTOR_ALLOW_LOOPBACK_URLS", default=False)

INSTALLED_APPS = [
    "connector_portal.admin_site.ConnectorAdminConfig",  # django.contrib.admin, the support home
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "axes",
    "integrations",
    "mappings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "integrations.monitoring.middleware.api_answers_counted",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "integrations.web.timezones.client_time_zone",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "connector_portal.urls"
WSGI_APPLICATION = "connector_portal.wsgi.application"

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
            ],
        },
    },
]


def database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        )
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
        elif DB_POOL_SIZE > 0 and not QCLUSTER:
            # psycopg's pool, one per process: connections are handed back after each request
            # instead of being kept per thread (Django needs CONN_MAX_AGE 0 with a pool). Not
            # in qcluster: it forks its workers, and a pool's open connections and threads
            # must not cross a fork (the children would share the parent's connections).
            config.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False)
            config.setdefault("OPTIONS", {})["pool"] = {
                "min_size": min(2, DB_POOL_SIZE), "max_size": DB_POOL_SIZE, "timeout": 10,
            }
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "connector.sqlite3",
        "OPTIONS": SQLITE_OPTIONS,
    }


SQLITE_OPTIONS = {
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA synchronous=NORMAL;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
# PostgreSQL connection pool size per process (0: no pool, a persistent connection per thread).
DB_POOL_SIZE = env_int("CONNECTOR_DB_POOL", 0)
QCLUSTER = sys.argv[1:2] == ["qcluster"]
DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "integrations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/integrations/"
LOGOUT_REDIRECT_URL = "/login/"

# Login throttling: an account at one address is locked after AXES_FAILURE_LIMIT failures,
# the account everywhere after AXES_ACCOUNT_FAILURE_LIMIT from any addresses (integrations/web/
# auth.py: the order of AXES_LOCKOUT_PARAMETERS is the handler's), for AXES_COOLOFF_TIME.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ACCOUNT_FAILURE_LIMIT = env_int("AXES_ACCOUNT_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "integrations.web.auth.AccountLimitHandler"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "integrations.web.auth.login_username"
AXES_ENABLED = not env_bool("CONNECTOR_DISABLE_AXES")
AXES_LOCKOUT_CALLABLE = "integrations.web.auth.locked_out"

# HTTPS: on by default in production (DJANGO_DEBUG off), each part switchable for a site that
# does it elsewhere. Behind a proxy that terminates TLS, name the header it sets (and strips
# from clients), e.g. CONNECTOR_PROXY_SSL_HEADER=X-Forwarded-Proto: requests it marks `https`
# count as secure, so the redirect does not loop.
PRODUCTION = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env_bool("CONNECTOR_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe the instance over plain HTTP
SESSION_COOKIE_SECURE = env_bool("CONNECTOR_SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("CONNECTOR_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CONNECTOR_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading puts the domain into browsers' HTTPS-only lists, hard to undo: the operator's
# choice, so Django's reminder about it (security.W021) is silenced while it is off.
SECURE_HSTS_PRELOAD = env_bool("CONNECTOR_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
_proxy_header = os.environ.get("CONNECTOR_PROXY_SSL_HEADER", "").strip()
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "connector@localhost")
# SMTP (with EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# Issue emails (integrations/sync/issues/notify.py): links in them start with this address,
# and these addresses get support's copies besides the staff users who keep them on.
CONNECTOR_PUBLIC_URL = os.environ.get("CONNECTOR_PUBLIC_URL", "http://127.0.0.1:8000")
CONNECTOR_SUPPORT_EMAILS = [
    a for a in os.environ.get("CONNECTOR_SUPPORT_EMAILS", "").split(",") if a.strip()
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files are served by the app itself (whitenoise), from the apps' folders, and after
# `collectstatic` (each deploy) hashed and compressed from STATIC_ROOT (connector_portal/
# staticfiles.py).
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "connector_portal.staticfiles.StaticStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise reads it (and warns if absent)

# The partner API: problem+json errors, bearer API keys, per-key throttling.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("CONNECTOR_MAX_BODY_BYTES", 5 * 1024 * 1024)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["integrations.api.fastjson.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["integrations.api.fastjson.JSONParser"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "integrations.api.problems.problem_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Connector partner API",
    "DESCRIPTION": "Send prospects, members, staff and lead sources; receive changes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the package (drf-spectacular-sidecar): the docs work without internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.api.schema.bodies_required",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MemberStatusEnum": "integrations.models.choices.MemberStatus",
        "MappingStatusEnum": "mappings.models.staff.MappingStatus",
        "ResultStatusEnum": ["created", "updated", "unchanged", "error"],
    },
}
CONNECTOR_API_RATE = os.environ.get("CONNECTOR_API_RATE", "6000/min")
# The country a phone number without "+" is read in, when the record's address gives none.
CONNECTOR_DEFAULT_PHONE_REGION = os.environ.get("CONNECTOR_DEFAULT_PHONE_REGION", "US")

# Background work: django-q2. Redis when REDIS_URL is set, the database (ORM broker) otherwise.
# A task may run at most `timeout` seconds; it is handed out again after `retry` seconds if its
# worker vanished, and given up after `max_attempts` (the outbox keeps the real work state).
REDIS_URL = os.environ.get("REDIS_URL", "")
Q_CLUSTER: dict = {
    "name": os.environ.get("Q_CLUSTER_NAME", "connector"),
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT", 120),
    "retry": env_int("Q_RETRY", 180),
    "max_attempts": 3,
    "ack_failures": True,
    "save_limit": 1000,
    "catch_up": False,
    "poll": 0.2,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
Q_CLUSTER["sync"] = env_bool("Q_SYNC", default=False)

# The sync engine (integrations/sync/conf.py): retries of `api` deliveries (a quick schedule
# from 1 s growing to 15 s for 15 attempts, then the long one doubling from the base, capped;
# a platform that is down is probed instead, `delivery/health.py`), the give-up point, the
# longest Retry-After honoured, and how long a claimed row may stay `sending` before the
# sweeper hands it to another worker.
CONNECTOR_RETRY_QUICK_BASE_SECONDS = float(os.environ.get("CONNECTOR_RETRY_QUICK_BASE_SECONDS", 1))
CONNECTOR_RETRY_QUICK_MAX_SECONDS = float(os.environ.get("CONNECTOR_RETRY_QUICK_MAX_SECONDS", 15))
CONNECTOR_RETRY_BASE_SECONDS = float(os.environ.get("CONNECTOR_RETRY_BASE_SECONDS", 60))
CONNECTOR_RETRY_MAX_SECONDS = float(os.environ.get("CONNECTOR_RETRY_MAX_SECONDS", 3600))
CONNECTOR_DELIVERY_MAX_ATTEMPTS = env_int("CONNECTOR_DELIVERY_MAX_ATTEMPTS", 25)
CONNECTOR_OUTAGE_PROBE_MAX_SECONDS = float(os.environ.get("CONNECTOR_OUTAGE_PROBE_MAX_SECONDS", 60))
CONNECTOR_RETRY_AFTER_MAX_SECONDS = float(os.environ.get("CONNECTOR_RETRY_AFTER_MAX_SECONDS", 3600))
CONNECTOR_CLAIM_TIMEOUT_SECONDS = float(os.environ.get("CONNECTOR_CLAIM_TIMEOUT_SECONDS", 300))
# One turn of the delivery loop task: a stopping worker waits at most this long for it. Rows
# are claimed this many at a time, and a delivery task works this long before it queues its
# follow-up (smaller: one destination's rows spread over more workers, in shorter tasks).
CONNECTOR_DELIVERY_LOOP_SECONDS = float(os.environ.get("CONNECTOR_DELIVERY_LOOP_SECONDS", 5))
CONNECTOR_DELIVERY_BATCH = env_int("CONNECTOR_DELIVERY_BATCH", 50)
CONNECTOR_DELIVERY_TIME_BUDGET_SECONDS = float(
    os.environ.get("CONNECTOR_DELIVERY_TIME_BUDGET_SECONDS", 20)
)

# How long history is kept (days; services/retention.py prunes older rows every hour):
# delivered outbox rows and change snapshots (the feed's promise), sync runs, log, audit.
CONNECTOR_FEED_RETENTION_DAYS = env_int("CONNECTOR_FEED_RETENTION_DAYS", 30)
CONNECTOR_SYNC_RUN_RETENTION_DAYS = env_int("CONNECTOR_SYNC_RUN_RETENTION_DAYS", 90)
CONNECTOR_LOG_RETENTION_DAYS = env_int("CONNECTOR_LOG_RETENTION_DAYS", 365)
CONNECTOR_AUDIT_RETENTION_DAYS = env_int("CONNECTOR_AUDIT_RETENTION_DAYS", 730)

# The cache counts partner API requests per key (throttling), so every web worker must share
# it: Redis when REDIS_URL is set, files under var/ on one machine, memory in tests.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "connector",
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Monitoring (integrations/monitoring/): GET /metrics answers only with this bearer token (404
# without one set). Counters kept by each web process are summed across gunicorn's workers
# through files in PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode): set it to
# an empty directory, emptied before gunicorn starts, on every machine that serves the web.
CONNECTOR_METRICS_TOKEN = os.environ.get("CONNECTOR_METRICS_TOKEN", "")
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
# GET /healthz says `degraded` when no worker finished the every-minute sweep for this long, or
# when a delivery has been due this long.
CONNECTOR_HEALTH_WORKER_SECONDS = float(os.environ.get("CONNECTOR_HEALTH_WORKER_SECONDS", 180))
CONNECTOR_HEALTH_OUTBOX_SECONDS = float(os.environ.get("CONNECTOR_HEALTH_OUTBOX_SECONDS", 300))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # No personal data in the logs: emails and phone numbers are redacted on every handler.
    "filters": {"redact": {"()": "integrations.logging_redact.RedactPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
