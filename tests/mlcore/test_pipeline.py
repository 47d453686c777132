import sys
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from mlcore.models import ModelVersion, TrainingExample, TrainingRun
from mlcore.pipeline import trainingrun_execute, trainingrun_request, trainingruns_recover
from mlcore.services import starter_load, trainingexample_record
from mlcore.serving import predictor_active
from mlcore.snapshot import eval_bucket, snapshot_build, snapshot_load, snapshot_store


def _artifacts(prefix: str) -> list[str]:
    store = storages["artifacts"]
    try:
        return store.listdir(prefix)[1]
    except FileNotFoundError:
        return []


@pytest.mark.slow
def test_a_run_registers_a_candidate_with_side_by_side_metrics_and_a_snapshot(active_model, settings):
    settings.SUPPORTLOOP_AUTO_PROMOTE = True
    starter_load()
    run = TrainingRun.objects.create(trigger="manual")
    run = trainingrun_execute(run_id=run.pk)
    assert run.status in ("succeeded", "rejected"), run.error
    assert run.stage == "done" and run.epoch == run.epochs > 0 and run.loss is not None
    assert list(run.timings) == ["embed", "train", "evaluate", "export", "validate", "register", "end"]
    assert list(run.timings.values()) == sorted(run.timings.values())
    print("timings", run.timings, run.snapshot_stats)
    mv = run.model_version
    assert mv is not None and mv.snapshot_id == run.snapshot_id
    assert set(_artifacts(mv.artifact_prefix)) == {"model.onnx", "manifest.json"}
    side = run.metrics
    assert side["active_version"] == "v1"
    for who in ("candidate", "active"):
        m = side[who]
        assert m["n"] == run.snapshot_stats["eval"] > 0
        assert 0.5 < m["accuracy"] <= 1 and 0 <= m["ece"] <= 1 and m["per_category_accuracy"]
    snap = snapshot_load(run.snapshot_path)
    assert snap.snapshot_id == run.snapshot_id
    eval_texts = {r["text"] for r in snap.of("eval")}
    assert eval_texts and not eval_texts & {r["text"] for r in snap.of("train", "replay")}
    assert predictor_active().version in ("v1", mv.version)

    # The same data again: the snapshot is taken, so no second version.
    again = trainingrun_execute(run_id=TrainingRun.objects.create(trigger="schedule").pk)
    assert again.status == "skipped" and again.model_version is None
    assert f"run #{run.pk}" in again.decision
    # The session's v1 trained on the same starter data, so it shares the snapshot id.
    assert ModelVersion.objects.filter(snapshot_id=run.snapshot_id).exclude(pk=active_model.pk).count() == 1


def _bundle_prefixes() -> set[str]:
    store = storages["artifacts"]
    try:
        return set(store.listdir("bundles")[0])
    except FileNotFoundError:
        return set()


@pytest.mark.slow
def test_a_less_accurate_candidate_is_rejected_with_a_reason_while_v1_serves(active_model, settings):
    settings.SUPPORTLOOP_AUTO_PROMOTE = True
    starter_load()
    labels = sorted(set(TrainingExample.objects.exclude(category="").values_list("category", flat=True)))
    starter = list(TrainingExample.objects.filter(source="starter").exclude(category=""))
    for i, ex in enumerate(starter):
        if eval_bucket(ex.text, fraction=settings.SUPPORTLOOP_EVAL_FRACTION):
            trainingexample_record(text=ex.text, category=ex.category, source="gold")  # correct held-out labels
        elif i % 5 < 3:  # 60% of the rest relabelled to the next category: a poisoned training set
            wrong = labels[(labels.index(ex.category) + 1) % len(labels)]
            TrainingExample.objects.create(text=ex.text, category=wrong, source="import")
    run = trainingrun_execute(run_id=TrainingRun.objects.create(trigger="manual").pk)
    assert run.status == "rejected", (run.decision, run.error)
    assert run.snapshot_stats["eval_sources"] == ["gold"]
    assert "less accurate than the active version" in run.decision
    cand, act = run.metrics["candidate"], run.metrics["active"]
    assert cand["accuracy"] < act["accuracy"] and cand["n"] == act["n"] >= 30
    run.model_version.refresh_from_db()
    assert run.model_version.status == "rejected" and "less accurate" in run.model_version.note
    assert ModelVersion.objects.get(status="active").version == "v1"
    assert predictor_active().predict("where is my parcel?").model_version == "v1"


