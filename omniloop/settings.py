"""Settings, read from the environment (twelve-factor).

DATABASE_URL      sqlite:///PATH (default: var/omniloop.sqlite3) or postgres://user@host:port/db
REDIS_URL         optional; when set, cache and rate limits use Redis
OMNILOOP_ENV      development (default) | production | test
SECRET_KEY        required in production
OMNILOOP_FIELD_KEY / OMNILOOP_INDEX_KEY   base64 32-byte keys for phone encryption and the
                  blind index; required in production, derived from SECRET_KEY otherwise
OMNILOOP_BASE_URL public base URL printed on QR codes (default http://127.0.0.1:8000)
OMNILOOP_LISTING_STALE_DAYS  days after which an observed channel listing is stale (default 7)
OMNILOOP_RETENTION_SCAN_DAYS  days raw scan events are kept (default 1095)
OMNILOOP_RETENTION_MESSAGE_DAYS  days a sent message keeps its variables (default 365)
OMNILOOP_RETENTION_WECHAT_DAYS  days a WeChat callback keeps its payload (default 90)
OMNILOOP_LOGIN_MAX_PER_USERNAME / OMNILOOP_LOGIN_MAX_PER_IP   dashboard sign-in attempts allowed
                  per 15 minutes for one username (default 5) and one address (default 30)
OMNILOOP_WECHAT_APP_ID / _TOKEN / _AES_KEY / _APP_SECRET   the service account (公众号): AppID,
                  the callback Token, the 43-character EncodingAESKey (set: safe mode only) and
                  the AppSecret for the outbound API; _AES_KEY_OLD the previous key while rotating
OMNILOOP_WECHAT_API_BASE   default https://api.weixin.qq.com (tests point it at a fake server)
OMNILOOP_PAYMENT_PROVIDERS  comma-separated enabled payment providers (default: test, refused in
                  production unless named); OMNILOOP_PAYMENT_TEST_SECRET signs the test provider's
                  notifications (derived from SECRET_KEY otherwise)
OMNILOOP_PAYMENT_TIMEOUT_MINUTES  an unpaid online order is cancelled after this (default 30)
OMNILOOP_FEATURES_ENGINE  duckdb (default) | sql: where the feature rebuild aggregates on
                  PostgreSQL (ADR 48); SQLite always uses sql. OMNILOOP_FEATURES_DUCKDB_MEMORY
                  caps DuckDB's memory in the rebuild (default 1GB; it spills to disk beyond)
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OMNILOOP_VAR_DIR", BASE_DIR / "var"))
ENV = os.environ.get("OMNILOOP_ENV", "development")
PRODUCTION = ENV == "production"
TESTING = ENV == "test"

_DEV_SECRET = "dev-insecure-omniloop-secret-key-change-me-0123456789"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when OMNILOOP_ENV=production")
DEBUG = os.environ.get("DEBUG", "0" if PRODUCTION or TESTING else "1") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
OMNILOOP_BASE_URL = os.environ.get("OMNILOOP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "omniloop.core",
    "omniloop.audit",
    "omniloop.stores",
    "omniloop.accounts",
    "omniloop.catalog",
    "omniloop.members",
    "omniloop.touchpoints",
    "omniloop.attribution",
    "omniloop.loyalty",
    "omniloop.inventory",
    "omniloop.promotions",
    "omniloop.orders",
    "omniloop.listings",
    "omniloop.clv",
    "omniloop.settlement",
    "omniloop.marketplace",
    "omniloop.insights",
    "omniloop.onboarding",
    "omniloop.wechat",
    "omniloop.inbox",
    "omniloop.messaging",
    "omniloop.campaigns",
    "omniloop.wall",
    "omniloop.growth",
    "omniloop.content",
    "omniloop.workbench",
    "omniloop.api",
    "omniloop.dashboard",
    "omniloop.h5",
    "omniloop.demo",
    "omniloop.bulkimport",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "omniloop.core.csp.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "omniloop.core.middleware.RequestSizeLimitMiddleware",
    "omniloop.core.middleware.NulCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "omniloop.urls"
WSGI_APPLICATION = "omniloop.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:home"

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
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'omniloop.sqlite3'}")
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=0 if TESTING else 60)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue
    # instead of failing with "database is locked" when a read turns into a write.
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _db["TEST"] = {"NAME": str(VAR_DIR / "test-omniloop.sqlite3")}
else:
    _db.setdefault("OPTIONS", {})
    # Experimental, off: parameters bound on the server (the extended protocol, statements
    # prepared after a few uses) halve the till sale's CPU, but Django then sends an int an
    # expression infers as IntegerField as psycopg's Int4, which wraps above 2**31 without an
    # error (a brand's issuance balance is such a number). ADR 45.
    if os.environ.get("OMNILOOP_PG_SERVER_BINDING") == "1":
        _db["OPTIONS"]["server_side_binding"] = True
DATABASES = {"default": _db}
IS_POSTGRES = _db["ENGINE"].endswith("postgresql")
# The fixed statements of core.rows (the till's and flash sale's hot paths) bind their parameters
# on the server and are prepared per connection (ADR 46); 0 turns it off, for a pooler that
# cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
OMNILOOP_FIXED_SERVER_BINDING = os.environ.get("OMNILOOP_FIXED_SERVER_BINDING", "1") != "0"
if IS_POSTGRES and OMNILOOP_FIXED_SERVER_BINDING:
    # psycopg prepares a statement on its fifth use on a connection; Django's default (None)
    # prepares nothing. Only server-bound cursors prepare: the ORM's client-side ones never do.
    _db["OPTIONS"].setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Redis --------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks -----------------------------------------------------------------------
if os.environ.get("OMNILOOP_TASKS") == "rq" and REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
elif TESTING and os.environ.get("OMNILOOP_TASKS") != "db":  # the crash test's processes: db
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- I18n / time ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "omniloop" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "omniloop" / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("OMNILOOP_MEDIA_ROOT", VAR_DIR / "media"))
OMNILOOP_SERVE_MEDIA = os.environ.get("OMNILOOP_SERVE_MEDIA", "0" if PRODUCTION else "1") == "1"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security ---------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
OMNILOOP_API_MAX_BODY = 64 * 1024
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Pages send the CSRF token in the form or the htmx header, so scripts never read the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Omniloop ---------------------------------------------------------------------------------
OMNILOOP_FIELD_KEY = os.environ.get("OMNILOOP_FIELD_KEY", "")
OMNILOOP_FIELD_KEYS_OLD = [k for k in os.environ.get("OMNILOOP_FIELD_KEYS_OLD", "").split(",") if k]
OMNILOOP_INDEX_KEY = os.environ.get("OMNILOOP_INDEX_KEY", "")
if PRODUCTION and not (OMNILOOP_FIELD_KEY and OMNILOOP_INDEX_KEY):
    raise RuntimeError("OMNILOOP_FIELD_KEY and OMNILOOP_INDEX_KEY must be set in production")
OMNILOOP_DEFAULT_REGION = "CN"
OMNILOOP_SMS_BACKEND = os.environ.get(
    "OMNILOOP_SMS_BACKEND",
    "omniloop.core.sms.LocmemSmsBackend" if TESTING else "omniloop.core.sms.LogSmsBackend",
)
OMNILOOP_OTP_TTL_SECONDS = 300
OMNILOOP_OTP_MAX_ATTEMPTS = 5
# (limit, window seconds)
OMNILOOP_OTP_RATE_PER_PHONE = [(1, 60), (5, 3600), (10, 86400)]
OMNILOOP_OTP_RATE_PER_CLIENT = [(10, 3600)]
OMNILOOP_IDEMPOTENCY_TTL_HOURS = 48
OMNILOOP_FEATURES_ENGINE = os.environ.get("OMNILOOP_FEATURES_ENGINE", "duckdb")
OMNILOOP_FEATURES_DUCKDB_MEMORY = os.environ.get("OMNILOOP_FEATURES_DUCKDB_MEMORY", "1GB")
# Dashboard sign-in attempts (any outcome), per address and per username typed: (limit, seconds).
OMNILOOP_LOGIN_RATE_PER_IP = [(int(os.environ.get("OMNILOOP_LOGIN_MAX_PER_IP", "30")), 900)]
OMNILOOP_LOGIN_RATE_PER_USERNAME = [
    (int(os.environ.get("OMNILOOP_LOGIN_MAX_PER_USERNAME", "5")), 900)
]
# Two-factor sign-in (TOTP) for these roles (issue 10); a pending sign-in lasts this long.
OMNILOOP_2FA_ROLES = [
    r for r in os.environ.get("OMNILOOP_2FA_ROLES", "hq_admin,marketer,cs_agent").split(",") if r
]
OMNILOOP_2FA_PENDING_SECONDS = 300
# A channel listing observed longer ago than this is reported as stale by the consistency check.
OMNILOOP_LISTING_STALE_DAYS = int(os.environ.get("OMNILOOP_LISTING_STALE_DAYS", "7"))
# Retention (ADR 18): raw scan events older than this are deleted by the daily job.
OMNILOOP_RETENTION_SCAN_DAYS = int(os.environ.get("OMNILOOP_RETENTION_SCAN_DAYS", "1095"))
OMNILOOP_RETENTION_MESSAGE_DAYS = int(os.environ.get("OMNILOOP_RETENTION_MESSAGE_DAYS", "365"))
OMNILOOP_RETENTION_WECHAT_DAYS = int(os.environ.get("OMNILOOP_RETENTION_WECHAT_DAYS", "90"))

# The WeChat service account (ADR 16). Callbacks older or newer than the tolerance are refused.
OMNILOOP_WECHAT_APP_ID = os.environ.get("OMNILOOP_WECHAT_APP_ID", "")
OMNILOOP_WECHAT_TOKEN = os.environ.get("OMNILOOP_WECHAT_TOKEN", "")
OMNILOOP_WECHAT_AES_KEY = os.environ.get("OMNILOOP_WECHAT_AES_KEY", "")
OMNILOOP_WECHAT_AES_KEY_OLD = os.environ.get("OMNILOOP_WECHAT_AES_KEY_OLD", "")
OMNILOOP_WECHAT_APP_SECRET = os.environ.get("OMNILOOP_WECHAT_APP_SECRET", "")
OMNILOOP_WECHAT_API_BASE = os.environ.get(
    "OMNILOOP_WECHAT_API_BASE", "https://api.weixin.qq.com"
).rstrip("/")
OMNILOOP_WECHAT_API_TIMEOUT = float(os.environ.get("OMNILOOP_WECHAT_API_TIMEOUT", "5"))
OMNILOOP_WECHAT_TIMESTAMP_TOLERANCE = int(
    os.environ.get("OMNILOOP_WECHAT_TIMESTAMP_TOLERANCE", "300")
)
# WeChat allows 100,000 permanent parametric codes per account, ever.
OMNILOOP_WECHAT_PERMANENT_QR_CAP = int(os.environ.get("OMNILOOP_WECHAT_PERMANENT_QR_CAP", "100000"))
# The customer-service inbox (ADR 28): customers' photos live here, outside MEDIA_ROOT (no URL
# serves them); what each role may grant as a remedy on its own, in fen (above it: approval).
OMNILOOP_PRIVATE_MEDIA_ROOT = Path(
    os.environ.get("OMNILOOP_PRIVATE_MEDIA_ROOT", VAR_DIR / "private")
)
OMNILOOP_INBOX_REMEDY_LIMITS = {
    "assistant": int(os.environ.get("OMNILOOP_INBOX_LIMIT_ASSISTANT", "0")),
    "store_manager": int(os.environ.get("OMNILOOP_INBOX_LIMIT_STORE_MANAGER", "3000")),
    "cs_agent": int(os.environ.get("OMNILOOP_INBOX_LIMIT_CS_AGENT", "10000")),
    "hq_admin": int(os.environ.get("OMNILOOP_INBOX_LIMIT_HQ_ADMIN", "100000")),
}
# Social mentions are posted by a listening tool, HMAC-SHA256 signed with this secret.
OMNILOOP_INBOX_SOCIAL_SECRET = os.environ.get("OMNILOOP_INBOX_SOCIAL_SECRET", "")
# Payments (orders.payments, ADR 21): the providers enabled, by their registered names.
OMNILOOP_PAYMENT_PROVIDERS = [
    p
    for p in os.environ.get("OMNILOOP_PAYMENT_PROVIDERS", "" if PRODUCTION else "test").split(",")
    if p
]
OMNILOOP_PAYMENT_DEFAULT_PROVIDER = os.environ.get("OMNILOOP_PAYMENT_DEFAULT_PROVIDER", "test")
OMNILOOP_PAYMENT_TEST_SECRET = os.environ.get(
    "OMNILOOP_PAYMENT_TEST_SECRET", f"test-provider:{SECRET_KEY}"
)
OMNILOOP_PAYMENT_TIMEOUT_MINUTES = int(os.environ.get("OMNILOOP_PAYMENT_TIMEOUT_MINUTES", "30"))
# A product-tag scan in a store makes the browser's orders scan-to-buy for this long.
# A ready pickup order is held this many days before it is a no-show (refunded, stock freed).
OMNILOOP_PICKUP_HOLD_DAYS = int(os.environ.get("OMNILOOP_PICKUP_HOLD_DAYS", "3"))
OMNILOOP_SCAN_TO_BUY_HOURS = int(os.environ.get("OMNILOOP_SCAN_TO_BUY_HOURS", "24"))
# Flat shipping fee for orders shipped home, unless a free-shipping offer applies (yuan).
OMNILOOP_SHIPPING_FEE = os.environ.get("OMNILOOP_SHIPPING_FEE", "10.00")

# Messaging (ADR 25). Caps: (channel or "*" for across channels, messages, window in days),
# counting marketing messages only. A service account may push a follower about 4 times a month.
OMNILOOP_MESSAGING_CAPS = [
    ("wechat", 4, 30),
    ("sms", 4, 30),
    ("email", 8, 30),
    ("*", 2, 1),
    ("*", 12, 30),
]
# Quiet hours in the member's local time (home store, else the brand): (from hour, to hour).
OMNILOOP_MESSAGING_QUIET_HOURS = (21, 9)
OMNILOOP_MESSAGING_BATCH_SIZE = int(os.environ.get("OMNILOOP_MESSAGING_BATCH_SIZE", "100"))
OMNILOOP_MESSAGING_LEASE_SECONDS = int(os.environ.get("OMNILOOP_MESSAGING_LEASE_SECONDS", "120"))
OMNILOOP_MESSAGING_MAX_ATTEMPTS = int(os.environ.get("OMNILOOP_MESSAGING_MAX_ATTEMPTS", "8"))
OMNILOOP_MESSAGING_BACKOFF_SECONDS = float(
    os.environ.get("OMNILOOP_MESSAGING_BACKOFF_SECONDS", "30")
)
OMNILOOP_MESSAGING_BACKOFF_MAX_SECONDS = 6 * 3600
OMNILOOP_MESSAGING_WECHAT_TEMPLATE_ID = os.environ.get("OMNILOOP_MESSAGING_WECHAT_TEMPLATE_ID", "")
# Subscription notices (订阅通知, ADR 39): our template key -> the WeChat template id and how
# its data fields are filled ("subject", "text" or a variable of the message), e.g.
# {"pickup_ready": {"template_id": "...", "fields": {"thing1": "store", "character_string2":
# "code"}, "page": "https://..."}}. A template without an entry never uses the channel.
OMNILOOP_MESSAGING_WECHAT_SUB_TEMPLATES: dict[str, dict[str, object]] = {}
OMNILOOP_MESSAGING_EMAIL_FROM = os.environ.get("OMNILOOP_MESSAGING_EMAIL_FROM", "noreply@localhost")
OMNILOOP_MESSAGING_EMAIL_DOMAIN = os.environ.get(
    "OMNILOOP_MESSAGING_EMAIL_DOMAIN", "omniloop.local"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.console.EmailBackend"
    if not PRODUCTION
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_TIMEOUT = 10
# The HTTP SMS provider (omniloop.messaging.sms_http.AliyunSmsBackend), when selected by
# OMNILOOP_SMS_BACKEND. Webhooks (receipts, replies) are signed with the webhook secret.
OMNILOOP_SMS_HTTP_ENDPOINT = os.environ.get("OMNILOOP_SMS_HTTP_ENDPOINT", "")
OMNILOOP_SMS_HTTP_KEY_ID = os.environ.get("OMNILOOP_SMS_HTTP_KEY_ID", "")
OMNILOOP_SMS_HTTP_KEY_SECRET = os.environ.get("OMNILOOP_SMS_HTTP_KEY_SECRET", "")
OMNILOOP_SMS_HTTP_SIGN_NAME = os.environ.get("OMNILOOP_SMS_HTTP_SIGN_NAME", "")
OMNILOOP_SMS_HTTP_TEMPLATES = {
    "verification": os.environ.get("OMNILOOP_SMS_TEMPLATE_VERIFICATION", "SMS_VERIFY"),
    "notice": os.environ.get("OMNILOOP_SMS_TEMPLATE_NOTICE", "SMS_NOTICE"),
    "marketing": os.environ.get("OMNILOOP_SMS_TEMPLATE_MARKETING", "SMS_MARKETING"),
}
OMNILOOP_SMS_HTTP_TIMEOUT = float(os.environ.get("OMNILOOP_SMS_HTTP_TIMEOUT", "5"))
OMNILOOP_SMS_WEBHOOK_SECRET = os.environ.get("OMNILOOP_SMS_WEBHOOK_SECRET", "")
OMNILOOP_SMS_WEBHOOK_TOLERANCE = 300
# E-mail bounces and complaints (ADR 39), pushed by the mail provider or a relay, signed like
# the SMS webhooks (HMAC-SHA256 of "timestamp.body") with this secret.
OMNILOOP_EMAIL_WEBHOOK_SECRET = os.environ.get("OMNILOOP_EMAIL_WEBHOOK_SECRET", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "omniloop": {"handlers": ["console"], "level": os.environ.get("OMNILOOP_LOG", "INFO")},
        # django.request logs every 4xx as a warning; OMNILOOP_DJANGO_LOG=ERROR quietens floods.
        "django": {
            "handlers": ["console"],
            "level": os.environ.get("OMNILOOP_DJANGO_LOG", "WARNING"),
        },
    },
}
