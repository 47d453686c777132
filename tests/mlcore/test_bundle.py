import shutil
from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import storages

from mlcore.bundle import MANIFEST_FILE, MODEL_FILE, Manifest
from mlcore.runtime import BundleError, Predictor
from mlcore.validate import bundle_check, bundle_validate_subprocess


@pytest.fixture
def bundle_dir(trained_version, tmp_path) -> Path:
    src = Path(storages["artifacts"].path(f"{trained_version['artifact_prefix']}/{MODEL_FILE}")).parent
    dst = tmp_path / "bundle"
    shutil.copytree(src, dst)
    return dst


def test_bundle_answers_probabilities_embedding_and_sentiment(bundle_dir):
    predictor = Predictor(directory=bundle_dir)
    probs, emb, sent = predictor.run(["My package never arrived, order 12345", "Thank you so much!"])
    assert probs.shape == (2, len(predictor.labels)) and emb.shape == (2, 384) and sent.shape == (2,)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1, atol=1e-3)
    assert (probs.sum(1) <= 1 + 1e-5).all()
    pred = predictor.predict("My package never arrived, order 12345")
    assert pred.category == "delivery"
    assert pred.margin <= pred.confidence <= 1
    assert -1 <= pred.sentiment <= 1
    assert pred.model_version == predictor.manifest.version


def test_manifest_carries_labels_thresholds_metrics_snapshot_and_sha(bundle_dir, trained_version):
    manifest = Manifest.from_json((bundle_dir / MANIFEST_FILE).read_text())
    assert manifest.sha256 == trained_version["sha256"]
    assert manifest.snapshot_id == trained_version["snapshot_id"]
    assert manifest.labels == trained_version["labels"]
    assert 0.3 <= manifest.thresholds["confidence"] <= 0.95
    assert manifest.metrics["accuracy"] > 0.9


def test_validator_accepts_the_trained_bundle_in_a_separate_process(bundle_dir):
    assert bundle_validate_subprocess(directory=bundle_dir) == {"ok": True, "reason": "", "golden": 32}


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda p: p.write_bytes(b""), "sha256"),
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "sha256"),
        (lambda p: p.write_bytes(np.random.default_rng(0).bytes(4096)), "sha256"),
    ],
    ids=["empty", "truncated", "random-bytes"],
)
def test_damaged_bundles_are_refused(bundle_dir, damage, reason):
    damage(bundle_dir / MODEL_FILE)
    with pytest.raises(BundleError, match=reason):
        Predictor(directory=bundle_dir)
    result = bundle_check(bundle_dir)
    assert result["ok"] is False and reason in result["reason"]


def test_golden_mismatch_is_refused(bundle_dir):
    manifest = Manifest.from_json((bundle_dir / MANIFEST_FILE).read_text())
    probs = np.asarray(manifest.golden["probabilities"])
    manifest.golden["probabilities"] = np.roll(probs, 1, axis=1).tolist()
    (bundle_dir / MANIFEST_FILE).write_text(manifest.to_json())
    result = bundle_check(bundle_dir)
    assert result == {"ok": False, "reason": "predictions differ from the trainer's on the golden set"}


def test_golden_disagreement_tolerates_near_ties_only():
    import numpy as np

    from mlcore.validate import golden_disagreement

    expected = np.array([[0.5005, 0.4995], [0.9, 0.1]], dtype=np.float32)
    assert golden_disagreement(probs=np.array([[0.4995, 0.5005], [0.9, 0.1]]), expected=expected) == ""
    assert "differ" in golden_disagreement(probs=np.array([[0.6, 0.4], [0.1, 0.9]]), expected=expected)
    assert "shape" in golden_disagreement(probs=np.zeros((2, 3)), expected=expected)
    far = np.array([[0.53, 0.47], [0.9, 0.1]])
    assert golden_disagreement(probs=far, expected=expected) != ""
    assert golden_disagreement(probs=far, expected=expected, atol=0.05) == ""
