"""Settings, all from the environment (see docs/operations.md).

EPORT_DATA_DIR   where the SQLite database, uploaded files, keys live (default ./var)
DATABASE_URL     overrides the database, e.g. postgresql://postgres@127.0.0.1:5432/eport
DATABASE_REPLICA_URL a streaming replica the list screens read from (EPORT_REPLICA_*: see below)
EPORT_SECRET_KEY overrides the secret key generated into the data dir
EPORT_DEBUG      "1" turns on Django's debug pages (never in production)
EPORT_HTTPS      "1" when served behind TLS: secure cookies, HSTS
EPORT_ALLOWED_HOSTS comma-separated host names (default loopback names)
EPORT_PUBLIC_URL the portal's address as others reach it (CRL and OCSP addresses in certificates)
EPORT_CA_PASSPHRASE encrypts the CA keys (default: generated into $EPORT_DATA_DIR/pki/passphrase)
EPORT_PIN_PEPPER  the key of the card PIN verifiers (default: generated into $EPORT_DATA_DIR/pin_pepper)
EPORT_CARD_*     card validity, PIN limit, challenge lifetime, card agent address (see below)
EPORT_TRUSTED_PROXIES comma-separated CIDRs of the reverse proxies whose X-Forwarded-For is believed
EPORT_LOGIN_*, EPORT_ADDRESS_*, EPORT_REGISTER_*, EPORT_ARGON2_SLOTS  throttles (see below)
EPORT_DEMO       "1" when the server runs as the demo (scripts/run): demo accounts on the start page, the demo
                 electronic-business-licence issuer and its licence-app page
EPORT_LICENCE_*  the electronic business licence (电子营业执照) issuer to trust (see below)
EPORT_STORAGE    "s3": the business files in an S3-compatible bucket, EPORT_S3_* (default local: docs/operations.md)
EPORT_REDIS_URL  the shared cache (and, in a cluster, sessions and throttles), e.g. redis://127.0.0.1:6379/0
EPORT_REDIS_PREFIX the start of every Redis key (default eport)
EPORT_REPLICA_STICKY_SECONDS, EPORT_REPLICA_MAX_LAG_SECONDS  the replica router (see below)
"""

import ipaddress
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from eport.file_storage import default_storage_from_env
from eport.private_files import write_private

