"""Settings of the portal, from the environment (and `.env` when present) via django-environ."""

import os
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over `.env`; PORTAL_ENV_FILE lets tests point elsewhere.
environ.Env.read_env(os.environ.get("PORTAL_ENV_FILE", str(BASE_DIR / ".env")))

# --- Core -------------------------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    # One line, no traceback: this is an operator's mistake, not a bug.
    raise SystemExit(
        "SECRET_KEY is not set: put a long random value in the SECRET_KEY environment variable "
        "(or in .env; `make run` writes one for development)."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",  # not rest_framework.authtoken: API tokens are apps_admin.ApiToken
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "apps_admin",
]

MIDDLEWARE = [
    "apps_admin.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "apps_admin.middleware.PolicyOnceCSPMiddleware",  # django-csp's, the policy built once
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A lost database connection: a read once more on a new one, else the 503 page (or JSON).
    "apps_admin.database_outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps_admin.middleware.SessionIdleMiddleware",
    # The language: the language cookie (set by the header's switch), else Accept-Language.
    "apps_admin.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps_admin.middleware.NoStoreForSignedInMiddleware",
    "apps_admin.pages.middleware.MethodNotAllowedPageMiddleware",
    "apps_admin.pages.middleware.NotFoundPageInDebugMiddleware",
    "apps_admin.middleware.LazyMessageMiddleware",  # Django's, its storage made when used
    # After a password, only the second factor (or its enrolment) until it is given.
    "apps_admin.accounts.second_factor_gate.SecondFactorMiddleware",
    # Checks a provider's session again after SESSION_IDLE_TIMEOUT; a no-op without OIDC_ISSUER.
    "apps_admin.accounts.oidc.session_refresh.ProviderSessionRefresh",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "apps_admin.pages.context_processors.site",
            ],
            # The page layer's filters: {% load portal %} (apps_admin.pages is not an app).
            "libraries": {"portal": "apps_admin.pages.templatetags.portal"},
        },
    },
]

# --- Accounts, sessions, re-authentication, login throttling ---------------------------------

AUTHENTICATION_BACKENDS = [
    "apps_admin.accounts.login_ceiling.UsernameCeilingBackend",  # per username, any address
    "axes.backends.AxesStandaloneBackend",  # counts failures per username and address
    "apps_admin.accounts.local_login.LocalPasswordBackend",  # Django's, and LOCAL_LOGIN
]
LOGIN_URL = "apps_admin:login"
LOGIN_REDIRECT_URL = "apps_admin:home"
LOGOUT_REDIRECT_URL = "apps_admin:login"

# A session ends after this many seconds without a request (each request starts the clock again).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=1800)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# Django's database sessions; a lost connection while saving one is no "session deleted" 400.
SESSION_ENGINE = "apps_admin.sessions"
# Revealing or renewing a secret key needs the password entered within this many seconds.
REAUTH_WINDOW = env.int("REAUTH_WINDOW", default=600)
# Who among the portal's own accounts must have a second factor (accounts/second_factor.py):
# "admins" (superusers and admins of any tenant), "all", or "off". Anyone who set one up is
# asked for it whatever this says; people of the identity provider keep the provider's MFA.
LOCAL_MFA = env.str("LOCAL_MFA", default="admins").strip().lower()

# --- Sign-in with the company's identity provider (OpenID Connect; apps_admin/accounts/oidc/) -
# Off unless OIDC_ISSUER is set. The endpoints come from the issuer's discovery document.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile groups")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your identity provider")
# Provider group to tenant role, besides the mappings kept in the admin:
# "portal-acme-admins=<tenant id>:admin,portal-acme-viewers=<tenant id>:viewer"
OIDC_GROUP_ROLES = env.str("OIDC_GROUP_ROLES", default="")
OIDC_FRESH_SIGN_IN = env.int("OIDC_FRESH_SIGN_IN", default=300)  # seconds auth_time may be old
OIDC_REQUIRE_MFA = env.bool("OIDC_REQUIRE_MFA", default=False)  # for the fresh sign-in
OIDC_MFA_VALUES = env.list("OIDC_MFA_VALUES", default=["mfa", "otp", "hwk", "swk", "fpt"])
LOCAL_LOGIN = env.bool("LOCAL_LOGIN", default=True)  # off: superusers only (break-glass)
OIDC_ENABLED = bool(OIDC_ISSUER and OIDC_RP_CLIENT_ID)
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = (3.05, 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "apps_admin:oidc_callback"
OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS = SESSION_IDLE_TIMEOUT
LOGIN_REDIRECT_URL_FAILURE = "apps_admin:login"
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("apps_admin.accounts.oidc.backend.ProviderBackend")

# django-axes: 5 failures for a username from one address lock that pair for 15 minutes.
CSRF_FAILURE_VIEW = "apps_admin.pages.error_pages.csrf_failure"
# Per username across every address: a ceiling that rotating addresses cannot get around.
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=20)
LOGIN_FAILURE_WINDOW = 3600  # seconds
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "apps_admin.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "apps_admin.pages.account.locked_out"
AXES_VERBOSE = False

