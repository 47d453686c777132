from __future__ import annotations

import csv
import logging
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from mlcore import heads
from mlcore.bundle import MANIFEST_FILE, MODEL_FILE, file_sha256
from mlcore.categories import category_display_check, category_guides_clear
from mlcore.events import category_added, model_promoted_send_on_commit
from mlcore.models import Category, ModelVersion, NewCategory, Rollout, TrainingExample
from mlcore.selectors import category_names_known, modelversion_active
from mlcore.starter import starter_inquiries, starter_sentiment, starter_upset
from mlcore.swap import model_change_announce_on_commit

logger = logging.getLogger(__name__)

MAX_TEXT = 5000


class TrainingError(Exception):
    pass


class PromotionError(Exception):
    pass


def starter_load() -> int:
    """Load the shipped starter set; idempotent."""
    rows = [
        TrainingExample(text=r["text"], category=r["category"], sentiment=r["sentiment"],
                        source=TrainingExample.Source.STARTER)
        for r in starter_inquiries()
    ] + [
        TrainingExample(text=r["text"], sentiment=r["sentiment"], source=TrainingExample.Source.STARTER)
        for r in starter_sentiment()
    ] + [
        TrainingExample(text=r["text"], upset=r["upset"] == "1", source=TrainingExample.Source.STARTER)
        for r in starter_upset()
    ]
    before = TrainingExample.objects.filter(source=TrainingExample.Source.STARTER).count()
    TrainingExample.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return TrainingExample.objects.filter(source=TrainingExample.Source.STARTER).count() - before


def trainingexample_record(*, text: str, category: str, source: str, weight: float = 1.0) -> TrainingExample:
    """One label from a person (agent correction, gold label); the latest label for a text wins."""
    example, _ = TrainingExample.objects.update_or_create(
        source=source, text=text, defaults={"category": category, "weight": weight}
    )
    return example


@dataclass
class ImportResult:
    created: int
    skipped: int
    errors: list[str]


UPSET_VALUES = {"1": True, "true": True, "yes": True, "upset": True, "0": False, "false": False, "no": False,
                "calm": False, "": None}


def upset_value_parse(*, raw: str, tag: str | None) -> bool | None:
    """An upset label from a cell: a flag (1/0, true/false, yes/no, upset/calm), or a tag letter's presence.

    ValueError for anything else."""
    raw = (raw or "").strip()
    if tag:
        return tag.upper() in raw.upper()
    if raw.lower() not in UPSET_VALUES:
        raise ValueError("upset must be one of 1, 0, true, false, yes, no, upset, calm (or empty)")
    return UPSET_VALUES[raw.lower()]


def trainingexamples_import(
    *, path: Path, text_col: str, label_col: str, sentiment_col: str | None = None, upset_col: str | None = None,
    upset_tag: str | None = None,
) -> ImportResult:
    """Import labeled rows from a CSV file. Bad rows are reported and skipped; good rows are kept."""
    errors: list[str] = []
    examples: list[TrainingExample] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in (text_col, label_col, upset_col) if c and c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"column(s) not in the file: {', '.join(missing)}; found {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            text = (row.get(text_col) or "").strip()
            label = (row.get(label_col) or "").strip().lower()
            sentiment = (row.get(sentiment_col) or "").strip().lower() if sentiment_col else ""
            if not text or len(text) > MAX_TEXT:
                errors.append(f"line {line}: text must be 1-{MAX_TEXT} characters")
                continue
            if not label or len(label) > 64:
                errors.append(f"line {line}: label must be 1-64 characters")
                continue
            if sentiment and sentiment not in heads.SENTIMENT_LABELS:
                errors.append(f"line {line}: sentiment must be one of {', '.join(heads.SENTIMENT_LABELS)}")
                sentiment = ""
            upset = None
            if upset_col:
                try:
                    upset = upset_value_parse(raw=row.get(upset_col) or "", tag=upset_tag)
                except ValueError as exc:
                    errors.append(f"line {line}: {exc}")
            examples.append(TrainingExample(text=text, category=label, sentiment=sentiment, upset=upset,
                                            source=TrainingExample.Source.IMPORT))
    before = TrainingExample.objects.filter(source=TrainingExample.Source.IMPORT).count()
    TrainingExample.objects.bulk_create(examples, ignore_conflicts=True, batch_size=1000)
    created = TrainingExample.objects.filter(source=TrainingExample.Source.IMPORT).count() - before
    return ImportResult(created=created, skipped=len(examples) - created + len(errors), errors=errors)


