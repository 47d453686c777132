"""Comments and flags on labeling items: an annotator on an item they hold or labeled, a reviewer on any
item open to review. Reviewers read them all; annotators only their own (labeling stays blind)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from core.roles import ANNOTATOR, REVIEWER, user_has_role
from labeling.models import Annotation, ItemComment, LabelingItem
from labeling.services.queue import LabelingNotFound

COMMENT_MAX = 2000
REVIEWABLE = (LabelingItem.Status.REVIEW, LabelingItem.Status.GOLD)


def itemcomment_allowed(*, item: LabelingItem, author) -> bool:
    """A reviewer may comment on an item a reviewer can see; an annotator on one they hold or labeled."""
    if user_has_role(author, REVIEWER) and item.status in REVIEWABLE:
        return True
    if not user_has_role(author, ANNOTATOR):
        return False
    mine = Annotation.objects.filter(item=item, annotator=author, skipped=False)
    return mine.exclude(label="").exists() or mine.filter(label="", expires_at__gt=timezone.now()).exists()


def itemcomment_add(*, item_id: int, author, text: str = "", flagged: bool = False) -> ItemComment:
    """A comment and/or a flag ("needs a look"). ValidationError for an empty comment without a flag or one
    too long; LabelingNotFound when the item does not exist or is not this person's to comment on."""
    text = (text or "").strip()
    if not text and not flagged:
        raise ValidationError("write a comment or flag the item")
    if len(text) > COMMENT_MAX:
        raise ValidationError(f"a comment is limited to {COMMENT_MAX:,} characters")
    item = LabelingItem.objects.filter(pk=item_id).first()
    if item is None or not itemcomment_allowed(item=item, author=author):
        raise LabelingNotFound("no such item for you to comment on")
    return ItemComment.objects.create(item=item, author=author, text=text, flagged=bool(flagged))
