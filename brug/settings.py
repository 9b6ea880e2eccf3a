"""Brug's Django settings, read from the environment.

Every value has a safe development default except the secrets, which production (``DEBUG`` off)
must provide, directly or through ``<NAME>_FILE``. A bad value raises ``ImproperlyConfigured``
naming the variable.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP  # type: ignore[import-untyped,unused-ignore]
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env(name: str, default: str | None = None) -> str | None:
    """``NAME`` from the environment, or the contents of the file named by ``NAME_FILE``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = env(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in (env(name, default) or "").split(",") if part.strip()]


DEBUG = env_bool("BRUG_DEBUG", False)


def secret(name: str, purpose: str) -> str:
    """A secret from the environment; in development a fixed key derived from the purpose."""
    value = env(name)
    if value:
        return value
    if DEBUG or env_bool("BRUG_TESTING", False):
        return hashlib.sha256(f"brug-development-only:{purpose}".encode()).hexdigest()
    raise ImproperlyConfigured(f"{name} must be set (or {name}_FILE) when BRUG_DEBUG is off")


SECRET_KEY = secret("BRUG_SECRET_KEY", "django")
# Author handles: HMAC key for pseudonyms, and a separate key for the encrypted raw handle.
BRUG_PSEUDONYM_KEY = secret("BRUG_PSEUDONYM_KEY", "pseudonym")
BRUG_HANDLE_KEY = secret("BRUG_HANDLE_KEY", "handle")
# Counselling content at rest (chat, notes, goals, safety plans): newest key first; every key
# decrypts, the first encrypts. Rotate: put a new key in front, run `brug rotate-content-keys`,
# then drop the old one.
BRUG_CONTENT_KEYS = [k.strip() for k in (env("BRUG_CONTENT_KEYS") or "").split(",")
                     if k.strip()] or [secret("BRUG_CONTENT_KEYS", "content")]

ALLOWED_HOSTS = env_list("BRUG_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("BRUG_CSRF_TRUSTED_ORIGINS", "")


def database_from_url(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme in {"sqlite", "sqlite3"}:
        # sqlite:////abs/path.sqlite3 or sqlite:///relative.sqlite3
        name = unquote(parsed.path)[1:] or ":memory:"
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name,
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20,
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
                # Kept open between requests (and chat messages): reopening cost ~1.8 ms of
                # CPU per message in the chat benchmark.
                "CONN_MAX_AGE": 60}
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL must start with sqlite:/// or postgresql://, not {parsed.scheme!r}")


_db_url = env("DATABASE_URL")
DATABASES = {
    "default": database_from_url(_db_url) if _db_url else database_from_url(
        f"sqlite:///{env('BRUG_SQLITE_PATH', str(PROJECT_DIR / 'brug.sqlite3'))}")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "daphne",  # first: `brug runserver` then serves HTTP and WebSockets (ASGI)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "ninja",
    "django_tasks_db",
    "brug.accounts",
    "brug.audit",
    "brug.privacy",
    "brug.sources",
    "brug.signals",
    "brug.review",
    "brug.partners",
    "brug.cases",
    "brug.counselling",
    "channels",
    "brug.web",
    "brug.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "brug.accounts.middleware.RequireTwoFactorMiddleware",
    "brug.counselling.middleware.CounsellorTimeZoneMiddleware",
    "brug.web.middleware.BrugErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "brug.urls"
WSGI_APPLICATION = "brug.wsgi.application"
ASGI_APPLICATION = "brug.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "brug.web.context_processors.brug",
                "brug.counselling.context_processors.portal",
            ],
        },
    },
]

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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Staff must pass a TOTP check after the password. Only for local demos may this be switched off.
BRUG_REQUIRE_2FA = env_bool("BRUG_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Brug"

# Lockout after repeated failures (django-axes), per username and address.
AXES_FAILURE_LIMIT = env_int("BRUG_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("BRUG_LOCKOUT_MINUTES", 30, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Sessions and cookies: short-lived, HTTP-only, secure whenever served over HTTPS.
_https = env_bool("BRUG_HTTPS", not DEBUG)
SESSION_COOKIE_AGE = env_int("BRUG_SESSION_MINUTES", 8 * 60, minimum=5) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = _https and env_bool("BRUG_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _https else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("BRUG_TIME_ZONE", "Europe/Brussels") or "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("BRUG_STATIC_ROOT", str(PROJECT_DIR / ".static")) or ".static")

# Uploads: a source file may be large, but one message may not (see brug.sources.parsing).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
BRUG_UPLOAD_MAX_BYTES = env_int("BRUG_UPLOAD_MAX_MB", 50, minimum=1) * 1024 * 1024
BRUG_MESSAGE_MAX_CHARS = 10_000
BRUG_PUSH_MAX_MESSAGES = 1000

# Background jobs: Django's own tasks API, stored in the database (django-tasks-db).
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                "QUEUES": ["default", "scoring"]},
}
BRUG_SCORING_BATCH = env_int("BRUG_SCORING_BATCH", 256, minimum=1)
# Periodic jobs run by `brug worker`: (task path, every N seconds).
BRUG_FEED_POLL_SECONDS = env_int("BRUG_FEED_POLL_SECONDS", 15 * 60, minimum=10)
BRUG_PURGE_SECONDS = env_int("BRUG_PURGE_SECONDS", 60 * 60, minimum=10)
# Closed case files (and the messages only they hold) are deleted this long after closing.
BRUG_CASE_RETENTION_DAYS = env_int("BRUG_CASE_RETENTION_DAYS", 730, minimum=1)
# How often the worker fires due BPMN timers (reminders, escalations).
BRUG_TIMER_SWEEP_SECONDS = env_int("BRUG_TIMER_SWEEP_SECONDS", 60, minimum=5)

