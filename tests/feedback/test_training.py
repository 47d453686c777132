"""Feedback's training rows for the ML core: well-rated automatic answers, weighted by their score."""

from feedback.models import ExplicitFeedback, ImplicitSignal
from feedback.training import feedback_training_rows, feedback_weighted_rows
from supportdesk.models import Inquiry


def test_feedback_weighted_rows_and_the_labeling_pool(db, settings):
    settings.SUPPORTLOOP_FEEDBACK_LAMBDA = 0.5
    settings.SUPPORTLOOP_FEEDBACK_MIN_SCORE = 0.5

    def inquiry(text, status="answered_auto"):
        return Inquiry.objects.create(text=text, status=status, category="delivery")

    good = inquiry("parcel late again")
    ExplicitFeedback.objects.create(inquiry=good, score=0.9, helpful=True)
    ImplicitSignal.objects.create(inquiry=good, view_id="v-good", score=0.1)  # explicit outranks implicit
    implicit = inquiry("where is the courier")
    ImplicitSignal.objects.create(inquiry=implicit, view_id="v-a", score=0.4)
    ImplicitSignal.objects.create(inquiry=implicit, view_id="v-b", score=0.7)  # the best view counts
    poor = inquiry("tracking number wrong")
    ExplicitFeedback.objects.create(inquiry=poor, score=0.2)
    unhelpful = inquiry("parcel lost")
    ExplicitFeedback.objects.create(inquiry=unhelpful, score=0.9, helpful=False)
    inquiry("no feedback at all")
    escalated = inquiry("angry about parcel", status="escalated")
    ExplicitFeedback.objects.create(inquiry=escalated, score=1.0)
    rows, n_poor = feedback_weighted_rows(exclude=set(), window_days=90, minimum=0.5, lam=0.5)
    assert {r["text"]: r["weight"] for r in rows} == {"parcel late again": 0.45, "where is the courier": 0.35}
    assert n_poor == 2 and all(r["source"] == "feedback" and r["category"] == "delivery" for r in rows)
    rows, _ = feedback_weighted_rows(exclude={"parcel late again"}, window_days=90, minimum=0.5, lam=0.5)
    assert [r["text"] for r in rows] == ["where is the courier"]  # a labeled text keeps its label


def test_the_provider_reads_its_settings_and_counts_the_poor(db, settings):
    settings.SUPPORTLOOP_FEEDBACK_LAMBDA = 1.0
    settings.SUPPORTLOOP_FEEDBACK_MIN_SCORE = 0.5
    settings.SUPPORTLOOP_FEEDBACK_WINDOW_DAYS = 30
    good = Inquiry.objects.create(text="parcel late again", status="answered_auto", category="delivery")
    ExplicitFeedback.objects.create(inquiry=good, score=0.8)
    poor = Inquiry.objects.create(text="tracking number wrong", status="answered_auto", category="delivery")
    ExplicitFeedback.objects.create(inquiry=poor, score=0.1)
    provided = feedback_training_rows(exclude=set())
    assert [(r["text"], r["weight"]) for r in provided.rows] == [("parcel late again", 0.8)]
    assert provided.left_out == 1
