from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction

from feedback.models import ExplicitFeedback, ImplicitSignal
from feedback.scoring import explicit_score, implicit_score
from mlcore.predictions import prediction_feedback_record
from mlcore.runtime import BundleError
from mlcore.serving import ModelUnavailable, predictor_active
from supportdesk.models import Inquiry, TicketMessage

logger = logging.getLogger(__name__)


class FeedbackRefused(Exception):
    """Feedback this ticket cannot take (the message says why, for the customer)."""


class FeedbackAlreadyGiven(FeedbackRefused):
    pass


class FeedbackNotAnswered(FeedbackRefused):
    pass


def implicit_signal_record(*, inquiry, view_id: str, seq: int, clicked: bool, dwell_seconds: float,
                           scroll_depth: float) -> ImplicitSignal | None:
    """Beacons of one page view carry running totals; a replayed or late beacon (seq not newer) changes nothing.

    A ticket counts at most SUPPORTLOOP_VIEWS_PER_TICKET_MAX views (the score is a training weight, and
    a new view id is free to invent): a beacon of a view beyond them is dropped, and None returned."""
    with transaction.atomic():
        signal = ImplicitSignal.objects.select_for_update().filter(view_id=view_id).first()
        if signal is None:
            signal = _implicit_view_open(inquiry=inquiry, view_id=view_id)
            if signal is None:
                return None
        if signal.inquiry_id != inquiry.pk or seq <= signal.last_seq:
            return signal
        signal.last_seq = seq
        signal.clicked = signal.clicked or clicked
        signal.dwell_seconds = max(signal.dwell_seconds, dwell_seconds)
        signal.scroll_depth = max(signal.scroll_depth, scroll_depth)
        signal.score = implicit_score(clicked=signal.clicked, dwell_seconds=signal.dwell_seconds,
                                      scroll_depth=signal.scroll_depth)
        signal.save()
    return signal


def _implicit_view_open(*, inquiry, view_id: str) -> ImplicitSignal | None:
    # The ticket's row lock makes concurrent first beacons of new views count one after the other
    # (on PostgreSQL; SQLite lets one writer in at a time anyway), so the cap holds exactly.
    list(Inquiry.objects.select_for_update().filter(pk=inquiry.pk).values_list("pk"))
    views = ImplicitSignal.objects.select_for_update()
    signal = views.filter(view_id=view_id).first()  # a concurrent first beacon of the same view
    if signal is not None:
        return signal
    if ImplicitSignal.objects.filter(inquiry=inquiry).count() >= settings.SUPPORTLOOP_VIEWS_PER_TICKET_MAX:
        return None
    return views.get_or_create(view_id=view_id, defaults={"inquiry": inquiry})[0]  # the id may be another ticket's


def inquiry_answered(*, inquiry) -> bool:
    """As the ticket page decides whether to ask for feedback: an automatic answer or an agent's reply."""
    return bool(inquiry.answer) or inquiry.messages.filter(author_kind=TicketMessage.Author.AGENT).exists()


def comment_analyse(*, text: str) -> tuple[float | None, bytes | None, str]:
    """Sentiment (from the active model's sentiment head) and embedding of a comment, computed once
    here so that topic clustering never re-embeds; (None, None, "") when no model can answer."""
    if not text.strip():
        return None, None, ""
    try:
        predictor = predictor_active()
        _, embedding, sentiment = predictor.run([text])
        return float(sentiment[0]), embedding[0].astype("float32").tobytes(), predictor.version
    except (ModelUnavailable, BundleError) as exc:
        logger.warning("comment sentiment unavailable: %s", exc)
        return None, None, ""


def explicit_feedback_submit(*, inquiry, helpful: bool | None, rating: int | None, comment: str,
                             nps: int | None) -> ExplicitFeedback:
    if ExplicitFeedback.objects.filter(inquiry=inquiry).exists():
        raise FeedbackAlreadyGiven("feedback for this ticket was already given")
    if not inquiry_answered(inquiry=inquiry):  # the page shows no form then; a hand-made POST gets this
        raise FeedbackNotAnswered("This ticket has no answer yet: you can tell us how we did once we have answered.")
    sentiment, embedding, version = comment_analyse(text=comment)
    score = explicit_score(rating=rating, comment_sentiment=sentiment, nps=nps)
    try:
        with transaction.atomic():
            feedback = ExplicitFeedback.objects.create(
                inquiry=inquiry, helpful=helpful, rating=rating, comment=comment, comment_sentiment=sentiment,
                comment_embedding=embedding, nps=nps, score=score, model_version=version,
            )
            prediction_feedback_record(ref=str(inquiry.pk), score=score)
            return feedback
    except IntegrityError as exc:  # a concurrent submission won
        raise FeedbackAlreadyGiven("feedback for this ticket was already given") from exc
