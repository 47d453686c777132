"""The training pipeline (SPEC §6.4) as one idempotent service per TrainingRun:
snapshot → embed → train → evaluate → export → validate → register → decide.

The one way a version is trained: the training worker's task runs `trainingrun_execute`, and
bootstrap, `manage.py train` and the benches run the same function in their own process
(`trainingrun_run`). Nothing reaches the artifact storage before the validator has accepted the
bundle; the run's prefix is recorded first, so the recovery task can remove what a killed worker
left behind.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from mlcore import encoder, heads
from mlcore.bundle import MANIFEST_FILE, MODEL_FILE, bundle_write
from mlcore.drift import drift_reference
from mlcore.embedcache import embeddings_cached
from mlcore.evaluation import heldout_evaluate, promotion_decide
from mlcore.models import ModelVersion, TrainingRun
from mlcore.progress import trainingrun_push
from mlcore.runtime import BundleError, Predictor
from mlcore.selectors import modelversion_active
from mlcore.services import PromotionError, TrainingError, bundle_local_dir, modelversion_promote
from mlcore.snapshot import Snapshot, snapshot_build, snapshot_load, snapshot_store
from mlcore.tasks import modelversion_train_task
from mlcore.upset import upset_inputs_build
from mlcore.validate import bundle_validate_subprocess

logger = logging.getLogger(__name__)

Status = TrainingRun.Status
OPEN = (Status.QUEUED, Status.RUNNING)
MAX_ATTEMPTS = 2
PROGRESS_SECONDS = 0.5


class TrainingBusy(TrainingError):
    """Another run is queued or holds the one running slot: the task retries later, a command stops."""


class Promote(StrEnum):
    """What the decide step does with a registered candidate."""

    JUDGED = "judged"  # the promotion rule against the active version (runs of the training worker)
    IF_NONE_ACTIVE = "if_none_active"  # promoted when no version is active: the first model
    ALWAYS = "always"  # manage.py train --promote
    NEVER = "never"


def trainingrun_request(*, trigger: str, reason: str = "", actor=None) -> tuple[TrainingRun, bool]:
    """Queue a run for the training worker unless one is already queued or running (then that one is returned)."""
    return _open_or_create(trigger=trigger, reason=reason, actor=actor, enqueue=True)


def trainingrun_run(
    *, trigger: str, reason: str = "", actor=None, seed: int | None = None, promote: Promote = Promote.JUDGED,
) -> TrainingRun:
    """Request a run and execute it in this process, as the training worker would (bootstrap,
    manage.py train, benches). TrainingBusy when another run is queued or running."""
    run, created = _open_or_create(trigger=trigger, reason=reason, actor=actor, enqueue=False)
    if not created:
        raise TrainingBusy(f"training run #{run.pk} is {run.status}; try again when it has finished")
    try:
        return trainingrun_execute(run_id=run.pk, seed=seed, promote=promote)
    except TrainingBusy:
        _finish(run, status=Status.FAILED, error="another training run was running")  # not left for the worker
        raise


def _open_or_create(*, trigger: str, reason: str, actor, enqueue: bool) -> tuple[TrainingRun, bool]:
    with transaction.atomic():
        existing = TrainingRun.objects.select_for_update().filter(status__in=OPEN).order_by("id").first()
        if existing is not None:
            return existing, False
        run = TrainingRun.objects.create(trigger=trigger, reason=reason[:255], requested_by=actor)
        if enqueue:
            modelversion_train_task.delay_on_commit(run.pk)
    trainingrun_push(run=run)
    return run, True


def _update(run: TrainingRun, **fields) -> None:
    now = timezone.now()
    fields.setdefault("heartbeat_at", now)
    mark = "end" if "finished_at" in fields else fields.get("stage")
    if mark and mark != run.stage and run.started_at:
        fields["timings"] = {**run.timings, mark: round((now - run.started_at).total_seconds(), 2)}
    for name, value in fields.items():
        setattr(run, name, value)
    TrainingRun.objects.filter(pk=run.pk).update(**fields)
    trainingrun_push(run=run)


def _finish(run: TrainingRun, *, status: str, **fields) -> TrainingRun:
    _update(run, status=status, finished_at=timezone.now(), **fields)
    return run


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.SUPPORTLOOP_TRAINING_STALE_SECONDS)


def artifacts_remove(*, prefix: str) -> int:
    """Delete what a run stored under its prefix (never a registered version's files)."""
    if not prefix or ModelVersion.objects.filter(artifact_prefix=prefix).exists():
        return 0
    store = storages["artifacts"]
    try:
        _, files = store.listdir(prefix)
    except FileNotFoundError:
        return 0
    for name in files:
        store.delete(f"{prefix}/{name}")
    return len(files)


def _claim(run_id: int) -> TrainingRun | None:
    """Take the one running slot for this run; None when there is nothing to do."""
    with transaction.atomic():
        run = TrainingRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in OPEN:
            return None
        if run.status == Status.RUNNING and run.heartbeat_at and run.heartbeat_at > _stale_before():
            return None  # a redelivery while the first delivery is still at work
        lost = TrainingRun.objects.filter(status=Status.RUNNING, heartbeat_at__lt=_stale_before()).exclude(pk=run.pk)
        leftovers = list(lost.values_list("artifact_prefix", flat=True))
        lost.update(status=Status.FAILED, error="worker lost: no heartbeat", finished_at=timezone.now())
        if run.attempts >= MAX_ATTEMPTS:
            run.status, run.finished_at = Status.FAILED, timezone.now()
            run.error = f"gave up after {run.attempts} attempts"
            run.save(update_fields=["status", "error", "finished_at"])
            return None
        now = timezone.now()
        try:
            with transaction.atomic():
                TrainingRun.objects.filter(pk=run.pk).update(
                    status=Status.RUNNING, attempts=run.attempts + 1, started_at=now, heartbeat_at=now,
                    stage="snapshot", epoch=0, loss=None, error="")
        except IntegrityError as exc:
            raise TrainingBusy("another training run is running") from exc
    for prefix in [run.artifact_prefix, *leftovers]:  # left by killed attempts
        artifacts_remove(prefix=prefix)
    run.refresh_from_db()
    trainingrun_push(run=run)
    return run


def trainingrun_execute(
    *, run_id: int, seed: int | None = None, promote: Promote = Promote.JUDGED,
) -> TrainingRun | None:
    """Claim the run and take it from snapshot to decision; `seed` defaults to the run's id."""
    run = _claim(run_id)
    if run is None:
        return TrainingRun.objects.filter(pk=run_id).first()
    try:
        return _pipeline(run, seed=run.pk if seed is None else seed, promote=promote)
    except TrainingError as exc:
        artifacts_remove(prefix=run.artifact_prefix)
        return _finish(run, status=Status.FAILED, error=str(exc)[:2000])
    except Exception as exc:
        artifacts_remove(prefix=run.artifact_prefix)
        _finish(run, status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise


def _previous_snapshot() -> Snapshot | None:
    last = TrainingRun.objects.filter(status=Status.SUCCEEDED).exclude(snapshot_path="").first()
    return snapshot_load(last.snapshot_path) if last else None


def _pipeline(run: TrainingRun, *, seed: int, promote: Promote) -> TrainingRun:
    snap = snapshot_build(previous=_previous_snapshot())
    try:
        with transaction.atomic():
            TrainingRun.objects.filter(pk=run.pk).update(snapshot_id=snap.snapshot_id)
    except IntegrityError:
        other = TrainingRun.objects.filter(snapshot_id=snap.snapshot_id).exclude(pk=run.pk).first()
        by = f"run #{other.pk}" if other else "another run"
        return _finish(run, status=Status.SKIPPED, snapshot_id=snap.snapshot_id,
                       decision=f"snapshot {snap.snapshot_id[:12]} already trained by {by}")
    _update(run, snapshot_id=snap.snapshot_id, snapshot_path=snapshot_store(snap), snapshot_stats=snap.stats,
            stage="embed")

    train_rows = snap.of("train", "replay")
    eval_rows = snap.of("eval")
    sentiment_rows = snap.of("sentiment")
    labels = sorted({r["category"] for r in train_rows})
    if len(labels) < 2:
        raise TrainingError("need labeled examples of at least two categories")
    if len({r["sentiment"] for r in sentiment_rows}) < 3:
        raise TrainingError("need sentiment examples of all three polarities")

    beat = _throttle(lambda done, total: _update(run))  # a heartbeat while new texts are embedded
    texts = [r["text"] for r in train_rows]
    X = embeddings_cached(texts, on_batch=beat)
    sX = embeddings_cached([r["text"] for r in sentiment_rows], on_batch=beat)
    y = np.array([labels.index(r["category"]) for r in train_rows])
    w = np.array([r["weight"] for r in train_rows], dtype=np.float32)
    sy = np.array([heads.SENTIMENT_LABELS.index(r["sentiment"]) for r in sentiment_rows])

    upset = upset_inputs_build(
        upset_rows=[(r["text"], bool(r["upset"])) for r in snap.of("upset")], category_texts=texts,
        tokenizer=encoder.tokenizer_load(), embed=lambda ts: embeddings_cached(ts, on_batch=beat),
    )

    _update(run, stage="train")
    progress = _throttle(lambda epoch, epochs, loss: _update(run, epoch=epoch, epochs=epochs, loss=round(loss, 5)))
    fit = heads.heads_fit(
        X=X, y=y, labels=labels, sentiment_X=sX, sentiment_y=sy, upset=upset, sample_weight=w, seed=seed,
        inscope_escalation_target=settings.SUPPORTLOOP_INSCOPE_ESCALATION_TARGET, progress=progress,
    )
    progress.flush()

    _update(run, stage="evaluate")
    # After the fit: the cache embeds new texts in shared batches, and padding shared with these could
    # shift the last bits of the training embeddings.
    eX = embeddings_cached([r["text"] for r in eval_rows], on_batch=beat)
    truth = [r["category"] for r in eval_rows]
    candidate_probs = fit.heads.probabilities(eX) if len(eX) else np.zeros((0, len(labels)))
    candidate_eval = heldout_evaluate(probabilities=candidate_probs, labels=labels, truth=truth)
    active = modelversion_active()
    active_eval = _active_evaluate(active=active, texts=[r["text"] for r in eval_rows], truth=truth)
    metrics = {**fit.metrics, "heldout": candidate_eval,
               "reference": drift_reference(labels=labels, probabilities=fit.heads.probabilities(X),
                                            sentiment=fit.heads.sentiment(X), seed=seed)}
    side_by_side = {"candidate": candidate_eval, "active": active_eval,
                    "active_version": active.version if active else None}
    _update(run, stage="export", metrics=side_by_side)

    with tempfile.TemporaryDirectory(prefix="bundle-") as tmp:
        mv = _export_validate_register(run=run, fit=fit, metrics=metrics, snap=snap, seed=seed, bundle_dir=Path(tmp))
    if mv is None:
        return run
    return _decide(run=run, mv=mv, candidate_eval=candidate_eval, active_eval=active_eval if active else None,
                   promote=promote)


def _active_evaluate(*, active: ModelVersion | None, texts: list[str], truth: list[str]) -> dict | None:
    """The active version on the same held-out set, through its own bundle (its labels may differ)."""
    if active is None or not texts:
        return None
    try:
        predictor = Predictor(directory=bundle_local_dir(mv=active), threads=1)
        probs, _, _ = predictor.run_batched(texts)
    except (BundleError, OSError) as exc:
        logger.warning("active %s could not be evaluated: %s", active.version, exc)
        return {"n": 0, "error": str(exc)[:300]}
    return heldout_evaluate(probabilities=probs, labels=predictor.labels, truth=truth)


def _version_name_next() -> str:
    last = ModelVersion.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return f"v{last + 1}"


def _export_validate_register(*, run, fit, metrics, snap, seed: int, bundle_dir: Path) -> ModelVersion | None:
    train_texts = [r["text"] for r in snap.of("train")]
    rng = np.random.default_rng(seed)
    golden_texts = [train_texts[i] for i in rng.choice(len(train_texts), size=min(32, len(train_texts)), replace=False)]
    golden_probs = fit.heads.probabilities(encoder.encoder_session().embed(golden_texts))
    version = _version_name_next()
    manifest = bundle_write(
        directory=bundle_dir, encoder_path=encoder.encoder_onnx_path(), heads=fit.heads, version=version,
        thresholds=fit.thresholds, metrics=metrics, snapshot_id=snap.snapshot_id,
        golden_texts=golden_texts, golden_probabilities=golden_probs,
    )
    _update(run, stage="validate")
    result = bundle_validate_subprocess(directory=bundle_dir)
    if not result["ok"]:
        _finish(run, status=Status.REJECTED, decision=f"rejected by the validator: {result['reason']}"[:255],
                error=result["reason"][:2000])
        return None
    _update(run, stage="register", artifact_prefix=f"bundles/{version}-{manifest.sha256[:12]}")
    artifacts_remove(prefix=run.artifact_prefix)  # an unregistered leftover would make storage rename ours
    store = storages["artifacts"]
    for name in (MODEL_FILE, MANIFEST_FILE):  # the manifest last: a bundle without it never loads
        with open(bundle_dir / name, "rb") as fh:
            saved = store.save(f"{run.artifact_prefix}/{name}", File(fh))
        if saved != f"{run.artifact_prefix}/{name}":
            raise TrainingError(f"the artifact storage stored {saved} instead of {run.artifact_prefix}/{name}")
    with transaction.atomic():
        mv = ModelVersion.objects.create(
            version=version, artifact_prefix=run.artifact_prefix, sha256=manifest.sha256, labels=fit.heads.labels,
            thresholds=fit.thresholds, metrics=metrics, snapshot_id=snap.snapshot_id,
            note=f"training run #{run.pk} ({run.get_trigger_display().lower()})"
                 + (f": {run.reason}" if run.reason else ""),
        )
        TrainingRun.objects.filter(pk=run.pk).update(model_version=mv)
        run.model_version = mv
    return mv


def _decide(*, run: TrainingRun, mv: ModelVersion, candidate_eval: dict, active_eval: dict | None,
            promote: Promote) -> TrainingRun:
    if promote == Promote.JUDGED:
        verdict, reason = promotion_decide(candidate=candidate_eval, active=active_eval,
                                           margin=settings.SUPPORTLOOP_PROMOTE_MARGIN)
    else:
        verdict, reason = _verdict_asked(promote=promote)
    if verdict == "reject":
        ModelVersion.objects.filter(pk=mv.pk).update(status=ModelVersion.Status.REJECTED, note=reason[:2000])
        return _finish(run, status=Status.REJECTED, stage="done", decision=reason[:255])
    if verdict == "promote" and (settings.SUPPORTLOOP_AUTO_PROMOTE or promote != Promote.JUDGED):
        try:
            run.model_version = modelversion_promote(version=mv.version)
            reason = f"promoted: {reason}"
        except PromotionError as exc:
            reason = f"kept as candidate: {exc}"
    elif verdict == "promote":
        reason = f"candidate (automatic promotion is off): {reason}"
    else:
        reason = f"kept as candidate: {reason}"
    logger.info("run #%s registered %s: %s", run.pk, mv.version, reason)
    return _finish(run, status=Status.SUCCEEDED, stage="done", decision=reason[:255])


def _verdict_asked(*, promote: Promote) -> tuple[str, str]:
    """A run that was not asked to be judged: a candidate, promoted when asked to or when it is the first model."""
    if promote == Promote.ALWAYS:
        return "promote", "asked to"
    if promote == Promote.IF_NONE_ACTIVE and modelversion_active() is None:
        return "promote", "no active version"
    return "keep", "registered for an admin to promote"


class _throttle:
    """Calls through at most every PROGRESS_SECONDS; flush() sends the last call held back."""

    def __init__(self, fn) -> None:
        self.fn, self.last, self.pending = fn, 0.0, None

    def __call__(self, *args) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_SECONDS:
            self.last, self.pending = now, None
            self.fn(*args)
        else:
            self.pending = args

    def flush(self) -> None:
        if self.pending is not None:
            self.fn(*self.pending)
            self.pending = None


def trainingruns_recover(*, stale_seconds: int | None = None) -> list[int]:
    """Runs whose worker stopped beating (killed, lost) are marked failed and their stored files
    removed; queued runs whose task was lost are sent again. Returns the ids marked failed."""
    before = timezone.now() - timedelta(seconds=stale_seconds if stale_seconds is not None
                                        else settings.SUPPORTLOOP_TRAINING_STALE_SECONDS)
    failed = []
    for run in TrainingRun.objects.filter(status=Status.RUNNING, heartbeat_at__lt=before):
        with transaction.atomic():
            marked = TrainingRun.objects.filter(pk=run.pk, status=Status.RUNNING, heartbeat_at__lt=before).update(
                status=Status.FAILED, finished_at=timezone.now(),
                error=f"worker lost: no heartbeat since {run.heartbeat_at:%H:%M:%S} (stage {run.stage})")
        if marked:
            artifacts_remove(prefix=run.artifact_prefix)
            run.refresh_from_db()
            trainingrun_push(run=run)
            failed.append(run.pk)
    if not TrainingRun.objects.filter(status=Status.RUNNING).exists():
        for pk in TrainingRun.objects.filter(status=Status.QUEUED, created_at__lt=before).values_list("pk", flat=True):
            modelversion_train_task.delay(pk)
    return failed


def modelversion_train(
    *, note: str = "", activate_if_none: bool = True, promote: bool = False, seed: int = 0,
    trigger: str = TrainingRun.Trigger.COMMAND,
) -> ModelVersion:
    """Train a version in this process through the training pipeline (a TrainingRun) and return it,
    promoted when asked to or, with activate_if_none, when no version is active.

    TrainingError (TrainingBusy: another run is open) when no version came of the run; PromotionError
    when the promotion asked for failed."""
    how = Promote.ALWAYS if promote else Promote.IF_NONE_ACTIVE if activate_if_none else Promote.NEVER
    run = trainingrun_run(trigger=trigger, reason=note, seed=seed, promote=how)
    if run.model_version is None:
        what = f"failed: {run.error}" if run.status == TrainingRun.Status.FAILED else run.decision
        raise TrainingError(f"training run #{run.pk}: {what}")
    mv = ModelVersion.objects.get(pk=run.model_version_id)
    if promote and mv.status != ModelVersion.Status.ACTIVE:
        raise PromotionError(f"{mv.version} was registered but not promoted: {run.decision}")
    return mv
