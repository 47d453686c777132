"""Simulated customers for a newcomer's dashboards: real inquiries through the real classifier,
with feedback whose tone follows the outcome, spread over past weeks."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from django.utils import timezone

from feedback.models import ExplicitFeedback, ImplicitSignal
from feedback.services import explicit_feedback_submit, implicit_signal_record
from mlcore.starter import starter_inquiries, starter_sentiment
from supportdesk.models import Inquiry, TicketEvent
from supportdesk.services import inquiry_submit

PREFIXES = ["", "Hi, ", "Hello! ", "Quick question: ", "Urgent: ", "Good morning. "]


@dataclass
class DemoResult:
    inquiries: int
    feedback: int
    signals: int


def demo_traffic_generate(*, inquiries: int, weeks: int, seed: int = 0) -> DemoResult:
    rng = random.Random(seed)
    pool = [r["text"] for r in starter_inquiries()]
    comments = {s: [r["text"] for r in starter_sentiment() if r["sentiment"] == s]
                for s in ("negative", "neutral", "positive")}
    now = timezone.now()
    n_feedback = n_signals = 0
    for _ in range(inquiries):
        inquiry = inquiry_submit(text=rng.choice(PREFIXES) + rng.choice(pool))
        when = now - timezone.timedelta(days=rng.uniform(0, weeks * 7), minutes=rng.uniform(0, 600))
        # The whole ticket moves back in time, its first-response due time with it.
        due = inquiry.response_due_at and inquiry.response_due_at - (now - when)
        Inquiry.objects.filter(pk=inquiry.pk).update(created_at=when, created_day=timezone.localdate(when),
                                                     response_due_at=due)
        TicketEvent.objects.filter(inquiry=inquiry).update(created_at=when)
        good = inquiry.status == Inquiry.Status.ANSWERED_AUTO and rng.random() < 0.8
        if rng.random() < 0.7:
            implicit_signal_record(inquiry=inquiry, view_id=uuid.uuid4().hex, seq=1, clicked=rng.random() < 0.3,
                                   dwell_seconds=rng.expovariate(1 / (40 if good else 15)),
                                   scroll_depth=rng.uniform(0.4, 1.0) if good else rng.uniform(0, 0.6))
            n_signals += 1
        if inquiry.status == Inquiry.Status.ANSWERED_AUTO and rng.random() < 0.5:
            tone = "positive" if good else rng.choice(["negative", "neutral"])
            explicit_feedback_submit(
                inquiry=inquiry, helpful=good, comment=rng.choice(comments[tone]) if rng.random() < 0.6 else "",
                rating=rng.randint(4, 5) if good else rng.randint(1, 3),
                nps=rng.choice([9, 10, 10, 8]) if good else rng.randint(0, 7),
            )
            n_feedback += 1
    # Feedback and signals took their creation time now: move them to their inquiry's day.
    for model in (ExplicitFeedback, ImplicitSignal):
        rows = list(model.objects.filter(inquiry__created_at__lt=now).select_related("inquiry"))
        for row in rows:
            row.created_at = row.inquiry.created_at + timezone.timedelta(minutes=rng.uniform(1, 120))
            row.created_day = timezone.localdate(row.created_at)
        model.objects.bulk_update(rows, ["created_at", "created_day"], batch_size=1000)
    return DemoResult(inquiries=inquiries, feedback=n_feedback, signals=n_signals)
