import numpy as np
import pytest

from feedback.clustering import NOISE, class_tfidf_keywords, topics_cluster


def test_class_tfidf_picks_words_that_set_a_cluster_apart():
    texts = ["late parcel delivery", "parcel delivery late again", "refund my money", "money back refund please"]
    kw = class_tfidf_keywords(texts=texts, labels=np.array([0, 0, 1, 1]))
    assert "parcel" in kw[0] and "refund" in kw[1] and "refund" not in kw[0]


@pytest.mark.slow
def test_three_topics_are_found_with_keywords_and_the_rest_is_noise():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 32))
    words = [["parcel", "late", "courier"], ["refund", "money", "charge"], ["password", "login", "account"]]
    emb, texts, sent = [], [], []
    for k, c in enumerate(centres):
        for i in range(60):
            emb.append(c + 0.05 * rng.normal(size=32))
            texts.append(f"{words[k][i % 3]} {words[k][(i + 1) % 3]} issue {i}")
            sent.append(-0.5 if k == 1 else 0.5)
    emb = np.asarray(emb) / np.linalg.norm(emb, axis=1, keepdims=True)
    result = topics_cluster(embeddings=emb, texts=texts, sentiments=np.array(sent), min_cluster_size=10)
    assert len(result.topics) == 3 and sum(t.size for t in result.topics) + result.n_noise == 180
    by_word = {t.keywords[0] for t in result.topics} | {w for t in result.topics for w in t.keywords}
    assert {"refund", "parcel", "password"} <= by_word
    refund = next(t for t in result.topics if "refund" in t.keywords)
    assert refund.mean_sentiment == pytest.approx(-0.5) and refund.mean_nps is None
    assert len(refund.representatives) == 3 and result.coords.shape == (180, 2)


def test_too_few_texts_are_left_unclustered():
    result = topics_cluster(embeddings=np.eye(4, 8), texts=["a", "b", "c", "d"])
    assert result.topics == [] and (result.labels == NOISE).all()
