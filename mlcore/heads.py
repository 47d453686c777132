"""Classification and sentiment heads on frozen sentence embeddings: training and calibration.

Pure functions over arrays (no Django), so they are tested and benchmarked alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from mlcore.upset import UpsetHead, UpsetInputs, upset_fit

SENTIMENT_LABELS = ("negative", "neutral", "positive")
PROGRESS_EVERY = 25
# Share of held-out in-scope inquiries the novelty threshold may escalate. Measured on CLINC150 (train
# -> val/oos_val): the mean of the standardised energy and Mahalanobis scores escalated 94% of
# out-of-scope queries at 4% of in-scope ones, against 89% for the earlier centroid-distance class;
# through the product (bench/decisions.py) 4.5% here gave 95-96% of out-of-scope queries escalated.
NOVELTY_INSCOPE_RATE = 0.045

Progress = Callable[[int, int, float], None]


@dataclass
class Heads:
    """Everything the bundle graph needs, as plain arrays."""

    labels: list[str]
    weight: np.ndarray  # (C, D) already divided by the temperature
    bias: np.ndarray  # (C,)
    novelty: Novelty
    sentiment_weight: np.ndarray  # (3, D)
    sentiment_bias: np.ndarray  # (3,)
    upset: UpsetHead | None = None
    temperature: float = 1.0
    extra: dict = field(default_factory=dict)

    def logits(self, embeddings: np.ndarray) -> np.ndarray:
        return embeddings @ self.weight.T + self.bias

    def probabilities(self, embeddings: np.ndarray) -> np.ndarray:
        """The same computation as the ONNX graph, for validation and tests."""
        return softmax(self.logits(embeddings))

    def novelty_scores(self, embeddings: np.ndarray) -> np.ndarray:
        return self.novelty.scores(embeddings=embeddings, logits=self.logits(embeddings))

    def sentiment(self, embeddings: np.ndarray) -> np.ndarray:
        p = softmax(embeddings @ self.sentiment_weight.T + self.sentiment_bias)
        return p[:, 2] - p[:, 0]


@dataclass
class Novelty:
    """How unlike the training categories an inquiry is: the mean of two standardised scores.

    Energy, -logsumexp of the calibrated logits, is low when some category claims the text strongly;
    the Mahalanobis distance to the nearest class mean (shared covariance, Ledoit-Wolf shrinkage) is
    low when the embedding sits inside a category's cloud. Each is standardised on held-out in-scope
    inquiries; the graph computes the same thing (mlcore/bundle.py)."""

    whiten: np.ndarray  # (D, D): Sigma^(-1/2)
    means_w: np.ndarray  # (C, D): class means, whitened
    means_norm: np.ndarray  # (C,): their squared norms
    energy_mean: float
    energy_std: float
    distance_mean: float
    distance_std: float

    def raw(self, *, embeddings: np.ndarray, logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = logits.max(axis=1)
        energy = -(m + np.log(np.exp(logits - m[:, None]).sum(axis=1)))
        xw = embeddings @ self.whiten
        distance = ((xw**2).sum(axis=1)[:, None] - 2.0 * xw @ self.means_w.T + self.means_norm).min(axis=1)
        return energy, distance

    def scores(self, *, embeddings: np.ndarray, logits: np.ndarray) -> np.ndarray:
        energy, distance = self.raw(embeddings=embeddings, logits=logits)
        return 0.5 * (energy - self.energy_mean) / self.energy_std + \
            0.5 * (distance - self.distance_mean) / self.distance_std


def novelty_fit(*, X: np.ndarray, y: np.ndarray, n_classes: int) -> Novelty:
    """Class means and whitening from (X, y); the standardisation is set later by novelty_standardise."""
    from sklearn.covariance import LedoitWolf

    means = np.stack([X[y == c].mean(axis=0) if (y == c).any() else np.zeros(X.shape[1]) for c in range(n_classes)])
    residuals = X - means[y]
    cov = LedoitWolf().fit(residuals).covariance_
    values, vectors = np.linalg.eigh(cov)
    whiten = (vectors * np.maximum(values, 1e-9) ** -0.5) @ vectors.T
    means_w = means @ whiten
    return Novelty(whiten=whiten.astype(np.float32), means_w=means_w.astype(np.float32),
                   means_norm=(means_w**2).sum(axis=1).astype(np.float32),
                   energy_mean=0.0, energy_std=1.0, distance_mean=0.0, distance_std=1.0)


def novelty_standardise(*, novelty: Novelty, embeddings: np.ndarray, logits: np.ndarray) -> Novelty:
    energy, distance = novelty.raw(embeddings=embeddings, logits=logits)
    novelty.energy_mean, novelty.energy_std = float(energy.mean()), float(max(energy.std(), 1e-6))
    novelty.distance_mean, novelty.distance_std = float(distance.mean()), float(max(distance.std(), 1e-6))
    return novelty


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
    upset: UpsetInputs | None = None,
    sample_weight: np.ndarray | None = None,
    margin_threshold: float = 0.1,
    inscope_escalation_target: float = 0.015,
    novelty_inscope_rate: float = NOVELTY_INSCOPE_RATE,
    holdout: float = 0.15,
    seed: int = 0,
    progress: Progress | None = None,
) -> FitResult:
    """Fit the category head (calibrated, with a novelty score), the sentiment head and the upset head.

    A stratified held-out split calibrates the temperature, standardises the novelty score, places the
    confidence and novelty thresholds and measures the metrics; the heads are then refit on everything
    with those settings. `upset` holds the upset head's inputs (mlcore.upset.upset_inputs_build); without it
    the bundle has no upset head and the rules fall back to the sentiment score."""
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
    novelty = novelty_fit(X=X[fit_idx], y=y[fit_idx], n_classes=n_classes)
    novelty_standardise(novelty=novelty, embeddings=X[cal_idx], logits=cal_logits / T)
    sent_W, sent_b = linear_fit(X=sentiment_X, y=sentiment_y, n_classes=3, weight_decay=1e-4, seed=seed,
                                progress=_phase(progress, 1, 3))
    held = Heads(labels=list(labels), weight=W / T, bias=b / T, novelty=novelty,
                 sentiment_weight=sent_W, sentiment_bias=sent_b, temperature=T)
    cal_p = held.probabilities(X[cal_idx])
    conf_threshold = confidence_threshold_recommend(
        probabilities=cal_p, margin_threshold=margin_threshold, target_rate=inscope_escalation_target
    )
    cal_novelty = held.novelty_scores(X[cal_idx])
    novelty_threshold = float(np.quantile(cal_novelty, 1.0 - novelty_inscope_rate))
    metrics = heads_evaluate(heads=held, X=X[cal_idx], y=y[cal_idx], confidence_threshold=conf_threshold,
                             margin_threshold=margin_threshold, novelty_threshold=novelty_threshold)
    metrics.update({"temperature": T, "n_train": len(y), "n_holdout": len(cal_idx)})
    thresholds = {"confidence": round(conf_threshold, 4), "margin": margin_threshold,
                  "novelty": round(novelty_threshold, 4)}
    upset_head = None
    if upset is not None:
        unlabeled = None
        if upset.unlabeled_X is not None:
            unlabeled = (upset.unlabeled_X, upset.unlabeled_ids, upset.unlabeled_mask)
        got = upset_fit(labeled=(upset.X, upset.ids, upset.mask, upset.y), unlabeled=unlabeled,
                        vocab_size=upset.vocab_size, seed=seed)
        upset_head = got.head
        thresholds["upset"] = got.threshold
        metrics.update(got.metrics)

    W, b = linear_fit(X=X, y=y, n_classes=n_classes, sample_weight=sample_weight, seed=seed,
                      progress=_phase(progress, 2, 3))
    final_novelty = novelty_fit(X=X, y=y, n_classes=n_classes)
    for name in ("energy_mean", "energy_std", "distance_mean", "distance_std"):
        setattr(final_novelty, name, getattr(novelty, name))
    final = Heads(labels=list(labels), weight=W / T, bias=b / T, novelty=final_novelty,
                  sentiment_weight=sent_W, sentiment_bias=sent_b, upset=upset_head, temperature=T)
    return FitResult(heads=final, metrics=metrics, thresholds=thresholds)


def heads_evaluate(
    *, heads: Heads, X: np.ndarray, y: np.ndarray, confidence_threshold: float, margin_threshold: float,
    novelty_threshold: float | None = None,
) -> dict:
    from sklearn.metrics import f1_score

    p = heads.probabilities(X)
    pred = p.argmax(axis=1)
    conf, margin = top_two(p)
    escalated = (conf < confidence_threshold) | (margin < margin_threshold)
    if novelty_threshold is not None:
        escalated |= heads.novelty_scores(X) > novelty_threshold
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
