"""Topic clusters of short texts (SPEC §4.4): UMAP → HDBSCAN → keywords by class-based TF-IDF,
representatives, sizes and means. Pure: arrays in, plain data out; no Django."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

NOISE = -1


@dataclass
class Topic:
    label: int
    size: int
    keywords: list[str]
    representatives: list[str]
    mean_sentiment: float | None
    mean_nps: float | None


@dataclass
class ClusterResult:
    topics: list[Topic]
    labels: np.ndarray  # one per text, NOISE for the unclustered rest
    coords: np.ndarray  # (n, 2) map positions
    n_noise: int
    params: dict = field(default_factory=dict)


def _mean(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return round(float(finite.mean()), 4) if finite.size else None


# Words that never name a topic on their own: greetings, politeness and filler that customers add to any
# request ("hi, good morning, quick question: ..."), on top of scikit-learn's English stop words.
TOPIC_STOP_WORDS = frozenset({
    "hi", "hello", "hey", "hiya", "howdy", "greetings", "dear", "morning", "afternoon", "evening",
    "quick", "question", "questions", "query", "thanks", "thank", "thx", "ty", "cheers", "regards",
    "please", "pls", "plz", "kindly", "help", "helping", "assist", "assistance", "appreciate", "appreciated",
    "sorry", "excuse", "wondering", "hope", "hopefully", "sir", "madam", "team", "ok", "okay",
})
# What the word pattern leaves of contractions ("doesn't" -> "doesn"): never a keyword either.
_CONTRACTION_FRAGMENTS = frozenset({"aren", "couldn", "didn", "doesn", "don", "hadn", "hasn", "haven", "isn", "ll",
                                    "shouldn", "ve", "wasn", "weren", "wouldn"})
# Greeting phrases whose words may matter elsewhere ("good" in "good service", "day" in "next day").
GREETING_PHRASES = ("good morning", "good afternoon", "good evening", "good day", "good night",
                    "thanks in advance", "thank you in advance", "how are you", "hope you are well",
                    "hope you're well", "have a nice day")
_GREETING = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in GREETING_PHRASES) + r")\b", re.IGNORECASE)
# Words of two or more characters starting with a letter: order numbers and amounts never name a topic.
_WORD_PATTERN = r"(?u)\b[^\W\d_]\w+\b"
# UMAP input: the first principal components of the embeddings. Neighbour search on 384 dimensions is most
# of the clustering time; 50 components keep the neighbourhoods (bench/topics.py: same or better NMI, about
# 2.5x faster on 10,000 texts). Unit-length embeddings: Euclidean distance on the components ranks as cosine.
PCA_DIMS = 50
SEPARATION_TOLERANCE = 0.05


def topic_name(keywords: list[str], *, top: int = 3) -> str:
    """A short name from a topic's keywords (best first): the first `top` that add a word not already in the
    name, joined with " · " ("card · arrive · still")."""
    chosen: list[str] = []
    seen: set[str] = set()
    for keyword in keywords:
        words = set(keyword.split())
        if words <= seen:
            continue
        chosen.append(keyword)
        seen |= words
        if len(chosen) == top:
            break
    return " · ".join(chosen)


def class_tfidf_keywords(*, texts: list[str], labels: np.ndarray, top: int = 6) -> dict[int, list[str]]:
    """c-TF-IDF: each cluster's texts as one document; weight = tf(t, c) · log(1 + A / f(t)),
    A the average number of words per cluster and f(t) the frequency of t over all clusters. Keywords are
    the `top` terms by weight, best first; greetings and politeness (TOPIC_STOP_WORDS, GREETING_PHRASES) and
    numbers are never terms."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    clusters = sorted(int(c) for c in set(labels.tolist()) if c != NOISE)
    if not clusters:
        return {}
    docs = [" ".join(_GREETING.sub(" ", t) for t, lab in zip(texts, labels, strict=True) if lab == c)
            for c in clusters]
    try:
        vectorizer = CountVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS | TOPIC_STOP_WORDS | _CONTRACTION_FRAGMENTS),
                                     token_pattern=_WORD_PATTERN, ngram_range=(1, 2), min_df=1, max_features=20000)
        counts = vectorizer.fit_transform(docs).toarray().astype(float)
    except ValueError:  # only stop words
        return {c: [] for c in clusters}
    words = vectorizer.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg = counts.sum() / len(clusters)
    idf = np.log(1 + avg / np.maximum(counts.sum(axis=0), 1))
    weights = tf * idf
    return {c: [str(words[i]) for i in np.argsort(-weights[k], kind="stable")[:top] if weights[k, i] > 0]
            for k, c in enumerate(clusters)}


