"""Active-learning selection strategies (SPEC §5.2) as pure functions over arrays; no Django.

Every selector sees the whole item set at once: ``probabilities`` (N × C, rows sum to 1), ``embeddings``
(N × d, expected L2-normalised as the encoder returns them) and ``labeled_mask`` (N booleans). It returns
the chosen row indices (int64, at most ``batch_size``, fewer only when fewer items are unlabeled), never a
labeled row and never the same row twice, in the order they were chosen.

Uncertainty measures, each scaled to [0, 1] so that α weighs the distance term alike whatever the measure
(higher = more uncertain):

- entropy: H(p) / log C
- least confidence: (1 − max p) / (1 − 1/C)
- margin: 1 − (p1 − p2), the SPEC's −(p1 − p2) shifted by one (same ranking, never negative)

MSAL (``select_msal``) picks greedily by U(x) + α·D(x), D(x) the smallest L2 distance from x to anything
labeled or already picked for this batch. Embeddings are unit vectors, so D ∈ [0, 2]. When nothing is
labeled yet, D is undefined (+inf everywhere): the first pick is the most uncertain item and D starts from
it. ``select_msal_prototypes`` is the variant after Kasarla et al., "Maximally Separated Active Learning"
(arXiv 2411.17444): fixed equiangular class prototypes, see its docstring.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

from labeling.diversity import (  # noqa: F401 (re-exported: the strategies' one import)
    BADGE_CANDIDATES,
    CLUSTER_CANDIDATES,
    KMEANS_FIT_ROWS,
    MAX_CLUSTERS,
    kmeans,
    nearest_centre,
    round_robin,
    select_badge,
    select_cluster_margin,
    select_typiclust,
)
from labeling.uncertainty import (  # noqa: F401
    MEASURES,
    UNCERTAINTY,
    one_blas_thread,
    select_uncertainty,
    uncertainty,
    uncertainty_entropy,
    uncertainty_least_confidence,
    uncertainty_margin,
    unlabeled_candidates,
)

SPEC_ALPHA = 0.5
# Measured on Banking77 (bench/active_learning.py, 5 seeds, mean accuracy at 100/200/500/1,000 labels): TypiClust's
# typical points for the cold start, then cluster-margin, 0.564/0.697/0.840/0.881 against plain margin
# 0.415/0.599/0.817/0.879 — ahead by more than the seed spread at 100-500 labels, level at 1,000 (+0.002, spread
# 0.006); MSAL-margin (α = 0.02) 0.410/0.576/0.804/0.880, BADGE-style and cluster-margin alone behind. So the default.
DEFAULT_STRATEGY = "typiclust_cluster_margin"
ALPHAS = {"msal": SPEC_ALPHA, "msal_entropy": SPEC_ALPHA, "msal_least_confidence": SPEC_ALPHA, "msal_margin": 0.02,
          "msal_prototypes": SPEC_ALPHA}
BOUND_ROWS = 32  # labeled rows giving every pool row a cheap first upper bound of D
COLD_START_PER_CLASS = 4.0  # TypiClust until this many labels per class, then the named strategy
COLD_START_THEN = ("margin", "cluster_margin", "badge")


class Strategy(Protocol):
    def __call__(self, *, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray,
                 batch_size: int, alpha: float, seed: int, labels: np.ndarray | None) -> np.ndarray: ...


class Greedy(NamedTuple):
    picks: np.ndarray
    distances: np.ndarray | None  # with_distances: per row, to labeled ∪ picks; 0 if labeled, NaN if pruned


def select_random(*, labeled_mask: np.ndarray, batch_size: int, seed: int) -> np.ndarray:
    candidates, b = unlabeled_candidates(labeled_mask, batch_size)
    return np.random.default_rng(seed).choice(candidates, size=b, replace=False).astype(np.int64)


def min_distances(*, points: np.ndarray, references: np.ndarray, rows: np.ndarray | None = None,
                  chunk_rows: int = 4096) -> np.ndarray:
    """Smallest L2 distance from each point (or each of points[rows]) to any reference, in float32.

    +inf without references. Chunked ||a||² + ||b||² − 2a·b keeps memory at chunk_rows × len(references)
    and runs as a GEMM; rows are gathered chunk by chunk, never as one copy of the pool.
    """
    points = np.asarray(points, dtype=np.float32)
    references = np.asarray(references, dtype=np.float32)
    n = len(points) if rows is None else len(rows)
    if len(references) == 0:
        return np.full(n, np.inf, dtype=np.float32)
    ref_sq = np.einsum("ij,ij->i", references, references)
    out = np.empty(n, dtype=np.float32)
    for start in range(0, n, chunk_rows):
        block = points[start : start + chunk_rows] if rows is None else points[rows[start : start + chunk_rows]]
        gram = block @ references.T
        gram *= -2.0
        gram += ref_sq
        out[start : start + len(block)] = gram.min(axis=1) + np.einsum("ij,ij->i", block, block)
    return np.sqrt(np.maximum(out, 0.0, out=out), out=out)


def msal_greedy(*, uncertainty: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
                alpha: float, block_rows: int | None = 1024, with_distances: bool = False) -> Greedy:
    """Greedy batch by U + α·D, lowering each row's D incrementally (np.minimum) as picks are added.

    A row's D only ever falls (np.minimum) as it takes in more labeled rows or picks, so a score from an
    out-of-date D is an upper bound. Every row starts with D = distance to a few labeled rows; at each step the
    `block_rows` best-scoring rows are brought up to date in GEMMs (the whole labeled set once, then the picks
    they have not seen) until the best row is current: that row is the exact greedy argmax (lowest index on
    ties). Rows that never come near the top never pay for the whole labeled set or for 50 passes over the
    pool. block_rows=None brings every row up to date after every pick (the plain algorithm, for reference).

    Rows with U + α·(that first D) < τ, τ the batch_size-th largest U, are dropped at the start: every pick
    scores at least τ (one of the top-B by U is always still unpicked, and D ≥ 0).
    """
    # The GEMMs here are small: on a busy 2-core machine one BLAS thread measured 3x faster than two.
    with one_blas_thread():
        return _msal_greedy(uncertainty=uncertainty, embeddings=embeddings, labeled_mask=labeled_mask,
                            batch_size=batch_size, alpha=alpha, block_rows=block_rows, with_distances=with_distances)


def _msal_greedy(*, uncertainty: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
                 alpha: float, block_rows: int | None, with_distances: bool) -> Greedy:
    if alpha < 0:
        raise ValueError("alpha must be >= 0")
    mask = np.asarray(labeled_mask, dtype=bool)
    idx, b = unlabeled_candidates(mask, batch_size)
    X = np.asarray(embeddings, dtype=np.float32)
    labeled = X[mask]
    picked = np.empty(b, dtype=np.int64)  # positions in idx
    if b == 0:
        return Greedy(picked, _distances(mask, idx, None) if with_distances else None)
    u = np.asarray(uncertainty, dtype=np.float64)[idx]
    sample = labeled[:BOUND_ROWS]
    D = min_distances(points=X, references=sample)[idx]  # contiguous chunks beat gathering the pool
    if len(labeled):
        tau = np.partition(u, u.size - b)[u.size - b]
        keep = u + alpha * D >= tau
        idx, u, D = idx[keep], u[keep], D[keep]
    n = len(idx)
    seen = np.full(n, -1 if len(labeled) > len(sample) else 0)  # picks D accounts for; -1: not all labeled yet
    start = 0
    if not len(labeled):
        # D is +inf everywhere: the first pick is by U alone, and every row's D starts from it.
        picked[0], start = int(np.argmax(u)), 1
        D, seen[:] = min_distances(points=X, references=X[idx[picked[:1]]], rows=idx), 1
    stale = u + alpha * D
    stale[picked[:start]] = -np.inf

    def refresh(rows: np.ndarray, k: int) -> None:
        new = rows[seen[rows] < 0]
        if len(new):
            D[new] = np.minimum(D[new], min_distances(points=X, references=labeled, rows=idx[new]))
            seen[new] = 0
        first = int(seen[rows].min())  # re-counting a pick a row has seen leaves its minimum unchanged
        if first < k:
            D[rows] = np.minimum(D[rows], min_distances(points=X, references=X[idx[picked[first:k]]], rows=idx[rows]))
        seen[rows] = k
        stale[rows] = u[rows] + alpha * D[rows]
        stale[picked[:k]] = -np.inf

    everything = np.arange(n)
    for k in range(start, b):
        while seen[j := int(np.argmax(stale))] != k:
            whole = block_rows is None or block_rows >= n
            refresh(everything if whole else np.argpartition(-stale, block_rows)[:block_rows], k)
        picked[k] = j
        stale[j] = -np.inf
    if with_distances:
        refresh(everything, b)
        D[picked] = 0.0  # not the float32 rounding of a point's distance to itself
    return Greedy(idx[picked], _distances(mask, idx, D) if with_distances else None)


def _distances(mask: np.ndarray, candidates: np.ndarray, D: np.ndarray | None) -> np.ndarray:
    out = np.full(len(mask), np.nan, dtype=np.float32)
    out[mask] = 0.0
    if D is not None:
        out[candidates] = D
    return out


def select_msal(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
                alpha: float = SPEC_ALPHA, measure: str = "entropy") -> np.ndarray:
    u = uncertainty(probabilities, measure=measure)
    return msal_greedy(uncertainty=u, embeddings=embeddings, labeled_mask=labeled_mask, batch_size=batch_size,
                       alpha=alpha).picks


def equiangular_prototypes(n_classes: int, dim: int, *, seed: int = 0) -> np.ndarray:
    """C unit vectors in `dim` dimensions with every pairwise cosine −1/(C−1) (a regular simplex).

    The centred identity holds them in the (C−1)-dim subspace orthogonal to (1, …, 1); they are written in
    an orthonormal basis of that subspace and then turned into `dim` dimensions by a fixed random map with
    orthonormal rows (seeded), which keeps norms and angles.
    """
    if n_classes < 2:
        raise ValueError("n_classes must be >= 2")
    if dim < n_classes - 1:
        raise ValueError(f"dim must be >= n_classes - 1 = {n_classes - 1}")
    centred = np.eye(n_classes) - 1.0 / n_classes
    basis, _ = np.linalg.qr(centred[:, : n_classes - 1])
    simplex = centred @ basis
    simplex /= np.linalg.norm(simplex, axis=1, keepdims=True)
    rotation, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((dim, n_classes - 1)))
    return simplex @ rotation.T


def prototype_projection(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray,
                         labels: np.ndarray, prototypes: np.ndarray, ridge: float = 0.1) -> np.ndarray:
    """Every row mapped to a unit vector (float32) in prototype space.

    A ridge least-squares map W from embeddings of labeled rows to the prototype of their class (the
    paper trains its network towards fixed prototypes; a linear map is the cheapest honest stand-in). With
    nothing labeled there is nothing to fit: the classifier's expected prototype p·P is used instead.
    """
    mask = np.asarray(labeled_mask, dtype=bool)
    if mask.any():
        X = np.asarray(embeddings, dtype=np.float32)
        XL = X[mask].astype(np.float64)
        target = prototypes[np.asarray(labels)[mask]]
        W = np.linalg.solve(XL.T @ XL + ridge * np.eye(X.shape[1]), XL.T @ target)
        Z = X @ W.astype(np.float32)
    else:
        Z = (np.asarray(probabilities, dtype=np.float64) @ prototypes).astype(np.float32)
    Z /= np.maximum(np.sqrt(np.einsum("ij,ij->i", Z, Z)), 1e-12)[:, None]
    return Z


def select_msal_prototypes(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray,
                           batch_size: int, alpha: float = SPEC_ALPHA, labels: np.ndarray | None = None,
                           seed: int = 0) -> np.ndarray:
    """MSAL with fixed equiangular prototypes (arXiv 2411.17444, MSAL-D style), greedy like select_msal.

    Rows are projected to unit vectors z in the (C−1)-dim prototype space (prototype_projection). U is
    the margin between the two most similar prototypes, 1 − (cos₁ − cos₂)/‖P₁ − P₂‖ ∈ [0, 1], ‖P₁ − P₂‖ =
    √(2C/(C−1)) being the largest possible gap; D is the L2 distance between z's. `labels` (class index per
    row, read at labeled rows) default to the classifier's argmax at the labeled rows.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    n_classes = p.shape[1]
    if n_classes < 2:
        return select_msal(probabilities=p, embeddings=embeddings, labeled_mask=labeled_mask,
                           batch_size=batch_size, alpha=alpha)
    mask = np.asarray(labeled_mask, dtype=bool)
    labels = p.argmax(axis=1) if labels is None else np.asarray(labels)
    prototypes = equiangular_prototypes(n_classes, n_classes - 1, seed=seed)
    Z = prototype_projection(probabilities=p, embeddings=embeddings, labeled_mask=mask, labels=labels,
                             prototypes=prototypes)
    cos = np.partition(Z @ prototypes.T.astype(np.float32), n_classes - 2, axis=1)[:, -2:].astype(np.float64)
    u = np.clip(1.0 - (cos[:, 1] - cos[:, 0]) / np.sqrt(2.0 * n_classes / (n_classes - 1)), 0.0, 1.0)
    return msal_greedy(uncertainty=u, embeddings=Z, labeled_mask=mask, batch_size=batch_size, alpha=alpha).picks


