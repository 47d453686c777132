"""Topic clusters of short texts (SPEC §4.4): UMAP → HDBSCAN → keywords by class-based TF-IDF,
representatives, sizes and means. Pure: arrays in, plain data out; no Django."""

from __future__ import annotations

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


def class_tfidf_keywords(*, texts: list[str], labels: np.ndarray, top: int = 6) -> dict[int, list[str]]:
    """c-TF-IDF: each cluster's texts as one document; weight = tf(t, c) · log(1 + A / f(t)),
    A the average number of words per cluster and f(t) the frequency of t over all clusters."""
    from sklearn.feature_extraction.text import CountVectorizer

    clusters = sorted(int(c) for c in set(labels.tolist()) if c != NOISE)
    if not clusters:
        return {}
    docs = [" ".join(t for t, lab in zip(texts, labels, strict=True) if lab == c) for c in clusters]
    try:
        vectorizer = CountVectorizer(stop_words="english", ngram_range=(1, 2), min_df=1, max_features=20000)
        counts = vectorizer.fit_transform(docs).toarray().astype(float)
    except ValueError:  # only stop words
        return {c: [] for c in clusters}
    words = vectorizer.get_feature_names_out()
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    avg = counts.sum() / len(clusters)
    idf = np.log(1 + avg / np.maximum(counts.sum(axis=0), 1))
    weights = tf * idf
    return {c: [str(words[i]) for i in np.argsort(-weights[k])[:top] if weights[k, i] > 0]
            for k, c in enumerate(clusters)}


def topics_cluster(
    *,
    embeddings: np.ndarray,
    texts: list[str],
    sentiments: np.ndarray | None = None,
    nps: np.ndarray | None = None,
    min_cluster_size: int | None = None,
    seed: int = 0,
) -> ClusterResult:
    import umap
    from sklearn.cluster import HDBSCAN
    from sklearn.decomposition import PCA

    n = len(texts)
    sentiments = np.full(n, np.nan) if sentiments is None else np.asarray(sentiments, dtype=float)
    nps = np.full(n, np.nan) if nps is None else np.asarray(nps, dtype=float)
    min_size = min_cluster_size or max(5, n // 100)
    if n < max(min_size * 2, 10):
        coords = np.zeros((n, 2))
        return ClusterResult([], np.full(n, NOISE), coords, n, {"skipped": "too few texts"})
    reducer = umap.UMAP(n_components=5, n_neighbors=15, min_dist=0.0, metric="cosine", random_state=seed,
                        low_memory=True)
    reduced = reducer.fit_transform(embeddings)
    labels = HDBSCAN(min_cluster_size=min_size, min_samples=min(10, min_size), copy=True).fit_predict(reduced)
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
    params = {"umap": {"n_components": 5, "n_neighbors": 15, "metric": "cosine"}, "min_cluster_size": min_size}
    return ClusterResult(topics, labels, coords, int((labels == NOISE).sum()), params)