# --- Data: database and cache -----------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite lets one writer in at a time. A transaction takes the write lock as it begins and
    # waits for it up to the busy timeout (5 s): one that read first and wrote then (a failed
    # sign-in's count) would fail at once while `record_usage` writes. WAL: reads go on meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL;")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Keystone tokens live here; with redis:// every worker and host shares them.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://portal")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "portal.redis_cache.ReusedClientRedisCache"
# Who a request is (API token, session user, role in a tenant) held in each process and checked
# against one version in the cache (apps_admin/identity_cache.py): "auto" holds it when the cache
# is shared by every process (Redis), "on" also with a local-memory cache (one process only),
# "off" reads the database on every request.
IDENTITY_CACHE = env.str("IDENTITY_CACHE", default="auto")

# --- Passwords, language, time -----------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en"
# Pages follow the language cookie, else the browser's Accept-Language; URLs carry no prefix.
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]  # locale/ja/LC_MESSAGES/django.po, and its compiled .mo
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the choice outlives the browser session
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True  # the server reads it; no script needs it
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
# Times read the same way in every language: 2023-09-06 23:17 (portal/formats/).
FORMAT_MODULE_PATH = ["portal.formats"]
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"  # None in the tests: no collected files
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "portal.staticfiles.GzipManifestStaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------------------

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain http
TRUST_X_FORWARDED_PROTO = env.bool("TRUST_X_FORWARDED_PROTO", default=False)
if TRUST_X_FORWARDED_PROTO:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front append the client's address to X-Forwarded-For: the client is the
# entry that many places from its end. 0 (the default) uses the socket's address and ignores
# the header, which any client can write.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True  # forms carry the token; no script needs the cookie
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# Django sends HSTS only on requests it sees as https (behind a proxy: TRUST_X_FORWARDED_PROTO).
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- REST API (apps_admin/api) ----------------------------------------------------------------
# (section owned by the API; keep its settings between these two markers)

REST_FRAMEWORK = {
    # The first class names the scheme of the 401's WWW-Authenticate header; without one DRF
    # would answer 403 to a request without credentials.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps_admin.api.authentication.ApiTokenAuthentication",  # Authorization: Token <token>
        "apps_admin.api.authentication.XAuthTokenAuthentication",  # X-Auth-Token: <token>, as ECL
        "rest_framework.authentication.SessionAuthentication",  # the browsable API; CSRF enforced
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "apps_admin.api.permissions.TokenScopePermission",  # what each token's scope allows
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "apps_admin.api.renderers.FastJSONRenderer",
        "apps_admin.api.renderers.PortalBrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "apps_admin.api.parsers.BoundedJSONParser",  # API_MAX_BODY_BYTES, nesting, surrogates
        # The browsable API's HTML forms (sent as multipart).
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # Secret key reveals and renewals per user, counted in the shared cache. A brake on
        # runaway scripts, not a security control (the counter is not atomic).
        "secretkey": env.str("API_SECRETKEY_RATE", default="30/min"),
    },
    "EXCEPTION_HANDLER": "apps_admin.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Largest request body the API reads, bytes; a larger one is a 413 (2.5 MiB, Django's limit for
