"""Batches without near-duplicates (issue #16): pure numpy over unit-vector embeddings, no Django.

Two texts are near-duplicates when the cosine of their embeddings is >= the threshold
(SUPPORTLOOP_LABELING_DUPLICATE_COSINE). A batch holds at most one of every such group, and nothing that is a
near-duplicate of a text already labeled or queued (the references). The strategy's order decides which one
is kept: candidates are taken in that order and a candidate is dropped if it is a near-duplicate of a
reference or of an earlier pick. When that leaves the batch short, the strategy is over-asked (3x the batch,
then 9x, 27x) so the batch is still full when the pool allows; a fallback order (every pool row by
uncertainty) fills what is left. Texts that differ only in casing, punctuation, spacing or numbers are caught
before, by their text key (text_key), because the cosine does not catch them (below).

Cost: each candidate looked at is compared with the references and the picks so far, in blocks (a block x
references GEMM); no N x N matrix over the pool. A batch of 50 from 100,000 x 384 against 1,000 references
adds 2-25 ms (measured on the busy 2-core machine, load 5.7); bench/selection.py times it with the strategies.

The threshold, measured with the MiniLM encoder (int8 ONNX, as served) by
``bench/selection.py --measure-threshold`` on 300 Banking77 and 300 Bitext texts (seed 0):

==========================  ===============  ===============
cosine of the pair           Banking77        Bitext
                             median (p5)      median (p5)
==========================  ===============  ===============
casing                       1.000 (0.995)    1.000 (0.994)
punctuation                  0.984 (0.955)    0.984 (0.946)
"burst 4 …" / "burst 5 …"    0.952 (0.928)    0.953 (0.927)
another number               0.917 (0.843)    0.902 (0.788)
one typo (letters swapped)   0.883 (0.608)    0.840 (0.563)
nearest different request    0.868            0.913
of the same intent (3,000)
==========================  ===============  ===============

============================================  =============  =============  =============  =============
at threshold                                   0.90           0.93           0.95           0.97
============================================  =============  =============  =============  =============
variants caught by the cosine (B77 / Bitext)   82% / 76%      73% / 67%      59% / 55%      41% / 38%
… by the cosine or the text key                89% / 87%      86% / 85%      85% / 83%      83% / 81%
texts with a different same-intent request     35% / 58%      22% / 38%      13% / 24%      5% / 11%
at or above (would be dropped as its twin)
texts with another intent's text at or above   1.3% / 2.8%    0.3% / 0.5%    0.1% / 0.0%    0.1% / 0.0%
============================================  =============  =============  =============  =============

The cosine does not separate trivial variants from different requests: a swapped letter or another order
number moves MiniLM further (0.84-0.92) than a different wording of the same request ("How can I" / "How do I
dispute a direct debit transaction?" 0.994), and "burst 4"/"burst 5" sits right at 0.95. Hence the text key
for casing, punctuation and numbers (100% of those variants, by construction), and the cosine for the rest.
At 0.95 the cosine keeps other intents apart (≤ 0.13% of texts have another intent's text that close) and
drops a different same-intent request only when it is a one-word rewording (13% / 24% of texts have such a
neighbour within 3,000); 0.93 would catch few more variants (86% vs 85% with the key) for 1.7x the same-intent
losses and more other-intent ones (0.3% / 0.5%); 0.97 loses typos and burst pairs. So the default stays 0.95
(SUPPORTLOOP_LABELING_DUPLICATE_COSINE). Typos stay mostly uncaught (11-22% at 0.95): catching them by cosine
would drop a third of the distinct requests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np

from labeling.uncertainty import one_blas_thread

DEFAULT_THRESHOLD = 0.95
ASKS = (1, 3, 9, 27)  # the strategy is asked for 1x, then 3x, 9x, 27x the batch; then the fallback order
BLOCK = 256
REFERENCE_CHUNK = 8192


_WORDS = re.compile(r"[^\W\d_]+")


def text_key(text: str) -> str:
    """The text with casing, punctuation, spacing and numbers taken out: texts with the same key are trivial
    variants of each other ("burst 4 where is my order?" and "Burst 5: where is my order"), which the cosine
    alone does not catch (see the figures above). A text without letters keys as itself."""
    words = _WORDS.findall(text.casefold())
    return " ".join(words) if words else text.strip().casefold()


def _as_matrix(x: np.ndarray | None, dim: int) -> np.ndarray:
    if x is None:
        return np.zeros((0, dim), dtype=np.float32)
    x = np.asarray(x, dtype=np.float32)
    return x.reshape(0, dim) if x.size == 0 else x


def max_cosine(*, points: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Per point, the largest cosine to any reference (-inf without references); chunked over references."""
    points = np.asarray(points, dtype=np.float32)
    out = np.full(len(points), -np.inf, dtype=np.float32)
    if len(points) == 0 or len(references) == 0:
        return out
    for start in range(0, len(references), REFERENCE_CHUNK):
        np.maximum(out, (points @ references[start : start + REFERENCE_CHUNK].T).max(axis=1), out=out)
    return out


