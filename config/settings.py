"""All settings, read from the environment (and an optional .env file) in this one place."""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("SUPPORTLOOP_VAR_DIR", default=str(BASE_DIR / "var")))
# While `make run` runs, var/run.env names the Redis it uses (scripts/run.py), so that commands started from
# another shell join the running system; the environment and .env win over it.
if (VAR_DIR / "run.env").is_file():
    environ.Env.read_env(VAR_DIR / "run.env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    # Development only: a per-checkout key kept under var/ so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        from django.core.management.utils import get_random_secret_key

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        SECRET_KEY = get_random_secret_key()
        key_file.write_text(SECRET_KEY)
        key_file.chmod(0o600)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_prometheus",
    "health_check",
    "core",
    "mlcore",
    "supportdesk",
    "feedback",
    "labeling",
    "axes",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login's response into the 429 page
]

ROOT_URLCONF = "config.urls"
if env.bool("SUPPORTLOOP_BENCH_ROUTES", default=False):  # bench/serve.py only
    ROOT_URLCONF = "bench.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'supportloop.sqlite3'}"),
}
if env.str("DATABASE_TEST_NAME", default=""):
    # A file, not memory, so that a real Celery worker in the tests sees the same test database.
    DATABASES["default"]["TEST"] = {"NAME": env.str("DATABASE_TEST_NAME")}
on_sqlite = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if on_sqlite:
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            # WAL lets readers proceed during a write. IMMEDIATE takes the write lock at BEGIN, so a
            # transaction never fails upgrading a read lock; a writer waits up to `timeout` seconds for
            # another's COMMIT (SQLite's busy handler), then raises "database is locked".
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
# A new connection costs ~1 ms (SQLite reads the schema) to several ms (PostgreSQL). Kept connections
# are one per thread: safe under WSGI sync workers and under config/asgi_handler.py's long-lived sync
# thread (make run and bench/serve.py set 600); Django's default of a new thread per request would
# pile them up until PostgreSQL refused more clients, so the default here stays 0.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if not on_sqlite:
    # DATABASE_POOL_MAX > 0 turns on psycopg's pool per process instead (threads that never close
    # their connection would drain it, so not together with a kept connection).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.int("DATABASE_POOL_MAX", default=0) > 0:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=1),
            "max_size": env.int("DATABASE_POOL_MAX"),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": env.cache("CACHE_URL", default=REDIS_URL.replace("redis://", "rediscache://", 1)),
}
CACHES["default"].setdefault("OPTIONS", {})
if "redis" in CACHES["default"]["BACKEND"].lower():
    CACHES["default"]["BACKEND"] = "django_redis.cache.RedisCache"
    CACHES["default"]["LOCATION"] = env.str("CACHE_REDIS_URL", default=REDIS_URL)
    CACHES["default"]["OPTIONS"].update({"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2})

# Every websocket consumer waits for its messages in 5 s blocking reads (channels-redis's BZPOPMIN).
# A socket timeout no longer than that (redis-py 8's default is 5 s) fails the read of an idle
# consumer and drops its websocket without a close frame: give the read room, keep Redis's death
# noticed within 15 s, and PING a pooled connection that sat idle before reusing it.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{
                "address": env.str("CHANNELS_REDIS_URL", default=REDIS_URL),
                "socket_timeout": 15,
                "socket_connect_timeout": 5,
                "socket_keepalive": True,
                "health_check_interval": 30,
            }],
        },
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
try:  # plotly.js served from the installed plotly package, never a CDN
    import plotly as _plotly

    STATICFILES_DIRS.append(("vendor/plotly", Path(_plotly.__file__).resolve().parent / "package_data"))
