"""gridgov settings, driven by environment variables.

With nothing set, gridgov runs on SQLite (WAL mode) under ./data, in debug mode for a
developer's machine. A production install sets at least GRIDGOV_SECRET_KEY,
GRIDGOV_ALLOWED_HOSTS, DATABASE_URL and GRIDGOV_DEBUG=0.
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("GRIDGOV_DEBUG", True)
SECRET_KEY = env("GRIDGOV_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("GRIDGOV_SECRET_KEY must be set when GRIDGOV_DEBUG is off")
    SECRET_KEY = "gridgov-development-key-not-for-production"
# Fernet key for personal data at rest (lib/encryption.py); derived from SECRET_KEY when unset.
DATA_KEY = env("GRIDGOV_DATA_KEY", "")

ALLOWED_HOSTS = [h for h in env("GRIDGOV_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("GRIDGOV_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

DATA_DIR = Path(env("GRIDGOV_DATA_DIR", str(BASE_DIR / "data")))
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env("GRIDGOV_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_URL = "/static/"
NODE_MODULES = Path(env("GRIDGOV_NODE_MODULES", str(BASE_DIR / "node_modules")))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_tasks",
    "django_tasks_db",
    "gridgov.accounts",
    "gridgov.regions",
    "gridgov.events",
    "gridgov.web",
    "gridgov.worktime",
    "gridgov.field",
    "gridgov.mediation",
    "gridgov.analysis",
    "gridgov.command",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gridgov.web.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "gridgov.urls"
WSGI_APPLICATION = "gridgov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gridgov" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "gridgov.web.context.navigation",
                "gridgov.worktime.context.calendar_warning",
            ],
        },
    }
]


def database_from_url(url: str) -> dict:
    """Turn postgres://user:pass@host:port/name into a Django DATABASES entry."""
    parts = urlparse(url)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise RuntimeError(f"DATABASE_URL: unsupported scheme {parts.scheme!r} (use postgres://)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "gridgov",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "CONN_MAX_AGE": env_int("GRIDGOV_DB_CONN_MAX_AGE", 60),
        "CONN_HEALTH_CHECKS": True,
        # Django binds its queries on the client and never prepares them; this lets the
        # few statements run on a server-binding cursor (the track upload's) be prepared
        # once per connection. 0 behind a pooler in transaction mode.
        "OPTIONS": {"prepare_threshold": 5 if env("GRIDGOV_DB_PREPARED_STATEMENTS", "1") != "0" else None},
        "TEST": {"NAME": env("GRIDGOV_TEST_DB_NAME", "test_gridgov")},
    }


DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "gridgov.sqlite3",
            "OPTIONS": {
                # WAL lets readers go on while one writer commits; IMMEDIATE makes a
                # writing transaction take the lock at BEGIN instead of failing mid-way.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: this many failures for one account or one address inside the window
# lock further attempts until the window has passed.
LOGIN_FAILURE_LIMIT = env_int("GRIDGOV_LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("GRIDGOV_LOGIN_FAILURE_WINDOW", 15 * 60)

# An idle session ends after this many seconds; every request renews it.
SESSION_COOKIE_AGE = env_int("GRIDGOV_SESSION_IDLE_SECONDS", 2 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

SECURE_COOKIES = env_bool("GRIDGOV_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("GRIDGOV_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("GRIDGOV_HSTS_SECONDS", 31536000)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "gridgov" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATICFILES_DIRS = [
    BASE_DIR / "gridgov" / "static",
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/alpinejs", NODE_MODULES / "alpinejs" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/leaflet.markercluster", NODE_MODULES / "leaflet.markercluster" / "dist"),
    ("vendor/leaflet.heat", NODE_MODULES / "leaflet.heat" / "dist"),
    ("vendor/idb", NODE_MODULES / "idb" / "build"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

TASKS = {
    "default": {
        "BACKEND": env("GRIDGOV_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Photos and files on events.
ATTACHMENT_MAX_BYTES = env_int("GRIDGOV_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
ATTACHMENT_MAX_FILES = env_int("GRIDGOV_ATTACHMENT_MAX_FILES", 9)

# Where notices about events go (dotted paths of notifier classes, comma-separated).
NOTIFIERS = [n for n in env("GRIDGOV_NOTIFIERS", "gridgov.events.notifiers.LogNotifier").split(",") if n]
# Seconds an HTTP notifier waits for the SMS gateway or the webhook receiver.
NOTIFY_TIMEOUT_SECONDS = float(env("GRIDGOV_NOTIFY_TIMEOUT", "5"))
SMS_URL = env("GRIDGOV_SMS_URL", "")
SMS_TOKEN = env("GRIDGOV_SMS_TOKEN", "")
WEBHOOK_URL = env("GRIDGOV_WEBHOOK_URL", "")
WEBHOOK_SECRET = env("GRIDGOV_WEBHOOK_SECRET", "")
EMAIL_BACKEND = env("GRIDGOV_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("GRIDGOV_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("GRIDGOV_EMAIL_PORT", 25)
EMAIL_HOST_USER = env("GRIDGOV_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env("GRIDGOV_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("GRIDGOV_EMAIL_TLS", False)
EMAIL_USE_SSL = env_bool("GRIDGOV_EMAIL_SSL", False)
EMAIL_TIMEOUT = NOTIFY_TIMEOUT_SECONDS
DEFAULT_FROM_EMAIL = env("GRIDGOV_EMAIL_FROM", "gridgov@localhost")

# Base map: the grid polygons are the map. A district on a network with a tile server
# (天地图 or its own) sets an XYZ URL template here. Each character of the subdomains is
# one value of {s} in the URL: 天地图 serves t0 … t7, so "01234567" with t{s}.tianditu.gov.cn.
MAP_TILE_URL = env("GRIDGOV_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env("GRIDGOV_MAP_TILE_ATTRIBUTION", "")
MAP_TILE_SUBDOMAINS = env("GRIDGOV_MAP_TILE_SUBDOMAINS", "").strip() or "abc"

# Household limits per grid from the district's sizing rule; larger grids are flagged.
GRID_HOUSEHOLD_LIMIT = {
    "rural": env_int("GRIDGOV_GRID_LIMIT_RURAL", 150),
    "urban": env_int("GRIDGOV_GRID_LIMIT_URBAN", 300),
}

# How often (seconds) a process re-reads the territory version stamp before a lookup.
LOCATOR_VERSION_CHECK_SECONDS = float(env("GRIDGOV_LOCATOR_CHECK_SECONDS", "2"))

# Office hours of a workday, and how often (seconds) a process re-reads the holiday
# calendar's version stamp before computing a deadline.
WORKING_PERIODS = env("GRIDGOV_WORKING_PERIODS", "08:30-12:00,13:30-17:30")
CALENDAR_CHECK_SECONDS = float(env("GRIDGOV_CALENDAR_CHECK_SECONDS", "2"))

# How often (seconds) a process re-reads the version stamp of the event classes and their
# deadline rules before a report (events/catalogue.py).
TAXONOMY_CHECK_SECONDS = float(env("GRIDGOV_TAXONOMY_CHECK_SECONDS", "2"))

# Largest upload accepted by the territory import, in bytes.
IMPORT_MAX_BYTES = env_int("GRIDGOV_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("GRIDGOV_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
