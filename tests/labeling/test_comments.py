"""Comments and flags on items: who may write them, and what is refused."""

import pytest
from django.core.exceptions import ValidationError

from labeling.item_selectors import itemcomments_all, itemcomments_own
from labeling.models import ItemComment
from labeling.services import annotation_submit, annotation_take
from labeling.services.comments import itemcomment_add
from labeling.services.queue import LabelingNotFound
from tests.factories import LabelingItemFactory, UserFactory


def test_an_annotator_comments_on_the_item_they_hold_and_sees_only_their_own(annie, arthur):
    item = LabelingItemFactory()
    annotation_take(annotator=annie)
    annotation_take(annotator=arthur)
    itemcomment_add(item_id=item.pk, author=annie, text="  unclear: two questions in one  ")
    itemcomment_add(item_id=item.pk, author=arthur, flagged=True)
    mine = itemcomments_own(item_id=item.pk, author=annie)
    assert [(c.text, c.flagged) for c in mine] == [("unclear: two questions in one", False)]
    everyone = itemcomments_all(item_id=item.pk)
    assert [(c.author, c.flagged) for c in everyone] == [("annie", False), ("arthur", True)]


def test_an_annotator_comments_on_an_item_they_labeled(annie):
    item = LabelingItemFactory()
    a = annotation_take(annotator=annie)
    annotation_submit(annotation_id=a.pk, annotator=annie, label="delivery")
    assert itemcomment_add(item_id=item.pk, author=annie, text="changed my mind?").item_id == item.pk


def test_not_on_an_item_they_neither_hold_nor_labeled(annie, arthur):
    item = LabelingItemFactory()
    annotation_take(annotator=arthur)
    with pytest.raises(LabelingNotFound):
        itemcomment_add(item_id=item.pk, author=annie, text="peeking")
    with pytest.raises(LabelingNotFound):
        itemcomment_add(item_id=item.pk + 999, author=annie, text="nothing there")
    assert not ItemComment.objects.exists()


def test_a_reviewer_comments_on_items_open_to_review_only(annie, arthur, rita):
    item = LabelingItemFactory()
    with pytest.raises(LabelingNotFound):  # still being labeled: not visible to reviewers
        itemcomment_add(item_id=item.pk, author=rita, text="early")
    for person, label in ((annie, "delivery"), (arthur, "refund")):
        a = annotation_take(annotator=person)
        annotation_submit(annotation_id=a.pk, annotator=person, label=label)
    comment = itemcomment_add(item_id=item.pk, author=rita, text="refund, see the second sentence", flagged=True)
    assert comment.flagged and comment.author == rita


def test_someone_without_a_labeling_role_may_not(db):
    agent = UserFactory(username="bob", roles=["agent"])
    item = LabelingItemFactory(status="review")
    with pytest.raises(LabelingNotFound):
        itemcomment_add(item_id=item.pk, author=agent, text="hi")


@pytest.mark.parametrize(("text", "flagged"), [("", False), ("   \n ", False), ("x" * 2001, False),
                                               ("x" * 2001, True)])
def test_empty_without_a_flag_or_too_long_is_refused(annie, text, flagged):
    item = LabelingItemFactory()
    annotation_take(annotator=annie)
    with pytest.raises(ValidationError):
        itemcomment_add(item_id=item.pk, author=annie, text=text, flagged=flagged)


def test_a_flag_alone_and_the_longest_comment_are_kept(annie):
    item = LabelingItemFactory()
    annotation_take(annotator=annie)
    assert itemcomment_add(item_id=item.pk, author=annie, flagged=True).text == ""
    assert len(itemcomment_add(item_id=item.pk, author=annie, text="x" * 2000).text) == 2000