except ImportError:  # pragma: no cover
    pass
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    # Model bundles. Any Django storage works; several machines share one (S3, NFS, ...).
    "artifacts": {
        "BACKEND": env.str("ARTIFACTS_BACKEND", default="django.core.files.storage.FileSystemStorage"),
        "OPTIONS": {"location": env.str("ARTIFACTS_DIR", default=str(VAR_DIR / "artifacts"))},
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "supportdesk:inquiry-new"

# Login throttling (django-axes, core/login_throttle.py). LIMIT failed logins within the cool-off lock
# out the account and, counted separately, the client address (core.ratelimit.client_identity). The
# cool-off doubles with each further lockout of the same account or address within a day, up to MAX.
# An admin unlocks by deleting the access attempt (admin "Access attempts") or with `manage.py axes_reset*`.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before checking the password
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("SUPPORTLOOP_LOGIN_FAILURE_LIMIT", default=5)
SUPPORTLOOP_LOGIN_COOLOFF_MINUTES = env.float("SUPPORTLOOP_LOGIN_COOLOFF_MINUTES", default=15.0)
SUPPORTLOOP_LOGIN_COOLOFF_MAX_MINUTES = env.float("SUPPORTLOOP_LOGIN_COOLOFF_MAX_MINUTES", default=24 * 60.0)
if AXES_FAILURE_LIMIT < 1 or not 0 < SUPPORTLOOP_LOGIN_COOLOFF_MINUTES <= SUPPORTLOOP_LOGIN_COOLOFF_MAX_MINUTES:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SUPPORTLOOP_LOGIN_FAILURE_LIMIT must be >= 1 and 0 < SUPPORTLOOP_LOGIN_COOLOFF_MINUTES <= ..._MAX_MINUTES"
    )
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own, not the pair
AXES_HANDLER = "core.login_throttle.LoginThrottleHandler"
AXES_COOLOFF_TIME = "core.login_throttle.login_cooloff"
AXES_USE_ATTEMPT_EXPIRATION = True  # each attempt expires after its own cool-off, not one cut-off for all
AXES_CLIENT_IP_CALLABLE = "core.login_throttle.login_client_ip"
AXES_LOCKOUT_CALLABLE = "core.login_throttle.login_lockout_response"
# Not on success: it would also clear the address's failures, so any account holder could reset them.
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False  # no start-up banner in every process and command; axes still logs each failure and lockout

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Token first: DRF takes the first class's WWW-Authenticate, so no credentials is a 401 with
    # "WWW-Authenticate: Token" (Session has none: it was a 403). A call without a Token header still
    # falls through to the session, with its CSRF check.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, bounded by DATA_UPLOAD_MAX_MEMORY_SIZE; errors answered in JSON (core/api.py).
    "DEFAULT_PARSER_CLASSES": ["core.api.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SupportLoop API",
    "DESCRIPTION": "Customer-support inquiries answered by an ONNX classifier, escalated to people when unsure.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
# Nothing in the product waits for a task's result, so none is stored or subscribed to (a caller that
# wants one asks: apply_async(ignore_result=False)). A command run while Redis is away then fails
# fast on the broker instead of retrying the result store for 20 s.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_BEAT_SCHEDULE = {
    "feedback-clusters-nightly": {
        "task": "feedback.clusterruns_nightly",
        "schedule": crontab(hour=env.int("SUPPORTLOOP_CLUSTERS_HOUR", default=3), minute=0),
    },
    "mlcore-trainingruns-recover": {"task": "mlcore.trainingruns_recover", "schedule": 120.0},
    "mlcore-retrain-check": {"task": "mlcore.retrain_check", "schedule": 300.0},
    "mlcore-drift-compute": {
        "task": "mlcore.driftreport_compute", "schedule": 60.0 * env.int("SUPPORTLOOP_DRIFT_EVERY_MINUTES", default=60),
    },
    "labeling-maintain": {"task": "labeling.queue_maintain", "schedule": 60.0},
    "labeling-audit-sample": {"task": "labeling.audit_sample", "schedule": 300.0},
}
CELERY_BEAT_SCHEDULE["mlcore-rollout-evaluate"] = {
    "task": "mlcore.rollout_evaluate",
    "schedule": env.float("SUPPORTLOOP_CANARY_EVALUATE_SECONDS", default=60.0),
}
CELERY_TASK_ROUTES = {"mlcore.tasks.modelversion_train_task": {"queue": "training"}}