def _min_samples(min_cluster_size: int) -> int:
    # Measured on 200-text samples and whole files: few core neighbours leave less noise in small corpora.
    return max(2, min(10, min_cluster_size // 2))


def _size_candidates(n: int) -> list[int]:
    """min_cluster_size values tried: 5, 8, 11, 17, 25, ... up to n/40 (a topic is at least 2.5% of a
    corpus only in small ones; in 10,000 texts it can be 0.3%)."""
    sizes, size = [], 5.0
    while round(size) <= max(5, n // 40):
        sizes.append(round(size))
        size *= 1.5
    return sizes


def _separation(*, embeddings: np.ndarray, labels: np.ndarray) -> float:
    """How well topics stand apart, on the embeddings themselves (the UMAP space separates anything): the mean
    over all texts of cos(text, own topic's centre) - cos(text, nearest other centre), unclustered texts
    counting 0 so that leaving texts out is not free. Too small a min_cluster_size splits a topic into
    near-identical halves (small margins), too large merges topics (texts far from their centre). On Banking77
    and CLINC150 its peak fell on or next to the min_cluster_size of best NMI (bench/topics.py)."""
    clustered = labels != NOISE
    ids = labels[clustered]
    if ids.size == 0 or ids.max() < 1:
        return -1.0
    x = embeddings[clustered] / np.maximum(np.linalg.norm(embeddings[clustered], axis=1, keepdims=True), 1e-12)
    centres = np.zeros((int(ids.max()) + 1, x.shape[1]))
    np.add.at(centres, ids, x)
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    sims = x @ centres.T
    rows = np.arange(ids.size)
    own = sims[rows, ids].copy()
    sims[rows, ids] = -np.inf
    return float((own - sims.max(axis=1)).sum() / labels.size)


def topics_cluster(
    *,
    embeddings: np.ndarray,
    texts: list[str],
    sentiments: np.ndarray | None = None,
    nps: np.ndarray | None = None,
    min_cluster_size: int | None = None,
    seed: int = 0,
) -> ClusterResult:
    """Topics of `texts`. Without `min_cluster_size` the number of topics is chosen from the data: HDBSCAN
    runs with each of _size_candidates(n), and the finest labelling whose topics stand apart (_separation)
    within SEPARATION_TOLERANCE of the best wins, so a topic's size scales with the corpus and with how the
    texts fall apart, not with n alone."""
    import umap
    from sklearn.cluster import HDBSCAN
    from sklearn.decomposition import PCA

    n = len(texts)
    sentiments = np.full(n, np.nan) if sentiments is None else np.asarray(sentiments, dtype=float)
    nps = np.full(n, np.nan) if nps is None else np.asarray(nps, dtype=float)
    candidates = [min_cluster_size] if min_cluster_size else _size_candidates(n)
    if n < max(candidates[0] * 2, 10):
        coords = np.zeros((n, 2))
        return ClusterResult([], np.full(n, NOISE), coords, n, {"skipped": "too few texts"})
    embeddings = np.asarray(embeddings, dtype=np.float32)
    dims = min(PCA_DIMS, n - 1, embeddings.shape[1])
    neighbours = int(np.clip(n // 20, 5, 15))  # 15 mixes neighbouring topics of ten texts each in small corpora
    project = dims < embeddings.shape[1]
    inputs = PCA(n_components=dims, random_state=seed).fit_transform(embeddings) if project else embeddings
    metric = "euclidean" if project else "cosine"
    reducer = umap.UMAP(n_components=5, n_neighbors=neighbours, min_dist=0.0, metric=metric, random_state=seed,
                        low_memory=True)
    reduced = reducer.fit_transform(inputs)
    tried = []
    for size in candidates:
        labels = HDBSCAN(min_cluster_size=size, min_samples=_min_samples(size), copy=True).fit_predict(reduced)
        tried.append((_separation(embeddings=embeddings, labels=labels) if len(candidates) > 1 else 0.0, size, labels))
    top = max(score for score, _, _ in tried)
    # The finest labelling within SEPARATION_TOLERANCE of the best: scores a few per cent apart are within the
    # run-to-run wobble, and a merged topic hides a theme where split ones are still each readable.
    _, min_size, labels = next(t for t in tried if t[0] >= top - SEPARATION_TOLERANCE * abs(top))
    coords = PCA(n_components=2, random_state=seed).fit_transform(reduced)  # the map: cheap, from the same fit
    keywords = class_tfidf_keywords(texts=texts, labels=labels)
    topics = []
    for c in sorted(keywords):
        members = np.flatnonzero(labels == c)
        centre = reduced[members].mean(axis=0)
        nearest = members[np.argsort(np.linalg.norm(reduced[members] - centre, axis=1))[:3]]
        topics.append(Topic(label=c, size=int(members.size), keywords=keywords[c],
                            representatives=[texts[i] for i in nearest],
                            mean_sentiment=_mean(sentiments[members]), mean_nps=_mean(nps[members])))
    topics.sort(key=lambda t: -t.size)
    params = {"umap": {"n_components": 5, "n_neighbors": neighbours, "metric": metric,
                       "pca_dims": dims if project else None},
              "min_cluster_size": min_size, "min_samples": _min_samples(min_size), "tried": candidates}
    return ClusterResult(topics, labels, coords, int((labels == NOISE).sum()), params)