def select_cold_start(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray,
                      batch_size: int, seed: int = 0, then: str = "margin",
                      per_class: float = COLD_START_PER_CLASS) -> np.ndarray:
    """TypiClust while fewer than per_class × C rows are labeled (the model is too weak to trust its
    uncertainty), then the strategy `then`."""
    n_classes = np.asarray(probabilities).shape[1]
    if int(np.asarray(labeled_mask, dtype=bool).sum()) < per_class * n_classes:
        return select_typiclust(embeddings=embeddings, labeled_mask=labeled_mask, batch_size=batch_size, seed=seed)
    return select(strategy=then, probabilities=probabilities, embeddings=embeddings, labeled_mask=labeled_mask,
                  batch_size=batch_size, seed=seed)


def _uncertainty_strategy(measure: str) -> Strategy:
    def run(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
            alpha: float, seed: int, labels: np.ndarray | None) -> np.ndarray:
        return select_uncertainty(probabilities=probabilities, labeled_mask=labeled_mask, batch_size=batch_size,
                                  measure=measure)

    return run


def _msal_strategy(measure: str) -> Strategy:
    def run(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
            alpha: float, seed: int, labels: np.ndarray | None) -> np.ndarray:
        return select_msal(probabilities=probabilities, embeddings=embeddings, labeled_mask=labeled_mask,
                           batch_size=batch_size, alpha=alpha, measure=measure)

    return run


