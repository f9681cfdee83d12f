"""Project settings. Everything that differs between machines comes from the environment."""

import ipaddress
import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("METEROPS_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_json(name: str) -> dict:
    """A JSON object from the environment; empty or unset is {}."""
    try:
        value = json.loads(os.environ.get(name) or "{}")
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object")
    return value


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # A development-only key: with DEBUG on nothing here is meant to face the internet.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105
# Encrypts vending keys at rest (vending/crypto.py); rotation in docs/KEYCHANGE.md.
# Unset with DEBUG on: derived from SECRET_KEY (development and tests only).
METEROPS_KEY_ENCRYPTION_KEY = os.environ.get("METEROPS_KEY_ENCRYPTION_KEY", "") or (
    "debug-from-secret-key:" + SECRET_KEY if DEBUG else ""
)
METEROPS_KEY_ENCRYPTION_KEY_PREVIOUS = env_list("METEROPS_KEY_ENCRYPTION_KEY_PREVIOUS", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "captcha",
    "axes",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "django_prometheus",
    "meterops.core",
    "meterops.customers",
    "meterops.vending",
    "meterops.replacement",
    "meterops.reading",
    "meterops.prepaid",
    "meterops.keychange",
    "meterops.complaints",
    "meterops.imports",
    "meterops.fieldwork",
    "meterops.p2tl",
    "meterops.api",
    "meterops.mobile",
]

MIDDLEWARE = [
    # First and last, as django-prometheus asks: the latency covers every middleware between.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Before anything logs: every line of the request carries its id.
    "meterops.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Once the user is known: a user who just wrote reads the primary (issue #22).
    "meterops.core.replica.ReplicaPinMiddleware",
    # Once the user is known: every answer below, refusals included, gets these headers.
    "meterops.core.middleware.PrivateResponseMiddleware",
    # Before any view reads a field; the refusal page shows the user's menu.
    "meterops.core.middleware.RefuseNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "meterops.core.middleware.UnitTimezoneMiddleware",
    # Axes last, as its documentation asks: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "meterops.urls"
WSGI_APPLICATION = "meterops.wsgi.application"
ASGI_APPLICATION = "meterops.asgi.application"

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
                "meterops.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'meterops.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the dev server read while an import writes; a busy timeout instead of "locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# Issue #22: a streaming replica of the primary (PostgreSQL), read by reports, exports and
# dashboards only (meterops.core.replica). As a test mirror, the test runner points it at the
# default alias's test database by name, on the replica's own server: there the primary's
# streaming made it.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(
            DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
        ),
        "OPTIONS": DATABASES["default"].get("OPTIONS", {}),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["meterops.core.replica.ReplicaRouter"]
# After a user's write, that user's reads stay on the primary this long: longer than the
# replica's usual lag (docs/DEPLOY.md "Read replica").
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "10"))
# A replica further behind than this, or not answering, is not read (the primary serves the
# reports); each process asks it at most every REPLICA_CHECK_SECONDS.
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "30"))
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "5"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "core:login"

