"""Batch-diverse selection over arrays (no Django): cluster-margin, BADGE and TypiClust, with the k-means
they share. Registered as strategies in labeling.strategies, whose conventions they follow."""

from __future__ import annotations

import numpy as np

from labeling.uncertainty import one_blas_thread, select_uncertainty, unlabeled_candidates

KMEANS_ITERATIONS = 8
KMEANS_FIT_ROWS = 10_000  # k-means sees at most this many pool rows (a seeded sample of a larger pool)
MAX_CLUSTERS = 256
CLUSTER_CANDIDATES = 2  # cluster-margin's candidates: this many × the batch, by margin (measured: 2 > 3 > 10)
BADGE_CANDIDATES = 10_000  # BADGE's k-means++ runs over this many rows of largest gradient
TYPICLUST_NEIGHBOURS = 20
TYPICAL_MAX_ROWS = 2_000


def kmeans(points: np.ndarray, *, k: int, seed: int, iterations: int = KMEANS_ITERATIONS) -> np.ndarray:
    """Lloyd's k-means from k distinct random rows (seeded): the centres (k × d, float32), k ≤ len(points).

    Few fixed iterations: the strategies only need rough regions of the embedding space, and a fixed count
    keeps the cost (iterations GEMMs of n × k × d) known. An emptied centre keeps its last position.
    """
    X = np.asarray(points, dtype=np.float32)
    k = max(1, min(int(k), len(X)))
    centres = X[np.random.default_rng(seed).choice(len(X), size=k, replace=False)].copy()
    for _ in range(iterations):
        assign = nearest_centre(points=X, centres=centres)
        counts = np.bincount(assign, minlength=k)
        sums = np.zeros_like(centres)
        np.add.at(sums, assign, X)
        filled = counts > 0
        centres[filled] = sums[filled] / counts[filled, None]
    return centres


def nearest_centre(*, points: np.ndarray, centres: np.ndarray, chunk_rows: int = 8192) -> np.ndarray:
    """Index of the nearest centre (L2) for every point, chunked GEMMs: argmin ||c||² − 2x·c."""
    X = np.asarray(points, dtype=np.float32)
    C = np.asarray(centres, dtype=np.float32)
    c_sq = np.einsum("ij,ij->i", C, C)
    out = np.empty(len(X), dtype=np.int64)
    for start in range(0, len(X), chunk_rows):
        gram = X[start : start + chunk_rows] @ C.T
        gram *= -2.0
        gram += c_sq
        out[start : start + len(gram)] = gram.argmin(axis=1)
    return out


def select_cluster_margin(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray,
                          batch_size: int, seed: int = 0, candidates_per_pick: int = CLUSTER_CANDIDATES,
                          clusters: int | None = None) -> np.ndarray:
    """Cluster-margin (Citovsky et al., "Batch Active Learning at Scale", NeurIPS 2021).

    The pool is clustered (k-means, `clusters` defaulting to the number of classes, fitted on at most
    KMEANS_FIT_ROWS rows); the candidates_per_pick × batch_size unlabeled rows of smallest margin are grouped
    by cluster and taken round-robin, smallest group first, most uncertain first within a group: at most one
    row per region per pass, so a batch does not spend 50 labels on one confusable pair of classes.
    """
    with one_blas_thread():
        mask = np.asarray(labeled_mask, dtype=bool)
        top = select_uncertainty(probabilities=probabilities, labeled_mask=mask,
                                 batch_size=candidates_per_pick * max(int(batch_size), 0), measure="margin")
        b = min(max(int(batch_size), 0), len(top))
        if b == 0:
            return np.empty(0, dtype=np.int64)
        X = np.asarray(embeddings, dtype=np.float32)
        rng = np.random.default_rng(seed)
        fit_rows = rng.choice(len(X), size=min(len(X), KMEANS_FIT_ROWS), replace=False)
        k = clusters or min(max(np.asarray(probabilities).shape[1], 2), MAX_CLUSTERS)
        centres = kmeans(X[np.sort(fit_rows)], k=k, seed=seed)
        group = nearest_centre(points=X[top], centres=centres)
        return round_robin(order=top, group=group, batch_size=b)


def round_robin(*, order: np.ndarray, group: np.ndarray, batch_size: int) -> np.ndarray:
    """Rows of `order` (best first) taken one per group per pass, smaller groups first in every pass."""
    sizes = np.bincount(group)
    rank = np.empty(len(order), dtype=np.int64)  # a row's place within its own group
    seen: dict[int, int] = {}
    for i, g in enumerate(group.tolist()):
        rank[i] = seen.get(g, 0)
        seen[g] = rank[i] + 1
    # Pass first, then group size, then the group's id (stable), then order within the group.
    key = np.lexsort((np.arange(len(order)), group, sizes[group], rank))
    return np.asarray(order, dtype=np.int64)[key[:batch_size]]