BASE_DIR = Path(__file__).resolve().parent


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("EPORT_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
if DATA_DIR.stat().st_uid == os.getuid():
    os.chmod(DATA_DIR, 0o700)  # the database, keys, secrets and uploaded files: for the service's user only


def _persistent_secret(filename: str) -> str:
    """Generate a secret once into the data dir (0600), so restarts keep sessions valid."""
    path = DATA_DIR / filename
    if not path.exists():
        write_private(path, secrets.token_urlsafe(50).encode())
    return path.read_text().strip()


SECRET_KEY = os.environ.get("EPORT_SECRET_KEY") or _persistent_secret("secret_key")
# Keys the card PIN verifiers (HMAC-SHA256): kept outside the database, so a copy of it reveals no PIN.
PIN_PEPPER = os.environ.get("EPORT_PIN_PEPPER") or _persistent_secret("pin_pepper")
DEBUG = _flag("EPORT_DEBUG")
HTTPS = _flag("EPORT_HTTPS")
# Demo mode lists `eport demo`'s accounts and cards with their passwords on the start page; off unless
# asked for, so a server where `eport demo` once ran does not hand out the admin password. It also trusts
# the demo electronic-business-licence issuer and serves the page playing the licence app.
DEMO_MODE = _flag("EPORT_DEMO")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("EPORT_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "csp",
    "ninja",
    "eport.audit",
    "eport.throttles",
    "eport.refdata",
    "eport.accounts",
    "eport.registry",
    "eport.enterprises",
    "eport.applications",
    "eport.operators",
    "eport.pki",
    "eport.cards",
    "eport.filings",
    "eport.agreements",
    "eport.delegations",
    "eport.processing",
    "eport.customs_registration",
    "eport.express",
    "eport.export_receipts",
    "eport.declarations",
    "eport.api",
    "eport.web",
    "eport.ops",
    "eport.exports",
    "eport.mail",
    "eport.tasks",
]

MIDDLEWARE = [
    "eport.health.HealthMiddleware",  # GET /healthz for the load balancer: before everything, touching nothing
    "eport.faults.ApiErrorShapeMiddleware",  # outermost: every error under /api/ leaves in the API's shape
    "eport.netaddr.ClientAddressMiddleware",  # then: everything after it (throttles, audit) knows the client
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the language is chosen (their refusals are translated), before anything reads the Host or body:
    "eport.faults.RequestParseMiddleware",
    "eport.web.middleware.RejectNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "eport.accounts.middleware.ForcePasswordChangeMiddleware",
    "eport.cards.middleware.CardSessionMiddleware",
]

ROOT_URLCONF = "eport.urls"
WSGI_APPLICATION = "eport.wsgi.application"

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
                "eport.web.context.portal",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    # A worker keeps its connection (CONN_MAX_AGE) but checks it before reusing it in a new request
    # (CONN_HEALTH_CHECKS), so the first request after a database restart reconnects instead of failing.
    DATABASES = {
        "default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True)
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # A database host that does not answer at all fails fast (503) instead of holding a worker for minutes.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    if DATABASES["default"]["ENGINE"].endswith("postgresql") and _flag("EPORT_PG_PREPARED", "1"):
        # Server-side parameters and prepared statements: the hot queries (token look-up, card sign-in)
        # are planned once per connection (measured in docs/benchmarks.md). Turn off (EPORT_PG_PREPARED=0)
        # behind a pooler in transaction mode, which cannot keep prepared statements.
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "eport.sqlite3"),
            "CONN_MAX_AGE": 60,  # a worker keeps its connection: opening one costs more than most queries
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # Several server workers share the file: WAL lets readers run beside one writer,
                # IMMEDIATE takes the write lock up front so select_for_update-style sections serialise.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
# A streaming replica of the primary (eport/dbrouter.py): the list screens and list endpoints read from it on
# GET, everything else uses the primary. Same options as the primary (connect_timeout, prepared statements).
REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
# After an actor's write, its reads stay on the primary this long (read-your-own-writes).
REPLICA_STICKY_SECONDS = int(os.environ.get("EPORT_REPLICA_STICKY_SECONDS", "10"))
# A replica further behind than this is not read from (keep it below the sticky time: an actor's own write
# must be on the replica by the time its reads go back there).
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("EPORT_REPLICA_MAX_LAG_SECONDS", "5"))
if REPLICA_URL:
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL to name the PostgreSQL primary")
    DATABASES["replica"] = dj_database_url.parse(REPLICA_URL, conn_max_age=60, conn_health_checks=True)
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        **DATABASES["replica"].get("OPTIONS", {}),
    }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # the tests read the one test database through it
    DATABASE_ROUTERS = ["eport.dbrouter.ReplicaRouter"]
    MIDDLEWARE.append("eport.dbrouter.ReplicaMiddleware")  # last: its process_view runs the replica views
if not _flag("EPORT_PG_PREPARED", "1"):
    # Behind a pooler in transaction mode a server-side cursor (QuerySet.iterator(): exports, the CRL) is gone
    # by its next FETCH, which may reach another server connection ("cursor … does not exist"): client-side.
    for _db in DATABASES.values():
        if _db["ENGINE"].endswith("postgresql"):
            _db["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "eport.throttles.hashing.CappedArgon2PasswordHasher",  # Django's Argon2, at most ARGON2_SLOTS at a time
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"

# The client address (eport/netaddr.py): X-Forwarded-For is read only from these reverse proxies.
TRUSTED_PROXIES = os.environ.get("EPORT_TRUSTED_PROXIES", "")
for _cidr in filter(None, (c.strip() for c in TRUSTED_PROXIES.split(","))):
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"EPORT_TRUSTED_PROXIES: {_cidr!r} is not an address or a CIDR network"
        ) from None
