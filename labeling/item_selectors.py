"""Reads for the annotator's workspace and the review item page: answer buttons with their guidelines,
an annotator's history, comments, and the new categories annotators suggested.

Nothing here shows an annotator another person's label or comment."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from labeling.answers import NEW_CATEGORY, NONE_OF_THESE
from labeling.models import Annotation, ItemComment, LabelingItem
from labeling.selectors import label_choices
from mlcore.categories import CategoryGuide, category_display, category_guide

SHORTCUT_KEYS = "1234567890qwertyuiop"
HISTORY_LIMIT = 50


@dataclass(frozen=True)
class AnswerButton:
    key: str  # "" once the keys run out (after the twentieth category)
    name: str  # the value stored
    display_name: str
    guide: CategoryGuide


def answer_buttons() -> list[AnswerButton]:
    """One button per category, by display name, with its guideline; the value stays the category's name."""
    out = []
    for i, name in enumerate(label_choices()):
        guide = category_guide(name)
        out.append(AnswerButton(key=SHORTCUT_KEYS[i] if i < len(SHORTCUT_KEYS) else "", name=name,
                                display_name=guide.display_name, guide=guide))
    return out


def answer_display(label: str, suggestion: str = "") -> str:
    """How an answer reads to people: a category's display name, or the special answers in words."""
    if label == NONE_OF_THESE:
        return "None of these"
    if label == NEW_CATEGORY:
        return f"New category: {suggestion}" if suggestion else "New category"
    return category_display(label)


def answer_choices() -> list[tuple[str, str]]:
    """(value, text) for a select of every answer (the history's change control)."""
    return ([(name, category_display(name)) for name in label_choices()]
            + [(NONE_OF_THESE, "None of these"), (NEW_CATEGORY, "Suggest a new category…")])


@dataclass(frozen=True)
class HistoryRow:
    annotation_id: int
    item_id: int
    text: str
    label: str
    suggestion: str
    answer: str
    submitted_at: datetime | None
    status: str
    state: str  # in words
    changeable: bool


_STATES = {
    LabelingItem.Status.LABELING: "Waiting for other labels",
    LabelingItem.Status.LABELED: "Waiting for its batch",
    LabelingItem.Status.REVIEW: "With a reviewer",
    LabelingItem.Status.GOLD: "Adjudicated: final",
}


def annotation_history(*, annotator, limit: int = HISTORY_LIMIT) -> list[HistoryRow]:
    """The annotator's last labels, newest first; changeable while the item is not adjudicated."""
    rows = (Annotation.objects.filter(annotator=annotator).exclude(label="")
            .order_by("-submitted_at", "-id")
            .values_list("pk", "item_id", "item__text", "label", "suggestion", "submitted_at", "item__status")[:limit])
    return [
        HistoryRow(annotation_id=pk, item_id=item_id, text=text, label=label, suggestion=suggestion,
                   answer=answer_display(label, suggestion), submitted_at=at, status=status,
                   state=_STATES.get(status, status), changeable=status != LabelingItem.Status.GOLD)
        for pk, item_id, text, label, suggestion, at, status in rows
    ]


@dataclass(frozen=True)
class CommentRow:
    author: str
    text: str
    flagged: bool
    created_at: datetime


def _comment_rows(qs) -> list[CommentRow]:
    return [CommentRow(author=username or "—", text=text, flagged=flagged, created_at=at)
            for username, text, flagged, at in qs.order_by("created_at", "id")
            .values_list("author__username", "text", "flagged", "created_at")]


def itemcomments_own(*, item_id: int, author) -> list[CommentRow]:
    """What an annotator sees: their own comments on the item."""
    return _comment_rows(ItemComment.objects.filter(item_id=item_id, author=author))


def itemcomments_all(*, item_id: int) -> list[CommentRow]:
    """What a reviewer sees: every comment and flag on the item."""
    return _comment_rows(ItemComment.objects.filter(item_id=item_id))


@dataclass(frozen=True)
class AnswerRow:
    annotator: str
    label: str
    suggestion: str
    answer: str
    special: bool
    submitted_at: datetime | None


def item_answers(*, item: LabelingItem) -> list[AnswerRow]:
    """Every label given on the item (for reviewers), special answers and suggestions in words."""
    rows = (item.annotations.exclude(label="").order_by("submitted_at", "id")
            .values_list("annotator__username", "label", "suggestion", "submitted_at"))
    return [AnswerRow(annotator=who, label=label, suggestion=suggestion, answer=answer_display(label, suggestion),
                      special=label in (NONE_OF_THESE, NEW_CATEGORY), submitted_at=at)
            for who, label, suggestion, at in rows]


@dataclass
class SuggestionGroup:
    name: str  # the spelling given most often
    count: int
    spellings: list[str] = field(default_factory=list)
    items: list[tuple[int, str]] = field(default_factory=list)  # (item id, status) of items open to review
    latest: datetime | None = None


def suggestions_grouped() -> list[SuggestionGroup]:
    """New categories annotators suggested, grouped case-insensitively, most often suggested first.

    Only items that left labeling (in review, or gold) count, as a reviewer sees no label before then."""
    rows = (Annotation.objects.filter(label=NEW_CATEGORY).exclude(suggestion="")
            .filter(item__status__in=[LabelingItem.Status.REVIEW, LabelingItem.Status.GOLD])
            .order_by("submitted_at", "id").values_list("suggestion", "item_id", "item__status", "submitted_at"))
    spellings: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    groups: dict[str, SuggestionGroup] = {}
    for text, item_id, status, at in rows:
        key = " ".join(text.split()).casefold()
        spellings[key][text] += 1
        group = groups.setdefault(key, SuggestionGroup(name=text, count=0))
        group.count += 1
        if (item_id, status) not in group.items:
            group.items.append((item_id, status))
        if at and (group.latest is None or at > group.latest):
            group.latest = at
    for key, group in groups.items():
        ranked = sorted(spellings[key].items(), key=lambda kv: (-kv[1], kv[0]))
        group.name = ranked[0][0]
        group.spellings = [s for s, _ in ranked]
    return sorted(groups.values(), key=lambda g: (-g.count, g.name.casefold()))


def category_name_from(text: str) -> str:
    """A suggestion made into a category identifier: "Card  Stolen!" → "card_stolen"."""
    out, sep = [], False
    for ch in text.strip().lower():
        if ch.isalnum():
            if sep and out:
                out.append("_")
            out.append(ch)
            sep = False
        else:
            sep = True
    return "".join(out)[:64]
