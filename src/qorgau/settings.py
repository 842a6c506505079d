"""Django settings for Qorgau, read from ``QORGAU_*`` environment variables.

Development defaults are safe to run on a laptop (SQLite under ``var/``, generated
development keys). ``QORGAU_ENV=production`` turns on every transport protection, and the
system checks in :mod:`qorgau.checks` refuse to start with a missing or default secret.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF

from qorgau.checks import refuse_unsafe_production
from qorgau.env import env_bool, env_choice, env_int, env_list, env_str, load_env_file

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(env_str("QORGAU_BASE_DIR", str(PACKAGE_DIR.parent.parent)))
load_env_file(BASE_DIR / ".env")
VAR_DIR = Path(env_str("QORGAU_VAR_DIR", str(BASE_DIR / "var")))

QORGAU_ENV = env_choice("QORGAU_ENV", "development", ("development", "production"))
PRODUCTION = QORGAU_ENV == "production"

# Development-only values. The production checks (qorgau.E001..E004) refuse to start with them.
# development-only, like the keys below: the production checks refuse to start with it
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production-0123456789"  # noqa: S105
DEVELOPMENT_FIELD_KEY = "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMDEyMzQ="
DEVELOPMENT_PSEUDONYM_KEY = "development-only-pseudonym-key"
DEVELOPMENT_AUDIT_KEY = "development-only-audit-chain-key"
DEVELOPMENT_DISCLOSURE_KEY = "development-only-disclosure-cell-key"

SECRET_KEY = env_str("QORGAU_SECRET_KEY", "" if PRODUCTION else DEVELOPMENT_SECRET_KEY)
# Fernet keys for personal data at rest, newest first; older keys still decrypt (rotation).
QORGAU_FIELD_ENCRYPTION_KEYS = env_list(
    "QORGAU_FIELD_ENCRYPTION_KEYS", () if PRODUCTION else (DEVELOPMENT_FIELD_KEY,)
)
# HMAC key turning an IIN into a pseudonym; changing it re-keys every person.
QORGAU_PSEUDONYM_KEY = env_str(
    "QORGAU_PSEUDONYM_KEY", "" if PRODUCTION else DEVELOPMENT_PSEUDONYM_KEY
)
# Re-keying keys applied over the base pseudonym, oldest first (`qorgau rotate_keys --pseudonyms`).
QORGAU_PSEUDONYM_REKEY_KEYS = env_list("QORGAU_PSEUDONYM_REKEY_KEYS")
# HMAC key sealing the audit chain, kept outside the database so a DBA cannot re-seal it.
QORGAU_AUDIT_KEY = env_str("QORGAU_AUDIT_KEY", "" if PRODUCTION else DEVELOPMENT_AUDIT_KEY)
# HMAC key of the cell keys of public statistics (monitoring/release.py). Whoever knows it can
# remove the noise; changing it changes every published figure (earlier releases stay out).
QORGAU_DISCLOSURE_KEY = env_str(
    "QORGAU_DISCLOSURE_KEY", "" if PRODUCTION else DEVELOPMENT_DISCLOSURE_KEY
)

# Off unless asked for, in every environment: a development server reachable from the network
# would otherwise show settings and tracebacks. WhiteNoise serves static files without it.
DEBUG = env_bool("QORGAU_DEBUG", False)
ALLOWED_HOSTS = env_list("QORGAU_ALLOWED_HOSTS", ("127.0.0.1", "localhost", "[::1]", "testserver"))
CSRF_TRUSTED_ORIGINS = env_list("QORGAU_CSRF_TRUSTED_ORIGINS")

# Two-factor sign-in for every role that sees personal data. Only a demo may switch it off.
QORGAU_REQUIRE_2FA = env_bool("QORGAU_REQUIRE_2FA", True)
QORGAU_DEMO = env_bool("QORGAU_DEMO", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "qorgau.territory",
    "qorgau.audit",
    "qorgau.accounts",
    "qorgau.registry",
    "qorgau.synth",
    "qorgau.monitoring",
    "qorgau.linkage",
    "qorgau.latency",
    "qorgau.rating",
    "qorgau.programs",
    "qorgau.coordination",
    "qorgau.cases",
    "qorgau.notices",
    "qorgau.budget",
    "qorgau.citizens",
    # After the parts whose records a review's timeline reads (their synthetic data first).
    "qorgau.reviews",
    "qorgau.reports",
    "qorgau.operations",
    "qorgau.web",
]

# Proxies whose X-Real-IP header is believed (deploy/qorgau.env: nginx on loopback). Empty: the
# header is ignored, REMOTE_ADDR is the client (development, tests, no proxy).
TRUSTED_PROXIES = frozenset(env_list("QORGAU_TRUSTED_PROXIES"))

MIDDLEWARE = [
    # First: everything below (axes, the audit trail, rate limits) reads REMOTE_ADDR.
    "qorgau.accounts.middleware.TrustedProxyClientAddressMiddleware",
    # Outside every view's transaction: writes the refusals those transactions rolled back.
    "qorgau.accounts.middleware.RefusalsAuditMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "qorgau.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qorgau.urls"
WSGI_APPLICATION = "qorgau.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qorgau.web.context_processors.navigation",
            ],
            # ``unlocalize`` in every template without a load: counts are grouped by language
            # (USE_THOUSAND_SEPARATOR), so years, ids and seeds must be printed through it.
            # ``phrase``, ``model_name`` and ``case_reasons`` too: stored texts and codes in words.
            "builtins": ["django.templatetags.l10n", "qorgau.web.templatetags.texts"],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = env_str("QORGAU_DATABASE_URL", f"sqlite:///{VAR_DIR / 'qorgau.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("QORGAU_DB_CONN_MAX_AGE", 60, minimum=0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so read-then-write workflows (the audit chain)
    # cannot interleave; WAL lets readers go on while one writer works.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and sign-in -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "qorgau.accounts.backends.RoleBackend",
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
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "qorgau.accounts.password_validation.DistinctCharactersValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failures for the same user name (django-axes).
AXES_FAILURE_LIMIT = env_int("QORGAU_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("QORGAU_LOCKOUT_MINUTES", 30, minimum=1))
# By user name *and* address: by name alone, anyone could lock a named officer out of the
# system from anywhere with five wrong passwords. Attempts are kept in the database (axes'
# default handler), so every worker counts them.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Tests: the audit chain is never restored from the serialized test database (its head would go
# back to an older length while entries committed by module-wide fixtures remain); a flushed
# chain simply starts again (see audit_record).
TEST_NON_SERIALIZED_APPS = ["qorgau.audit"]
# Locking by user name is the requirement; also locking by address would lock a whole office
# (many inspectors behind one NAT address) after a few typos of one colleague.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Sessions end after an idle period and never outlive the working day.
SESSION_COOKIE_AGE = 60 * env_int("QORGAU_SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
OTP_TOTP_ISSUER = "Qorgau"

# --- Languages, time ----------------------------------------------------------------------
LANGUAGE_CODE = env_choice("QORGAU_LANGUAGE", "kk", ("kk", "ru", "en"))
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "qorgau_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["qorgau.formats"]

# --- Cache ---------------------------------------------------------------------------------
# The protected public release (monitoring.release_store) and rendered charts are cached under
# keys that name everything they depend on. On disk the cache is shared by every server process
# and survives a restart, so a release is protected once per computation, not once per process;
# "memory" keeps it per process (the test run's choice: nothing left behind).
CACHE_DIR = env_str("QORGAU_CACHE_DIR", str(VAR_DIR / "cache"))
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        if CACHE_DIR == "memory"
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": CACHE_DIR,
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    )
}

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("QORGAU_STATIC_ROOT", str(VAR_DIR / "static")))
# Outside production WhiteNoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- E-mail (notifications of coordination actions, referrals, decisions) -----------------
# Outside production mail is printed on the console; production sends by SMTP.
EMAIL_BACKEND = env_str(
    "QORGAU_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("QORGAU_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("QORGAU_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("QORGAU_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("QORGAU_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("QORGAU_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = env_str("QORGAU_EMAIL_FROM", "qorgau@localhost")

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "qorgau.accounts.tokens.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "qorgau.accounts.api_permissions.SecondFactorVerified",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "qorgau.lib.api_errors.exception_handler",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "DEFAULT_VERSION": "v1",
    "ALLOWED_VERSIONS": ["v1"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Qorgau API",
    "DESCRIPTION": "Monitoring and countering family and domestic violence. Every error has the "
    'shape {"message": str, "extra": object}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "qorgau.registry.choices.RiskLevel",
        "TerritoryKindEnum": "qorgau.territory.models.Kind",
        "OffenceKindEnum": "qorgau.registry.choices.OffenceKind",
        "PreventionKindEnum": "qorgau.registry.choices.PreventionKind",
        "ImportKindEnum": "qorgau.registry.models.ImportJob.Kind",
        "OrganisationKindEnum": "qorgau.accounts.models.OrganisationKind",
        "ServiceKindEnum": "qorgau.citizens.models.ServiceKind",
        "MemberRoleEnum": "qorgau.coordination.models.MemberRole",
        "UserRoleEnum": "qorgau.accounts.roles.Role",
        # Import and budget-upload jobs share one set of states.
        "JobStatusEnum": "qorgau.registry.models.ImportJob.Status",
    },
}

# --- Transport security and content security policy ----------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
# A browser-session cookie, not a one-year one: the citizen portal's visitors may share a
# device with the person they report, and a lasting cookie outlives the visit's quick exit.
CSRF_COOKIE_AGE: int | None = None
CONTENT_SECURITY_POLICY: dict[str, dict[str, Any]] = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("QORGAU_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("QORGAU_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True

# API tokens expire this many days after they are issued (and, like a session, after
# QORGAU_SESSION_IDLE_MINUTES without use).
QORGAU_API_TOKEN_DAYS = env_int("QORGAU_API_TOKEN_DAYS", 30, minimum=1)

# The audit chain's anchors (length and newest seal, signed) are appended here after every
# entry, outside the database, so that a trail deleted or rolled back as a whole is detected by
# `qorgau audit verify`. Keep it where the database administrators cannot rewrite it (another
# owner, `chattr +a`); empty switches anchoring off. The default is one file per database
# (named after its host, port and name, never its password), so that a scratch database of a
# development machine does not write anchors that contradict the main one.
_DATABASE_ID = "{HOST}:{PORT}/{NAME}".format(**{"HOST": "", "PORT": "", **DATABASES["default"]})
QORGAU_AUDIT_ANCHOR_FILE = env_str(
    "QORGAU_AUDIT_ANCHOR_FILE",
    str(
        VAR_DIR / "audit-anchor" / f"{hashlib.sha256(_DATABASE_ID.encode()).hexdigest()[:16]}.jsonl"
    ),
)

# Rejects files of web and API imports (sealed, they hold IINs) are deleted after this many days.
QORGAU_IMPORT_RETENTION_DAYS = env_int("QORGAU_IMPORT_RETENTION_DAYS", 30, minimum=1)

# Hidden violence: the largest share (per cent) of a region's victims the police register may
# plausibly hold; an estimate implying more is published as a lower bound (docs/latency.md).
QORGAU_MAX_REPORTING_PERCENT = env_int("QORGAU_MAX_REPORTING_PERCENT", 35, minimum=1)

# Public figures: counts below this are suppressed (with secondary suppression).
QORGAU_DISCLOSURE_THRESHOLD = env_int("QORGAU_DISCLOSURE_THRESHOLD", 5, minimum=1)

# Notifications to survivors (qorgau.notices): the class that hands a text to an SMS or messenger
# provider (a dotted path; docs/notices.md gives its contract). The default keeps every message
# in a local outbox table and sends nothing: offline by design, for development and demos.
QORGAU_MESSAGE_GATEWAY = env_str(
    "QORGAU_MESSAGE_GATEWAY", "qorgau.notices.gateways.LocalOutboxGateway"
)

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("QORGAU_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}


if PRODUCTION:
    refuse_unsafe_production(globals())