# Mail to customers (supportdesk/services/mail.py, sent by Celery). EMAIL_URL (django-environ) picks the
# backend, e.g. smtp+tls://user:password@smtp.example.com:587; without it every mail is a file under
# var/mail/ (the file backend creates the directory), so a newcomer under `make run` can read them.
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)  # a hung mail server fails the task, which retries
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="SupportLoop <support@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Mail has no request to build links from: the customer-facing address of this site.
SUPPORTLOOP_SITE_URL = env.str("SUPPORTLOOP_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# "Lost your link?" requests: per client address and per email address, in requests per hour (0: off).
SUPPORTLOOP_LINK_REQUESTS_PER_CLIENT_HOUR = env.int("SUPPORTLOOP_LINK_REQUESTS_PER_CLIENT_HOUR", default=10)
SUPPORTLOOP_LINK_REQUESTS_PER_ADDRESS_HOUR = env.int("SUPPORTLOOP_LINK_REQUESTS_PER_ADDRESS_HOUR", default=3)

# Security. Production sets DJANGO_SECURE=true (see README): HTTPS-only cookies, HSTS, redirects.
SECURE = env.bool("DJANGO_SECURE", default=False)
if SECURE and not env.str("DJANGO_SECRET_KEY", default=""):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_SECURE is on")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env.bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^health/$", r"^metrics$"]
# django-csp (csp.middleware.CSPMiddleware): this policy on every response; the chart pages widen
# style-src with its decorators (feedback/dashboard_views.py, mlcore/views.py). No inline script anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],  # CSP Level 3: 'self' covers ws:/wss: to this host, the live regions' sockets
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# SupportLoop
SUPPORTLOOP_CACHE_DIR = env.str("SUPPORTLOOP_CACHE_DIR", default=str(VAR_DIR / "cache"))
SUPPORTLOOP_ONNX_THREADS = env.int("SUPPORTLOOP_ONNX_THREADS", default=1)
# Concurrent model calls in one process run as one batch of at most this many (mlcore/batching.py); the
# leader of a forming batch waits at most SUPPORTLOOP_BATCH_WAIT_MS for it to fill (never a lone call).
# Off (1) while the int8 encoder's scores depend on a text's batch companions: bench/batching.py measured
# 14 of 800 Bitext categories and 15 escalations changed in batches of 8 against alone.
SUPPORTLOOP_BATCH_MAX = env.int("SUPPORTLOOP_BATCH_MAX", default=1)
SUPPORTLOOP_BATCH_WAIT_MS = env.float("SUPPORTLOOP_BATCH_WAIT_MS", default=0.0)
# Threads per ASGI web process for sync views (config/asgi_handler.py), each with its own connection.
# 1 measured best for the inquiry path (bench/serve.py: full/classify 0.50 against 0.46 with 2); more
# keep a slow view (a dashboard, a CSV export) from holding up the other sync views of its process.
SUPPORTLOOP_WEB_SYNC_THREADS = env.int("SUPPORTLOOP_WEB_SYNC_THREADS", default=1)
# Per web process, at most one websocket hint per group in this interval (core/realtime.py).
SUPPORTLOOP_HINT_INTERVAL_SECONDS = env.float("SUPPORTLOOP_HINT_INTERVAL_SECONDS", default=0.25)
# A waiting customer's page says when a person usually replies: the median of recent escalations
# (supportdesk.selectors.reply_estimate_get), or this many hours until 20 of them have a reply.
SUPPORTLOOP_REPLY_ESTIMATE_HOURS = env.float("SUPPORTLOOP_REPLY_ESTIMATE_HOURS", default=24.0)
# First-response target (minutes) of an escalated ticket when no ResponseTarget row applies (supportdesk/sla.py).
SUPPORTLOOP_FIRST_RESPONSE_MINUTES = env.int("SUPPORTLOOP_FIRST_RESPONSE_MINUTES", default=240)

# Web processes re-read the model routing on a Redis message (PUSH) and, as a fallback, every CHECK seconds
# in a background thread; 0 checks inline on every call (tests).
SUPPORTLOOP_MODEL_CHECK_SECONDS = env.float("SUPPORTLOOP_MODEL_CHECK_SECONDS", default=2.0)
SUPPORTLOOP_MODEL_PUSH = env.bool("SUPPORTLOOP_MODEL_PUSH", default=True)
# Canary (SPEC 6.5): stages, samples per stage before a decision, tolerated worsening.
SUPPORTLOOP_CANARY_STAGES = [float(x) for x in env.list("SUPPORTLOOP_CANARY_STAGES", default=["0.01", "0.05", "0.25",
                                                                                            "0.5", "1.0"])]
