import numpy as np
import pytest

from mlcore import heads


def blobs(n_per=80, n_classes=4, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(n_classes, dim))
    X = np.concatenate([c + 0.35 * rng.normal(size=(n_per, dim)) for c in centers])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.repeat(np.arange(n_classes), n_per)
    return X.astype(np.float32), y, centers


def test_softmax_rows_sum_to_one_and_are_stable():
    p = heads.softmax(np.array([[1000.0, 0.0], [0.0, 0.0]]))
    assert np.allclose(p.sum(1), 1) and np.isfinite(p).all()
    assert p[1].tolist() == [0.5, 0.5]


def test_temperature_fit_recovers_overconfident_scaling():
    rng = np.random.default_rng(1)
    true_logits = rng.normal(size=(4000, 5)) * 2
    y = np.array([rng.choice(5, p=row) for row in heads.softmax(true_logits)])
    T = heads.temperature_fit(logits=true_logits * 3, y=y)
    assert 2.5 < T < 3.6


def test_ece_is_zero_for_perfectly_calibrated_certainty_and_large_when_wrong():
    p = np.eye(3)[[0, 1, 2, 0]]
    assert heads.expected_calibration_error(probabilities=p, y=np.array([0, 1, 2, 0])) == pytest.approx(0)
    assert heads.expected_calibration_error(probabilities=p, y=np.array([1, 2, 0, 1])) == pytest.approx(1)


def test_threshold_recommendation_respects_target_rate():
    rng = np.random.default_rng(2)
    p = heads.softmax(rng.normal(size=(1000, 6)) * 3)
    t = heads.confidence_threshold_recommend(probabilities=p, margin_threshold=0.0, target_rate=0.1)
    conf, _ = heads.top_two(p)
    assert (conf < t).mean() <= 0.1 + 1e-9
    assert (conf < t + 0.02).mean() > 0.05


def test_heads_fit_learns_and_flags_out_of_scope_points():
    X, y, centers = blobs()
    labels = ["a", "b", "c", "d"]
    sy = y % 3
    fit = heads.heads_fit(X=X, y=y, labels=labels, sentiment_X=X, sentiment_y=sy)
    assert fit.metrics["accuracy"] > 0.95
    assert set(fit.thresholds) == {"confidence", "margin", "novelty"}  # no upset head without its data
    assert fit.heads.upset is None
    p = fit.heads.probabilities(X)
    assert (p.argmax(1) == y).mean() > 0.95
    # In-scope points mostly stay under the novelty threshold; a direction far from every class is above it.
    assert (fit.heads.novelty_scores(X) > fit.thresholds["novelty"]).mean() < 0.1
    rng = np.random.default_rng(5)
    far = -centers.sum(0) + 0.01 * rng.normal(size=X.shape[1])
    far /= np.linalg.norm(far)
    assert fit.heads.novelty_scores(far[None, :].astype(np.float32))[0] > fit.thresholds["novelty"]
    s = fit.heads.sentiment(X)
    assert s.min() >= -1 and s.max() <= 1


def test_novelty_is_the_mean_of_standardised_energy_and_mahalanobis_distance():
    X, y, _ = blobs()
    nv = heads.novelty_fit(X=X, y=y, n_classes=4)
    logits = np.random.default_rng(2).normal(size=(len(X), 4)).astype(np.float32)
    heads.novelty_standardise(novelty=nv, embeddings=X, logits=logits)
    scores = nv.scores(embeddings=X, logits=logits)
    assert abs(scores.mean()) < 1e-4  # both parts standardised on the same rows
    _, distance = nv.raw(embeddings=X, logits=logits)
    means = np.stack([X[y == c].mean(0) for c in range(4)])
    assert distance.argmin() == np.argmin([((x - means) @ nv.whiten @ nv.whiten.T @ (x - means).T).diagonal().min()
                                           for x in X])


def test_sample_weights_change_the_fit():
    X, y, _ = blobs(n_per=30, n_classes=2)
    y_noisy = y.copy()
    y_noisy[:10] = 1  # ten mislabeled points
    w = np.ones(len(y), dtype=np.float32)
    w[:10] = 1e-4
    W1, b1 = heads.linear_fit(X=X, y=y_noisy, n_classes=2)
    W2, b2 = heads.linear_fit(X=X, y=y_noisy, n_classes=2, sample_weight=w)
    acc = lambda W, b: ((X @ W.T + b).argmax(1) == y).mean()  # noqa: E731
    assert acc(W2, b2) >= acc(W1, b1)
    assert acc(W2, b2) == 1.0
