"""Topic-clustering runs: requested by an admin or the nightly schedule, executed by a Celery task."""

from __future__ import annotations

import time

import numpy as np
from django.db import transaction
from django.utils import timezone

from feedback.clustering import topics_cluster
from feedback.models import Cluster, ClusterRun, ExplicitFeedback
from feedback.tasks import clusterrun_execute_task
from mlcore import encoder
from supportdesk.models import Inquiry

SNIPPET = 160


class UnknownSource(ValueError):
    pass


def clusterrun_request(*, source: str, window_days: int = 90) -> ClusterRun:
    if source not in ClusterRun.Source.values:
        raise UnknownSource(f"unknown source {source!r}")
    run = ClusterRun.objects.create(source=source, window_days=window_days)
    clusterrun_execute_task.delay_on_commit(run.pk)
    return run


def _comments(since) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    rows = list(ExplicitFeedback.objects.filter(created_at__gte=since).exclude(comment="")
                .values_list("comment", "comment_sentiment", "nps", "comment_embedding"))
    texts = [r[0] for r in rows]
    emb = np.zeros((len(rows), 384), dtype=np.float32)
    missing = [i for i, r in enumerate(rows) if not r[3]]  # given while no model could answer
    for i, r in enumerate(rows):
        if r[3]:
            emb[i] = np.frombuffer(bytes(r[3]), dtype=np.float32)
    if missing:
        emb[missing] = encoder.encoder_session().embed([texts[i] for i in missing])
    sentiment = np.array([np.nan if r[1] is None else r[1] for r in rows], dtype=float)
    nps = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=float)
    return texts, emb, sentiment, nps


def _escalations(since) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    rows = list(Inquiry.objects.filter(created_at__gte=since, embedding__isnull=False)
                .exclude(escalation_reasons=[]).values_list("text", "embedding", "sentiment"))
    texts = [r[0] for r in rows]
    emb = (np.stack([np.frombuffer(bytes(r[1]), dtype=np.float32) for r in rows]) if rows
           else np.zeros((0, 384), dtype=np.float32))
    sentiment = np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=float)
    return texts, emb, sentiment, np.full(len(rows), np.nan)


def clusterrun_execute(*, run_id: int) -> ClusterRun:
    """Idempotent: a run that is already done (or being run) is left alone."""
    with transaction.atomic():
        claimed = ClusterRun.objects.filter(pk=run_id, status=ClusterRun.Status.QUEUED).update(
            status=ClusterRun.Status.RUNNING)
    run = ClusterRun.objects.get(pk=run_id)
    if not claimed:
        return run
    started = time.monotonic()
    try:
        since = timezone.now() - timezone.timedelta(days=run.window_days)
        load = _comments if run.source == ClusterRun.Source.COMMENTS else _escalations
        texts, emb, sentiment, nps = load(since)
        result = topics_cluster(embeddings=emb, texts=texts, sentiments=sentiment, nps=nps)
    except Exception as exc:  # a failed run is recorded and shown (then re-raised), never half-stored
        ClusterRun.objects.filter(pk=run_id).update(status=ClusterRun.Status.FAILED, error=str(exc)[:2000],
                                                    finished_at=timezone.now())
        raise
    with transaction.atomic():
        Cluster.objects.bulk_create([
            Cluster(run=run, label=t.label, size=t.size, keywords=t.keywords, representatives=t.representatives,
                    mean_sentiment=t.mean_sentiment, mean_nps=t.mean_nps) for t in result.topics
        ])
        run.points = [[round(float(x), 4), round(float(y), 4), int(lab), text[:SNIPPET]]
                      for (x, y), lab, text in zip(result.coords, result.labels, texts, strict=True)]
        run.n_items, run.n_noise, run.params = len(texts), result.n_noise, result.params
        run.status, run.finished_at = ClusterRun.Status.DONE, timezone.now()
        run.duration_s = round(time.monotonic() - started, 2)
        run.save()
    return run


def clusterruns_nightly() -> list[ClusterRun]:
    return [clusterrun_request(source=s) for s in ClusterRun.Source.values]