SUPPORTLOOP_CANARY_MIN_SAMPLES = env.int("SUPPORTLOOP_CANARY_MIN_SAMPLES", default=50)
SUPPORTLOOP_CANARY_MIN_STAGE_SECONDS = env.float("SUPPORTLOOP_CANARY_MIN_STAGE_SECONDS", default=600.0)
SUPPORTLOOP_CANARY_ESCALATION_TOLERANCE = env.float("SUPPORTLOOP_CANARY_ESCALATION_TOLERANCE", default=0.015)
SUPPORTLOOP_CANARY_FEEDBACK_TOLERANCE = env.float("SUPPORTLOOP_CANARY_FEEDBACK_TOLERANCE", default=0.05)
SUPPORTLOOP_POLICY_CACHE_SECONDS = env.float("SUPPORTLOOP_POLICY_CACHE_SECONDS", default=2.0)
# Token buckets per client (core.ratelimit): RATE for what people write (inquiries, follow-ups, feedback),
# RATE_SIGNAL for the ticket page's beacons. Capacity 0 turns a bucket off; otherwise it must refill.
SUPPORTLOOP_RATE_CAPACITY = env.int("SUPPORTLOOP_RATE_CAPACITY", default=20)
SUPPORTLOOP_RATE_REFILL_PER_SECOND = env.float("SUPPORTLOOP_RATE_REFILL_PER_SECOND", default=0.5)
SUPPORTLOOP_RATE_SIGNAL_CAPACITY = env.int("SUPPORTLOOP_RATE_SIGNAL_CAPACITY", default=60)
SUPPORTLOOP_RATE_SIGNAL_REFILL_PER_SECOND = env.float("SUPPORTLOOP_RATE_SIGNAL_REFILL_PER_SECOND", default=1.0)
for _bucket, _capacity, _refill in (
    ("SUPPORTLOOP_RATE", SUPPORTLOOP_RATE_CAPACITY, SUPPORTLOOP_RATE_REFILL_PER_SECOND),
    ("SUPPORTLOOP_RATE_SIGNAL", SUPPORTLOOP_RATE_SIGNAL_CAPACITY, SUPPORTLOOP_RATE_SIGNAL_REFILL_PER_SECOND),
):
    if _capacity > 0 and not 0 < _refill < float("inf"):  # also refuses NaN
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"{_bucket}_REFILL_PER_SECOND must be a positive number of tokens per second, not {_refill}: a bucket"
            f" that never refills would lock clients out for good ({_bucket}_CAPACITY=0 turns the limit off)")
# Distinct page views whose beacons count towards a ticket's implicit score; later views change nothing.
SUPPORTLOOP_VIEWS_PER_TICKET_MAX = env.int("SUPPORTLOOP_VIEWS_PER_TICKET_MAX", default=20)
# An Idempotency-Key replay that arrives while the first request is still classifying waits this long
# for its outcome, then answers 409 (never the ticket half-way, still "received").
SUPPORTLOOP_IDEMPOTENCY_WAIT_SECONDS = env.float("SUPPORTLOOP_IDEMPOTENCY_WAIT_SECONDS", default=5.0)
SUPPORTLOOP_TRUSTED_PROXY_COUNT = env.int("SUPPORTLOOP_TRUSTED_PROXY_COUNT", default=0)
# /metrics wants "Authorization: Bearer <METRICS_TOKEN>"; empty: open under `make run`, 403 with DJANGO_SECURE.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
SUPPORTLOOP_INSCOPE_ESCALATION_TARGET = env.float("SUPPORTLOOP_INSCOPE_ESCALATION_TARGET", default=0.015)
# repeat_contact (SPEC §3.3): another ticket of the same email open, or closed within this many days.
SUPPORTLOOP_REPEAT_CONTACT_DAYS = env.int("SUPPORTLOOP_REPEAT_CONTACT_DAYS", default=7)

