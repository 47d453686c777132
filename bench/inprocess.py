"""A throwaway Django environment for the benchmarks that serve pages in-process (agent_console,
dashboards): a private var dir and, with --database postgres, a private PostgreSQL cluster, both
removed afterwards, even when the run is killed."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.postgres_server import postgres_start, postgres_stop  # noqa: E402
from scripts.redis_server import free_port  # noqa: E402


@contextmanager
def throwaway_environment(*, database: str, prefix: str, keep: bool = False) -> Iterator[Path]:
    """Set the environment for django.setup() on a fresh SQLite or PostgreSQL database; yields the var dir."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the private PostgreSQL cluster on kill too
    var = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(SUPPORTLOOP_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="config.settings",
                      CACHE_URL="locmemcache://", DJANGO_ALLOWED_HOSTS="testserver",
                      STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage")
    os.environ.pop("DATABASE_URL", None)
    pg_dir = None
    try:
        if database == "postgres":
            os.environ["DATABASE_URL"], pg_dir = postgres_start(port=free_port())
        yield var
    finally:
        if pg_dir is not None:
            from django.db import connections

            connections.close_all()
            postgres_stop(directory=pg_dir)
        if not keep:
            shutil.rmtree(var, ignore_errors=True)


def bench_agents_create() -> list:
    """The three agents (bob, carol, dave) both in-process benchmarks assign tickets to."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core.roles import AGENT

    group = Group.objects.get_or_create(name=AGENT)[0]
    agents = []
    for name in ("bob", "carol", "dave"):
        user = get_user_model().objects.create_user(name, f"{name}@example.com", "x")
        user.groups.add(group)
        agents.append(user)
    return agents
