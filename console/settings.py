"""Settings for the IMS console, read from the environment (and an optional .env file)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.utils.csp import CSP

from ims.store.config import image_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)
(VAR_DIR / "staticfiles").mkdir(exist_ok=True)

env = environ.Env()
env.read_env(BASE_DIR / ".env")


def _secret_key() -> str:
    """Return DJANGO_SECRET_KEY, or a key generated once and kept under var/."""
    if key := env.str("DJANGO_SECRET_KEY", default=""):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    # For its static Swagger UI: the API docs then load from this server, under the CSP,
    # with no inline script and no internet.
    "ninja",
    # One app per service, in dependency order: each may use those above it, never below.
    "console",
    "console.audit",
    "console.iam",
    "console.kms",
    "vaults",
    "ims",
    "console.compute",
    "console.demo",
    # After ims, whose db_worker (which first recovers the jobs a dead worker left) replaces
    # this app's own.
    "django_tasks_db",
]

MIDDLEWARE = [
    # Outermost: a HEAD answer leaves without a body, whatever the others put in it.
    "console.middleware.HeadWithoutBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Static files are served precompressed by WhiteNoise, before this middleware sees them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML is compressed too, although every page carries the CSRF token (BREACH): Django
    # masks the token with a fresh random salt on every response, so no secret repeats
    # across responses for a compression oracle to guess at, and GZipMiddleware adds a
    # random-length filler to each compressed body ("Heal the Breach"). The session cookie
    # is never in a body. Whoever adds a secret to a page that echoes request input must
    # mask it the same way.
    "console.middleware.GZipMiddleware",
    # Outside the one below, so that the error bodies it makes get the API's headers too.
    "console.api.ApiHeadersMiddleware",
    "console.api.ApiJsonErrorsMiddleware",
    "ims.api.middleware.ImsRootMiddleware",
    "console.iam.middleware.IamRootMiddleware",
    # Before the session: NUL bytes and lone surrogates are refused before any query.
    "console.screening.RequestScreeningMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "console.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "console.middleware.HtmxVaryMiddleware",
    "console.middleware.CurrentProjectMiddleware",
    "console.middleware.HtmxMessagesMiddleware",
    "console.tasks.TasksAfterResponseMiddleware",
    "console.security.MalformedHeaderMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"

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
                "console.context_processors.console",
                "console.audit.context_processors.unread_messages",
                "console.demo.context_processors.demo_menu",
            ],
            # Every template translates and formats dates the console's way without {% load %}.
            "builtins": ["django.templatetags.i18n", "console.templatetags.console_format"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'console.sqlite3'}"),
}
# Persistent connections: opening one costs a request about a third of a bare page's time
# on PostgreSQL. A connection found broken is replaced before a request uses it.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters let psycopg prepare a statement the second time a connection
    # runs it: PostgreSQL then skips planning it, which is most of a list query's cost.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "server_side_binding": env.bool("DATABASE_SERVER_SIDE_BINDING", default=True),
            "prepare_threshold": env.int("DATABASE_PREPARE_THRESHOLD", default=2),
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Each atomic block takes the write lock up front, so read-check-write services are
    # serialized like row locks on PostgreSQL; writers queue instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
    # Tests use a file too: threads of the concurrency and browser tests then queue on
    # SQLite's lock as production processes do (shared in-memory databases fail instead).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "console.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id first: new and upgraded hashes use it; the others still check hashes made before
# (Django re-hashes them with Argon2id at the user's next login or password token).
PASSWORD_HASHERS = [
    "console.hashers.ConsoleArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out user or address is refused before any password is hashed.
    "axes.backends.AxesStandaloneBackend",
    "console.backends.AccountBackend",
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "ims:shared_images"
LOGOUT_REDIRECT_URL = "console:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Time zones a user can pick in the user menu, as the real console offers them.
CONSOLE_TIME_ZONES = [
    "UTC",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Africa/Johannesburg",
]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Fingerprinted names (console.3f2a….css) with gzip and brotli copies made by
    # collectstatic (`make run`, and the test session); WhiteNoise serves the fingerprinted
    # files compressed and cached for a year, since a change gives them a new name.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The largest image file the store takes (the documented import limit is 128 GB).
IMAGE_FILE_MAX_BYTES = int(env.float("IMAGE_FILE_MAX_GB", default=128) * 1024**3)
# Image files: a folder under var/, or an S3-compatible object store (ims/store/config.py).
STORAGES["images"] = image_storage(
    env.str("IMAGE_STORE_URL", default=""),
    folder=VAR_DIR / "image-store",
)
# With finders WhiteNoise would serve the source files, uncompressed and barely cached;
# only a development server (DEBUG) reads them straight from static/.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Batch member jobs of the IMS API run on this queue; `make run` starts its db_worker.
TASKS = {
    "default": {
        "BACKEND": env.str("DJANGO_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")
    }
}

# A demo install lists the demo personas on the login page and lets seed_demo run.
DEMO = env.bool("DJANGO_DEMO", default=True)

# Login protection (django-axes): after AXES_FAILURE_LIMIT failures for one user name from one
# client address, that combination is refused for the cool-down — a classroom behind one
# address is not locked out by one attendee's typos. The console, Django admin and the
# password-token API count together. `make unlock USER_NAME=…` or Django admin
# (Axes → Access attempts → delete) unlocks.
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "console.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "console.security.client_ip"
# Behind N trusted reverse proxies, the client address is the N-th from the right of
# X-Forwarded-For; 0 means REMOTE_ADDR is the client.
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)

# Production behind a TLS proxy; every switch is off by default so `make run` works on http.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = env.bool(
    "DJANGO_SECURE_COOKIES", default=False
)
if proxy_ssl_header := env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default=""):
    # The header the proxy sets to "https" on requests it received over TLS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_ssl_header.upper().replace("-", "_"), "https")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Content Security Policy on every response: scripts, styles, images and requests from this
# site only; no inline script or style anywhere (htmx is told not to inject its own).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
}

# How long replicating an image takes in this stand-in, in seconds (the real copy takes
# minutes); the replica is "Creating" meanwhile.
IMS_REPLICATION_SECONDS = env.float("IMS_REPLICATION_SECONDS", default=5.0)
# Extra time a batch member job takes after its change, before it commits (0: none). The
# tests of a worker killed mid-job set it; the real batches take no longer than their work.
IMS_MEMBER_JOB_SECONDS = env.float("IMS_MEMBER_JOB_SECONDS", default=0.0)
# Batch member jobs one account may have waiting or running at a time (a 429 beyond).
IMS_QUEUED_JOBS_PER_TENANT = env.int("IMS_QUEUED_JOBS_PER_TENANT", default=20)

# Rows per page of every console list (the real console's default).
CONSOLE_PAGE_SIZE = env.int("CONSOLE_PAGE_SIZE", default=10)
# Rendered list rows each worker keeps ({% memo %}): a few kilobytes each.
CONSOLE_MEMO_FRAGMENTS = env.int("CONSOLE_MEMO_FRAGMENTS", default=2000)
