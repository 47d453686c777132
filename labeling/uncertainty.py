"""Uncertainty measures and the plain uncertainty strategy, over arrays; no Django (see labeling.strategies)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np

MEASURES = ("entropy", "least_confidence", "margin")


def uncertainty_entropy(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    h = -(p * np.log(np.where(p > 0, p, 1.0))).sum(axis=1)
    return h / np.log(p.shape[1]) if p.shape[1] > 1 else np.zeros(len(p))


def uncertainty_least_confidence(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    return (1.0 - p.max(axis=1)) / (1.0 - 1.0 / p.shape[1]) if p.shape[1] > 1 else np.zeros(len(p))


def uncertainty_margin(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.shape[1] < 2:
        return np.zeros(len(p))
    top2 = np.partition(p, p.shape[1] - 2, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


UNCERTAINTY = {"entropy": uncertainty_entropy, "least_confidence": uncertainty_least_confidence,
               "margin": uncertainty_margin}


def uncertainty(p: np.ndarray, *, measure: str) -> np.ndarray:
    if measure not in UNCERTAINTY:
        raise ValueError(f"unknown uncertainty measure {measure!r}; one of {', '.join(MEASURES)}")
    return UNCERTAINTY[measure](p)


def unlabeled_candidates(labeled_mask: np.ndarray, batch_size: int) -> tuple[np.ndarray, int]:
    mask = np.asarray(labeled_mask, dtype=bool)
    if mask.ndim != 1:
        raise ValueError("labeled_mask must be one-dimensional")
    if batch_size < 0:
        raise ValueError("batch_size must be >= 0")
    candidates = np.flatnonzero(~mask)
    return candidates, min(int(batch_size), candidates.size)


def select_uncertainty(*, probabilities: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
                       measure: str = "entropy") -> np.ndarray:
    candidates, b = unlabeled_candidates(labeled_mask, batch_size)
    u = uncertainty(np.asarray(probabilities)[candidates], measure=measure)
    # Stable order breaks ties towards the lower index, exactly as the greedy argmax in msal_greedy does.
    return candidates[np.argsort(-u, kind="stable")[:b]].astype(np.int64)


def one_blas_thread() -> AbstractContextManager:
    try:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn
    except ImportError:
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
