import math

import numpy as np
import pytest

from labeling import strategies as S


def pool(n=60, dim=8, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, dim)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    logits = 2 * rng.standard_normal((n, classes))
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=n // 5, replace=False)] = True
    return X, p, mask


def brute_force_msal(u, X, mask, b, alpha):
    """The greedy rule written out with a full float64 distance matrix, for comparison."""
    X = X.astype(np.float64)
    dist = np.linalg.norm(X[:, None, :] - X[None, :, :], axis=2)
    chosen = list(np.flatnonzero(mask))
    picks = []
    for _ in range(min(b, int((~mask).sum()))):
        D = dist[:, chosen].min(axis=1) if chosen else np.zeros(len(X))
        score = u + alpha * D
        score[mask] = -np.inf
        score[picks] = -np.inf
        j = int(np.argmax(score))
        picks.append(j)
        chosen.append(j)
    return np.array(picks), dist[:, chosen].min(axis=1)


def test_entropy_values():
    p = np.array([[0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]])
    assert np.allclose(S.uncertainty_entropy(p), [math.log(2) / math.log(4), 0.0, 1.0])


def test_least_confidence_values():
    p = np.array([[0.7, 0.2, 0.1], [1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0]])
    # (1 - max p) / (1 - 1/C): 0.3 / (2/3) = 0.45
    assert np.allclose(S.uncertainty_least_confidence(p), [0.45, 1.0, 0.0])


def test_margin_values():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.45, 0.45], [0.0, 0.0, 1.0]])
    assert np.allclose(S.uncertainty_margin(p), [1 - 0.5, 1.0, 0.0])


def test_unknown_measure_and_strategy_are_rejected():
    X, p, mask = pool()
    with pytest.raises(ValueError, match="measure"):
        S.uncertainty(p, measure="gini")
    with pytest.raises(ValueError, match="strategy"):
        S.select(strategy="nope", probabilities=p, embeddings=X, labeled_mask=mask, batch_size=3)


@pytest.mark.parametrize("name", sorted(S.STRATEGIES))
@pytest.mark.parametrize("batch_size", [0, 1, 7, 48, 100])
def test_every_strategy_picks_distinct_unlabeled_rows_up_to_the_batch_size(name, batch_size):
    X, p, mask = pool()
    picks = S.select(strategy=name, probabilities=p, embeddings=X, labeled_mask=mask, batch_size=batch_size,
                     alpha=0.5, seed=3, labels=p.argmax(axis=1))
    assert picks.dtype == np.int64
    assert len(picks) == min(batch_size, int((~mask).sum()))  # 48 unlabeled: a batch of 100 gets all 48
    assert len(set(picks.tolist())) == len(picks)
    assert not mask[picks].any()


@pytest.mark.parametrize("name", sorted(S.STRATEGIES))
def test_every_strategy_works_with_nothing_labeled_and_is_deterministic(name):
    X, p, _ = pool()
    mask = np.zeros(len(X), dtype=bool)
    runs = [S.select(strategy=name, probabilities=p, embeddings=X, labeled_mask=mask, batch_size=10, seed=5)
            for _ in range(2)]
    assert np.array_equal(runs[0], runs[1]) and len(set(runs[0].tolist())) == 10


def test_random_depends_on_the_seed():
    mask = np.zeros(1000, dtype=bool)
    a, b = (S.select_random(labeled_mask=mask, batch_size=20, seed=s) for s in (1, 2))
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("measure", S.MEASURES)
def test_uncertainty_selection_is_top_b_of_the_measure(measure):
    _, p, mask = pool()
    u = S.uncertainty(p, measure=measure)
    picks = S.select_uncertainty(probabilities=p, labeled_mask=mask, batch_size=5, measure=measure)
    assert set(picks.tolist()) == set(np.argsort(-np.where(mask, -np.inf, u))[:5].tolist())


@pytest.mark.parametrize("measure", S.MEASURES)
def test_msal_with_alpha_zero_is_plain_uncertainty(measure):
    X, p, mask = pool(n=300)
    plain = S.select_uncertainty(probabilities=p, labeled_mask=mask, batch_size=20, measure=measure)
    msal = S.select_msal(probabilities=p, embeddings=X, labeled_mask=mask, batch_size=20, alpha=0.0, measure=measure)
    assert np.array_equal(plain, msal)


