"""The pipeline through real Celery worker processes: progress pushed live, redelivery harmless,
and a worker killed with SIGKILL mid-training leaves no artifact and no stuck run."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.core.files.storage import storages
from redis.exceptions import ConnectionError as RedisConnectionError

from mlcore.models import ModelVersion, TrainingRun
from mlcore.pipeline import trainingrun_execute, trainingrun_request, trainingruns_recover
from mlcore.progress import TRAINING_GROUP
from mlcore.services import starter_load
from mlcore.serving import predictor_active
from mlcore.tasks import modelversion_train_task
from tests.conftest import ROOT, child_database_url

FINAL = ("succeeded", "rejected", "skipped", "failed")


class Listener(threading.Thread):
    """Joins the admins' training group on its own event loop and keeps what arrives, and, as the
    model page does on each hint, reads the run it names back (over the ORM here, not HTTP)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.messages: list[dict] = []
        self.seen: list[dict] = []
        self.ready, self.done = threading.Event(), threading.Event()

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        # A layer of its own: the shared one keeps receive state per event loop, and this loop ends.
        layer = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
        channel = await layer.new_channel()
        await layer.group_add(TRAINING_GROUP, channel)
        self.ready.set()
        while not self.done.is_set():
            try:
                message = await asyncio.wait_for(layer.receive(channel), 0.5)
            except TimeoutError:
                continue
            self.messages.append(message)
            self.seen.append(await asyncio.to_thread(_run_state, message["run"]))
        await layer.group_discard(TRAINING_GROUP, channel)
        await layer.close_pools()


def _run_state(pk: int) -> dict:
    from django.db import connection

    try:
        return TrainingRun.objects.filter(pk=pk).values("id", "status", "stage", "epoch", "loss").first()
    finally:
        connection.close()


def _wait(run: TrainingRun, until, *, timeout: float = 180) -> TrainingRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if until(run):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run #{run.pk} stuck at {run.status}/{run.stage}: {run.error}")


def _bundle_prefixes() -> set[str]:
    try:
        return set(storages["artifacts"].listdir("bundles")[0])
    except FileNotFoundError:
        return set()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_run_through_the_real_worker_reports_progress_and_yields_one_version(celery_worker_process, active_model):
    starter_load()
    listener = Listener()
    listener.start()
    assert listener.ready.wait(10)

    run, created = trainingrun_request(trigger="manual", reason="test")
    assert created and run.status == "queued"
    run = _wait(run, lambda r: r.status in FINAL)
    time.sleep(1.0)
    listener.done.set()
    listener.join(5)
    pushes = listener.messages
    assert run.status in ("succeeded", "rejected"), (run.decision, run.error)
    assert run.model_version is not None and run.epoch == run.epochs > 0 and run.heartbeat_at
    assert pushes and all(set(p) == {"type", "run"} for p in pushes)  # hints: which run, nothing more
    # None: a late hint about the session's training run, deleted once its version was copied (conftest).
    seen = [s for s in listener.seen if s and s["id"] == run.pk]
    assert {"train", "evaluate", "validate"} <= set(run.timings)
    assert any(p["stage"] == "train" and p["epoch"] > 0 and p["loss"] is not None for p in seen)
    assert seen[-1]["status"] == run.status

    # Celery delivers the same task again: nothing new.
    assert modelversion_train_task.apply_async((run.pk,), ignore_result=False).get(timeout=60) == run.status
    # Another run on unchanged data: the snapshot is taken, so it is skipped.
    again, _ = trainingrun_request(trigger="schedule")
    again = _wait(again, lambda r: r.status in FINAL)
    assert again.status == "skipped" and again.snapshot_id == run.snapshot_id
    # The session's v1 trained on the same starter data, so it shares the snapshot id.
    assert ModelVersion.objects.filter(snapshot_id=run.snapshot_id).exclude(pk=active_model.pk).count() == 1


def _worker(queue: str, name: str) -> subprocess.Popen:
    from config.celery import app

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=child_database_url())
    env.pop("DATABASE_TEST_NAME", None)
    log = Path(os.environ["SUPPORTLOOP_VAR_DIR"]) / f"{name}.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo",
             "-n", f"{name}@%h", "--loglevel", "INFO"], cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited: {log.read_text()[-2000:]}")
        try:
            replies = app.control.ping(timeout=0.5)
        except (RedisConnectionError, OSError):  # opened before a Redis restart (test_swap)
            app.close()  # a fresh connection pool on the next call
            continue
        if any(name in k for reply in replies for k in reply):
            return proc
    proc.kill()
    raise RuntimeError("worker did not answer within 60 s")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_training_leaves_no_artifact_and_no_stuck_run(active_model):
    starter_load()
    before = _bundle_prefixes()
    run = TrainingRun.objects.create(trigger="manual")
    queue = name = f"training-kill-{os.getpid()}"
    proc = _worker(queue, name)
    try:
        modelversion_train_task.apply_async((run.pk,), queue=queue)
        run = _wait(run, lambda r: (r.stage == "train" and r.epoch > 0) or r.status in FINAL, timeout=120)
        assert run.status == "running", (run.status, run.error)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    run.refresh_from_db()
    assert run.status == "running" and run.stage == "train"  # as the worker left it
    assert _bundle_prefixes() == before and run.artifact_prefix == "" and run.model_version is None
    assert predictor_active().predict("where is my parcel?").model_version == "v1"  # serving carries on

    # A redelivery while the heartbeat is fresh leaves it alone; once it is stale, recovery fails it.
    assert trainingrun_execute(run_id=run.pk).status == "running"
    assert trainingruns_recover(stale_seconds=0) == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and "worker lost" in run.error and "stage train" in run.error
    assert _bundle_prefixes() == before
    # Nothing is stuck: the next request is accepted and its snapshot is free to be trained.
    nxt, created = trainingrun_request(trigger="manual")
    assert created and nxt.pk != run.pk
    TrainingRun.objects.filter(pk=nxt.pk).update(status="failed")  # not run here; the session worker may be off
