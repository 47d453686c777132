import pytest
from django.core.files.storage import storages

from mlcore.models import ModelVersion, TrainingRun
from mlcore.pipeline import trainingrun_execute
from mlcore.services import starter_load
from mlcore.serving import predictor_active
from mlcore.snapshot import snapshot_load


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
    assert ModelVersion.objects.filter(snapshot_id=run.snapshot_id).count() == 1
