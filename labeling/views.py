"""Labeling pages: annotators label blind, reviewers adjudicate, reviewers and admins see statistics."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from core.access import role_required
from core.exports import csv_response
from core.roles import ADMIN, ANNOTATOR, REVIEWER, user_has_role
from labeling.answers import NEW_CATEGORY, NONE_OF_THESE
from labeling.forms import CommentForm, LabelForm, ReviewForm
from labeling.item_selectors import (
    annotation_history,
    answer_buttons,
    answer_choices,
    answer_display,
    category_name_from,
    item_answers,
    itemcomments_all,
    itemcomments_own,
    suggestions_grouped,
)
from labeling.selectors import (
    GOLD_FIELDS,
    annotator_stats,
    batches_recent,
    gold_rows,
    peer_kappa_adjudicated_only,
    queue_counts,
    review_item_context,
    review_item_get,
    review_next_id,
    review_queue,
)
from labeling.services import (
    LabelingConflict,
    LabelingNotFound,
    annotation_change,
    annotation_current,
    annotation_skip_next,
    annotation_submit_next,
    annotation_take,
    annotation_undo,
    itemcomment_add,
    review_decide,
)
from labeling.tasks import labeling_queue_fill_task


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _annotate_page(request, *, status: int = 200, **extra):
    annotation = annotation_current(annotator=request.user)
    context = {
        "annotation": annotation,
        "buttons": answer_buttons(),
        "counts": queue_counts(annotator=request.user),
        "comments": itemcomments_own(item_id=annotation.item_id, author=request.user) if annotation else [],
        "none_of_these": NONE_OF_THESE, "new_category": NEW_CATEGORY,
        "suggestion_text": "", "answer_error": "", "comment_text": "", "comment_flagged": False, "comment_error": "",
        **extra,
    }
    return render(request, "labeling/annotate.html", context, status=status)


@require_GET
@role_required(ANNOTATOR)
def annotate_view(request):
    return _annotate_page(request)


@require_GET
@role_required(ANNOTATOR, REVIEWER)
def counts_fragment_view(request):
    return render(request, "labeling/_counts.html", {"counts": queue_counts(annotator=request.user)})


def _conflict(request, exc: Exception):
    messages.error(request, str(exc) if not isinstance(exc, ValidationError) else _errors(exc))
    return _annotate_page(request, status=409 if isinstance(exc, LabelingConflict) else 400)


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
    kept = request.POST.get("suggestion", "")
    if not form.is_valid():
        error = ("a suggested category is limited to 100 characters" if "suggestion" in form.errors
                 else "choose a category")
        return _annotate_page(request, status=400, answer_error=error, suggestion_text=kept)
    try:
        annotation_submit_next(annotation_id=pk, annotator=request.user, label=form.cleaned_data["label"],
                               suggestion=form.cleaned_data["suggestion"])
    except ValidationError as exc:
        return _annotate_page(request, status=400, answer_error=_errors(exc), suggestion_text=kept)
    except LabelingConflict as exc:
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


@require_POST
@role_required(ANNOTATOR, REVIEWER)
def comment_view(request, pk: int):
    """A comment or flag on an item, from the annotate page or the review item page; back to the same item."""
    form = CommentForm(request.POST)
    # Only a reviewer goes back to the review page: it shows every label and comment.
    back = "review" if request.POST.get("back") == "review" and user_has_role(request.user, REVIEWER) else "annotate"
    kept = {"comment_text": request.POST.get("text", ""), "comment_flagged": bool(request.POST.get("flagged"))}

    def again(error: str):
        if back == "review":
            return _review_page(request, pk, status=400, comment_error=error, **kept)
        return _annotate_page(request, status=400, comment_error=error, **kept)

    if not form.is_valid():
        return again("a comment is limited to 2,000 characters")
    try:
        itemcomment_add(item_id=pk, author=request.user, text=form.cleaned_data["text"],
                        flagged=form.cleaned_data["flagged"])
    except ValidationError as exc:
        return again(_errors(exc))
    except LabelingNotFound as exc:
        raise Http404(str(exc)) from None
    flagged = form.cleaned_data["flagged"]
    messages.success(request, "Flagged for a reviewer to look at." if flagged else "Comment saved.")
    return redirect("labeling:review-item", pk=pk) if back == "review" else redirect("labeling:annotate")


def _history_page(request, *, status: int = 200, **extra):
    return render(request, "labeling/history.html", {
        "rows": annotation_history(annotator=request.user), "choices": answer_choices(),
        "new_category": NEW_CATEGORY, "error_row": None, "error": "", "kept_suggestion": "", **extra,
    }, status=status)


@require_GET
@role_required(ANNOTATOR)
def history_view(request):
    return _history_page(request)


@require_POST
@role_required(ANNOTATOR)
def change_view(request, pk: int):
    """Change an answer from the history while its item is not adjudicated (409 once it is)."""
    form = LabelForm(request.POST)
    kept = request.POST.get("suggestion", "")
    if not form.is_valid():
        error = ("a suggested category is limited to 100 characters" if "suggestion" in form.errors
                 else "choose an answer")
        return _history_page(request, status=400, error_row=pk, error=error, kept_suggestion=kept)
    try:
        annotation = annotation_change(annotation_id=pk, annotator=request.user, label=form.cleaned_data["label"],
                                       suggestion=form.cleaned_data["suggestion"])
    except LabelingNotFound as exc:
        raise Http404(str(exc)) from None
    except ValidationError as exc:
        return _history_page(request, status=400, error_row=pk, error=_errors(exc), kept_suggestion=kept)
    except LabelingConflict as exc:
        return _history_page(request, status=409, error_row=pk, error=str(exc).capitalize() + ".")
    messages.success(request, f"Your answer is now “{answer_display(annotation.label, annotation.suggestion)}”.")
    return redirect(reverse("labeling:history") + f"#answer-{pk}")


@require_GET
@role_required(REVIEWER)
def review_list_view(request):
    return render(request, "labeling/review_list.html", {"items": review_queue(),
                                                         "counts": queue_counts(annotator=None)})


def _review_page(request, pk: int, form: ReviewForm | None = None, status: int = 200, **extra):
    item = review_item_get(item_id=pk)
    if item is None:
        raise Http404("No such item in review.")
    context = {**review_item_context(item=item), "buttons": answer_buttons(), "form": form or ReviewForm(),
               "answers": item_answers(item=item), "comments": itemcomments_all(item_id=item.pk),
               "comment_text": "", "comment_flagged": False, "comment_error": "", **extra}
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


def _category_add_url(name: str) -> str:
    """The admin's page to add a suggested category, prefilled; "" when the admin offers none."""
    try:
        base = reverse("admin:mlcore_newcategory_add")
    except NoReverseMatch:
        return ""
    return base + "?" + urlencode({"name": category_name_from(name), "display_name": name})


@require_GET
@role_required(REVIEWER, ADMIN)
def suggestions_view(request):
    groups = suggestions_grouped()
    can_add = user_has_role(request.user, ADMIN)
    return render(request, "labeling/suggestions.html", {
        "groups": [(g, _category_add_url(g.name) if can_add else "") for g in groups], "can_add": can_add,
    })


@require_GET
@role_required(REVIEWER, ADMIN)
def stats_view(request):
    adjudicated_only = peer_kappa_adjudicated_only(viewer=request.user)
    annotators = annotator_stats(adjudicated_only=adjudicated_only)
    pairs = [(a.username, p) for a in annotators for p in a.peers if a.username < p.peer]  # each pair once
    return render(request, "labeling/stats.html", {
        "annotators": annotators, "pairs": pairs, "adjudicated_only": adjudicated_only,
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
