"""The one settings module, driven by the environment.

MESOTRACE_ENV chooses the mode and defaults to "production", which fails closed:
DEBUG off, a secret from the environment, secure cookies. "local" is production served
on a laptop over plain HTTP at 127.0.0.1 (`make serve`): DEBUG off, collected static
files, the secret kept under var/, cookies a browser sends over http. `make dev` and
`make test` choose "development" and "test".
"""

import logging
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

from mesotrace.core.env import env_bool, env_int, env_list, env_str

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MESOTRACE_VAR_DIR", str(BASE_DIR / "var")))

# Under pytest the default is "test" so a bare `pytest` works; a server never imports pytest.
ENVIRONMENT = env_str("MESOTRACE_ENV", "test" if "pytest" in sys.modules else "production")
if ENVIRONMENT not in {"production", "local", "development", "test"}:
    raise ImproperlyConfigured("MESOTRACE_ENV must be production, local, development or test.")
PRODUCTION = ENVIRONMENT == "production"
# "local" serves exactly as production does, except for what needs HTTPS or a real host name.
SERVED = ENVIRONMENT in {"production", "local"}

DEBUG = env_bool("DEBUG", ENVIRONMENT == "development")
if SERVED and DEBUG:
    raise ImproperlyConfigured(f"DEBUG cannot be on when MESOTRACE_ENV is {ENVIRONMENT}.")


def _secret_key() -> str:
    key = env_str("SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    # Outside production a key kept under var/ survives restarts without a manual step.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Catalogue text patients read kept in each language (catalogue/translation.py).
    "modeltranslation",
    "django_htmx",
    "axes",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "mesotrace.core",
    "mesotrace.accounts",
    "mesotrace.audit",
    "mesotrace.practitioners",
    "mesotrace.patients",
    "mesotrace.treatments",
    "mesotrace.charting",
    "mesotrace.consent",
    "mesotrace.catalogue",
    "mesotrace.inventory",
    "mesotrace.outcomes",
    "mesotrace.safety",
    "mesotrace.messaging",
    "mesotrace.portal",
    "mesotrace.desk",
    "mesotrace.demo",
    "mesotrace.fhir",
    "mesotrace.switching",
    "mesotrace.backups",
]

MIDDLEWARE = [
    "mesotrace.core.middleware.RequestIdMiddleware",
    # Outside every refusal below it, so a sign-in attempt refused for its body still counts.
    "mesotrace.accounts.middleware.SignInAttemptMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their long caching and every other answer
    # (patient data above all) tells browsers and proxies to keep no copy.
    "mesotrace.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "mesotrace.core.middleware.PermissionsPolicyMiddleware",
    # With every header above, before the host check: a probe asks by address over HTTP.
    "mesotrace.core.middleware.HealthCheckMiddleware",
    # Before anything reads a body: 413 when too large, 400 for multipart without boundary.
    "mesotrace.core.middleware.RequestBodyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "mesotrace.accounts.middleware.ActiveClinicMiddleware",
    # A page's read audits are committed together, before its answer leaves.
    "mesotrace.audit.middleware.ReadAuditMiddleware",
    # Axes last, as its documentation asks, so it sees the final response.
    "axes.middleware.AxesMiddleware",
]

# The load benchmark adds a no-op view with MESOTRACE_URLCONF=bench.urls.
ROOT_URLCONF = env_str("MESOTRACE_URLCONF", "mesotrace.urls")
WSGI_APPLICATION = "mesotrace.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mesotrace" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mesotrace.accounts.context_processors.clinic",
                "mesotrace.safety.context_processors.safety_alerts",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_str("DATABASE_URL", "")
    if url:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
        if config["ENGINE"] == "django.db.backends.postgresql":
            config["CONN_HEALTH_CHECKS"] = True
            config["OPTIONS"] = {"connect_timeout": 5}
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config["OPTIONS"] = _SQLITE_OPTIONS
        return config
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "mesotrace.sqlite3",
        "OPTIONS": _SQLITE_OPTIONS,
    }


# WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so
# two writers queue on the busy timeout instead of failing on a lock upgrade.
# synchronous=FULL syncs the WAL at every commit, so an acknowledged clinical record
# survives a power cut, not only a crash of the server (NORMAL may lose the last commits);
# the measured cost is in the README (Durability).
SQLITE_SYNCHRONOUS = env_str("SQLITE_SYNCHRONOUS", "FULL").upper()
if SQLITE_SYNCHRONOUS not in {"FULL", "NORMAL", "EXTRA"}:
    raise ImproperlyConfigured("SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA.")