# forms: DATA_UPLOAD_MAX_MEMORY_SIZE).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=2_621_440)
SPECTACULAR_SETTINGS = {
    "TITLE": "SkyWay apps portal API",
    "VERSION": "1.0.0",
    # Lazy, so that the documentation reads in the language of the page that shows it.
    "DESCRIPTION": gettext_lazy(
        "The ECL apps API of your SkyWay Enterprise tenants, under your own portal account. "
        "The paths, request fields, response bodies and success codes are those of ECL's apps "
        "API, under `/api`: change a script's base URL and send your portal API token as "
        "`X-Auth-Token` (or `Authorization: Token <token>`) instead of a Keystone token. Create "
        "the token on the portal's API tokens page with the scope it needs: `read` (GET only), "
        "`write` (also changes apps) or `secrets` (also secret keys); it lasts 30 to 365 days. "
        "Every call is checked against the token's scope and your role in the tenant, and "
        "written to the tenant's audit log.\n\n"
        'Errors answer `{"detail": "...", "code": "..."}`; a missing app is 404 here '
        "(ECL answers 403), and upstream trouble is 502, 503 or 504."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    # Without deep links, each operation's summary is one button with no link inside it (a
    # link inside a button is out of reach of keyboards and screen readers).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "ENUM_NAME_OVERRIDES": {
        "AppStatusEnum": "apps_admin.ecl.types.STATUSES",
        "PermissionEnum": "apps_admin.ecl.types.PERMISSIONS",
    },
}
# --- end of REST API settings ------------------------------------------------------------------

# --- The ECL service --------------------------------------------------------------------------

ECL_CONNECT_TIMEOUT = env.float("ECL_CONNECT_TIMEOUT", default=3.05)
ECL_TIMEOUT = env.float("ECL_TIMEOUT", default=10.0)
# A token is renewed once fewer than this many seconds of its life remain (as keystoneauth1 does).
ECL_TOKEN_MARGIN = env.int("ECL_TOKEN_MARGIN", default=120)
# Wall-clock budget of one operation, retries and re-authentication included; it must stay under
# gunicorn's 30-second worker timeout (see apps_admin/ecl/transport.py for the arithmetic).
ECL_CALL_BUDGET = env.float("ECL_CALL_BUDGET", default=25.0)
# Largest ECL answer read, in bytes (the README says how the default was chosen): 20,000 apps
# with long descriptions and several domains each; past it the answer is refused unread.
ECL_MAX_BODY_BYTES = env.int("ECL_MAX_BODY_BYTES", default=32 * 1024 * 1024)
# Bulkhead: at most this many ECL operations of one tenant at once in one worker process; one
# more waits ECL_TENANT_WAIT seconds at most, then is answered "ECL is busy" (503). Leave at
# least two threads of each worker free for other tenants and /healthz: threads - 2 (`make
# serve`: 4 threads, so 2). 0: no limit.
ECL_TENANT_CONCURRENCY = env.int("ECL_TENANT_CONCURRENCY", default=2)
# How long one more operation of a tenant at its limit may wait for a place before the 503, only
# while the tenant's operations move (one started or ended within that time): a healthy tenant's
# burst passes, a stuck tenant is refused at once. 0: refused at once always.
ECL_TENANT_WAIT = env.float("ECL_TENANT_WAIT", default=0.25)
# Circuit breaker, shared by every worker through the cache: after ECL_BREAKER_FAILURES
# timeouts or server errors in a row from one tenant's ECL within ECL_BREAKER_WINDOW seconds,
# its calls fail at once for ECL_BREAKER_COOLDOWN seconds; then one probe call tests it again.
ECL_BREAKER_FAILURES = env.int("ECL_BREAKER_FAILURES", default=5)
ECL_BREAKER_WINDOW = env.float("ECL_BREAKER_WINDOW", default=60.0)
ECL_BREAKER_COOLDOWN = env.float("ECL_BREAKER_COOLDOWN", default=30.0)
# Origins besides ECL's own hosts that a tenant's URLs may point at (and so receive its secret):
# "http://127.0.0.1:8001", with "*" for any port. Empty in production.
ECL_ALLOWED_ENDPOINTS = env.list("ECL_ALLOWED_ENDPOINTS", default=[])

# Fernet keys for secrets stored in the database: the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- Logging: one line per request and per upstream call, never a secret -----------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # One record, one line: control characters in a message (a path, a user name) are
        # escaped, so nobody can write a line of their own into the log.
        "plain": {
            "()": "apps_admin.log_filters.SingleLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "filters": {
        "no_template_context": {"()": "apps_admin.log_filters.DropTemplateLookupFailures"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our own request line replaces Django's, which would log every 4xx/5xx a second time.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        # At DEBUG it would log whole template contexts, secret keys included.
        "django.template": {"filters": ["no_template_context"]},
    },
}
