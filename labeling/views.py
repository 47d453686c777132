"""Labeling pages: annotators label blind, reviewers adjudicate, reviewers and admins see statistics."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.access import role_required
from core.exports import csv_response
from core.roles import ADMIN, ANNOTATOR, REVIEWER
from labeling.forms import LabelForm, ReviewForm
from labeling.selectors import (
    GOLD_FIELDS,
    annotator_stats,
    batches_recent,
    gold_rows,
    label_choices,
    label_descriptions,
    peer_kappa_adjudicated_only,
    queue_counts,
    review_item_context,
    review_item_get,
    review_next_id,
    review_queue,
)
from labeling.services import (
    LabelingConflict,
    annotation_current,
    annotation_skip_next,
    annotation_submit_next,
    annotation_take,
    annotation_undo,
    review_decide,
)
from labeling.tasks import labeling_queue_fill_task

SHORTCUT_KEYS = "1234567890qwertyuiop"


def _buttons() -> list[tuple[str, str]]:
    """(shortcut key or "", category) for every category; keys run out after the twentieth."""
    categories = label_choices()
    return [(SHORTCUT_KEYS[i] if i < len(SHORTCUT_KEYS) else "", c) for i, c in enumerate(categories)]


@require_GET
@role_required(ANNOTATOR)
def annotate_view(request):
    return render(request, "labeling/annotate.html", {
        "annotation": annotation_current(annotator=request.user),
        "buttons": _buttons(), "descriptions": label_descriptions(),
        "counts": queue_counts(annotator=request.user),
    })


@require_GET
@role_required(ANNOTATOR, REVIEWER)
def counts_fragment_view(request):
    return render(request, "labeling/_counts.html", {"counts": queue_counts(annotator=request.user)})


def _conflict(request, exc: Exception):
    messages.error(request, str(exc) if not isinstance(exc, ValidationError) else " ".join(exc.messages))
    return render(request, "labeling/annotate.html", {
        "annotation": annotation_current(annotator=request.user), "buttons": _buttons(),
        "descriptions": label_descriptions(), "counts": queue_counts(annotator=request.user),
    }, status=409 if isinstance(exc, LabelingConflict) else 400)


@require_POST
@role_required(ANNOTATOR)
def take_view(request):
    if annotation_take(annotator=request.user) is None:
        messages.info(request, "Nothing is waiting for you right now. The count below updates by itself.")
    return redirect("labeling:annotate")


@require_POST
@role_required(ANNOTATOR)
def label_view(request, pk: int):
    form = LabelForm(request.POST)
    if not form.is_valid():
        return _conflict(request, ValidationError("choose a category"))
    try:
        annotation_submit_next(annotation_id=pk, annotator=request.user, label=form.cleaned_data["label"])
    except (LabelingConflict, ValidationError) as exc:
        return _conflict(request, exc)
    return redirect("labeling:annotate")


@require_POST
@role_required(ANNOTATOR)
def skip_view(request, pk: int):
    try:
        annotation_skip_next(annotation_id=pk, annotator=request.user)
    except LabelingConflict as exc:
        return _conflict(request, exc)
    return redirect("labeling:annotate")


@require_POST
@role_required(ANNOTATOR)
def undo_view(request):
    try:
        annotation_undo(annotator=request.user)
    except LabelingConflict as exc:
        return _conflict(request, exc)
    messages.info(request, "Your last label was taken back: choose again.")
    return redirect("labeling:annotate")


@require_GET
@role_required(REVIEWER)
def review_list_view(request):
    return render(request, "labeling/review_list.html", {"items": review_queue(),
                                                         "counts": queue_counts(annotator=None)})


def _review_page(request, pk: int, form: ReviewForm | None = None, status: int = 200):
    item = review_item_get(item_id=pk)
    if item is None:
        raise Http404("No such item in review.")
    context = {**review_item_context(item=item), "buttons": _buttons(), "descriptions": label_descriptions(),
               "form": form or ReviewForm()}
    return render(request, "labeling/review_item.html", context, status=status)


@require_GET
@role_required(REVIEWER)
def review_item_view(request, pk: int):
    return _review_page(request, pk)


@require_POST
@role_required(REVIEWER)
def review_decide_view(request, pk: int):
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _review_page(request, pk, form, status=400)
    try:
        review_decide(item_id=pk, reviewer=request.user, label=form.cleaned_data["label"],
                      note=form.cleaned_data["note"])
    except ValidationError as exc:
        form.add_error(None, exc)
        return _review_page(request, pk, form, status=400)
    next_id = review_next_id(after_id=pk)
    return redirect("labeling:review-item", pk=next_id) if next_id else redirect("labeling:review")


@require_GET
@role_required(REVIEWER, ADMIN)
def stats_view(request):
    adjudicated_only = peer_kappa_adjudicated_only(viewer=request.user)
    return render(request, "labeling/stats.html", {
        "annotators": annotator_stats(adjudicated_only=adjudicated_only), "adjudicated_only": adjudicated_only,
        "batches": batches_recent(), "counts": queue_counts(annotator=None),
    })


@require_POST
@role_required(REVIEWER, ADMIN)
def fill_view(request):
    labeling_queue_fill_task.delay_on_commit(trigger="manual", requested_by_id=request.user.pk)
    messages.info(request, "A new batch is being selected; it appears in the queue in a moment.")
    return redirect("labeling:stats")


@require_GET
@role_required(REVIEWER, ADMIN)
def gold_csv_view(request):
    def rows():
        yield GOLD_FIELDS
        for row in gold_rows():
            row = {**row, "annotator_labels": "|".join(row["annotator_labels"])}
            yield [row[f] for f in GOLD_FIELDS]

    return csv_response(rows=rows(), filename="gold-labels.csv")


@require_GET
@role_required(REVIEWER, ADMIN)
def gold_jsonl_view(request):
    lines = (json.dumps(row, ensure_ascii=False) + "\n" for row in gold_rows())
    response = StreamingHttpResponse(lines, content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="gold-labels.jsonl"'
    return response
