"""Linli settings, read from the environment.

LINLI_ENV=development (default) generates its own secret and field-encryption keys into
var/dev-secrets.json (git-ignored) and uses SQLite. LINLI_ENV=production refuses to start
unless SECRET_KEY, LINLI_FIELD_KEY, ALLOWED_HOSTS and DATABASE_URL are set.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", BASE_DIR / "var"))

LINLI_ENV = os.environ.get("LINLI_ENV", "development").strip().lower()
if LINLI_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("LINLI_ENV must be 'development' or 'production'.")
PRODUCTION = LINLI_ENV == "production"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or default


def _dev_secrets() -> dict[str, str]:
    """Keys for development and the demo, generated once into a git-ignored file."""
    from linli.lib.crypto import generate_key_text

    path = VAR_DIR / "dev-secrets.json"
    if path.exists():
        data: dict[str, str] = json.loads(path.read_text())
        return data
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    data = {"SECRET_KEY": secrets.token_urlsafe(50), "LINLI_FIELD_KEY": generate_key_text()}
    path.write_text(json.dumps(data))
    path.chmod(0o600)
    return data


def _required(name: str) -> str:
    value = _env(name)
    if value is None:
        if PRODUCTION:
            raise ImproperlyConfigured(
                f"The environment variable {name} is required in production."
            )
        value = _dev_secrets()[name]
    return value


SECRET_KEY = _required("SECRET_KEY")
LINLI_FIELD_KEY = _required("LINLI_FIELD_KEY")

DEBUG = (not PRODUCTION) and _env("DEBUG", "1") in {"1", "true", "yes", "on"}

if PRODUCTION:
    hosts = _env("ALLOWED_HOSTS")
    if hosts is None:
        raise ImproperlyConfigured(
            "The environment variable ALLOWED_HOSTS is required in production."
        )
    ALLOWED_HOSTS = [h.strip() for h in hosts.split(",") if h.strip()]
    if _env("DATABASE_URL") is None:
        raise ImproperlyConfigured(
            "The environment variable DATABASE_URL is required in production."
        )
else:
    ALLOWED_HOSTS = [
        h.strip() for h in (_env("ALLOWED_HOSTS") or "127.0.0.1,localhost,testserver").split(",")
    ]

CSRF_TRUSTED_ORIGINS = [o for o in (_env("CSRF_TRUSTED_ORIGINS") or "").split(",") if o]

DATABASES = {
    "default": dj_database_url.parse(
        _env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'linli.sqlite3'}",
        conn_max_age=int(_env("DB_CONN_MAX_AGE", "60") or 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["TEST"] = (
    {"NAME": _env("TEST_DATABASE_NAME")} if _env("TEST_DATABASE_NAME") else {}
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "ninja",
    "linli.core",
    "linli.org",
    "linli.registry",
    "linli.api",
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
    "django_htmx.middleware.HtmxMiddleware",
    "linli.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "linli.urls"
WSGI_APPLICATION = "linli.wsgi.application"
ASGI_APPLICATION = "linli.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "linli" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.core.context_processors.staff",
            ],
        },
    }
]

# Authentication: argon2, password rules, lockout after 5 failures per username+IP for 30 minutes.
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
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_IPWARE_PROXY_COUNT = int(_env("AXES_PROXY_COUNT", "0") or 0) or None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after 30 idle minutes; the cookie is renewed on every request.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Language and time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "linli" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(_env("STATIC_ROOT") or BASE_DIR / "staticfiles")
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "linli" / "static"]
MEDIA_ROOT = VAR_DIR / "media"
PRIVATE_UPLOAD_DIR = VAR_DIR / "uploads"
WHITENOISE_USE_FINDERS = not PRODUCTION

# Imports: refuse files or sheets bigger than this before parsing.
LINLI_IMPORT_MAX_BYTES = int(_env("LINLI_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)) or 0)
LINLI_IMPORT_MAX_ROWS = int(_env("LINLI_IMPORT_MAX_ROWS", "200000") or 0)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Audit entries are kept at least this many days; `manage.py purge_audit` refuses anything shorter.
LINLI_AUDIT_RETENTION_DAYS = max(180, int(_env("LINLI_AUDIT_RETENTION_DAYS", "365") or 365))

# Security headers; `manage.py check --deploy` is clean with LINLI_ENV=production.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False
if PRODUCTION:
    SECURE_SSL_REDIRECT = _env("SECURE_SSL_REDIRECT", "1") == "1"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(_env("SECURE_HSTS_SECONDS", "31536000") or 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if _env("SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

EMAIL_BACKEND = _env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Application logs never carry personal data: records name ids and actions, not values.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
