"""A model version as one self-contained bundle: ONNX graph (token ids -> probabilities,
embedding, sentiment) plus a manifest (labels, thresholds, metrics, snapshot id, sha256)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlcore.heads import Heads

MODEL_FILE = "model.onnx"
MANIFEST_FILE = "manifest.json"
OUTPUT_NAMES = ("probabilities", "embedding", "sentiment")


@dataclass
class Manifest:
    version: str
    labels: list[str]
    thresholds: dict
    metrics: dict
    snapshot_id: str
    sha256: str
    encoder: str
    golden: dict  # texts and the trainer's probabilities, checked by the validator

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        return cls(**json.loads(text))


def heads_graph_append(*, model, heads: Heads):
    """Append the heads to the encoder graph in place; the encoder's output is `embedding`."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    n_classes = len(heads.labels)

    def const(name: str, array: np.ndarray) -> str:
        graph.initializer.append(numpy_helper.from_array(np.asarray(array), name=name))
        return name

    const("head_wt", heads.weight.T.astype(np.float32))
    const("head_b", heads.bias.astype(np.float32))
    const("head_centroids_t", heads.centroids.T.astype(np.float32))
    const("head_oos_tau", np.array([heads.oos_tau], dtype=np.float32))
    const("head_oos_kappa", np.array([heads.oos_kappa], dtype=np.float32))
    const("sent_wt", heads.sentiment_weight.T.astype(np.float32))
    const("sent_b", heads.sentiment_bias.astype(np.float32))
    const("slice_start", np.array([0], dtype=np.int64))
    const("slice_end", np.array([n_classes], dtype=np.int64))
    const("axis1", np.array([1], dtype=np.int64))
    const("idx_neg", np.array(0, dtype=np.int64))
    const("idx_pos", np.array(2, dtype=np.int64))
    nodes = [
        helper.make_node("MatMul", ["embedding", "head_wt"], ["head_mm"]),
        helper.make_node("Add", ["head_mm", "head_b"], ["head_logits"]),
        helper.make_node("MatMul", ["embedding", "head_centroids_t"], ["head_sims"]),
        helper.make_node("ReduceMax", ["head_sims"], ["head_maxsim"], axes=[1], keepdims=1),
        helper.make_node("Sub", ["head_oos_tau", "head_maxsim"], ["head_gap"]),
        helper.make_node("Mul", ["head_gap", "head_oos_kappa"], ["head_oos_logit"]),
        helper.make_node("Concat", ["head_logits", "head_oos_logit"], ["head_all"], axis=1),
        helper.make_node("Softmax", ["head_all"], ["head_p_all"], axis=1),
        helper.make_node("Slice", ["head_p_all", "slice_start", "slice_end", "axis1"], ["probabilities"]),
        helper.make_node("MatMul", ["embedding", "sent_wt"], ["sent_mm"]),
        helper.make_node("Add", ["sent_mm", "sent_b"], ["sent_logits"]),
        helper.make_node("Softmax", ["sent_logits"], ["sent_p"], axis=1),
        helper.make_node("Gather", ["sent_p", "idx_pos"], ["sent_pos"], axis=1),
        helper.make_node("Gather", ["sent_p", "idx_neg"], ["sent_neg"], axis=1),
        helper.make_node("Sub", ["sent_pos", "sent_neg"], ["sentiment"]),
    ]
    graph.node.extend(nodes)
    del graph.output[:]
    graph.output.extend(
        [
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", n_classes]),
            helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 384]),
            helper.make_tensor_value_info("sentiment", TensorProto.FLOAT, ["batch"]),
        ]
    )
    return model


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def bundle_write(
    *,
    directory: Path,
    encoder_path: Path,
    heads: Heads,
    version: str,
    thresholds: dict,
    metrics: dict,
    snapshot_id: str,
    golden_texts: list[str],
    golden_probabilities: np.ndarray,
) -> Manifest:
    import onnx

    directory.mkdir(parents=True, exist_ok=True)
    model = onnx.load(str(encoder_path))
    heads_graph_append(model=model, heads=heads)
    onnx.checker.check_model(model)
    model_path = directory / MODEL_FILE
    onnx.save(model, str(model_path))
    manifest = Manifest(
        version=version,
        labels=list(heads.labels),
        thresholds=thresholds,
        metrics=metrics,
        snapshot_id=snapshot_id,
        sha256=file_sha256(model_path),
        encoder=encoder_path.name,
        golden={"texts": list(golden_texts), "probabilities": np.round(golden_probabilities, 6).tolist()},
    )
    (directory / MANIFEST_FILE).write_text(manifest.to_json())
    return manifest