def _random(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
            alpha: float, seed: int, labels: np.ndarray | None) -> np.ndarray:
    return select_random(labeled_mask=labeled_mask, batch_size=batch_size, seed=seed)


def _msal_prototypes(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray,
                     batch_size: int, alpha: float, seed: int, labels: np.ndarray | None) -> np.ndarray:
    # The prototypes stay fixed whatever the round's seed: they must not move between rounds.
    return select_msal_prototypes(probabilities=probabilities, embeddings=embeddings, labeled_mask=labeled_mask,
                                  batch_size=batch_size, alpha=alpha, labels=labels)


def _cluster_margin(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray,
                    batch_size: int, alpha: float, seed: int, labels: np.ndarray | None) -> np.ndarray:
    return select_cluster_margin(probabilities=probabilities, embeddings=embeddings, labeled_mask=labeled_mask,
                                 batch_size=batch_size, seed=seed)


def _badge(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
           alpha: float, seed: int, labels: np.ndarray | None) -> np.ndarray:
    return select_badge(probabilities=probabilities, embeddings=embeddings, labeled_mask=labeled_mask,
                        batch_size=batch_size, seed=seed)


def _typiclust(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
               alpha: float, seed: int, labels: np.ndarray | None) -> np.ndarray:
    return select_typiclust(embeddings=embeddings, labeled_mask=labeled_mask, batch_size=batch_size, seed=seed)