# Throttles (eport/throttles), keyed by that address. Wrong passwords, card PINs and card proofs from one
# address (any accounts) before the address waits out the window:
THROTTLE_ADDRESS_FAILURES = int(os.environ.get("EPORT_ADDRESS_FAILURE_LIMIT", "30"))
THROTTLE_ADDRESS_SECONDS = int(os.environ.get("EPORT_ADDRESS_FAILURE_SECONDS", "600"))
# One account from one address (Keycloak's temporary lockout): every LIMIT failures add LOCK seconds of
# wait (at most LOCK_MAX) after the last one; failures are forgotten after RESET, or by a success there.
THROTTLE_ACCOUNT_FAILURES = int(os.environ.get("EPORT_LOGIN_FAILURE_LIMIT", "5"))
THROTTLE_LOCK_SECONDS = int(os.environ.get("EPORT_LOGIN_LOCK_SECONDS", "60"))
THROTTLE_LOCK_MAX_SECONDS = int(os.environ.get("EPORT_LOGIN_LOCK_MAX_SECONDS", "900"))
THROTTLE_RESET_SECONDS = int(os.environ.get("EPORT_LOGIN_FAILURE_RESET_SECONDS", "43200"))
# Accounts registered from one address in the window.
REGISTER_LIMIT = int(os.environ.get("EPORT_REGISTER_LIMIT", "10"))
REGISTER_SECONDS = int(os.environ.get("EPORT_REGISTER_SECONDS", "3600"))
# Password hashes (Argon2) running at once on this machine, all processes together (0: no cap). The
# default leaves a worker and a core free; `eport serve --workers N` sets it from N unless given.
ARGON2_SLOTS = int(
    os.environ.get("EPORT_ARGON2_SLOTS")
    or max(1, min(int(os.environ.get("EPORT_WORKERS", "3")), os.cpu_count() or 1) - 1)
)

