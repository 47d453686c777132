"""Drift between a model's training reference and recent traffic (SPEC §6.6): pure functions.

PSI = Σ (a − e)·ln(a / e) over bins of the expected (reference) and actual (recent) shares;
OK ≤ 0.1 < warning ≤ 0.25 < critical. Empty bins get a small floor so the log stays finite.
"""

from __future__ import annotations

import numpy as np

PSI_WARNING = 0.1
PSI_CRITICAL = 0.25
CONFIDENCE_BINS = 10
EPS = 1e-4
KS_ALPHA = 0.01
SENTIMENT_SAMPLE = 500
LEVELS = ("ok", "warning", "critical")


def psi(expected: np.ndarray, actual: np.ndarray, *, eps: float = EPS) -> float:
    """PSI of two histograms (counts or shares over the same bins)."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.shape != a.shape or e.sum() <= 0 or a.sum() <= 0:
        raise ValueError("psi needs two non-empty histograms over the same bins")
    e = np.maximum(e / e.sum(), eps)
    a = np.maximum(a / a.sum(), eps)
    return float(np.sum((a - e) * np.log(a / e)))


def confidence_histogram(confidences: np.ndarray, *, bins: int = CONFIDENCE_BINS) -> list[int]:
    counts, _ = np.histogram(np.clip(np.asarray(confidences, dtype=float), 0.0, 1.0), bins=bins, range=(0.0, 1.0))
    return counts.astype(int).tolist()


def class_counts(predicted: list[str], labels: list[str]) -> list[int]:
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros(len(labels), dtype=int)
    for p in predicted:
        if p in index:
            counts[index[p]] += 1
    return counts.tolist()


def psi_level(value: float | None) -> str:
    if value is None:
        return "ok"
    if value > PSI_CRITICAL:
        return "critical"
    if value > PSI_WARNING:
        return "warning"
    return "ok"


def ks_sentiment(reference: np.ndarray, recent: np.ndarray) -> tuple[float, float]:
    from scipy.stats import ks_2samp

    result = ks_2samp(np.asarray(reference, dtype=float), np.asarray(recent, dtype=float))
    return float(result.statistic), float(result.pvalue)


def drift_level(*, psi_class: float, psi_confidence: float, ks_pvalue: float | None) -> str:
    """The worse of the two PSI levels; a significant KS shift in sentiment is at least a warning
    (the spec sets no PSI-like scale for KS, so it never makes drift critical on its own)."""
    level = max(psi_level(psi_class), psi_level(psi_confidence), key=LEVELS.index)
    if ks_pvalue is not None and ks_pvalue < KS_ALPHA and level == "ok":
        level = "warning"
    return level


def drift_reference(*, labels: list[str], probabilities: np.ndarray, sentiment: np.ndarray, seed: int = 0) -> dict:
    """What drift is measured against, stored with the model version: the predicted-class mix and
    the confidence histogram on its training texts, and a sample of their sentiment scores."""
    pred = probabilities.argmax(axis=1)
    rng = np.random.default_rng(seed)
    sample = sentiment if len(sentiment) <= SENTIMENT_SAMPLE else rng.choice(sentiment, SENTIMENT_SAMPLE, replace=False)
    return {
        "labels": list(labels),
        "class_counts": np.bincount(pred, minlength=len(labels)).astype(int).tolist(),
        "confidence_histogram": confidence_histogram(probabilities.max(axis=1)),
        "sentiment_sample": [round(float(s), 4) for s in sample],
    }


def drift_compare(*, reference: dict, predicted: list[str], confidences: np.ndarray, sentiments: np.ndarray) -> dict:
    labels = reference["labels"]
    recent_classes = class_counts(predicted, labels)
    recent_conf = confidence_histogram(confidences)
    psi_class = psi(reference["class_counts"], recent_classes) if sum(recent_classes) else None
    psi_conf = psi(reference["confidence_histogram"], recent_conf)
    ks_stat = ks_p = None
    sentiments = np.asarray(sentiments, dtype=float)
    sentiments = sentiments[np.isfinite(sentiments)]
    if len(sentiments) and reference.get("sentiment_sample"):
        ks_stat, ks_p = ks_sentiment(np.asarray(reference["sentiment_sample"]), sentiments)
    return {
        "psi_class": psi_class, "psi_confidence": psi_conf, "ks_statistic": ks_stat, "ks_pvalue": ks_p,
        "level": drift_level(psi_class=psi_class or 0.0, psi_confidence=psi_conf, ks_pvalue=ks_p),
        "details": {"labels": labels, "reference_classes": reference["class_counts"], "recent_classes": recent_classes,
                    "reference_confidence": reference["confidence_histogram"], "recent_confidence": recent_conf},
    }
