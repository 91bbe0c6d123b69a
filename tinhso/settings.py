"""Django settings for tinhso.

Every value that differs between a developer's laptop and production comes from an
environment variable (12-factor); the defaults are safe for local development only and
``check --deploy`` style guards refuse to start production with them.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("TINHSO_TESTING", False)
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
if SECRET_KEY == DEV_SECRET_KEY and not (DEBUG or TESTING):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set SECRET_KEY (and DEBUG=0) in production, or DEBUG=1 for development."
    )
# A separate key for citizen identifiers, so rotating the session key does not orphan them.
CITIZEN_ID_KEY = os.environ.get("CITIZEN_ID_KEY", SECRET_KEY)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "tinhso.web.admin_site.TinhsoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "tinhso.core.accounts",
    "tinhso.core.units",
    "tinhso.core.agencies",
    "tinhso.core.audit",
    "tinhso.core.events",
    "tinhso.core.workcalendar",
    "tinhso.core.files",
    "tinhso.core.apiclients",
    "tinhso.core.ops",
    "tinhso.procedures",
    "tinhso.payments",
    "tinhso.dossiers",
    "tinhso.feedback",
    "tinhso.ioc",
    "tinhso.web",
    "tinhso.demo",
]

MIDDLEWARE = [
    "tinhso.core.ops.middleware.RequestContextMiddleware",
    "tinhso.core.ops.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tinhso.core.ops.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "tinhso.core.accounts.middleware.IdleSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tinhso.urls"
WSGI_APPLICATION = "tinhso.wsgi.application"
ASGI_APPLICATION = "tinhso.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tinhso.web.context_processors.platform",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
# SQLite is the embedded default; production and CI use PostgreSQL through DATABASE_URL.
DEFAULT_SQLITE = f"sqlite:///{PROJECT_DIR / 'var' / 'tinhso.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_SQLITE),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches and sessions: no state on the app server ----------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tinhso_cache",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_MAX_AGE_SECONDS", str(8 * 3600)))
SESSION_IDLE_TIMEOUT_SECONDS = int(os.environ.get("SESSION_IDLE_TIMEOUT_SECONDS", str(30 * 60)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Authentication -------------------------------------------------------------------
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:workspace"
LOGOUT_REDIRECT_URL = "web:home"
# "required": officers must enrol a TOTP device before they reach the workspace.
OFFICER_TWO_FACTOR = os.environ.get("OFFICER_TWO_FACTOR", "required")
OTP_TOTP_ISSUER = "Tỉnh số"

# Login rate limiting (django-axes): lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tinhso.web.views.login_locked_out"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
# Lockouts use the same proxy-aware, unforgeable address as the audit log.
AXES_CLIENT_IP_CALLABLE = "tinhso.core.ops.middleware.client_ip"

# --- API ------------------------------------------------------------------------------
API_ACCESS_TOKEN_SECONDS = int(os.environ.get("API_ACCESS_TOKEN_SECONDS", "3600"))
# Token endpoint: after this many failed client authentications from one IP for one client_id,
# refuse (429) until the window has passed.
API_CLIENT_AUTH_FAILURE_LIMIT = int(os.environ.get("API_CLIENT_AUTH_FAILURE_LIMIT", "10"))
API_CLIENT_AUTH_FAILURE_WINDOW_SECONDS = int(os.environ.get("API_CLIENT_AUTH_FAILURE_WINDOW_SECONDS", "900"))
NINJA_PAGINATION_PER_PAGE = 50

# --- Background tasks -----------------------------------------------------------------
# Tests run tasks immediately (a committed event is delivered on the spot, in the same process);
# the worker's own tests switch to the database backend explicitly.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}
# Event delivery (docs/events.md): retries with exponential backoff, then "failed" for an operator.
EVENTS_MAX_ATTEMPTS = int(os.environ.get("EVENTS_MAX_ATTEMPTS", "8"))
EVENTS_RETRY_BASE_SECONDS = int(os.environ.get("EVENTS_RETRY_BASE_SECONDS", "30"))
EVENTS_RETRY_MAX_SECONDS = int(os.environ.get("EVENTS_RETRY_MAX_SECONDS", "3600"))
# A pending event due for this long without being delivered is enqueued again by the worker's sweep.
EVENTS_SWEEP_AFTER_SECONDS = int(os.environ.get("EVENTS_SWEEP_AFTER_SECONDS", "60"))
# Finished task results older than this are pruned by the worker (the outbox keeps the history).
TASKS_RESULT_RETENTION_DAYS = int(os.environ.get("TASKS_RESULT_RETENTION_DAYS", "7"))

# --- Working calendar (tinhso.core.workcalendar, see docs/calendar.md) ----------------
# Office sessions of the one-stop offices; a receipt outside them starts the legal clock at the next
# session. The optional cut-off (e.g. "15:00") makes later receipts count from the next working day.
WORKCALENDAR_OFFICE_HOURS = os.environ.get("WORKCALENDAR_OFFICE_HOURS", "07:00-11:30,13:00-17:00")
WORKCALENDAR_LATE_RECEIPT_CUTOFF = os.environ.get("WORKCALENDAR_LATE_RECEIPT_CUTOFF", "")
# How often a process checks the shared cache for overrides changed by another process.
WORKCALENDAR_VERSION_CHECK_SECONDS = float(os.environ.get("WORKCALENDAR_VERSION_CHECK_SECONDS", "5"))

# --- Internationalisation: Vietnamese first -------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "var" / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", PROJECT_DIR / "var" / "media"))
MEDIA_URL = "/media/"
S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    # Several app servers: uploads go to S3-compatible object storage (django-storages).
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "default_acl": "private",
            "querystring_auth": True,
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Request-level limits (Django): the size of a request body WITHOUT its files, and how large an
# uploaded file may be before Django spools it to a temporary file instead of memory. The size of
# each accepted file is limited per purpose by tinhso.core.files (up to 50 MB); the front proxy's
# client_max_body_size must be above that (see docs/files.md).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Antivirus: set CLAMAV_SOCKET (unix) or CLAMAV_HOST:CLAMAV_PORT to scan every upload, or
# FILE_SCANNER to the dotted path of another scanner class. When a scanner is configured but
# unreachable, uploads are refused ("try later") unless FILE_SCAN_FAIL_OPEN=1.
CLAMAV_SOCKET = os.environ.get("CLAMAV_SOCKET", "")
CLAMAV_HOST = os.environ.get("CLAMAV_HOST", "")
CLAMAV_PORT = int(os.environ.get("CLAMAV_PORT", "3310"))
CLAMAV_TIMEOUT = float(os.environ.get("CLAMAV_TIMEOUT", "30"))
FILE_SCANNER = os.environ.get("FILE_SCANNER", "")
FILE_SCAN_FAIL_OPEN = env_bool("FILE_SCAN_FAIL_OPEN", False)

# --- Security -------------------------------------------------------------------------
TLS = env_bool("TLS", not DEBUG and not TESTING)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SESSION_COOKIE_SECURE = TLS
CSRF_COOKIE_SECURE = TLS
SECURE_HSTS_SECONDS = 31536000 if TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TLS
SECURE_SSL_REDIRECT = TLS and env_bool("SSL_REDIRECT", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"


# No inline script or style anywhere, the Django admin included (it has none since Django 4.x;
# tinhso.core.ops.tests.test_headers checks the admin pages we serve).
def _origin(url: str) -> str:
    """``https://tiles.example.vn`` from a URL template (the CSP names origins, not paths)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in {"http", "https"} and parts.netloc else ""


