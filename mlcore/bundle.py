"""A model version as one self-contained bundle: ONNX graph (token ids -> probabilities,
embedding, sentiment, novelty and, when trained, upset) plus a manifest (labels, thresholds, metrics,
snapshot id, sha256)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlcore.heads import Heads
from mlcore.upset import MASKED

MODEL_FILE = "model.onnx"
MANIFEST_FILE = "manifest.json"
OUTPUT_NAMES = ("probabilities", "embedding", "sentiment", "novelty", "upset")  # the last two: optional


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
    const("sent_wt", heads.sentiment_weight.T.astype(np.float32))
    const("sent_b", heads.sentiment_bias.astype(np.float32))
    const("axis1", np.array([1], dtype=np.int64))
    const("idx_neg", np.array(0, dtype=np.int64))
    const("idx_pos", np.array(2, dtype=np.int64))
    nv = heads.novelty
    const("nov_whiten", nv.whiten.astype(np.float32))
    const("nov_means_t", nv.means_w.T.astype(np.float32))
    const("nov_means_norm", nv.means_norm.astype(np.float32))
    const("nov_minus2", np.array(-2.0, dtype=np.float32))
    const("nov_a_energy", np.array(-0.5 / nv.energy_std, dtype=np.float32))  # energy = -logsumexp
    const("nov_a_distance", np.array(0.5 / nv.distance_std, dtype=np.float32))
    const("nov_c", np.array(-0.5 * nv.energy_mean / nv.energy_std - 0.5 * nv.distance_mean / nv.distance_std,
                            dtype=np.float32))
    nodes = [
        helper.make_node("MatMul", ["embedding", "head_wt"], ["head_mm"]),
        helper.make_node("Add", ["head_mm", "head_b"], ["head_logits"]),
        helper.make_node("Softmax", ["head_logits"], ["probabilities"], axis=1),
        helper.make_node("MatMul", ["embedding", "sent_wt"], ["sent_mm"]),
        helper.make_node("Add", ["sent_mm", "sent_b"], ["sent_logits"]),
        helper.make_node("Softmax", ["sent_logits"], ["sent_p"], axis=1),
        helper.make_node("Gather", ["sent_p", "idx_pos"], ["sent_pos"], axis=1),
        helper.make_node("Gather", ["sent_p", "idx_neg"], ["sent_neg"], axis=1),
        helper.make_node("Sub", ["sent_pos", "sent_neg"], ["sentiment"]),
        # novelty = a_e * logsumexp(logits) + a_d * min_c |xW - m_c|^2 + c   (heads.Novelty)
        helper.make_node("ReduceLogSumExp", ["head_logits"], ["nov_lse"], axes=[1], keepdims=0),
        helper.make_node("MatMul", ["embedding", "nov_whiten"], ["nov_xw"]),
        helper.make_node("ReduceSumSquare", ["nov_xw"], ["nov_xw2"], axes=[1], keepdims=1),
        helper.make_node("MatMul", ["nov_xw", "nov_means_t"], ["nov_cross"]),
        helper.make_node("Mul", ["nov_cross", "nov_minus2"], ["nov_cross2"]),
        helper.make_node("Add", ["nov_cross2", "nov_xw2"], ["nov_d0"]),
        helper.make_node("Add", ["nov_d0", "nov_means_norm"], ["nov_d"]),
        helper.make_node("ReduceMin", ["nov_d"], ["nov_dmin"], axes=[1], keepdims=0),
        helper.make_node("Mul", ["nov_lse", "nov_a_energy"], ["nov_e"]),
        helper.make_node("Mul", ["nov_dmin", "nov_a_distance"], ["nov_m"]),
        helper.make_node("Add", ["nov_e", "nov_m"], ["nov_sum"]),
        helper.make_node("Add", ["nov_sum", "nov_c"], ["novelty"]),
    ]
    outputs = [
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", n_classes]),
        helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 384]),
        helper.make_tensor_value_info("sentiment", TensorProto.FLOAT, ["batch"]),
        helper.make_tensor_value_info("novelty", TensorProto.FLOAT, ["batch"]),
    ]
    if heads.upset is not None:
        up = heads.upset
        const("up_tok", up.token_weight.astype(np.float32))
        const("up_we", up.embedding_weight.astype(np.float32))
        const("up_b", np.array(up.bias, dtype=np.float32))
        const("up_big", np.array(MASKED, dtype=np.float32))
        const("up_one", np.array(1.0, dtype=np.float32))
        const("up_zero", np.array(0.0, dtype=np.float32))
        # upset = sigmoid(x.w + b + max(0, max_t tok[t]) + mean_t tok[t])   (mlcore.upset.UpsetHead)
        nodes += [
            helper.make_node("Cast", ["attention_mask"], ["up_mask"], to=TensorProto.FLOAT),
            helper.make_node("Gather", ["up_tok", "input_ids"], ["up_g"], axis=0),
            helper.make_node("Mul", ["up_g", "up_mask"], ["up_tw"]),
            helper.make_node("Sub", ["up_mask", "up_one"], ["up_off0"]),
            helper.make_node("Mul", ["up_off0", "up_big"], ["up_off"]),
            helper.make_node("Add", ["up_tw", "up_off"], ["up_tw_masked"]),
            helper.make_node("ReduceMax", ["up_tw_masked"], ["up_peak0"], axes=[1], keepdims=0),
            helper.make_node("Max", ["up_peak0", "up_zero"], ["up_peak"]),
            helper.make_node("ReduceSum", ["up_tw", "axis1"], ["up_sum"], keepdims=0),
            helper.make_node("ReduceSum", ["up_mask", "axis1"], ["up_n0"], keepdims=0),
            helper.make_node("Max", ["up_n0", "up_one"], ["up_n"]),
            helper.make_node("Div", ["up_sum", "up_n"], ["up_mean"]),
            helper.make_node("MatMul", ["embedding", "up_we"], ["up_x"]),
            helper.make_node("Add", ["up_x", "up_b"], ["up_z0"]),
            helper.make_node("Add", ["up_z0", "up_peak"], ["up_z1"]),
            helper.make_node("Add", ["up_z1", "up_mean"], ["up_z"]),
            helper.make_node("Sigmoid", ["up_z"], ["upset"]),
        ]
        outputs.append(helper.make_tensor_value_info("upset", TensorProto.FLOAT, ["batch"]))
    graph.node.extend(nodes)
    del graph.output[:]
    graph.output.extend(outputs)
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
