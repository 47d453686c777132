"""Classification and sentiment heads on frozen sentence embeddings: training and calibration.

Pure functions over arrays (no Django), so they are tested and benchmarked alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

SENTIMENT_LABELS = ("negative", "neutral", "positive")
# Scale of the out-of-scope logit per unit of cosine similarity (measured on CLINC150).
OOS_KAPPA = 80.0
OOS_QUANTILE = 0.2
PROGRESS_EVERY = 25

Progress = Callable[[int, int, float], None]


@dataclass
class Heads:
    """Everything the bundle graph needs, as plain arrays."""

    labels: list[str]
    weight: np.ndarray  # (C, D) already divided by the temperature
    bias: np.ndarray  # (C,)
    centroids: np.ndarray  # (C, D), unit rows
    oos_kappa: float
    oos_tau: float
    sentiment_weight: np.ndarray  # (3, D)
    sentiment_bias: np.ndarray  # (3,)
    temperature: float = 1.0
    extra: dict = field(default_factory=dict)

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """The same computation as the ONNX graph, for validation and tests."""
        logits = embeddings @ self.weight.T + self.bias
        background = self.oos_kappa * (self.oos_tau - (embeddings @ self.centroids.T).max(axis=1))
        full = softmax(np.concatenate([logits, background[:, None]], axis=1))
        return full[:, :-1]

    def sentiment(self, embeddings: np.ndarray) -> np.ndarray:
        p = softmax(embeddings @ self.sentiment_weight.T + self.sentiment_bias)
        return p[:, 2] - p[:, 0]


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def linear_fit(
    *,
    X: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    sample_weight: np.ndarray | None = None,
    weight_decay: float = 1e-5,
    epochs: int = 1000,
    lr: float = 0.01,
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression with torch (full batch Adam), weighted per sample.

    `progress(epoch, epochs, loss)` is called every PROGRESS_EVERY epochs and at the end."""
    import os

    import torch

    # One thread: on 2 shared cores, 2 torch threads ran this ~10x slower (bench/classifier.py).
    torch.set_num_threads(int(os.environ.get("SUPPORTLOOP_TORCH_THREADS", "1")))
    gen = torch.Generator().manual_seed(seed)
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))
    w = torch.ones(len(yt)) if sample_weight is None else torch.from_numpy(np.asarray(sample_weight, dtype=np.float32))
    w = w / w.mean()
    W = torch.nn.Parameter(torch.randn(n_classes, X.shape[1], generator=gen) * 0.01)
    b = torch.nn.Parameter(torch.zeros(n_classes))
    opt = torch.optim.Adam([W, b], lr=lr)
    for epoch in range(1, epochs + 1):
        opt.zero_grad()
        loss = (torch.nn.functional.cross_entropy(Xt @ W.T + b, yt, reduction="none") * w).mean()
        loss = loss + weight_decay * (W**2).sum()
        loss.backward()
        opt.step()
        if progress is not None and (epoch % PROGRESS_EVERY == 0 or epoch == epochs):
            progress(epoch, epochs, float(loss.detach()))
    return W.detach().numpy().astype(np.float32), b.detach().numpy().astype(np.float32)


