"""Feedback's training rows for the ML core (registered in FeedbackConfig.ready): auto-answered
inquiries that customers rated well, weighted by their feedback score (SPEC §6.2)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from feedback.models import ExplicitFeedback, ImplicitSignal
from feedback.scoring import ticket_feedback_score
from mlcore.providers import ProvidedRows, text_key
from supportdesk.models import Inquiry


def feedback_weighted_rows(*, exclude: set[str], window_days: int, minimum: float, lam: float) -> tuple[list, int]:
    """Auto-answered inquiries with a feedback score f ≥ minimum, weight λ·f; those below belong to
    the labeling pool instead. Returns the rows and how many were left out as poor."""
    since = timezone.now() - timezone.timedelta(days=window_days)
    inquiries = dict(Inquiry.objects.filter(status=Inquiry.Status.ANSWERED_AUTO, created_at__gte=since)
                     .exclude(category="").values_list("pk", "text").iterator())
    cats = dict(Inquiry.objects.filter(pk__in=inquiries.keys()).values_list("pk", "category"))
    explicit = {i: (s, h) for i, s, h in ExplicitFeedback.objects.filter(inquiry_id__in=inquiries.keys())
                .values_list("inquiry_id", "score", "helpful")}
    implicit = dict(ImplicitSignal.objects.filter(inquiry_id__in=inquiries.keys()).values("inquiry_id")
                    .annotate(best=Max("score")).values_list("inquiry_id", "best"))
    rows, poor, seen = [], 0, set(exclude)
    for pk, text in sorted(inquiries.items()):
        key = text_key(text)
        score, helpful = explicit.get(pk, (None, None))
        f = ticket_feedback_score(explicit=score, implicit=implicit.get(pk), helpful=helpful)
        if f is None or key in seen:
            continue
        if f < minimum:
            poor += 1
            continue
        seen.add(key)
        rows.append({"set": "train", "text": text, "category": cats[pk], "source": "feedback",
                     "weight": round(lam * f, 4), "inquiry": pk})
    return rows, poor


def feedback_training_rows(*, exclude: set[str]) -> ProvidedRows:
    rows, poor = feedback_weighted_rows(
        exclude=exclude, window_days=settings.SUPPORTLOOP_FEEDBACK_WINDOW_DAYS,
        minimum=settings.SUPPORTLOOP_FEEDBACK_MIN_SCORE, lam=settings.SUPPORTLOOP_FEEDBACK_LAMBDA)
    return ProvidedRows(rows=rows, left_out=poor)