API_TOKEN_TTL = timedelta(hours=int(os.environ.get("EPORT_API_TOKEN_HOURS", "12")))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "files"
STORAGES = {
    # The business files, only ever through Django's storage API: the local directory, or EPORT_STORAGE=s3
    # and its EPORT_S3_* (eport/file_storage.py), a bucket every app node of a cluster shares.
    "default": default_storage_from_env(os.environ, MEDIA_ROOT),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ATTACHMENT_MAX_BYTES = 4 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
# 报关单电子随附单据 take PDFs up to 20 MB (seed 000): on these paths alone a multipart body may reach this
# size; its file goes to a temporary file (FILE_UPLOAD_MAX_MEMORY_SIZE), never the whole body into memory
# (faults.RequestParseMiddleware, web/middleware.RejectNulMiddleware).
# 快件通关's 数据上载 takes two files (declarations and 舱单) of up to 5 MB each (express.files.MAX_BYTES), more
# than DATA_UPLOAD_MAX_MEMORY_SIZE together: its paths are large uploads too.
LARGE_UPLOAD_MAX_BYTES = 21 * 1024 * 1024
LARGE_UPLOAD_PATHS = re.compile(
    r"^/((api/v1/declarations|declarations)/[0-9]{18}/(documents|upload)"
    r"|express/upload|api/v1/express/declarations/upload)/?$"
)
# The limit per file each large-upload path states (the first pattern that matches), named in the 413 of
# a body over LARGE_UPLOAD_MAX_BYTES.
LARGE_UPLOAD_FILE_MAX_BYTES = (
    (re.compile(r"^/(api/v1/)?express/"), 5 * 1024 * 1024),
    (re.compile(r"^/"), 20 * 1024 * 1024),
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# The shared cache (a card's menu, the subsystem catalogue: cards/menu.py). Redis when EPORT_REDIS_URL names one,
# which every app node of a cluster shares; else files under the data dir, which the server processes of one
# machine share. Never a per-process cache: a change in one process must reach the others.
REDIS_URL = os.environ.get("EPORT_REDIS_URL", "").strip()
# Every key this deployment writes to Redis starts with it (the cache, sessions, the throttles' counts), so two
# deployments (or the tests) can share one Redis.
REDIS_PREFIX = os.environ.get("EPORT_REDIS_PREFIX", "").strip() or "eport"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
            "TIMEOUT": 3600,
            # A Redis host that does not answer fails a cache call in half a second, not a TCP timeout.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Sessions read from Redis, written through to the database (Django's cached_db; eport.sessions also
    # signs in and out while Redis does not answer): any node serves any session, and a Redis restart signs
    # nobody out. Without Redis they stay in the database alone (Django's default).
    SESSION_ENGINE = "eport.sessions"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            "TIMEOUT": 3600,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# Security defaults; cookies become Secure when served over HTTPS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Mail (eport/mail; the messages in each app's notify.py): printed on the console by default; for real mail set
# EPORT_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and the EPORT_EMAIL_* below.
EMAIL_BACKEND = os.environ.get("EPORT_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EPORT_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EPORT_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EPORT_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EPORT_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _flag("EPORT_EMAIL_TLS")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("EPORT_EMAIL_FROM", "E-Port <noreply@eport.invalid>")
# The file-based backend (django.core.mail.backends.filebased.EmailBackend) writes each message here.
EMAIL_FILE_PATH = os.environ.get("EPORT_EMAIL_FILE_PATH", str(DATA_DIR / "mail"))
# The mail outbox (eport/mail): a message that failed is tried again after 30 s, 1, 2, 4… min (at most an
# hour) up to this many times, then marked failed for an administrator; sent rows are pruned after N days;
# a claim (sending) older than the lease is taken back by the sweep (a worker died mid-send).
MAIL_MAX_ATTEMPTS = int(os.environ.get("EPORT_MAIL_MAX_ATTEMPTS", "8"))
MAIL_KEEP_DAYS = int(os.environ.get("EPORT_MAIL_KEEP_DAYS", "30"))
MAIL_LEASE_SECONDS = int(os.environ.get("EPORT_MAIL_LEASE_SECONDS", "300"))

# Background work (eport/tasks; docs/operations.md, "Background work"). Without a broker every task runs in
# the process right after its commit (the embedded product); with one, `eport worker [--beat]` runs them.
EPORT_BROKER_URL = os.environ.get("EPORT_BROKER_URL", "").strip()
CELERY_BROKER_URL = EPORT_BROKER_URL or "memory://"
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("EPORT_TASK_QUEUE", "eport")
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
# A task is acknowledged once done, so a worker killed mid-task leaves it to another (each task is safe to
# run twice: the outbox claims its row, the CRL issues the latest state).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing after a commit must not hold the request long when the broker is down: one quick retry, then
# the row waits for the sweep.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# The daily commands as scheduled tasks (beat, `eport worker --beat`), HH:MM in Asia/Shanghai.
EPORT_SCHEDULE = {
    "delegations-expire": os.environ.get("EPORT_SCHEDULE_DELEGATIONS_EXPIRE", "00:20"),
    "agreements-receive": os.environ.get("EPORT_SCHEDULE_AGREEMENTS_RECEIVE", "03:00"),
    "audit-checkpoint": os.environ.get("EPORT_SCHEDULE_AUDIT_CHECKPOINT", "04:15"),
    "cards-expiring": os.environ.get("EPORT_SCHEDULE_CARDS_EXPIRING", "07:15"),
    "customs-registration-expiring": os.environ.get("EPORT_SCHEDULE_CUSTOMS_REGISTRATION_EXPIRING", "07:20"),
}

# List exports (.xlsx) stop at this many rows: a bigger one asks for a narrower filter.
EXPORT_MAX_ROWS = int(os.environ.get("EPORT_EXPORT_MAX_ROWS", "100000"))
# A list export longer than this is not written in the request: it becomes an export job (我的导出) that a
# worker (or, without a broker, this process after the answer's commit) writes to storage.
EXPORT_INLINE_ROWS = int(os.environ.get("EPORT_EXPORT_INLINE_ROWS", "5000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A database outage is logged as one line per request, not a traceback each (eport/faults.py).
    "filters": {"outage": {"()": "eport.faults.OutageLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["outage"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("EPORT_LOG_LEVEL", "WARNING")},
}

# Trust (SPEC §8): a card-less account confirms its e-mail (the link lasts this long) before it files
# anything, and is verified for its enterprise by the legal card, the electronic business licence or the
# approval of its entry. The licence verifier is an adapter like the registry's: the default checks a signed
# assertion (JWS) against the issuer certificate EPORT_LICENCE_ISSUER_CERT (a PEM file); users are sent to
# EPORT_LICENCE_APP_URL to authorise. Without a certificate, licence verification is off (in demo mode the
# demo issuer under the data dir is trusted and /demo/licence/ plays the licence app).
EMAIL_CONFIRMATION_DAYS = int(os.environ.get("EPORT_EMAIL_CONFIRMATION_DAYS", "3"))
PASSWORD_RESET_TIMEOUT = EMAIL_CONFIRMATION_DAYS * 86400  # Django's token generator: the confirmation link
EMAIL_CONFIRMATION_RESEND_SECONDS = int(os.environ.get("EPORT_EMAIL_CONFIRMATION_RESEND_SECONDS", "120"))
LICENCE_VERIFIER = os.environ.get("EPORT_LICENCE_VERIFIER", "eport.registry.licence.SignedAssertionVerifier")
LICENCE_ISSUER_CERT = os.environ.get("EPORT_LICENCE_ISSUER_CERT", "")
LICENCE_APP_URL = os.environ.get("EPORT_LICENCE_APP_URL", "")
LICENCE_CHALLENGE_SECONDS = int(os.environ.get("EPORT_LICENCE_CHALLENGE_SECONDS", "600"))

# The business registry adapter (USCC -> registered enterprise data); swap for an HTTP client in production.
BUSINESS_REGISTRY = os.environ.get("EPORT_BUSINESS_REGISTRY", "eport.registry.adapters.LocalTableRegistry")

# PKI and cards (SPEC §5). The CA keys live in PKI_DIR, encrypted (eport/pki/ca.py).
PKI_DIR = DATA_DIR / "pki"
PUBLIC_URL = os.environ.get("EPORT_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
LICENCE_AUDIENCE = os.environ.get("EPORT_LICENCE_AUDIENCE", PUBLIC_URL)  # the "aud" a licence assertion names
CA_ORGANIZATION = os.environ.get("EPORT_CA_ORGANIZATION", "E-Port Identity Authentication System")
CA_ROOT_NAME = "E-Port Root CA"
CA_ISSUING_NAME = "E-Port Card Issuing CA"
CRL_VALIDITY = timedelta(hours=int(os.environ.get("EPORT_CRL_HOURS", "24")))
OCSP_VALIDITY = timedelta(hours=1)
# With a task worker the complete CRL is issued by it; a fetch issues it itself once a change it lacks is older
# than this (no worker ran). Without a worker every fetch after a change issues it, as before.
CRL_GRACE_SECONDS = int(os.environ.get("EPORT_CRL_GRACE_SECONDS", "120"))
CARD_VALIDITY_DAYS = int(os.environ.get("EPORT_CARD_VALIDITY_DAYS", "730"))
CARD_RENEW_DAYS = int(os.environ.get("EPORT_CARD_RENEW_DAYS", "730"))
CARD_PIN_LIMIT = int(os.environ.get("EPORT_CARD_PIN_LIMIT", "5"))
CARD_CHALLENGE_SECONDS = int(os.environ.get("EPORT_CARD_CHALLENGE_SECONDS", "120"))
# 延期 only in the last N days of a card's validity (and never beyond the issuing CA's).
CARD_RENEW_WINDOW_DAYS = int(os.environ.get("EPORT_CARD_RENEW_WINDOW_DAYS", "90"))
# PBKDF2 rounds of the one-time card file. Its own 119-bit password carries the offline-guessing bound
# (over 10^17 GPU-years even at one round, docs/architecture.md), so the rounds only need the floor of NIST
# SP 800-132 and OpenSSL's FIPS provider (1000); each round more costs card making CPU (bench_card_file.py).
CARD_FILE_KDF_ROUNDS = int(os.environ.get("EPORT_CARD_FILE_KDF_ROUNDS", "1000"))


def card_agent_url(environ) -> str:
    """Where the card pages find the card agent on the user's computer. The agent listens on 127.0.0.1
    only, so its port is the one setting: EPORT_AGENT_PORT, which scripts/run also starts it on. The older
    EPORT_CARD_AGENT_URL is still read; when both are set they must name the same port."""
    port_text = environ.get("EPORT_AGENT_PORT", "").strip()
    legacy = environ.get("EPORT_CARD_AGENT_URL", "").strip().rstrip("/")
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ImproperlyConfigured(f"EPORT_AGENT_PORT is not a port number (1-65535): {port_text!r}")
        port = int(port_text)
    if not legacy:
        return f"http://127.0.0.1:{port or 8765}"
    try:
        parts = urlsplit(legacy)
        legacy_port = parts.port  # explicit: scripts/run starts the agent on it
    except ValueError:
        parts, legacy_port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or legacy_port is None:
        raise ImproperlyConfigured(f"EPORT_CARD_AGENT_URL is not an http://host:port address: {legacy!r}")
    if port is not None and port != legacy_port:
        raise ImproperlyConfigured(
            f"EPORT_AGENT_PORT ({port}) and EPORT_CARD_AGENT_URL ({legacy}) name different ports; "
            "set EPORT_AGENT_PORT only"
        )
    return legacy


CARD_AGENT_URL = card_agent_url(os.environ)

# The audit's signed checkpoints (eport/audit/checkpoints.py): written as files here to be copied off the
# machine, and daily by the first audited write once the latest is older than this (0: on demand only).
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("EPORT_AUDIT_CHECKPOINT_DIR", DATA_DIR / "audit" / "checkpoints"))
AUDIT_CHECKPOINT_HOURS = int(os.environ.get("EPORT_AUDIT_CHECKPOINT_HOURS", "24"))