def temperature_fit(*, logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature scaling: the T minimising held-out negative log-likelihood (grid in log space)."""
    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 241))
    idx = np.arange(len(y))
    nll = [-np.log(softmax(logits / t)[idx, y] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(nll))])


def expected_calibration_error(*, probabilities: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    conf = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            ece += inside.mean() * abs(correct[inside].mean() - conf[inside].mean())
    return float(ece)


def top_two(probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = np.sort(probabilities, axis=1)
    second = s[:, -2] if s.shape[1] > 1 else np.zeros(len(s))
    return s[:, -1], s[:, -1] - second


def confidence_threshold_recommend(
    *, probabilities: np.ndarray, margin_threshold: float, target_rate: float
) -> float:
    """Highest confidence threshold that escalates at most `target_rate` of held-out in-scope traffic."""
    conf, margin = top_two(probabilities)
    best = 0.0
    for t in np.unique(np.round(conf, 4)):
        if ((conf < t) | (margin < margin_threshold)).mean() <= target_rate:
            best = float(t)
        else:
            break
    return float(np.clip(best, 0.3, 0.95))


def centroids_compute(*, X: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    cents = np.stack([X[y == c].mean(axis=0) if (y == c).any() else np.zeros(X.shape[1]) for c in range(n_classes)])
    norms = np.linalg.norm(cents, axis=1, keepdims=True)
    return (cents / np.maximum(norms, 1e-9)).astype(np.float32)


def _phase(progress: Progress | None, index: int, phases: int) -> Progress | None:
    """Report the fits of heads_fit as one run of epochs: phase k covers epochs k·E+1 .. (k+1)·E."""
    if progress is None:
        return None
    return lambda epoch, epochs, loss: progress(index * epochs + epoch, phases * epochs, loss)


@dataclass
class FitResult:
    heads: Heads
    metrics: dict
    thresholds: dict


def heads_fit(
    *,
    X: np.ndarray,
    y: np.ndarray,
    labels: list[str],
    sentiment_X: np.ndarray,
    sentiment_y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    margin_threshold: float = 0.1,
    inscope_escalation_target: float = 0.07,
    holdout: float = 0.15,
    seed: int = 0,
    progress: Progress | None = None,
) -> FitResult:
    """Fit the category head (calibrated, with an out-of-scope class) and the sentiment head.

    A stratified held-out split calibrates the temperature, places the out-of-scope boundary and
    measures the metrics; the heads are then refit on everything with those settings.
    """
    from sklearn.model_selection import train_test_split

    n_classes = len(labels)
    idx = np.arange(len(y))
    counts = np.bincount(y, minlength=n_classes)
    stratify = y if counts.min() >= 2 else None
    fit_idx, cal_idx = train_test_split(idx, test_size=holdout, random_state=seed, stratify=stratify)
    sw = None if sample_weight is None else sample_weight[fit_idx]
    W, b = linear_fit(X=X[fit_idx], y=y[fit_idx], n_classes=n_classes, sample_weight=sw, seed=seed,
                      progress=_phase(progress, 0, 3))
    cal_logits = X[cal_idx] @ W.T + b
    T = temperature_fit(logits=cal_logits, y=y[cal_idx])
    cents = centroids_compute(X=X[fit_idx], y=y[fit_idx], n_classes=n_classes)
    tau = float(np.quantile((X[cal_idx] @ cents.T).max(axis=1), OOS_QUANTILE))
    sent_W, sent_b = linear_fit(X=sentiment_X, y=sentiment_y, n_classes=3, weight_decay=1e-4, seed=seed,
                                progress=_phase(progress, 1, 3))
    held = Heads(
        labels=list(labels), weight=W / T, bias=b / T, centroids=cents, oos_kappa=OOS_KAPPA, oos_tau=tau,
        sentiment_weight=sent_W, sentiment_bias=sent_b, temperature=T,
    )
    cal_p = held.probabilities(X[cal_idx])
    conf_threshold = confidence_threshold_recommend(
        probabilities=cal_p, margin_threshold=margin_threshold, target_rate=inscope_escalation_target
    )
    metrics = heads_evaluate(heads=held, X=X[cal_idx], y=y[cal_idx], confidence_threshold=conf_threshold,
                             margin_threshold=margin_threshold)
    metrics.update({"temperature": T, "oos_tau": tau, "n_train": len(y), "n_holdout": len(cal_idx)})

    W, b = linear_fit(X=X, y=y, n_classes=n_classes, sample_weight=sample_weight, seed=seed,
                      progress=_phase(progress, 2, 3))
    final = Heads(
        labels=list(labels), weight=W / T, bias=b / T, centroids=centroids_compute(X=X, y=y, n_classes=n_classes),
        oos_kappa=OOS_KAPPA, oos_tau=tau, sentiment_weight=sent_W, sentiment_bias=sent_b, temperature=T,
    )
    thresholds = {"confidence": round(conf_threshold, 4), "margin": margin_threshold, "negative_sentiment": -0.5}
    return FitResult(heads=final, metrics=metrics, thresholds=thresholds)


def heads_evaluate(
    *, heads: Heads, X: np.ndarray, y: np.ndarray, confidence_threshold: float, margin_threshold: float
) -> dict:
    from sklearn.metrics import f1_score

    p = heads.probabilities(X)
    pred = p.argmax(axis=1)
    conf, margin = top_two(p)
    escalated = (conf < confidence_threshold) | (margin < margin_threshold)
    auto = ~escalated
    per_category = {
        heads.labels[c]: float((pred[y == c] == c).mean()) for c in range(len(heads.labels)) if (y == c).any()
    }
    return {
        "accuracy": float((pred == y).mean()),
        "macro_f1": float(f1_score(y, pred, average="macro")),
        "ece": expected_calibration_error(probabilities=p / p.sum(axis=1, keepdims=True), y=y),
        "escalation_rate": float(escalated.mean()),
        "auto_accuracy": float((pred[auto] == y[auto]).mean()) if auto.any() else None,
        "per_category_accuracy": per_category,
    }
