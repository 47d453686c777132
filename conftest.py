"""Test-run environment, set before Django reads its settings (see the end of this file).

A private, real redis-server on a free port (unless TEST_REDIS_URL names one), a throwaway var
directory, a file-backed test database (so a real Celery worker sees it) and the shared cache
of the exported encoder, which survives between runs.
"""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "scripts"))

from redis_server import free_port, redis_start  # noqa: E402

_var = Path(tempfile.mkdtemp(prefix="supportloop-test-"))
atexit.register(shutil.rmtree, _var, ignore_errors=True)  # runs last: atexit is LIFO
(_var / "staticfiles").mkdir()
os.environ["SUPPORTLOOP_VAR_DIR"] = str(_var)
os.environ.setdefault("SUPPORTLOOP_CACHE_DIR", str(ROOT / "var" / "cache"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / "var" / "cache" / "numba"))  # UMAP's compiled code, kept
os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
os.environ["DJANGO_DEBUG"] = "false"
os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,localhost,[::1],testserver"  # testserver: Django's test client
os.environ["SUPPORTLOOP_MODEL_CHECK_SECONDS"] = "0"
os.environ["SUPPORTLOOP_POLICY_CACHE_SECONDS"] = "0"
os.environ["SUPPORTLOOP_RATE_CAPACITY"] = "0"  # off; the rate-limit tests turn it on
os.environ["SUPPORTLOOP_LABELING_FILL_ON_PROMOTION"] = "false"  # a test turns it on; no stray tasks
if "DATABASE_URL" not in os.environ:
    os.environ["DATABASE_TEST_NAME"] = str(_var / "test.sqlite3")

if os.environ.get("TEST_REDIS_URL"):
    os.environ["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
else:
    _port = free_port()
    _redis = redis_start(directory=_var / "redis", port=_port, persist=False)
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{_port}/0"

    def _stop_redis() -> None:
        _redis.terminate()
        _redis.wait(timeout=10)

    atexit.register(_stop_redis)


# pytest-django finds no settings module before this file runs (none is named in the ini file),
# so the settings are read here, after the environment above is in place.
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django  # noqa: E402

django.setup()