def test_msal_with_a_large_alpha_spreads_the_batch_over_both_clusters():
    rng = np.random.default_rng(0)
    centres = np.eye(4)[:2]
    X = np.concatenate([c + 0.01 * rng.standard_normal((20, 4)) for c in centres]).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    p = np.full((40, 3), 1 / 3)
    p[20:] = [0.34, 0.33, 0.33]  # cluster 1 is slightly less uncertain: plain uncertainty takes only cluster 0
    mask = np.zeros(40, dtype=bool)
    assert set(S.select_uncertainty(probabilities=p, labeled_mask=mask, batch_size=2).tolist()) < set(range(20))
    picks = S.select_msal(probabilities=p, embeddings=X, labeled_mask=mask, batch_size=2, alpha=100.0)
    assert sorted(picks // 20) == [0, 1]
    mask[:3] = True  # cluster 0 already has labels: the first pick now goes to cluster 1
    assert S.select_msal(probabilities=p, embeddings=X, labeled_mask=mask, batch_size=1, alpha=100.0)[0] >= 20


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("alpha", [0.0, 0.3, 2.0])
@pytest.mark.parametrize("block_rows", [None, 1, 7, 1024])
def test_incremental_distances_and_picks_equal_brute_force(seed, alpha, block_rows):
    X, p, mask = pool(n=120, seed=seed)
    if seed == 0:
        mask[:] = False
    if seed == 1:
        mask[:50] = True  # more than the labeled rows of the first bound: the whole labeled set comes later
    u = S.uncertainty(p, measure="margin")
    got = S.msal_greedy(uncertainty=u, embeddings=X, labeled_mask=mask, batch_size=15, alpha=alpha,
                        block_rows=block_rows, with_distances=True)
    picks, D = brute_force_msal(u, X, mask, 15, alpha)
    assert np.array_equal(got.picks, picks)
    live = ~np.isnan(got.distances)  # rows dropped as unpickable have no distance
    assert live[picks].all() and live[mask].all()
    assert np.allclose(got.distances[live], D[live], atol=1e-3)


def test_msal_keeps_the_exact_batch_when_rows_are_dropped_as_unpickable():
    X, p, mask = pool(n=3000, dim=16, classes=10, seed=7)
    mask[:] = False
    mask[:800] = True  # more than the few labeled rows the first bound uses
    u = S.uncertainty(p, measure="entropy")
    for alpha in (0.05, 0.5):
        fast = S.msal_greedy(uncertainty=u, embeddings=X, labeled_mask=mask, batch_size=40, alpha=alpha)
        plain = S.msal_greedy(uncertainty=u, embeddings=X, labeled_mask=mask, batch_size=40, alpha=alpha,
                              block_rows=None)
        assert np.array_equal(fast.picks, plain.picks)


def test_min_distances_matches_brute_force_in_chunks():
    rng = np.random.default_rng(2)
    A, B = rng.standard_normal((50, 6)), rng.standard_normal((9, 6))
    want = np.linalg.norm(A[:, None] - B[None], axis=2).min(axis=1)
    assert np.allclose(S.min_distances(points=A, references=B, chunk_rows=7), want, atol=1e-4)
    rows = np.array([4, 0, 33])
    assert np.allclose(S.min_distances(points=A, references=B, rows=rows, chunk_rows=2), want[rows], atol=1e-4)
    assert np.isinf(S.min_distances(points=A, references=B[:0])).all()


@pytest.mark.parametrize("n_classes", range(2, 21))
def test_equiangular_prototypes_are_unit_vectors_with_cosine_minus_one_over_c_minus_one(n_classes):
    for dim in sorted({n_classes - 1, n_classes, n_classes + 5, 384}):
        P = S.equiangular_prototypes(n_classes, dim)
        assert P.shape == (n_classes, dim)
        assert np.allclose(np.linalg.norm(P, axis=1), 1.0, atol=1e-6)
        cos = P @ P.T
        off = cos[~np.eye(n_classes, dtype=bool)]
        assert np.abs(off + 1 / (n_classes - 1)).max() < 1e-6


def test_equiangular_prototypes_are_deterministic_and_checked():
    assert np.array_equal(S.equiangular_prototypes(7, 20, seed=1), S.equiangular_prototypes(7, 20, seed=1))
    assert not np.allclose(S.equiangular_prototypes(7, 20, seed=1), S.equiangular_prototypes(7, 20, seed=2))
    with pytest.raises(ValueError):
        S.equiangular_prototypes(7, 5)
    with pytest.raises(ValueError):
        S.equiangular_prototypes(1, 5)


def test_prototype_projection_sends_labeled_rows_towards_their_prototype():
    rng = np.random.default_rng(4)
    centres = rng.standard_normal((3, 32))
    y = np.repeat(np.arange(3), 30)
    X = (centres[y] + 0.1 * rng.standard_normal((90, 32))).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    mask = np.zeros(90, dtype=bool)
    mask[::3] = True
    P = S.equiangular_prototypes(3, 2)
    Z = S.prototype_projection(probabilities=np.full((90, 3), 1 / 3), embeddings=X, labeled_mask=mask, labels=y,
                               prototypes=P)
    assert np.allclose(np.linalg.norm(Z, axis=1), 1, atol=1e-5)
    assert ((Z @ P.T).argmax(axis=1) == y).mean() > 0.95  # unlabeled rows of the same clusters too


def test_msal_prototypes_prefers_rows_between_two_classes():
    rng = np.random.default_rng(5)
    centres = np.eye(16)[:3] * 1.0
    y = np.repeat(np.arange(3), 40)
    X = centres[y] + 0.05 * rng.standard_normal((120, 16))
    X[:5] = (centres[0] + centres[1]) / 2 + 0.01 * rng.standard_normal((5, 16))  # on the 0/1 boundary
    X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    mask = np.zeros(120, dtype=bool)
    mask[10::4] = True
    picks = S.select_msal_prototypes(probabilities=np.full((120, 3), 1 / 3), embeddings=X, labeled_mask=mask,
                                     batch_size=3, alpha=0.0, labels=y)
    assert set(picks.tolist()) <= set(range(5))


def test_select_defaults_to_the_measured_strategy():
    X, p, mask = pool(n=400, classes=4)  # 80 labeled ≥ 4 per class × 4 classes: past the cold start
    assert S.DEFAULT_STRATEGY == "typiclust_cluster_margin"
    got = S.select(probabilities=p, embeddings=X, labeled_mask=mask, batch_size=10, seed=2)
    want = S.select_cluster_margin(probabilities=p, embeddings=X, labeled_mask=mask, batch_size=10, seed=2)
    assert np.array_equal(got, want)


NEW = ["cluster_margin", "badge", "typiclust", "typiclust_margin", "typiclust_cluster_margin", "typiclust_badge"]


@pytest.mark.parametrize("name", NEW)
@pytest.mark.parametrize("labeled", [0, 12, 150])
def test_new_strategies_keep_the_contract_and_are_deterministic_for_a_seed(name, labeled):
    X, p, _ = pool(n=300, dim=16, classes=6, seed=1)
    mask = np.zeros(len(X), dtype=bool)
    mask[:labeled] = True
    runs = [S.select(strategy=name, probabilities=p, embeddings=X, labeled_mask=mask, batch_size=25, seed=s)
            for s in (4, 4, 5)]
    picks = runs[0]
    assert picks.dtype == np.int64 and len(picks) == 25 and len(set(picks.tolist())) == 25
    assert not mask[picks].any()
    assert np.array_equal(runs[0], runs[1])


def clusters(n_clusters=5, per=40, dim=16, seed=0, spread=0.02):
    rng = np.random.default_rng(seed)
    centres = np.eye(dim)[:n_clusters]
    group = np.repeat(np.arange(n_clusters), per)
    X = (centres[group] + spread * rng.standard_normal((len(group), dim))).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, group


def test_cluster_margin_spreads_the_batch_over_clusters_where_margin_takes_one():
    X, group = clusters()
    p = np.tile([0.5, 0.3, 0.2], (len(X), 1))
    p[group == 0] = [0.34, 0.33, 0.33]  # cluster 0 is the most uncertain: plain margin takes all of it
    mask = np.zeros(len(X), dtype=bool)
    margin = S.select_uncertainty(probabilities=p, labeled_mask=mask, batch_size=5, measure="margin")
    assert set(group[margin].tolist()) == {0}
    picks = S.select_cluster_margin(probabilities=p, embeddings=X, labeled_mask=mask, batch_size=5, seed=0,
                                    candidates_per_pick=40, clusters=5)
    assert len(set(group[picks].tolist())) >= 4


def test_round_robin_takes_one_per_group_per_pass_smaller_groups_first():
    order = np.array([10, 11, 12, 13, 14, 15])
    group = np.array([0, 0, 0, 1, 2, 2])
    assert S.round_robin(order=order, group=group, batch_size=6).tolist() == [13, 14, 10, 15, 11, 12]


def test_badge_starts_at_the_largest_gradient_and_spends_one_pick_on_rows_that_share_a_gradient():
    X, group = clusters(n_clusters=4, per=30)
    p = np.tile([1.0, 0.0, 0.0], (len(X), 1))  # certain: gradient exactly zero, one point for all 60 rows
    p[group >= 2] = [0.4, 0.35, 0.25]
    p[75] = [0.35, 0.34, 0.31]  # the largest gradient
    mask = np.zeros(len(X), dtype=bool)
    for seed in range(5):
        picks = S.select_badge(probabilities=p, embeddings=X, labeled_mask=mask, batch_size=3, seed=seed)
        assert picks[0] == 75
        assert sorted(group[picks].tolist())[1:] == [2, 3] and (group[picks] < 2).sum() == 1


def test_badge_distance_identity_matches_explicit_gradient_embeddings():
    rng = np.random.default_rng(3)
    a, x = rng.standard_normal((6, 3)), rng.standard_normal((6, 5))
    g = np.einsum("ic,id->icd", a, x).reshape(6, -1)
    explicit = ((g[:, None] - g[None]) ** 2).sum(axis=2)
    n = (a * a).sum(1) * (x * x).sum(1)
    identity = n[:, None] + n[None] - 2 * (a @ a.T) * (x @ x.T)
    assert np.allclose(explicit, identity)


def test_typiclust_picks_one_typical_row_per_uncovered_cluster():
    X, group = clusters(n_clusters=5, per=40)
    X[0] = X[1] * 0.6 + np.eye(16, dtype=np.float32)[9] * 0.8  # an outlier of cluster 0: never the typical one
    mask = np.zeros(len(X), dtype=bool)
    mask[group == 1] = True  # cluster 1 is labeled already
    for seed in range(5):
        picks = S.select_typiclust(embeddings=X, labeled_mask=mask, batch_size=4, seed=seed)
        # |L| + B = 44 k-means clusters split the five true ones: every pick comes from an uncovered region,
        # most from different true clusters, and an outlier is never the typical row of its region.
        assert 1 not in group[picks].tolist() and len(set(group[picks].tolist())) >= 3
        assert 0 not in picks.tolist() and len(set(picks.tolist())) == 4


def test_cold_start_switches_from_typiclust_to_the_next_strategy_at_the_threshold():
    X, p, _ = pool(n=300, dim=16, classes=5, seed=2)
    mask = np.zeros(len(X), dtype=bool)
    mask[: int(S.COLD_START_PER_CLASS * 5) - 1] = True  # one label short of the threshold
    cold = S.select(strategy="typiclust_margin", probabilities=p, embeddings=X, labeled_mask=mask, batch_size=8,
                    seed=1)
    assert np.array_equal(cold, S.select_typiclust(embeddings=X, labeled_mask=mask, batch_size=8, seed=1))
    mask[int(S.COLD_START_PER_CLASS * 5) - 1] = True
    warm = S.select(strategy="typiclust_margin", probabilities=p, embeddings=X, labeled_mask=mask, batch_size=8,
                    seed=1)
    assert np.array_equal(warm, S.select_uncertainty(probabilities=p, labeled_mask=mask, batch_size=8,
                                                     measure="margin"))


def test_kmeans_finds_separated_clusters_and_nearest_centre_assigns_them():
    X, group = clusters(n_clusters=3, per=30, spread=0.01)
    centres = S.kmeans(X, k=3, seed=0, iterations=10)
    assign = S.nearest_centre(points=X, centres=centres, chunk_rows=7)
    # a clean partition: every true cluster maps to one centre and no centre holds two clusters
    assert len({tuple(sorted(set(assign[group == g].tolist()))) for g in range(3)}) == 3
    assert all(len(set(assign[group == g].tolist())) == 1 for g in range(3))


def test_the_module_imports_without_django():
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, labeling.strategies; assert not any(m.startswith('django') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(S.__file__).resolve().parents[1])
