import numpy as np
import pytest

from labeling.dedup import batch_distinct, distinct_picks, max_cosine, near_duplicates_count, text_key


def unit(rows) -> np.ndarray:
    x = np.asarray(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def near(x: np.ndarray, *, cosine: float, seed: int) -> np.ndarray:
    """A unit vector at exactly `cosine` to unit vector x."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(x.shape).astype(np.float64)
    noise -= (noise @ x) * x
    noise /= np.linalg.norm(noise)
    return (cosine * x + np.sqrt(1 - cosine**2) * noise).astype(np.float32)


@pytest.fixture
def pool() -> np.ndarray:
    """20 random 64-d texts and, after them, 10 near-duplicates (cosine 0.98) of texts 0-9: row 20 + i of i."""
    rng = np.random.default_rng(0)
    base = unit(rng.standard_normal((20, 64)))
    dups = np.vstack([near(base[i].astype(np.float64), cosine=0.98, seed=100 + i) for i in range(10)])
    return np.vstack([base, dups])


def test_within_the_batch_the_first_of_near_duplicates_in_the_strategys_order_is_kept(pool):
    X = pool
    order = [20, 0, 21, 1, 2, 22]  # a strategy liking both of each pair
    picks = distinct_picks(order=order, embeddings=X, batch_size=6, threshold=0.95)
    assert picks.tolist() == [20, 21, 2]  # 0, 1 and 22 are twins of earlier picks; the order runs out
    assert near_duplicates_count(picks=picks, embeddings=X, threshold=0.95) == 0
    assert near_duplicates_count(picks=np.array(order), embeddings=X, threshold=0.95) == 3


def test_against_references_labeled_or_queued(pool):
    X = pool
    references = X[[0, 1]]  # texts 0 and 1 are already labeled (or queued)
    picks = distinct_picks(order=[20, 21, 22, 3], embeddings=X, references=references, batch_size=4, threshold=0.95)
    assert picks.tolist() == [22, 3]
    assert near_duplicates_count(picks=np.array([20, 3]), embeddings=X, references=references) == 1


def test_batch_still_full_by_over_asking_the_strategy(pool):
    X = pool
    asked = []
    ranking = [i for pair in ((20 + k, k) for k in range(10)) for i in pair] + list(range(10, 20))

    def pick(n: int) -> np.ndarray:
        asked.append(n)
        return np.array(ranking[:n])

    picks = batch_distinct(pick=pick, embeddings=X, references=None, batch_size=8, threshold=0.95)
    assert len(picks) == 8 and near_duplicates_count(picks=picks, embeddings=X) == 0
    assert asked == [8, 24]  # the batch holds 4 distinct rows, 3x the batch (24 ranked rows) holds 8
    asked.clear()
    picks = batch_distinct(pick=pick, embeddings=X, references=None, batch_size=15, threshold=0.95)
    assert len(picks) == 15 and asked == [15, 45]  # the strategy gave all 30 rows: 20 are distinct, 15 taken
    asked.clear()
    picks = batch_distinct(pick=pick, embeddings=X, references=None, batch_size=25, threshold=0.95)
    assert len(picks) == 20 and asked == [25, 75]  # only 20 distinct rows in the pool: a short batch


def test_without_near_duplicates_the_batch_is_the_strategys(pool):
    X = pool
    asked = []

    def pick(n: int) -> np.ndarray:
        asked.append(n)
        return np.arange(19, -1, -1)[:n]

    assert batch_distinct(pick=pick, embeddings=X, references=None, batch_size=5).tolist() == [19, 18, 17, 16, 15]
    assert asked == [5]


def test_fallback_fills_what_the_strategy_does_not_give(pool):
    X = pool
    picks = batch_distinct(pick=lambda n: np.array([20, 0, 21, 1][:n]), embeddings=X, references=None,
                           batch_size=4, threshold=0.95, fallback=np.arange(30), asks=(1,))
    assert picks.tolist() == [20, 21, 2, 3]  # 0 and 1 from the fallback are twins of picks, skipped

    def endless(n: int) -> np.ndarray:  # always gives exactly what is asked: the same two twins and more twins
        return np.array(([20, 0] * n)[:n])

    picks = batch_distinct(pick=endless, embeddings=X, references=None, batch_size=3, threshold=0.95,
                           fallback=lambda: np.arange(30))
    assert picks.tolist() == [20, 1, 2]
    full = batch_distinct(pick=lambda n: np.arange(n), embeddings=X, references=None, batch_size=3,
                          fallback=lambda: pytest.fail("computed although the strategy filled the batch"))
    assert full.tolist() == [0, 1, 2]


def test_threshold_edge_is_a_duplicate():
    X = np.array([[1.0, 0.0], [0.5, np.sqrt(0.75)], [0.0, -1.0]], dtype=np.float32)
    assert float(X[0] @ X[1]) == 0.5
    assert distinct_picks(order=[0, 1, 2], embeddings=X, batch_size=3, threshold=0.5).tolist() == [0, 2]
    assert distinct_picks(order=[0, 1, 2], embeddings=X, batch_size=3, threshold=0.5001).tolist() == [0, 1, 2]
    assert distinct_picks(order=[1, 2], embeddings=X, references=X[:1], batch_size=3, threshold=0.5).tolist() == [2]


def test_identical_and_repeated_rows(pool):
    X = pool
    X = np.vstack([X, X[:1]])  # row 30 is row 0 again
    assert distinct_picks(order=[0, 0, 30, 5, 5], embeddings=X, batch_size=5, threshold=0.95).tolist() == [0, 5]


def test_empty_inputs():
    X = np.zeros((0, 8), dtype=np.float32)
    assert distinct_picks(order=[], embeddings=X, batch_size=5).tolist() == []
    assert batch_distinct(pick=lambda n: np.zeros(0, dtype=np.int64), embeddings=X, references=None,
                          batch_size=5).tolist() == []
    Y = unit(np.eye(3))
    assert distinct_picks(order=[0, 1, 2], embeddings=Y, references=np.zeros((0, 3)), batch_size=0).tolist() == []
    assert batch_distinct(pick=lambda n: np.arange(3)[:n], embeddings=Y, references=np.zeros((0, 3)),
                          batch_size=0).tolist() == []
    assert distinct_picks(order=[2, 0, 1], embeddings=Y, references=None, batch_size=5).tolist() == [2, 0, 1]
    assert max_cosine(points=Y, references=np.zeros((0, 3), dtype=np.float32)).tolist() == [-np.inf] * 3
    assert near_duplicates_count(picks=np.zeros(0, dtype=np.int64), embeddings=Y) == 0
    with pytest.raises(ValueError):
        distinct_picks(order=[0], embeddings=Y, batch_size=-1)


def test_blocks_and_chunks_give_the_same_batch(monkeypatch):
    """Over many blocks and reference chunks, the batch is the one a row-by-row scan gives."""
    import labeling.dedup as dedup

    rng = np.random.default_rng(3)
    base = unit(rng.standard_normal((400, 32)))
    X = np.vstack([base, unit(base[:200] + 0.05 * rng.standard_normal((200, 32)))])
    refs = X[rng.choice(600, size=50, replace=False)]
    order = rng.permutation(600)
    expected = []
    for i in order:
        against = [X[j] for j in expected] + list(refs)
        if max(float(X[i] @ v) for v in against) < 0.95:
            expected.append(int(i))
    monkeypatch.setattr(dedup, "BLOCK", 7)
    monkeypatch.setattr(dedup, "REFERENCE_CHUNK", 9)
    picks = distinct_picks(order=order, embeddings=X, references=refs, batch_size=600, threshold=0.95)
    assert picks.tolist() == expected


def test_text_key_takes_out_casing_punctuation_and_numbers():
    assert text_key("burst 4 where is my order") == text_key("Burst 5: where is my ORDER?") == "burst where is my order"
    assert text_key("Où est ma commande ?") == "où est ma commande"
    assert text_key("Where is my order") != text_key("Where is my refund")
    assert text_key(" 12345 ") == "12345"  # no letters: the text itself
