"""From topic to category (SPEC §4.6), end to end through the services: escalated inquiries are clustered,
an admin makes a category of the topic, two annotators label its texts, the category's labels wait until it
has enough gold ones, the next training includes it, and the promoted version predicts it."""

import numpy as np
import pytest

from feedback.cluster_services import clusterrun_execute, topic_category_create
from feedback.models import ClusterRun
from labeling.models import LabelingBatch, LabelingItem
from labeling.selectors import label_choices
from labeling.services import annotation_submit, annotation_take
from mlcore.models import ModelVersion, TrainingExample
from mlcore.pipeline import trainingrun_execute, trainingrun_request
from mlcore.selectors import newcategories_held_back
from mlcore.services import modelversion_promote, starter_load
from mlcore.serving import predictor_active, serving_refresh
from mlcore.snapshot import snapshot_build
from supportdesk.models import FAQEntry
from supportdesk.selectors import category_choices
from tests.factories import InquiryFactory, UserFactory

# Customers whose new payment card has not come: no starter category covers it.
CARD = [
    "my new card still hasn't arrived", "the card you sent never arrived", "still waiting for my new bank card",
    "ordered a replacement card two weeks ago, nothing yet", "where is my debit card? it has not come",
    "my card has not been delivered to me", "new card did not arrive in the post", "card not received yet",
    "I never got the new card you promised", "my replacement card is missing, it never came",
    "how long does a new card take to arrive? mine is late", "the bank card is still not here",
    "my credit card never showed up in the mail", "no sign of my new card after ten days",
    "card was supposed to arrive last week, still nothing", "when will my new debit card arrive",
    "I am still waiting on the card you mailed", "my contactless card has not arrived",
    "the card I ordered is not here yet", "my card never arrived, what now",
    "new card still missing in the mail", "has my card been sent? it has not arrived",
    "my physical card did not turn up", "waiting three weeks for my card to arrive",
    "the replacement card still has not reached me", "my card is late and has not arrived",
    "did you post my new card? not arrived", "still no card in my mailbox",
]
# Two other topics of escalations, labeled with starter categories.
OTHER = {
    "account": ["I cannot log in to my account", "password reset email never comes", "locked out of my account",
                "the login page keeps failing", "my account password does not work", "can't sign in to my account",
                "two factor code never arrives for login", "account locked after wrong password",
                "reset my password please, cannot log in", "my login stopped working today"],
    "refund": ["I want my money back for the order", "refund still not on my statement", "where is my refund",
               "please refund the broken item", "refund took weeks and is still missing", "how do I get a refund",
               "the refund amount is wrong", "you promised a refund, nothing yet", "request a refund for my purchase",
               "I returned it, refund me"],
}


def _escalate(texts: list[str]) -> dict[int, str]:
    """Escalated inquiries as the support desk stores them (the active model's probabilities and embedding)."""
    predictor = predictor_active()
    probs, emb, _ = predictor.run_batched(texts)
    ids = {}
    for text, p, e in zip(texts, probs, emb, strict=True):
        inquiry = InquiryFactory(
            text=text, status="escalated", escalation_reasons=["out_of_scope", "low_confidence"],
            category=predictor.labels[int(np.argmax(p))], model_version=predictor.version,
            probabilities={label: float(v) for label, v in zip(predictor.labels, p, strict=True)},
            embedding=e.astype(np.float32).tobytes(), confidence=float(p.max()))
        ids[inquiry.pk] = text
    return ids


def _label_everything(annotators, truth: dict[str, str]) -> None:
    for annotator in annotators:
        while (annotation := annotation_take(annotator=annotator)) is not None:
            annotation_submit(annotation_id=annotation.pk, annotator=annotator, label=truth[annotation.item.text])


@pytest.mark.slow
def test_a_topic_of_escalations_becomes_a_category_that_the_next_promoted_version_predicts(active_model, settings):
    settings.SUPPORTLOOP_AUTO_PROMOTE = False
    settings.SUPPORTLOOP_LABELING_ANNOTATORS = 2
    starter_load()
    admin = UserFactory(username="root", roles=["admin"], is_staff=True)
    annie, arthur = (UserFactory(username=n, roles=["annotator"]) for n in ("annie", "arthur"))
    truth = {t: "card_arrival" for t in CARD} | {t: cat for cat, texts in OTHER.items() for t in texts}
    texts_by_id = _escalate(CARD + [t for texts in OTHER.values() for t in texts])

    # The topic: the cluster holding most of the card texts.
    run = clusterrun_execute(run_id=ClusterRun.objects.create(source=ClusterRun.Source.ESCALATIONS).pk)
    assert run.status == ClusterRun.Status.DONE, run.error
    topic = max(run.clusters.all(), key=lambda c: sum(texts_by_id[i] in CARD for i in c.member_ids))
    card_members = [i for i in topic.member_ids if texts_by_id[i] in CARD]
    assert len(card_members) >= 22, (topic.name, topic.size, len(card_members))
    assert "card" in topic.name and topic.reasons == {"out_of_scope": topic.size, "low_confidence": topic.size}
    assert sum(topic.weekly) == topic.size  # all created this week

    category = topic_category_create(cluster_id=topic.pk, name="card_arrival", actor=admin,
                                     description="A new payment card that has not arrived",
                                     faq_answer="New cards arrive within 7 working days; after that we send another.")
    assert category.created_by == admin and f"run #{run.pk}" in category.origin
    topic.refresh_from_db()
    assert topic.category == "card_arrival"
    faq = FAQEntry.objects.get(category="card_arrival")
    assert faq.embedding and faq.question == "A new payment card that has not arrived"
    assert "card_arrival" in category_choices() and "card_arrival" in label_choices()
    batch = LabelingBatch.objects.get(trigger=LabelingBatch.Trigger.NEW_CATEGORY)
    assert batch.category == "card_arrival"
    assert sorted(batch.items.values_list("inquiry_id", flat=True)) == sorted(topic.member_ids)

    # Held back while it has fewer gold labels than the setting asks for.
    settings.SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD = len(card_members) + 1
    _label_everything([annie, arthur], truth)
    gold = TrainingExample.objects.filter(source="gold", category="card_arrival").count()
    assert gold == len(card_members)
    assert LabelingItem.objects.filter(batch=batch, status="gold").count() == topic.size
    assert newcategories_held_back() == {"card_arrival": gold}
    held = snapshot_build()
    assert held.stats["held_back"] == {"card_arrival": gold}
    assert not [r for r in held.rows if r.get("category") == "card_arrival"]

    # At the default (20) it is trainable: the training worker's path takes it in.
    settings.SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD = 20
    training, created = trainingrun_request(trigger="manual", actor=admin)
    assert created
    training = trainingrun_execute(run_id=training.pk)
    assert training.status == "succeeded", (training.decision, training.error)
    assert training.snapshot_stats["held_back"] == {}
    mv = ModelVersion.objects.get(pk=training.model_version_id)
    assert "card_arrival" in mv.labels
    assert "card_arrival" in mv.metrics["heldout"]["per_category_accuracy"]  # what the model page lists

    modelversion_promote(version=mv.version, actor=admin)
    serving_refresh()
    predictor = predictor_active()
    assert predictor.version == mv.version
    answers = [predictor.predict(texts_by_id[i]).category for i in card_members]
    assert answers.count("card_arrival") >= 0.8 * len(answers), answers
    assert predictor.predict(CARD[0]).category == "card_arrival"