@pytest.mark.slow
def test_a_crashing_validator_rejects_the_candidate_and_stores_nothing(active_model, monkeypatch):
    starter_load()
    before = _bundle_prefixes()
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the validator process exits at once, saying nothing
    run = trainingrun_execute(run_id=TrainingRun.objects.create(trigger="manual").pk)
    monkeypatch.undo()
    assert run.status == "rejected" and "validator crashed" in run.decision
    assert run.model_version is None and run.artifact_prefix == ""
    assert _bundle_prefixes() == before
    assert list(ModelVersion.objects.values_list("version", flat=True)) == ["v1"]
    assert predictor_active().predict("I want my money back").model_version == "v1"


def test_a_request_while_one_is_open_returns_the_open_run(db, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first, created = trainingrun_request(trigger="manual", actor=admin_user)
        second, again = trainingrun_request(trigger="gold_labels")
    assert created and not again and second == first
    assert first.requested_by == admin_user and len([c for c in callbacks if "delay" in repr(c)]) <= 1
    assert TrainingRun.objects.count() == 1


def test_one_running_run_and_one_run_per_snapshot_are_database_constraints(db):
    TrainingRun.objects.create(trigger="manual", status="running", snapshot_id="abc")
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingRun.objects.create(trigger="manual", status="running")
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingRun.objects.create(trigger="manual", status="succeeded", snapshot_id="abc")
    TrainingRun.objects.create(trigger="manual", status="failed", snapshot_id="abc")  # a failure frees it


def test_recovery_marks_a_silent_run_failed_and_removes_its_files(db):
    store = storages["artifacts"]
    run = TrainingRun.objects.create(trigger="manual", status="running", stage="register",
                                     artifact_prefix="bundles/v9-deadbeef", heartbeat_at=timezone.now())
    store.save("bundles/v9-deadbeef/model.onnx", ContentFile(b"half a model"))
    assert trainingruns_recover() == []  # its heartbeat is fresh
    TrainingRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=10))
    assert trainingruns_recover() == [run.pk]
    run.refresh_from_db()
    assert run.status == "failed" and "worker lost" in run.error and run.finished_at
    assert _artifacts("bundles/v9-deadbeef") == []


def test_snapshot_is_content_addressed_with_a_fixed_held_out_set_and_replay(db, settings):
    settings.SUPPORTLOOP_EVAL_FRACTION = 0.5
    for i in range(40):
        TrainingExample.objects.create(text=f"text number {i}", category="a" if i % 2 else "b", source="starter")
    first = snapshot_build()
    again = snapshot_build()
    assert first.snapshot_id == again.snapshot_id and first.rows == again.rows
    held = {r["text"] for r in first.of("eval") if r["text"].startswith("text number")}  # beside the starter set
    assert held == {f"text number {i}" for i in range(40) if eval_bucket(f"text number {i}", fraction=0.5)}
    assert not held & {r["text"] for r in first.of("train")}
    TrainingExample.objects.filter(text__in=[r["text"] for r in first.of("train")][:3]).delete()
    second = snapshot_build(previous=first)
    assert second.snapshot_id != first.snapshot_id
    assert len(second.of("replay")) == 3 and second.stats["replay"] == 3
    path = snapshot_store(second)
    assert snapshot_store(second) == path and snapshot_load(path).rows == second.rows


def test_a_redelivered_run_is_left_alone_while_alive_and_given_up_after_two_attempts(db):
    alive = TrainingRun.objects.create(trigger="manual", status="running", attempts=1, heartbeat_at=timezone.now())
    assert trainingrun_execute(run_id=alive.pk).status == "running"
    TrainingRun.objects.filter(pk=alive.pk).update(attempts=2, heartbeat_at=timezone.now() - timedelta(hours=1))
    run = trainingrun_execute(run_id=alive.pk)
    assert run.status == "failed" and "gave up after 2 attempts" in run.error
    done = TrainingRun.objects.create(trigger="manual", status="succeeded")
    assert trainingrun_execute(run_id=done.pk).status == "succeeded"
    assert trainingrun_execute(run_id=done.pk + 100) is None