def modelversion_promote(*, version: str, actor=None) -> ModelVersion:
    unlocked = ModelVersion.objects.filter(version=version).first()
    if unlocked is not None and unlocked.status not in (ModelVersion.Status.ACTIVE, ModelVersion.Status.REJECTED):
        # Hashed before the transaction: on SQLite its write lock would stall every inquiry meanwhile.
        bundle_integrity_check(mv=unlocked)
    with transaction.atomic():
        target = ModelVersion.objects.select_for_update().filter(version=version).first()
        if target is None:
            raise PromotionError(f"no model version {version!r}")
        if target.status == ModelVersion.Status.REJECTED:
            raise PromotionError(f"{version} was rejected and cannot be promoted")
        if target.status == ModelVersion.Status.ACTIVE:
            return target
        if unlocked is None or target.sha256 != unlocked.sha256 or target.artifact_prefix != unlocked.artifact_prefix:
            bundle_integrity_check(mv=target)
        ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).update(status=ModelVersion.Status.RETIRED)
        target.status = ModelVersion.Status.ACTIVE
        target.promoted_at = timezone.now()
        target.promoted_by = actor
        try:
            target.save(update_fields=["status", "promoted_at", "promoted_by"])
        except IntegrityError as exc:
            raise PromotionError("another promotion happened at the same time; try again") from exc
        Rollout.objects.filter(candidate=target, status=Rollout.Status.RUNNING).update(
            status=Rollout.Status.COMPLETED, fraction=1.0, finished_at=timezone.now(),
            reason=f"promoted{f' by {actor}' if actor else ''}")
        model_change_announce_on_commit(version=version, event="promote")
        model_promoted_send_on_commit(version=target.version)
    return target


def bundle_integrity_check(*, mv: ModelVersion) -> None:
    """Refuse to promote a version whose stored files are missing or altered (PromotionError, with why)."""
    try:
        directory = bundle_local_dir(mv=mv)
        actual = file_sha256(directory / MODEL_FILE)
    except (OSError, ValueError) as exc:
        raise PromotionError(f"{mv.version}: bundle unreadable: {exc}") from exc
    if actual != mv.sha256:
        raise PromotionError(f"{mv.version}: model file sha256 {actual[:12]} differs from the registered "
                             f"{mv.sha256[:12]} (empty, truncated or replaced)")


def modelversion_rollback(*, actor=None) -> ModelVersion:
    """Re-activate the version that was active before the current one."""
    current = modelversion_active()
    previous = (
        ModelVersion.objects.filter(status=ModelVersion.Status.RETIRED, promoted_at__isnull=False)
        .exclude(pk=getattr(current, "pk", None))
        .order_by("-promoted_at")
        .first()
    )
    if previous is None:
        raise PromotionError("no earlier version to roll back to")
    return modelversion_promote(version=previous.version, actor=actor)


def bundle_local_dir(*, mv: ModelVersion) -> Path:
    """A local directory holding the bundle; remote storages are copied into the cache once."""
    store = storages["artifacts"]
    try:
        return Path(store.path(f"{mv.artifact_prefix}/{MODEL_FILE}")).parent
    except NotImplementedError:
        local = Path(settings.SUPPORTLOOP_CACHE_DIR) / "bundles" / f"{mv.version}-{mv.sha256[:12]}"
        if not (local / MANIFEST_FILE).exists():
            tmp = Path(tempfile.mkdtemp(dir=local.parent.parent))
            for name in (MODEL_FILE, MANIFEST_FILE):
                with store.open(f"{mv.artifact_prefix}/{name}", "rb") as src, open(tmp / name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            local.parent.mkdir(parents=True, exist_ok=True)
            tmp.rename(local)
        return local


def modelversion_reject(*, version: str, reason: str, actor=None) -> ModelVersion:
    """An admin's rejection of a candidate; the active version must be rolled back, not rejected."""
    with transaction.atomic():
        target = ModelVersion.objects.select_for_update().filter(version=version).first()
        if target is None:
            raise PromotionError(f"no model version {version!r}")
        if target.status == ModelVersion.Status.ACTIVE:
            raise PromotionError(f"{version} is active: promote or roll back to another version first")
        who = getattr(actor, "username", "") or "admin"
        target.status = ModelVersion.Status.REJECTED
        target.note = f"rejected by {who}: {reason}".strip().rstrip(":")[:2000]
        target.save(update_fields=["status", "note"])
    return target


# Like the starter categories: lower case, digits and underscores, starting with a letter.
CATEGORY_NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


def newcategory_create(*, name: str, description: str = "", origin: str = "", actor=None,
                       inquiry_ids: list[int] | None = None, taken: set[str] | None = None,
                       display_name: str = "") -> NewCategory:
    """Add a category, and announce it (mlcore.events.category_added) with the texts to label with it.

    Its Category row (display name, guideline) starts with the description, so annotators see it beside
    the buttons and admins edit it with the others'. ValidationError for a malformed name or one already
    in use: here, or in `taken` (what the caller's app also knows as categories, e.g. FAQ categories), and
    for a display name (or, without one, the name made readable) another category is already shown as."""
    name = name.strip()
    if not CATEGORY_NAME.match(name):
        raise ValidationError("a category name is 2-64 characters: lower-case letters, digits and underscores, "
                              "starting with a letter (like shipping_address)")
    with transaction.atomic():
        if name in category_names_known() | (taken or set()):
            raise ValidationError(f"there is already a category {name!r}")
        display_name = category_display_check(name=name, display_name=display_name)
        try:
            with transaction.atomic():
                category = NewCategory.objects.create(name=name, description=description.strip(),
                                                      origin=origin[:255], created_by=actor)
                shown = {"display_name": display_name[:100], "description": description.strip()}
                Category.objects.update_or_create(name=name, defaults={k: v for k, v in shown.items() if v})
            transaction.on_commit(category_guides_clear)
            category_guides_clear()  # this process may read it before the commit (the admin's next page)
        except IntegrityError as exc:  # created by someone else a moment ago
            raise ValidationError(f"there is already a category {name!r}") from exc
        category_added.send(sender=NewCategory, name=name, inquiry_ids=list(inquiry_ids or []))
    return category