# Counselling: real-time chat over Django Channels. Production (several processes) needs Redis
# (BRUG_REDIS_URL, e.g. redis://127.0.0.1:6379/0); without it one process keeps the channel
# layer in memory (development, tests).
BRUG_REDIS_URL = env("BRUG_REDIS_URL", "") or ""
if BRUG_REDIS_URL:
    # Measured (benchmarks/README.md, chat): redis-py 8's default 5-s socket timeout equals
    # channels_redis's 5-s blocking read, so a quiet process dropped a socket every 5 s; its
    # pool of 100 connections raised instead of waiting when 200 sockets closed at once.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                  "CONFIG": {"hosts": [{"address": BRUG_REDIS_URL,
                                                        "socket_timeout": 10,
                                                        "max_connections": 1000}],
                                             "capacity": 1500, "expiry": 60}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Voice and video: a per-session room on a self-hosted meeting service (e.g. Jitsi Meet), such as
# https://meet.example.org/ . Empty: voice and video cannot be booked on this installation.
BRUG_MEETING_URL = env("BRUG_MEETING_URL", "") or ""
if BRUG_MEETING_URL and not BRUG_MEETING_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("BRUG_MEETING_URL must start with https:// (or http://)")
# Where the client portal's quick exit goes: a neutral site that gives nothing away.
BRUG_QUICK_EXIT_URL = env("BRUG_QUICK_EXIT_URL", "https://www.google.com/search?q=weather") or ""
# Chat limits: one message's length, history sent on connecting.
BRUG_CHAT_MAX_CHARS = env_int("BRUG_CHAT_MAX_CHARS", 4000, minimum=100)
BRUG_CHAT_HISTORY = env_int("BRUG_CHAT_HISTORY", 50, minimum=1)
# Client accounts nobody used for this long are deleted with everything in them.
BRUG_CLIENT_INACTIVE_DAYS = env_int("BRUG_CLIENT_INACTIVE_DAYS", 365, minimum=30)
# In-app reminders: how long before a session the client and counsellor are reminded.
BRUG_REMINDER_HOURS = env_int("BRUG_REMINDER_HOURS", 24, minimum=1)
BRUG_REMINDER_SWEEP_SECONDS = env_int("BRUG_REMINDER_SWEEP_SECONDS", 5 * 60, minimum=10)

# Worker care defaults; each person can change their own break reminder.
BRUG_BREAK_REMINDER_MINUTES = env_int("BRUG_BREAK_REMINDER_MINUTES", 45, minimum=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("BRUG_LOG_LEVEL", "INFO") or "INFO"},
    "loggers": {"axes": {"level": "WARNING"}, "django.tasks": {"level": "WARNING"},
                "django_tasks_db": {"level": "WARNING"},
                # SpiffWorkflow logs every task state change at INFO.
                "spiff": {"level": "WARNING"}},
}
