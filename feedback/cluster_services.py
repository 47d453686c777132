"""Topic-clustering runs: requested by an admin or the nightly schedule, executed by a Celery task."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from feedback.cluster_trends import trend_growth, weekly_counts
from feedback.clustering import topic_name, topics_cluster
from feedback.models import Cluster, ClusterRun, ExplicitFeedback
from feedback.realtime import clusterrun_changed_push
from feedback.tasks import clusterrun_execute_task
from mlcore import encoder
from mlcore.models import NewCategory
from mlcore.services import newcategory_create
from supportdesk.models import FAQEntry, Inquiry
from supportdesk.selectors import category_choices
from supportdesk.services.faq import faq_entry_embed

SNIPPET = 160


class UnknownSource(ValueError):
    pass


class TopicNotFound(LookupError):
    pass


def clusterrun_request(*, source: str, window_days: int = 90) -> ClusterRun:
    if source not in ClusterRun.Source.values:
        raise UnknownSource(f"unknown source {source!r}")
    run = ClusterRun.objects.create(source=source, window_days=window_days)
    clusterrun_execute_task.delay_on_commit(run.pk)
    clusterrun_changed_push(run_id=run.pk)
    return run


@dataclass
class Corpus:
    """The texts of one run with what the topics page counts over them."""

    ids: list[int]
    texts: list[str]
    embeddings: np.ndarray
    sentiment: np.ndarray
    nps: np.ndarray
    created: list
    reasons: list[list[str]]


def _comments(since) -> Corpus:
    rows = list(ExplicitFeedback.objects.filter(created_at__gte=since).exclude(comment="").order_by("id")
                .values_list("id", "comment", "comment_sentiment", "nps", "comment_embedding", "created_at"))
    texts = [r[1] for r in rows]
    emb = np.zeros((len(rows), 384), dtype=np.float32)
    missing = [i for i, r in enumerate(rows) if not r[4]]  # given while no model could answer
    for i, r in enumerate(rows):
        if r[4]:
            emb[i] = np.frombuffer(bytes(r[4]), dtype=np.float32)
    if missing:
        emb[missing] = encoder.encoder_session().embed([texts[i] for i in missing])
    sentiment = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=float)
    nps = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=float)
    return Corpus(ids=[r[0] for r in rows], texts=texts, embeddings=emb, sentiment=sentiment, nps=nps,
                  created=[r[5] for r in rows], reasons=[[] for _ in rows])


def _escalations(since) -> Corpus:
    rows = list(Inquiry.objects.filter(created_at__gte=since, embedding__isnull=False)
                .exclude(escalation_reasons=[]).order_by("id")
                .values_list("id", "text", "embedding", "sentiment", "created_at", "escalation_reasons"))
    emb = (np.stack([np.frombuffer(bytes(r[2]), dtype=np.float32) for r in rows]) if rows
           else np.zeros((0, 384), dtype=np.float32))
    sentiment = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=float)
    return Corpus(ids=[r[0] for r in rows], texts=[r[1] for r in rows], embeddings=emb, sentiment=sentiment,
                  nps=np.full(len(rows), np.nan), created=[r[4] for r in rows], reasons=[list(r[5]) for r in rows])


def _members(*, corpus: Corpus, labels: np.ndarray, label: int, now) -> dict:
    """What the page shows of one topic beyond the clustering: its members, weekly sizes, trend, reasons."""
    idx = [i for i, lab in enumerate(labels.tolist()) if lab == label]
    weekly = weekly_counts(dates=[corpus.created[i] for i in idx], now=now)
    reasons = Counter(reason for i in idx for reason in corpus.reasons[i])
    return {"member_ids": [corpus.ids[i] for i in idx], "weekly": weekly, "growth": trend_growth(weekly),
            "reasons": dict(reasons.most_common())}


def clusterrun_execute(*, run_id: int) -> ClusterRun:
    """Idempotent: a run that is already done (or being run) is left alone."""
    with transaction.atomic():
        claimed = ClusterRun.objects.filter(pk=run_id, status=ClusterRun.Status.QUEUED).update(
            status=ClusterRun.Status.RUNNING)
    run = ClusterRun.objects.get(pk=run_id)
    if not claimed:
        return run
    clusterrun_changed_push(run_id=run_id)
    started = time.monotonic()
    try:
        now = timezone.now()
        since = now - timezone.timedelta(days=run.window_days)
        load = _comments if run.source == ClusterRun.Source.COMMENTS else _escalations
        corpus = load(since)
        result = topics_cluster(embeddings=corpus.embeddings, texts=corpus.texts, sentiments=corpus.sentiment,
                                nps=corpus.nps)
    except Exception as exc:  # a failed run is recorded and shown (then re-raised), never half-stored
        ClusterRun.objects.filter(pk=run_id).update(status=ClusterRun.Status.FAILED, error=str(exc)[:2000],
                                                    finished_at=timezone.now())
        clusterrun_changed_push(run_id=run_id)
        raise
    with transaction.atomic():
        Cluster.objects.bulk_create([
            Cluster(run=run, label=t.label, name=topic_name(t.keywords), size=t.size, keywords=t.keywords,
                    representatives=t.representatives, mean_sentiment=t.mean_sentiment, mean_nps=t.mean_nps,
                    **_members(corpus=corpus, labels=result.labels, label=t.label, now=now))
            for t in result.topics
        ])
        run.points = [[round(float(x), 4), round(float(y), 4), int(lab), text[:SNIPPET]]
                      for (x, y), lab, text in zip(result.coords, result.labels, corpus.texts, strict=True)]
        run.n_items, run.n_noise, run.params = len(corpus.texts), result.n_noise, result.params
        run.status, run.finished_at = ClusterRun.Status.DONE, timezone.now()
        run.duration_s = round(time.monotonic() - started, 2)
        run.save()
        clusterrun_changed_push(run_id=run_id)
    return run


def clusterruns_nightly() -> list[ClusterRun]:
    return [clusterrun_request(source=s) for s in ClusterRun.Source.values]


def topic_category_create(*, cluster_id: int, name: str, description: str = "", faq_question: str = "",
                          faq_answer: str = "", display_name: str = "", actor=None) -> NewCategory:
    """Turn a topic of escalated inquiries into a new category (SPEC §4.6): the category (mlcore), an FAQ
    entry when an answer is given, and, through mlcore.events.category_added, the topic's inquiries queued
    for the annotators with the new category among their choices; all in one transaction.

    TopicNotFound for no such topic; ValidationError for a topic of comments, one already made a category,
    or a name that is malformed or taken."""
    cluster = Cluster.objects.select_related("run").filter(pk=cluster_id).first()
    if cluster is None:
        raise TopicNotFound(f"no topic {cluster_id}")
    if cluster.run.source != ClusterRun.Source.ESCALATIONS:
        raise ValidationError("only a topic of escalated inquiries can become a category")
    if not cluster.member_ids:
        raise ValidationError("this topic has no stored texts (clustered before texts were kept): run the "
                              "clustering again")
    faq_answer = faq_answer.strip()
    with transaction.atomic():
        made = Cluster.objects.filter(pk=cluster.pk).values_list("category", flat=True).first()
        if made:
            raise ValidationError(f"this topic already became the category {made!r}")
        category = newcategory_create(
            name=name, description=description, display_name=display_name, actor=actor,
            inquiry_ids=cluster.member_ids,
            origin=f"topic {cluster.label} ({cluster.name}) of clustering run #{cluster.run_id}",
            taken=set(category_choices()))
        entry = None
        if faq_answer:
            entry = FAQEntry.objects.create(category=category.name, answer=faq_answer,
                                            question=(faq_question.strip() or description.strip()
                                                      or category.name.replace("_", " "))[:500])
        Cluster.objects.filter(pk=cluster.pk).update(category=category.name)
    if entry is not None:
        faq_entry_embed(entry=entry)  # outside the transaction: the encoder may take a moment
    return category
