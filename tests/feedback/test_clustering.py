import numpy as np
import pytest

from feedback.clustering import NOISE, TOPIC_STOP_WORDS, class_tfidf_keywords, topic_name, topics_cluster


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


GREETINGS = ["hi, good morning, quick question:", "hello, quick question please,", "hey there, good afternoon,",
             "hi team, thanks in advance,", "good evening, please help:"]
PROBLEMS = [
    ["my parcel is late", "the courier lost my parcel", "parcel delivery is late again", "where is my parcel"],
    ["refund my money", "I want a refund for the charge", "the refund never came", "refund the double charge"],
    ["I forgot my password", "password reset link is broken", "cannot log in, password rejected",
     "password change fails"],
]


def test_greetings_and_politeness_never_name_a_topic():
    texts = [f"{GREETINGS[i % len(GREETINGS)]} {p}" for group in PROBLEMS for i, p in enumerate(group * 5)]
    labels = np.repeat(np.arange(len(PROBLEMS)), 20)
    kw = class_tfidf_keywords(texts=texts, labels=labels)
    politeness = {"hi", "hello", "hey", "good", "morning", "afternoon", "evening", "quick", "question", "thanks",
                  "please", "help", "team", "advance", "there"}
    for words in kw.values():
        assert words and not {w for term in words for w in term.split()} & politeness
    assert kw[0][0] == "parcel" and kw[1][0] == "refund" and kw[2][0] == "password"
    assert {"hi", "please", "thanks", "help", "question"} <= TOPIC_STOP_WORDS


def test_keywords_are_the_top_class_tfidf_terms_best_first_without_numbers():
    texts = ["my card, card arrive still 1234", "card still not arrive", "card arrive when", "pin blocked 99",
             "pin blocked again"]
    kw = class_tfidf_keywords(texts=texts, labels=np.array([0, 0, 0, 1, 1]), top=3)
    assert kw[0][0] == "card" and set(kw[0]) <= {"card", "arrive", "still", "card arrive", "card still"}
    assert not any(ch.isdigit() for terms in kw.values() for term in terms for ch in term)


def test_topic_name_joins_the_top_three_keywords_skipping_repeats():
    assert topic_name(["card", "arrive", "still", "waiting"]) == "card · arrive · still"
    assert topic_name(["card", "card arrive", "arrive", "still"]) == "card · card arrive · still"
    assert topic_name(["refund"]) == "refund" and topic_name([]) == ""


@pytest.mark.slow
def test_a_small_corpus_still_gives_several_topics():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(8, 48))
    emb = np.concatenate([c + 0.35 * rng.normal(size=(20, 48)) for c in centres])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    texts = [f"topic{k} text" for k in range(8) for _ in range(20)]
    result = topics_cluster(embeddings=emb, texts=texts)
    truth = np.repeat(np.arange(8), 20)
    assert 6 <= len(result.topics) <= 10 and result.n_noise <= 0.2 * len(texts)
    assert result.params["min_cluster_size"] < 20  # sizes scale with the corpus: a tenth of 160 texts is a topic
    from sklearn.metrics import normalized_mutual_info_score

    assert normalized_mutual_info_score(truth, result.labels) > 0.8


@pytest.mark.slow
def test_the_number_of_topics_follows_the_data_not_the_corpus_size():
    rng = np.random.default_rng(2)
    for groups, per in ((4, 100), (20, 20)):
        centres = rng.normal(size=(groups, 48))
        emb = np.concatenate([c + 0.3 * rng.normal(size=(per, 48)) for c in centres])
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
        result = topics_cluster(embeddings=emb, texts=[f"t{i}" for i in range(len(emb))])
        assert abs(len(result.topics) - groups) <= max(1, groups // 10), (groups, len(result.topics))
