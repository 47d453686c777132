import numpy as np
import pytest

from mlcore import upset
from mlcore.services import upset_value_parse


def synthetic(n=200, dim=8, vocab=50, seed=0):
    """Calm and upset texts that share topics (embeddings) and differ by a few 'angry' word pieces."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.arange(n) % 2
    ids = rng.integers(10, vocab, size=(n, 12))
    ids[y == 1, rng.integers(0, 12)] = 3  # word piece 3 marks anger
    mask = np.ones_like(ids, dtype=np.float32)
    mask[:, 9:] = 0  # padding
    ids[:, 9:] = 0
    ids[y == 1, 2] = 3
    return X, ids, mask, y


def test_scores_match_the_formula_the_graph_computes():
    head = upset.UpsetHead(embedding_weight=np.array([1.0, 0.0], dtype=np.float32), bias=-1.0,
                           token_weight=np.array([0.0, 2.0, -1.0, 5.0], dtype=np.float32))
    ids = np.array([[1, 2, 3], [2, 2, 0]])
    mask = np.array([[1, 1, 1], [1, 1, 0]], dtype=np.float32)
    got = head.scores(embeddings=np.array([[0.5, 0.0], [0.0, 1.0]], dtype=np.float32), ids=ids, mask=mask)
    z0 = 0.5 - 1.0 + 5.0 + (2.0 - 1.0 + 5.0) / 3  # peak is the largest token weight
    z1 = 0.0 - 1.0 + 0.0 + (-2.0) / 2  # no positive token: the peak stays 0; padding ignored
    assert got == pytest.approx(1 / (1 + np.exp(-np.array([z0, z1]))), rel=1e-5)


def test_upset_fit_learns_angry_word_pieces_and_reports_held_out_figures():
    X, ids, mask, y = synthetic()
    fit = upset.upset_fit(labeled=(X, ids, mask, y), unlabeled=None, vocab_size=50)
    s = fit.head.scores(embeddings=X, ids=ids, mask=mask)
    assert ((s >= fit.threshold) == (y == 1)).mean() > 0.95
    assert fit.head.token_weight[3] > 1.0
    assert upset.THRESHOLD_RANGE[0] <= fit.threshold <= upset.THRESHOLD_RANGE[1]
    assert fit.metrics["upset_recall"] > 0.9 and fit.metrics["upset_false_alarms"] <= 0.05


def test_unlabeled_rows_that_look_upset_are_not_taught_as_calm():
    X, ids, mask, y = synthetic()
    uX, uids, umask, uy = synthetic(seed=1)  # half of these "unlabeled" rows carry the angry word piece
    fit = upset.upset_fit(labeled=(X, ids, mask, y), unlabeled=(uX, uids, umask), vocab_size=50)
    s = fit.head.scores(embeddings=uX, ids=uids, mask=umask)
    assert (s[uy == 1] >= fit.threshold).mean() > 0.9
    assert fit.metrics["upset_n_unlabeled"] == len(uX)


def test_upset_fit_needs_both_classes():
    X, ids, mask, y = synthetic()
    with pytest.raises(ValueError):
        upset.upset_fit(labeled=(X, ids, mask, np.zeros_like(y)), unlabeled=None, vocab_size=50)


@pytest.mark.parametrize(("target", "expected"), [(0.0, 0.95), (0.1, 0.9), (0.5, 0.5)])
def test_threshold_flags_at_most_the_target_share_of_calm_texts(target, expected):
    calm = np.linspace(0.0, 0.99, 100)
    t = upset.threshold_recommend(calm_scores=calm, target=target)
    assert t == pytest.approx(expected, abs=0.011)
    assert (calm >= t).mean() <= target + 1e-9 or t == upset.THRESHOLD_RANGE[1]


def test_threshold_without_calm_examples_is_the_strictest():
    assert upset.threshold_recommend(calm_scores=np.zeros(0), target=0.03) == upset.THRESHOLD_RANGE[1]


@pytest.mark.parametrize(("raw", "tag", "expected"), [
    ("1", None, True), ("upset", None, True), ("Yes", None, True), ("0", None, False), ("calm", None, False),
    ("", None, None), ("BQW", "W", True), ("BQL", "W", False), ("", "W", False),
])
def test_upset_cells_parse_as_flags_or_tag_letters(raw, tag, expected):
    assert upset_value_parse(raw=raw, tag=tag) is expected


def test_an_unknown_upset_cell_is_an_error():
    with pytest.raises(ValueError, match="upset must be one of"):
        upset_value_parse(raw="maybe", tag=None)
