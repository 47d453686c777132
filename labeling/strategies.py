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

MEASURES = ("entropy", "least_confidence", "margin")
DEFAULT_ALPHA = 0.5
DEFAULT_STRATEGY = "msal"


class Strategy(Protocol):
    def __call__(self, *, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray,
                 batch_size: int, alpha: float, seed: int, labels: np.ndarray | None) -> np.ndarray: ...


class Greedy(NamedTuple):
    picks: np.ndarray
    distances: np.ndarray  # per row: to labeled ∪ picks; 0 for labeled rows, NaN for rows pruned unseen


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


def _candidates(labeled_mask: np.ndarray, batch_size: int) -> tuple[np.ndarray, int]:
    mask = np.asarray(labeled_mask, dtype=bool)
    if mask.ndim != 1:
        raise ValueError("labeled_mask must be one-dimensional")
    if batch_size < 0:
        raise ValueError("batch_size must be >= 0")
    candidates = np.flatnonzero(~mask)
    return candidates, min(int(batch_size), candidates.size)


def select_random(*, labeled_mask: np.ndarray, batch_size: int, seed: int) -> np.ndarray:
    candidates, b = _candidates(labeled_mask, batch_size)
    return np.random.default_rng(seed).choice(candidates, size=b, replace=False).astype(np.int64)


def select_uncertainty(*, probabilities: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
                       measure: str = "entropy") -> np.ndarray:
    candidates, b = _candidates(labeled_mask, batch_size)
    u = uncertainty(np.asarray(probabilities)[candidates], measure=measure)
    # Stable order breaks ties towards the lower index, exactly as the greedy argmax in msal_greedy does.
    return candidates[np.argsort(-u, kind="stable")[:b]].astype(np.int64)


def min_distances(*, points: np.ndarray, references: np.ndarray, chunk_rows: int = 4096) -> np.ndarray:
    """Smallest L2 distance from each point to any reference (+inf without references), in float32.

    Chunked ||a||² + ||b||² − 2a·b keeps memory at chunk_rows × len(references) and runs as a GEMM.
    """
    points = np.asarray(points, dtype=np.float32)
    references = np.asarray(references, dtype=np.float32)
    if len(references) == 0:
        return np.full(len(points), np.inf, dtype=np.float32)
    ref_sq = np.einsum("ij,ij->i", references, references)
    out = np.empty(len(points), dtype=np.float32)
    for start in range(0, len(points), chunk_rows):
        block = points[start : start + chunk_rows]
        gram = block @ references.T
        gram *= -2.0
        gram += ref_sq
        out[start : start + len(block)] = gram.min(axis=1) + np.einsum("ij,ij->i", block, block)
    return np.sqrt(np.maximum(out, 0.0, out=out), out=out)


def msal_greedy(*, uncertainty: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
                alpha: float, prune: bool = True) -> Greedy:
    """Greedy batch by U + α·D, updating every live row's D with its distance to each new pick.

    With prune, rows that provably can never be picked are dropped first: every pick scores at least
    τ = the batch_size-th largest U (one of the top-B by U is always still unpicked, and D ≥ 0), while a
    row's score only falls as picks are added. Rows with U + α·(upper bound of D) < τ are dropped before
    the distance to the labeled set is computed, rows with U + α·D < τ after. The picks are the same.
    """
    if alpha < 0:
        raise ValueError("alpha must be >= 0")
    mask = np.asarray(labeled_mask, dtype=bool)
    candidates, b = _candidates(mask, batch_size)
    X = np.asarray(embeddings, dtype=np.float32)
    distances = np.full(len(mask), np.nan, dtype=np.float32)
    distances[mask] = 0.0
    if b == 0:
        return Greedy(np.zeros(0, dtype=np.int64), distances)
    u = np.asarray(uncertainty, dtype=np.float64)[candidates]
    labeled = X[mask]
    if prune and len(labeled):
        tau = np.partition(u, u.size - b)[u.size - b]
        norms = np.linalg.norm(X[candidates], axis=1)
        # Triangle inequality, with slack for the float32 rounding of the distances computed below.
        bound = norms + np.linalg.norm(labeled, axis=1).min() + 1e-3
        keep = u + alpha * bound >= tau
        candidates, u = candidates[keep], u[keep]
    Xc = X[candidates]
    D = min_distances(points=Xc, references=labeled) if len(labeled) else None
    if prune and D is not None:
        keep = u + alpha * D >= tau
        candidates, u, Xc, D = candidates[keep], u[keep], Xc[keep], D[keep]
    sq = np.einsum("ij,ij->i", Xc, Xc)
    taken = np.zeros(len(candidates), dtype=bool)
    picks = np.empty(b, dtype=np.int64)
    step = np.empty(len(candidates), dtype=np.float32)
    for k in range(b):
        score = u.copy() if D is None else u + alpha * D
        score[taken] = -np.inf
        j = int(np.argmax(score))
        picks[k], taken[j] = j, True
        np.matmul(Xc, Xc[j], out=step)
        step *= -2.0
        step += sq
        step += sq[j]
        np.sqrt(np.maximum(step, 0.0, out=step), out=step)
        step[j] = 0.0
        D = step.copy() if D is None else np.minimum(D, step, out=D)
    distances[candidates] = D
    return Greedy(candidates[picks], distances)


def select_msal(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
                alpha: float = DEFAULT_ALPHA, measure: str = "entropy") -> np.ndarray:
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
    """Every row mapped to a unit vector in prototype space.

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
        Z = (X @ W.astype(np.float32)).astype(np.float64)
    else:
        Z = np.asarray(probabilities, dtype=np.float64) @ prototypes
    Z /= np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)
    return Z


def select_msal_prototypes(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray,
                           batch_size: int, alpha: float = DEFAULT_ALPHA, labels: np.ndarray | None = None,
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
    cos = np.partition(Z @ prototypes.T, n_classes - 2, axis=1)[:, -2:]
    u = np.clip(1.0 - (cos[:, 1] - cos[:, 0]) / np.sqrt(2.0 * n_classes / (n_classes - 1)), 0.0, 1.0)
    return msal_greedy(uncertainty=u, embeddings=Z, labeled_mask=mask, batch_size=batch_size, alpha=alpha).picks


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


STRATEGIES: dict[str, Strategy] = {
    "random": _random,
    **{measure: _uncertainty_strategy(measure) for measure in MEASURES},
    "msal": _msal_strategy("entropy"),  # the SPEC's MSAL: entropy + distance
    **{f"msal_{measure}": _msal_strategy(measure) for measure in MEASURES},
    "msal_prototypes": _msal_prototypes,
}


def select(*, strategy: str, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray,
           batch_size: int, alpha: float = DEFAULT_ALPHA, seed: int = 0,
           labels: np.ndarray | None = None) -> np.ndarray:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; one of {', '.join(STRATEGIES)}")
    return STRATEGIES[strategy](probabilities=probabilities, embeddings=embeddings, labeled_mask=labeled_mask,
                                batch_size=batch_size, alpha=alpha, seed=seed, labels=labels)