def _cold_start(then: str) -> Strategy:
    def run(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
            alpha: float, seed: int, labels: np.ndarray | None) -> np.ndarray:
        return select_cold_start(probabilities=probabilities, embeddings=embeddings, labeled_mask=labeled_mask,
                                 batch_size=batch_size, seed=seed, then=then)

    return run


STRATEGIES: dict[str, Strategy] = {
    "random": _random,
    **{measure: _uncertainty_strategy(measure) for measure in MEASURES},
    "msal": _msal_strategy("entropy"),  # the SPEC's MSAL: entropy + distance
    **{f"msal_{measure}": _msal_strategy(measure) for measure in MEASURES},
    "msal_prototypes": _msal_prototypes,
    "cluster_margin": _cluster_margin,
    "badge": _badge,
    "typiclust": _typiclust,
    **{f"typiclust_{then}": _cold_start(then) for then in COLD_START_THEN},
}


def select(*, strategy: str = DEFAULT_STRATEGY, probabilities: np.ndarray, embeddings: np.ndarray,
           labeled_mask: np.ndarray, batch_size: int, alpha: float | None = None, seed: int = 0,
           labels: np.ndarray | None = None) -> np.ndarray:
    """The chosen rows by the named strategy; alpha None takes the strategy's measured default (ALPHAS)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; one of {', '.join(STRATEGIES)}")
    alpha = ALPHAS.get(strategy, 0.0) if alpha is None else alpha
    return STRATEGIES[strategy](probabilities=probabilities, embeddings=embeddings, labeled_mask=labeled_mask,
                                batch_size=batch_size, alpha=alpha, seed=seed, labels=labels)