# Continuous learning (SPEC §6.2-6.4, 6.6)
SUPPORTLOOP_EVAL_FRACTION = env.float("SUPPORTLOOP_EVAL_FRACTION", default=0.15)  # held-out gold, by text hash
# A category added from a topic (SPEC §4.6) enters training once it has this many gold labels.
SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD = env.int("SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD", default=20)
SUPPORTLOOP_FEEDBACK_WINDOW_DAYS = env.int("SUPPORTLOOP_FEEDBACK_WINDOW_DAYS", default=90)
SUPPORTLOOP_FEEDBACK_MIN_SCORE = env.float("SUPPORTLOOP_FEEDBACK_MIN_SCORE", default=0.5)  # below: labeling pool
SUPPORTLOOP_FEEDBACK_LAMBDA = env.float("SUPPORTLOOP_FEEDBACK_LAMBDA", default=0.5)  # λ of L_feedback
SUPPORTLOOP_REPLAY_SIZE = env.int("SUPPORTLOOP_REPLAY_SIZE", default=500)
SUPPORTLOOP_AUTO_PROMOTE = env.bool("SUPPORTLOOP_AUTO_PROMOTE", default=True)
SUPPORTLOOP_PROMOTE_MARGIN = env.float("SUPPORTLOOP_PROMOTE_MARGIN", default=0.01)  # macro-F1 on held-out gold
SUPPORTLOOP_TRAINING_STALE_SECONDS = env.int("SUPPORTLOOP_TRAINING_STALE_SECONDS", default=300)
SUPPORTLOOP_RETRAIN_GOLD_LABELS = env.int("SUPPORTLOOP_RETRAIN_GOLD_LABELS", default=200)
SUPPORTLOOP_RETRAIN_EVERY_HOURS = env.float("SUPPORTLOOP_RETRAIN_EVERY_HOURS", default=168.0)  # 0: off
SUPPORTLOOP_CORRECTIONS_MIN = env.int("SUPPORTLOOP_CORRECTIONS_MIN", default=30)
SUPPORTLOOP_CORRECTIONS_ACCURACY_MIN = env.float("SUPPORTLOOP_CORRECTIONS_ACCURACY_MIN", default=0.85)
SUPPORTLOOP_CORRECTIONS_DROP_MAX = env.float("SUPPORTLOOP_CORRECTIONS_DROP_MAX", default=0.05)
SUPPORTLOOP_DRIFT_WINDOW_HOURS = env.int("SUPPORTLOOP_DRIFT_WINDOW_HOURS", default=168)
SUPPORTLOOP_DRIFT_MIN_SAMPLES = env.int("SUPPORTLOOP_DRIFT_MIN_SAMPLES", default=50)
# Labeling (SPEC §5)
SUPPORTLOOP_LABELING_ANNOTATORS = env.int("SUPPORTLOOP_LABELING_ANNOTATORS", default=2)
SUPPORTLOOP_LABELING_BATCH_SIZE = env.int("SUPPORTLOOP_LABELING_BATCH_SIZE", default=50)
SUPPORTLOOP_LABELING_STRATEGY = env.str("SUPPORTLOOP_LABELING_STRATEGY", default="typiclust_cluster_margin")
SUPPORTLOOP_LABELING_LOW_WATER = env.int("SUPPORTLOOP_LABELING_LOW_WATER", default=10)
SUPPORTLOOP_LABELING_RESERVATION_SECONDS = env.int("SUPPORTLOOP_LABELING_RESERVATION_SECONDS", default=600)
SUPPORTLOOP_LABELING_UNDO_SECONDS = env.int("SUPPORTLOOP_LABELING_UNDO_SECONDS", default=30)
SUPPORTLOOP_LABELING_SKIPS_TO_REVIEW = env.int("SUPPORTLOOP_LABELING_SKIPS_TO_REVIEW", default=3)
SUPPORTLOOP_LABELING_POOL_MAX = env.int("SUPPORTLOOP_LABELING_POOL_MAX", default=20000)
SUPPORTLOOP_LABELING_REFERENCE_MAX = env.int("SUPPORTLOOP_LABELING_REFERENCE_MAX", default=2000)
SUPPORTLOOP_LABELING_FILL_ON_PROMOTION = env.bool("SUPPORTLOOP_LABELING_FILL_ON_PROMOTION", default=True)
# Selection represents texts closer than this cosine similarity once (labeling/dedup.py).
SUPPORTLOOP_LABELING_DUPLICATE_COSINE = env.float("SUPPORTLOOP_LABELING_DUPLICATE_COSINE", default=0.95)
# The production audit (labeling/audit.py): this share of automatic answers is labeled blind by annotators;
# its gold labels measure each version's accuracy on live traffic and weigh in training by 1/share (at most
# AUDIT_WEIGHT_MAX); a version whose audited accuracy falls below AUDIT_ACCURACY_MIN (over at least
# AUDIT_MIN_SAMPLES audits) triggers a retraining.
SUPPORTLOOP_AUDIT_SHARE = env.float("SUPPORTLOOP_AUDIT_SHARE", default=0.02)
SUPPORTLOOP_AUDIT_ACCURACY_MIN = env.float("SUPPORTLOOP_AUDIT_ACCURACY_MIN", default=0.8)
SUPPORTLOOP_AUDIT_MIN_SAMPLES = env.int("SUPPORTLOOP_AUDIT_MIN_SAMPLES", default=30)
SUPPORTLOOP_AUDIT_WEIGHT_MAX = env.float("SUPPORTLOOP_AUDIT_WEIGHT_MAX", default=50.0)
