import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _category_guides_fresh():
    """Display names are cached per process; a test's rows must not leak into the next test's pages."""
    from mlcore.categories import category_guides_clear

    category_guides_clear()
    yield
    category_guides_clear()


@pytest.fixture(scope="session")
def trained_version(django_db_setup, django_db_blocker) -> dict:
    """Train one model on the starter set per test session; tests re-register it as needed."""
    from mlcore.models import ModelVersion
    from mlcore.pipeline import modelversion_train
    from mlcore.services import starter_load
    from supportdesk.services import faq_starter_load

    with django_db_blocker.unblock():
        starter_load()
        faq_starter_load()
        mv = modelversion_train(note="test session", activate_if_none=False)
        fields = {f.name: getattr(mv, f.name) for f in ModelVersion._meta.fields if f.name not in ("id", "promoted_by")}
        mv.training_run.delete()  # its snapshot would be taken for every test (one run per snapshot)
        mv.delete()
    return fields


@pytest.fixture
def active_model(db, trained_version):
    """The session's model registered and active (the starter FAQ is loaded once per session).

    Every test registers the same bundle as v1, so the process keeps it loaded between tests."""
    from django.utils import timezone

    from mlcore.models import ModelVersion
    from supportdesk.services import faq_starter_load

    faq_starter_load()  # a no-op unless a transactional test emptied the tables
    return ModelVersion.objects.create(**{**trained_version, "status": "active", "promoted_at": timezone.now()})


@pytest.fixture
def alice(db):
    """A customer."""
    return UserFactory(username="alice", roles=["customer"])


@pytest.fixture
def bob_agent(db):
    return UserFactory(username="bob", roles=["agent"])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", roles=["admin"], is_staff=True, is_superuser=True)


def child_database_url() -> str:
    """DATABASE_URL of the test database (once pytest-django has created it), for child processes."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup):
    """A real Celery worker process on the test Redis and test database."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=child_database_url())
    env.pop("DATABASE_TEST_NAME", None)
    log = Path(os.environ["SUPPORTLOOP_VAR_DIR"]) / "celery-worker.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "celery,training", "--concurrency", "1",
             "--pool", "solo", "-n", f"test-{os.getpid()}@%h", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
        )
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited: {log.read_text()[-2000:]}")
        if app.control.ping(timeout=0.5):
            break
    else:
        proc.kill()
        raise RuntimeError("celery worker did not answer within 60 s")
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def pytest_collection_modifyitems(config, items):
    # Playwright's sync API keeps an event loop in the main thread for the rest of the session,
    # which breaks async_to_sync in later tests: run the browser tests last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