# Sessions end after a working day, or when the browser closes, whichever comes first.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia")]
USE_I18N = True
# The screens are written in Indonesian, so Django's Indonesian catalogue would "translate" a few of
# our own words ("No" to "Tidak", "Order" to "Urutan"): locale/ keeps them as written.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
# Stored in UTC; shown in the unit's zone (core.middleware.UnitTimezoneMiddleware).
TIME_ZONE = os.environ.get("DEFAULT_DISPLAY_TIME_ZONE", "Asia/Jakarta")

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "staticfiles"))
# In production nginx serves the collected files under names carrying their content's hash, cached
# for a year (deploy/nginx); development and the tests serve them as they are.
# Photos, scans and uploads: the local disk (MEDIA_ROOT) by default; past one web machine an
# S3-compatible bucket through django-storages (docs/SCALE.md "Media on object storage"):
# MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage, MEDIA_STORAGE_OPTIONS={"bucket_name": …}.
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("MEDIA_STORAGE_BACKEND")
        or "django.core.files.storage.FileSystemStorage",
        "OPTIONS": env_json("MEDIA_STORAGE_OPTIONS"),
    },
    "staticfiles": {
        "BACKEND": "meterops.core.storage.HashedStaticStorage"
        if env_bool("STATIC_MANIFEST", not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Media is never served by a public URL: only the scoped views answer (issue #17). With an
# internal nginx location (docs/DEPLOY.md) set here, they answer with X-Accel-Redirect and
# nginx sends the file; empty, Django streams it.
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")
# Photos and scans (core.images): bytes, and pixels read from the header before decoding.
MEDIA_UPLOAD_MAX_BYTES = int(os.environ.get("MEDIA_UPLOAD_MAX_BYTES", str(10 * 2**20)))
IMAGE_MAX_SIDE = int(os.environ.get("IMAGE_MAX_SIDE", "10000"))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", "50000000"))  # a phone's 50 MP mode

# Login protection: a math captcha as on the old HOME login, and a lockout after repeated failures.
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.math_challenge"
CAPTCHA_NOISE_FUNCTIONS = ("captcha.helpers.noise_dots",)
CAPTCHA_TIMEOUT = 10
CAPTCHA_IMAGE_SIZE = (130, 44)
CAPTCHA_FONT_SIZE = 30
# A username locks after AXES_FAILURE_LIMIT failures; a client address, whatever usernames it
# tries, after LOCKOUT_IP_FAILURE_LIMIT (meterops.core.lockout).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
LOCKOUT_IP_FAILURE_LIMIT = int(os.environ.get("AXES_IP_FAILURE_LIMIT", "30"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_HANDLER = "meterops.core.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "meterops.core.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# Proxies in front that append the client's address to X-Forwarded-For (nginx = 1); 0 trusts
# no header (meterops.core.lockout.client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "meterops.core.lockout.client_ip"
AXES_VERBOSE = False

# Hardening; production runs behind nginx with TLS (docs/DEPLOY.md).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Probes (systemd, a load balancer) and a scraper on the machine ask gunicorn directly over
# plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$", r"^metrics$"]
SECURE_REFERRER_POLICY = "same-origin"
# Issue #17: scripts and styles only from our own static files (no inline script, handler or
# style attribute anywhere: a markup injection can neither run code nor restyle a page to read
# it); photos and signatures of the field app are data:/blob: URLs. A page that shows another
# origin's images (the route map's tile server) widens img-src for itself only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# The field app takes photos and the location; nothing asks for any other device feature.
PERMISSIONS_POLICY = {
    "camera": "(self)",
    "geolocation": "(self)",
    **{
        feature: "()"
        for feature in (
            "accelerometer",
            "autoplay",
            "display-capture",
            "encrypted-media",
            "gyroscope",
            "hid",
            "idle-detection",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "publickey-credentials-get",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        )
    },
}
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Axes warns that "ip_address" is missing from AXES_LOCKOUT_PARAMETERS: the client address has
# its own, looser limit in meterops.core.lockout.LockoutHandler.
SILENCED_SYSTEM_CHECKS += ["axes.W006"]

MESSAGE_TAGS = {40: "danger"}

# Issue #21: LOG_FORMAT=json writes one JSON object per line (core.logs) for a log collector;
# plain text for development. Either way each line names its request (or job) id.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "meterops.core.logs.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "meterops.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Issue #21: /metrics answers these client addresses and networks only (the address as
# core.lockout.client_ip finds it behind TRUSTED_PROXY_COUNT proxies); anyone else gets 404.
METRICS_ALLOWED_ADDRESSES = env_list("METRICS_ALLOWED_ADDRESSES", "127.0.0.1,::1")
for _network in METRICS_ALLOWED_ADDRESSES:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_ADDRESSES: {_network!r} is not an address or network."
        ) from None

# Demo and import tuning.
IMPORT_BATCH_SIZE = int(os.environ.get("IMPORT_BATCH_SIZE", "5000"))
# Apply workers per upload (threads, each its own connection; PostgreSQL only).
IMPORT_APPLY_WORKERS = int(os.environ.get("IMPORT_APPLY_WORKERS", "2"))
# What one uploaded file may be and cost (docs/IMPORTS.md "Limits"): its size, its size unzipped,
# its data rows, and the address space and CPU seconds of the child process that reads it.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))
IMPORT_MAX_UNZIPPED_BYTES = int(os.environ.get("IMPORT_MAX_UNZIPPED_BYTES", str(600 * 1024**2)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "500000"))
IMPORT_READER_MEMORY_BYTES = int(os.environ.get("IMPORT_READER_MEMORY_BYTES", str(2 * 1024**3)))
IMPORT_READER_CPU_SECONDS = int(os.environ.get("IMPORT_READER_CPU_SECONDS", "300"))
# A check or apply without progress for this long has stopped (its worker died): it is failed
# with a message and can be retried.
IMPORT_STALLED_AFTER = timedelta(minutes=int(os.environ.get("IMPORT_STALLED_MINUTES", "15")))

# Background jobs go through the Tasks API only; the backend is a deployment choice
# (the database by default, RQ on Redis with METEROPS_TASKS_BACKEND=rq).
if os.environ.get("METEROPS_TASKS_BACKEND") == "rq":
    INSTALLED_APPS += ["django_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# manage.py run_worker refreshes its heartbeat this often; a worker silent for three beats is
# dead, and its uploads and campaigns are queued again (meterops.core.workers).
WORKER_HEARTBEAT_SECONDS = float(os.environ.get("WORKER_HEARTBEAT_SECONDS", "10"))
# /ready answers 503 without a worker heartbeat at most this old.
WORKER_HEARTBEAT_MAX_AGE = float(os.environ.get("WORKER_HEARTBEAT_MAX_AGE", "60"))
# Dashboard counts kept in tallies (meterops.core.tallies) are counted again on the worker
# when a view finds them older than this many seconds.
TALLY_MAX_AGE = int(os.environ.get("TALLY_MAX_AGE", "300"))
# The P2TL list's kept scores (meterops.p2tl): a count scores every customer, so less often.
P2TL_MAX_AGE = int(os.environ.get("P2TL_MAX_AGE", "3600"))
