"""Reads of the annotator's workspace: buttons by display name, history, answers in words, suggestions."""

import pytest

from labeling.answers import NEW_CATEGORY, NONE_OF_THESE
from labeling.item_selectors import (
    annotation_history,
    answer_buttons,
    answer_display,
    category_name_from,
    item_answers,
    suggestions_grouped,
)
from labeling.models import Annotation, LabelingItem
from labeling.services import annotation_submit, annotation_take
from mlcore.categories import category_guide_update, category_guides_clear
from tests.factories import LabelingBatchFactory, LabelingItemFactory


@pytest.fixture(autouse=True)
def _fresh_guides():
    category_guides_clear()
    yield
    category_guides_clear()


def _label(person, label: str, suggestion: str = "") -> Annotation:
    a = annotation_take(annotator=person)
    return annotation_submit(annotation_id=a.pk, annotator=person, label=label, suggestion=suggestion)


def test_buttons_show_display_names_and_guidelines_with_the_name_as_value(db):
    category_guide_update(name="delivery", display_name="Parcel delivery", description="Where a parcel is.",
                          examples="where is my parcel\n\n  it never came ")
    buttons = {b.name: b for b in answer_buttons()}
    d = buttons["delivery"]
    assert d.display_name == "Parcel delivery" and d.guide.description == "Where a parcel is."
    assert d.guide.examples == ("where is my parcel", "it never came")
    assert [b.key for b in answer_buttons()][:3] == ["1", "2", "3"]
    others = [b for b in buttons.values() if b.name != "delivery"]
    assert all(b.display_name == b.name.replace("_", " ").capitalize() for b in others)


def test_answers_in_words(db):
    assert answer_display(NONE_OF_THESE) == "None of these"
    assert answer_display(NEW_CATEGORY, "Card stolen") == "New category: Card stolen"
    assert answer_display("card_arrival") == "Card arrival"


def test_history_is_the_annotators_own_newest_first_and_says_what_can_change(annie, arthur):
    LabelingItemFactory(batch=LabelingBatchFactory(), position=0, text="first")
    LabelingItemFactory(batch=LabelingBatchFactory(), position=0, text="second")
    _label(annie, "delivery")
    _label(annie, NEW_CATEGORY, "Card stolen")
    rows = annotation_history(annotator=annie)
    assert [(r.text, r.answer, r.changeable) for r in rows] == [
        ("second", "New category: Card stolen", True), ("first", "Delivery", True)]
    _label(arthur, "delivery")  # first: unanimous, gold
    rows = {r.text: r for r in annotation_history(annotator=annie)}
    assert rows["first"].status == "gold" and not rows["first"].changeable
    assert rows["second"].changeable
    assert annotation_history(annotator=arthur)[0].text == "first"


def test_history_is_limited(annie):
    for i in range(3):
        LabelingItemFactory(position=i)
        _label(annie, "delivery")
    assert len(annotation_history(annotator=annie, limit=2)) == 2


def test_item_answers_for_reviewers(annie, arthur):
    item = LabelingItemFactory()
    _label(annie, NONE_OF_THESE)
    _label(arthur, NEW_CATEGORY, "Crypto")
    assert [(a.annotator, a.answer, a.special) for a in item_answers(item=item)] == [
        ("annie", "None of these", True), ("arthur", "New category: Crypto", True)]


def test_suggestions_grouped_case_insensitively_once_the_items_left_labeling(annie, arthur):
    batch = LabelingBatchFactory()
    items = [LabelingItemFactory(batch=batch, position=i) for i in range(3)]
    plan = {annie: ["Card stolen", "crypto", "card  STOLEN"], arthur: ["card stolen", "Crypto", None]}
    for person, answers in plan.items():
        while (a := annotation_take(annotator=person)) is not None:
            answer = answers[a.item.position]
            label = NEW_CATEGORY if answer else "delivery"
            annotation_submit(annotation_id=a.pk, annotator=person, label=label, suggestion=answer or "")
    LabelingItem.objects.filter(pk=items[2].pk).update(status="labeling")  # still open: not counted yet
    groups = suggestions_grouped()
    assert [(g.name.casefold(), g.count) for g in groups] == [("card stolen", 2), ("crypto", 2)]
    assert [i for i, _ in groups[0].items] == [items[0].pk]
    LabelingItem.objects.filter(pk=items[2].pk).update(status="review")
    groups = suggestions_grouped()
    assert groups[0].count == 3 and len(groups[0].spellings) == 3
    assert [i for i, _ in groups[0].items] == [items[0].pk, items[2].pk]


def test_category_name_from_a_suggestion():
    assert category_name_from("  Card   Stolen! abroad ") == "card_stolen_abroad"
    assert category_name_from("x" * 80) == "x" * 64