# Map tiles come from the server in MAP_TILE_URL when one is set (docs/feedback.md); a payment
# provider's pages are a form target after a redirect, so their origins are listed too.
_CSP_IMG_EXTRA = " ".join(
    sorted(
        set(
            filter(
                None,
                [
                    _origin(os.environ.get("MAP_TILE_URL", "")),
                    _origin(os.environ.get("IOC_MAP_TILES_URL", "")),
                ],
            )
        )
    )
)
_CSP_FORM_EXTRA = " ".join(env_list("CSP_FORM_ACTION_ORIGINS", ""))
CONTENT_SECURITY_POLICY = (
    (
        f"default-src 'self'; img-src 'self' data: blob: {_CSP_IMG_EXTRA}; style-src 'self'; script-src 'self'; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
        f"form-action 'self' {_CSP_FORM_EXTRA}"
    )
    .replace("  ", " ")
    .replace(" ;", ";")
    .strip()
)
# Browser features no page needs are switched off; geolocation stays available to our own pages
# for citizens' field reports (feedback).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(self), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

# --- Logging: one JSON object per line, with the request id ---------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# A developer reads plain lines; production ships JSON to its log collector.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "tinhso.core.ops.logging.RequestContextFilter"},
        # A safety net: masks citizen-ID-like and phone-like numbers in whatever is logged.
        "mask_personal_data": {"()": "tinhso.core.ops.logging.PersonalDataMaskFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            # "time": ISO 8601 in UTC with its offset, whatever the server's time zone.
            "timestamp": "time",
            "rename_fields": {"levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT if LOG_FORMAT in {"json", "plain"} else "json",
            "filters": ["request_context", "mask_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # One line per task state change drowns the worker's own log; failures still show.
        "django_tasks": {"level": os.environ.get("TASKS_LOG_LEVEL", "WARNING")},
    },
}

# --- Operations: /healthz and /metrics (docs/operations.md) ---------------------------
# /healthz reports "degraded" when no worker has recorded a heartbeat for this many seconds.
WORKER_HEARTBEAT_MAX_AGE = int(os.environ.get("WORKER_HEARTBEAT_MAX_AGE", "120"))
# /metrics answers a request bearing "Authorization: Bearer <METRICS_TOKEN>" (when set), or one
# made directly (not through the proxy) from one of these addresses.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", "127.0.0.1,::1")

ADMIN_URL = os.environ.get("ADMIN_URL", "quan-tri/")

# --- Payments (docs/payments.md) ----------------------------------------------------------
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "sandbox")
# The sandbox issues receipts for simulated payments: never on a production server.
PAYMENT_SANDBOX_ENABLED = env_bool("PAYMENT_SANDBOX_ENABLED", DEBUG or TESTING)
PAYMENT_SANDBOX_SECRET = os.environ.get("PAYMENT_SANDBOX_SECRET", "")
PAYMENT_CALLBACK_MAX_AGE_SECONDS = int(os.environ.get("PAYMENT_CALLBACK_MAX_AGE_SECONDS", "600"))

