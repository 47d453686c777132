"""Versions registered from the session's bundle, and hand-made broken bundles (onnx helper graphs)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from django.core.files.storage import storages

from mlcore.bundle import MANIFEST_FILE, MODEL_FILE, Manifest, file_sha256
from mlcore.serving import serving_reset
from mlcore.swap import swapper_stop


@pytest.fixture
def fresh_serving():
    """No loaded model and no swapper before and after the test."""
    swapper_stop()
    serving_reset()
    yield
    swapper_stop()
    serving_reset()


def version_register(*, trained_version: dict, version: str, status: str = "candidate", **fields):
    from django.utils import timezone

    from mlcore.models import ModelVersion

    promoted = timezone.now() if status in ("active", "retired") else None
    return ModelVersion.objects.create(**{**trained_version, "version": version, "status": status,
                                          "promoted_at": promoted, **fields})


def bundle_copy(*, trained_version: dict, name: str) -> tuple[str, Path]:
    """A copy of the session's bundle under a new artifact prefix: (prefix, local directory)."""
    store = storages["artifacts"]
    src = Path(store.path(f"{trained_version['artifact_prefix']}/{MODEL_FILE}")).parent
    prefix = f"bundles/test-{name}-{time.monotonic_ns()}"
    dst = Path(store.path(f"{prefix}/{MODEL_FILE}")).parent
    shutil.copytree(src, dst)
    return prefix, dst


def manifest_resign(directory: Path) -> str:
    """Make the manifest agree with whatever model file is there now (a candidate that lies well)."""
    sha = file_sha256(directory / MODEL_FILE)
    manifest = Manifest.from_json((directory / MANIFEST_FILE).read_text())
    manifest.sha256 = sha
    (directory / MANIFEST_FILE).write_text(manifest.to_json())
    return sha


def fake_graph_write(path: Path, *, n_labels: int, fill: float) -> None:
    """A model with the bundle's inputs and output names whose outputs are constants of a chosen
    width (wrong shape) or value (NaN), broadcast over the batch."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def const(name: str, value) -> onnx.TensorProto:
        return numpy_helper.from_array(np.asarray(value, dtype=np.float32), name=name)

    nodes = [
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["mask_f", "axes1"], ["row"], keepdims=1),  # [N, 1]
        helper.make_node("Mul", ["row", "zero_p"], ["p0"]),
        helper.make_node("Add", ["p0", "fill_p"], ["probabilities"]),
        helper.make_node("Mul", ["row", "zero_e"], ["e0"]),
        helper.make_node("Add", ["e0", "unit_e"], ["embedding"]),
        helper.make_node("ReduceSum", ["p0", "axes1"], ["sentiment"], keepdims=0),
    ]
    emb = np.zeros((1, 384), dtype=np.float32)
    emb[0, 0] = 1.0
    graph = helper.make_graph(
        nodes, "fake",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["N", "L"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["N", "L"])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", None]),
         helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", 384]),
         helper.make_tensor_value_info("sentiment", TensorProto.FLOAT, ["N"])],
        [numpy_helper.from_array(np.array([1], dtype=np.int64), name="axes1"),
         const("zero_p", np.zeros((1, n_labels))), const("fill_p", np.full((1, n_labels), fill)),
         const("zero_e", np.zeros((1, 384))), const("unit_e", emb)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