def distinct_picks(*, order: Iterable[int], embeddings: np.ndarray, references: np.ndarray | None = None,
                   batch_size: int, threshold: float = DEFAULT_THRESHOLD,
                   picked: list[int] | None = None) -> np.ndarray:
    """Rows from `order` (in that order) with no two at cosine >= threshold and none at cosine >= threshold to a
    reference, until batch_size are chosen or the order runs out. Repeated rows are skipped.

    `picked` (rows already chosen) are kept first and taken as the start of the batch.
    """
    if batch_size < 0:
        raise ValueError("batch_size must be >= 0")
    # The GEMMs are small (a block against the references): on the busy 2-core machine one BLAS thread
    # measured several times faster than two, as in the strategies.
    with one_blas_thread():
        return _distinct_picks(order=order, embeddings=embeddings, references=references, batch_size=batch_size,
                               threshold=threshold, picked=picked)


def _distinct_picks(*, order: Iterable[int], embeddings: np.ndarray, references: np.ndarray | None,
                    batch_size: int, threshold: float, picked: list[int] | None) -> np.ndarray:
    embeddings = np.asarray(embeddings, dtype=np.float32)
    dim = embeddings.shape[1] if embeddings.ndim == 2 else 0
    refs = _as_matrix(references, dim)
    chosen: list[int] = list(picked or [])
    seen = set(chosen)
    chosen_emb = [embeddings[i] for i in chosen]
    order = np.fromiter((int(i) for i in order), dtype=np.int64)
    start = 0
    while len(chosen) < batch_size and start < len(order):
        block = order[start : start + BLOCK]
        start += BLOCK
        block = np.array([i for i in dict.fromkeys(block.tolist()) if i not in seen], dtype=np.int64)
        if block.size == 0:
            continue
        vectors = embeddings[block]
        clear = max_cosine(points=vectors, references=refs) < threshold
        if chosen_emb:
            clear &= max_cosine(points=vectors, references=np.vstack(chosen_emb)) < threshold
        rows = np.flatnonzero(clear)
        gram = vectors[rows] @ vectors[rows].T  # within the block: only the rows still clear
        kept: list[int] = []
        for n, row in enumerate(rows):
            if len(chosen) >= batch_size:
                break
            if kept and (gram[n, kept] >= threshold).any():
                continue
            kept.append(n)
            chosen.append(int(block[row]))
            chosen_emb.append(vectors[row])
        seen.update(block.tolist())
    return np.asarray(chosen, dtype=np.int64)


def batch_distinct(*, pick: Callable[[int], np.ndarray], embeddings: np.ndarray, references: np.ndarray | None,
                   batch_size: int, threshold: float = DEFAULT_THRESHOLD,
                   fallback: np.ndarray | Callable[[], np.ndarray] | None = None,
                   asks: tuple[int, ...] = ASKS) -> np.ndarray:
    """A batch of up to batch_size distinct rows. `pick(n)` is the strategy (its first n rows, in order), asked
    for asks[r] x batch_size rows in round r until the batch is full or the strategy has no more to give; then
    the rows of `fallback` (any order over the pool, or a function computing it only then) fill what is left.

    The first ask is the batch itself: a batch without near-duplicates is then exactly the strategy's, at the
    strategy's cost (over-asking a greedy strategy 3x costs it 3x the picks; bench/selection.py)."""
    if batch_size <= 0:
        return np.zeros(0, dtype=np.int64)
    chosen = np.zeros(0, dtype=np.int64)
    for factor in asks:
        asked = factor * batch_size
        order = np.asarray(pick(asked), dtype=np.int64)
        chosen = distinct_picks(order=order, embeddings=embeddings, references=references, batch_size=batch_size,
                                threshold=threshold)
        if len(chosen) >= batch_size or len(order) < asked:  # full, or the strategy has given every row
            return chosen
    if fallback is not None:
        order = fallback() if callable(fallback) else fallback
        chosen = distinct_picks(order=order, embeddings=embeddings, references=references, batch_size=batch_size,
                                threshold=threshold, picked=chosen.tolist())
    return chosen


def near_duplicates_count(*, picks: np.ndarray, embeddings: np.ndarray, references: np.ndarray | None = None,
                          threshold: float = DEFAULT_THRESHOLD) -> int:
    """How many picks are a near-duplicate of an earlier pick or of a reference (0 for a distinct batch)."""
    picks = np.asarray(picks, dtype=np.int64)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if picks.size == 0:
        return 0
    vectors = embeddings[picks]
    refs = _as_matrix(references, embeddings.shape[1])
    against_refs = max_cosine(points=vectors, references=refs) >= threshold
    gram = vectors @ vectors.T
    gram[np.triu_indices(len(picks))] = -np.inf  # each pick against the earlier ones only
    within = (gram >= threshold).any(axis=1)
    return int((against_refs | within).sum())