def select_badge(*, probabilities: np.ndarray, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int,
                 seed: int = 0) -> np.ndarray:
    """BADGE (Ash et al., ICLR 2020): k-means++ seeding over gradient embeddings g = (p − onehot(argmax p)) ⊗ x.

    g is never built (C × d per row): ||g_i − g_j||² = ||a_i||²||x_i||² + ||a_j||²||x_j||² − 2(a_i·a_j)(x_i·x_j)
    with a = p − onehot(argmax p). The first centre is the largest gradient, then each next one is drawn with
    probability ∝ D² (seeded). Only the BADGE_CANDIDATES unlabeled rows of largest gradient take part, which
    keeps a 100,000-row pool within the time budget; a smaller pool is used whole.
    """
    mask = np.asarray(labeled_mask, dtype=bool)
    idx, b = unlabeled_candidates(mask, batch_size)
    if b == 0:
        return np.empty(0, dtype=np.int64)
    p = np.asarray(probabilities, dtype=np.float32)[idx]
    a = p.copy()
    a[np.arange(len(a)), p.argmax(axis=1)] -= 1.0
    X = np.asarray(embeddings, dtype=np.float32)[idx]
    norm_sq = np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", X, X)
    if len(idx) > BADGE_CANDIDATES:
        keep = np.sort(np.argpartition(-norm_sq, BADGE_CANDIDATES)[:BADGE_CANDIDATES])
        idx, a, X, norm_sq = idx[keep], a[keep], X[keep], norm_sq[keep]
    rng = np.random.default_rng(seed)
    picks = [int(np.argmax(norm_sq))]
    D2 = np.full(len(idx), np.inf, dtype=np.float64)
    for _ in range(1, b):
        j = picks[-1]
        d2 = norm_sq + norm_sq[j] - 2.0 * (a @ a[j]) * (X @ X[j])
        D2 = np.minimum(D2, np.maximum(d2, 0.0))
        D2[picks] = 0.0
        total = D2.sum()
        if total > 0:
            picks.append(int(rng.choice(len(idx), p=D2 / total)))
        else:  # every row left coincides with a centre: any of them will do
            picks.append(int(np.setdiff1d(np.arange(len(idx)), picks)[0]))
    return idx[np.array(picks, dtype=np.int64)]


def select_typiclust(*, embeddings: np.ndarray, labeled_mask: np.ndarray, batch_size: int, seed: int = 0,
                     neighbours: int = TYPICLUST_NEIGHBOURS) -> np.ndarray:
    """TypiClust (Hacohen et al., "Active Learning on a Budget", ICML 2022), for the first labels.

    k-means with |labeled| + batch_size clusters (at most MAX_CLUSTERS) over labeled rows and at most
    KMEANS_FIT_ROWS unlabeled ones (a seeded sample when the pool is larger); clusters are taken by fewest
    labeled rows, then largest, one pick each: the most typical unlabeled row of the cluster, typicality being
    the inverse mean distance to its `neighbours` nearest rows in the cluster. Needs no model at all.
    """
    with one_blas_thread():
        mask = np.asarray(labeled_mask, dtype=bool)
        idx, b = unlabeled_candidates(mask, batch_size)
        if b == 0:
            return np.empty(0, dtype=np.int64)
        rng = np.random.default_rng(seed)
        if len(idx) > KMEANS_FIT_ROWS:
            idx = np.sort(rng.choice(idx, size=KMEANS_FIT_ROWS, replace=False))
        labeled = np.flatnonzero(mask)
        X = np.asarray(embeddings, dtype=np.float32)
        rows = np.concatenate([idx, labeled])
        k = min(len(labeled) + b, MAX_CLUSTERS, len(rows))
        centres = kmeans(X[rows], k=k, seed=seed)
        group = nearest_centre(points=X[rows], centres=centres)
        pool_group, labeled_count = group[: len(idx)], np.bincount(group[len(idx):], minlength=k)
        size = np.bincount(pool_group, minlength=k)
        picks: list[int] = []
        taken = np.zeros(len(idx), dtype=bool)
        while len(picks) < b:
            open_ = size > 0
            score = np.where(open_, labeled_count * (len(rows) + 1) - size, np.iinfo(np.int64).max)
            g = int(np.argmin(score))  # fewest labeled, then largest
            members = np.flatnonzero((pool_group == g) & ~taken)
            picks.append(int(members[_most_typical(X[idx[members]], neighbours)]))
            taken[picks[-1]] = True
            labeled_count[g] += 1
            size[g] -= 1
        return idx[np.array(picks, dtype=np.int64)]


def _most_typical(points: np.ndarray, neighbours: int) -> int:
    if len(points) <= 2:
        return 0
    if len(points) > TYPICAL_MAX_ROWS:  # a huge cluster: typicality among a fixed subset is enough
        points = points[:TYPICAL_MAX_ROWS]
    sq = np.einsum("ij,ij->i", points, points)
    d = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * (points @ points.T), 0.0))
    k = min(neighbours, len(points) - 1)
    near = np.partition(d, k, axis=1)[:, 1 : k + 1]  # column 0 is the row itself
    return int(np.argmin(near.mean(axis=1)))