_SQLITE_OPTIONS = {
    "init_command": (
        f"PRAGMA journal_mode=WAL; PRAGMA synchronous={SQLITE_SYNCHRONOUS}; PRAGMA foreign_keys=ON;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

DATABASES = {"default": _database()}
if ENVIRONMENT == "test" and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so tests that run threads (the booking race) meet SQLite's real
    # locking; one file per process, so parallel runs and xdist workers never share it.
    _TEST_DB = Path(tempfile.gettempdir()) / f"mesotrace-test-{os.getpid()}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": str(_TEST_DB)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if ENVIRONMENT == "test":
    # Argon2 stays first in production; tests hash many throwaway passwords.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# The throttle keys on the same client address as the audit trail (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "mesotrace.core.http.client_ip"

SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# The health probe of a load balancer or orchestrator speaks plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client address for the audit trail and the login throttle: REMOTE_ADDR, unless
# this many trusted proxies (the TLS proxy: 1) stand in front and add X-Forwarded-For.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Request bodies: Django's 2.5 MB for forms and JSON; a multipart upload (a session photo
# of at most 15 MB) may be a little larger. Larger bodies are refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
UPLOAD_MAX_BODY_SIZE = 16 * 1024 * 1024

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LANGUAGE_CODE = "en"
# Only complete languages are offered: `tests/project/test_translations_complete.py` fails
# on any untranslated or fuzzy French message.
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
]
# Catalogue text: English is the text every entry has; a missing French text falls back to it
# and is shown labelled "not yet translated" (catalogue_tags.translated).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en",), "en": ("fr",)}
MODELTRANSLATION_AUTO_POPULATE = False
# The type checker's Django plugin cannot follow the managers the registry builds at run
# time; it checks the models as written (code reaches the `_en`/`_fr` columns by name).
MODELTRANSLATION_ENABLE_REGISTRATIONS = "mypy" not in sys.modules
LOCALE_PATHS = [BASE_DIR / "mesotrace" / "locale"]
# Short dates in English stay ISO (mesotrace/locale/en/formats.py); French uses 09/03/2026.
FORMAT_MODULE_PATH = ["mesotrace.locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("MESOTRACE_STATIC_DIR", str(VAR_DIR / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing root
# Uploaded files (session photos) live under var/media and are never served from a public
# URL: only an authenticated clinic view streams them.
MEDIA_ROOT = Path(env_str("MESOTRACE_MEDIA_DIR", str(VAR_DIR / "media")))
if ENVIRONMENT == "test" and "MESOTRACE_MEDIA_DIR" not in os.environ:
    MEDIA_ROOT = Path(tempfile.gettempdir()) / f"mesotrace-test-media-{os.getpid()}"
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if SERVED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not SERVED

# Backups (`manage.py backup` / `restore`): where archives go, and the key that encrypts
# them. Production refuses to write an unencrypted archive unless told to.
BACKUP_DIR = Path(env_str("MESOTRACE_BACKUP_DIR", str(VAR_DIR / "backups")))
BACKUP_KEY = env_str("BACKUP_KEY", "")
BACKUP_ENCRYPT = env_bool("BACKUP_ENCRYPT", PRODUCTION)

# E-mail to patients. Production sends through the SMTP server the environment names;
# `make serve` and `make dev` write each message to a file under artifacts/mail/ instead
# (EMAIL_DELIVERY=smtp sends for real there too). Tests replace the backend themselves.
EMAIL_DELIVERY = env_str("EMAIL_DELIVERY", "smtp" if PRODUCTION else "files")
if EMAIL_DELIVERY not in {"smtp", "files"}:
    raise ImproperlyConfigured("EMAIL_DELIVERY must be smtp or files.")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_DELIVERY == "smtp"
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = Path(env_str("MESOTRACE_MAIL_DIR", str(BASE_DIR / "artifacts" / "mail")))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# The address messages come from, shown with the clinic's name; production sets its own.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "mesotrace@localhost")

# Background tasks (e-mail sending) are rows in the database, run by `manage.py db_worker`,
# which `make serve` and `make dev` start beside the web server: no other server is needed.
# Bulk FHIR exports run on their own queue and worker, so a long export never holds up e-mail.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "exports"],
    }
}

API_TOKEN_LIFETIME = timedelta(days=env_int("API_TOKEN_LIFETIME_DAYS", 90))

# FHIR bulk export ($export): NDJSON files per clinic and job, deleted after this many hours;
# under MEDIA_ROOT/fhir-exports unless a folder is named.
FHIR_EXPORT_DIR = env_str("MESOTRACE_FHIR_EXPORT_DIR", "")
FHIR_EXPORT_HOURS = env_int("FHIR_EXPORT_HOURS", 24)


def _refusal_without_traceback(record: logging.LogRecord) -> bool:
    """A 403 is a refusal working as intended: one line in the log, not a traceback."""
    if getattr(record, "status_code", None) == 403:
        record.exc_info = None
        record.exc_text = None
    return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "refusals": {
            "()": "django.utils.log.CallbackFilter",
            "callback": _refusal_without_traceback,
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "dbbackup": {"level": "WARNING"},  # it logs every pg_dump command line at DEBUG
        "django_tasks": {"level": "WARNING"},  # one INFO line per task run otherwise
        "django.request": {"filters": ["refusals"]},
    },
}