# --- Statistics read model (docs/onestop.md, "Statistics read model") --------------------
# Off: every statistic is computed from the dossiers (slow at millions of dossiers; for checks).
DOSSIER_STATS_READ_MODEL = env_bool("DOSSIER_STATS_READ_MODEL", True)

# --- Operations center (docs/ioc.md) ---------------------------------------------------
# Map tiles for the IOC map; default: the platform's MAP_TILE_URL (empty: a plain background,
# since government networks are often closed to the internet).
IOC_MAP_TILES_URL = os.environ.get("IOC_MAP_TILES_URL", "") or os.environ.get("MAP_TILE_URL", "")
IOC_MAP_TILES_ATTRIBUTION = os.environ.get("IOC_MAP_TILES_ATTRIBUTION", "") or os.environ.get(
    "MAP_TILE_ATTRIBUTION", ""
)
# Unit centre points (GeoJSON); empty: the demo province's hand-placed points (docs/ioc.md).
IOC_UNIT_POINTS_FILE = os.environ.get("IOC_UNIT_POINTS_FILE", "")

# --- Signed results (docs/onestop.md, "Signed results") ----------------------------------
# Comma-separated PEM files of the CAs whose signatures count; empty = the demo CA, and only in
# DEBUG or tests. Keystore: one PKCS#12 per officer or agency, passwords from the environment.
SIGNING_TRUST_ROOTS = [p for p in env_list("SIGNING_TRUST_ROOTS", "") if p] or None
SIGNING_KEYSTORE_DIR = os.environ.get(
    "SIGNING_KEYSTORE_DIR", str(PROJECT_DIR / "var" / "signing" / "keystore")
)
SIGNING_DEMO_CA_DIR = os.environ.get("SIGNING_DEMO_CA_DIR", str(PROJECT_DIR / "var" / "signing" / "demo-ca"))

# --- Citizen field reports (docs/feedback.md) --------------------------------------------
FEEDBACK_AUTO_CLOSE_DAYS = int(os.environ.get("FEEDBACK_AUTO_CLOSE_DAYS", "7"))
FEEDBACK_DUPLICATE_RADIUS_M = int(os.environ.get("FEEDBACK_DUPLICATE_RADIUS_M", "100"))
FEEDBACK_DUPLICATE_DAYS = int(os.environ.get("FEEDBACK_DUPLICATE_DAYS", "14"))
# Map tiles: empty means no tile layer (an offline plain background), since government networks
# are often closed; set an OSM-compatible template such as https://tiles.example.vn/{z}/{x}/{y}.png.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
