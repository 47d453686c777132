"""A category added from a topic: its texts queued for the annotators, who (and reviewers) may choose it."""

import pytest
from django.core.exceptions import ValidationError

from labeling.models import LabelingBatch, LabelingItem
from labeling.selectors import label_choices
from labeling.services import annotation_submit, annotation_take, labelingbatch_for_category, review_decide
from mlcore.models import NewCategory, TrainingExample
from mlcore.services import newcategory_create
from supportdesk.selectors import category_choices
from tests.factories import InquiryFactory, LabelingBatchFactory, LabelingItemFactory


def test_new_categories_are_among_the_annotators_and_agents_choices_at_once(db):
    assert "card_arrival" not in label_choices()
    NewCategory.objects.create(name="card_arrival")  # no FAQ answer, no model knows it yet
    assert "card_arrival" in label_choices() and "card_arrival" in category_choices()
    assert set(category_choices()) <= set(label_choices())


def test_the_category_event_queues_the_topic_texts_once_each(db, settings):
    settings.SUPPORTLOOP_LABELING_ANNOTATORS = 2
    texts = ["card never came", "card never came", "card is late", "where is my card"]
    inquiries = [InquiryFactory(text=t, status="escalated", category="delivery", probabilities={"delivery": 0.6})
                 for t in texts]
    queued = InquiryFactory(text="card stuck somewhere", status="escalated")
    LabelingItemFactory(batch=LabelingBatchFactory(), inquiry=queued, text=queued.text)
    newcategory_create(name="card_arrival", inquiry_ids=[i.pk for i in inquiries] + [queued.pk, 99999])
    batch = LabelingBatch.objects.get(trigger="new_category")
    items = list(batch.items.order_by("position"))
    assert [i.text for i in items] == ["card never came", "card is late", "where is my card"]
    assert batch.category == "card_arrival" and all(i.required_labels == 2 for i in items)
    assert items[0].model_category == "delivery" and items[0].model_probabilities == {"delivery": 0.6}
    assert labelingbatch_for_category(category="card_arrival", inquiry_ids=[i.pk for i in inquiries]) is None


def test_if_labeling_fails_the_category_is_not_made(db, monkeypatch):
    def boom(**_):
        raise RuntimeError("labeling down")

    monkeypatch.setattr("labeling.services.labelingbatch_for_category", boom)
    with pytest.raises(RuntimeError):
        newcategory_create(name="card_arrival", inquiry_ids=[InquiryFactory().pk])
    assert not NewCategory.objects.exists()


def test_annotators_label_with_it_and_agreement_makes_it_gold(db, annie, arthur, rita):
    inquiries = [InquiryFactory(text=f"my card has not arrived {i}", status="escalated") for i in range(3)]
    newcategory_create(name="card_arrival", inquiry_ids=[i.pk for i in inquiries])
    for annotator in (annie, arthur):
        while (a := annotation_take(annotator=annotator)) is not None:
            annotation_submit(annotation_id=a.pk, annotator=annotator, label="card_arrival")
    assert LabelingItem.objects.filter(status="gold", gold_label="card_arrival").count() == 3
    assert TrainingExample.objects.filter(source="gold", category="card_arrival").count() == 3
    with pytest.raises(ValidationError):
        annotation_submit(annotation_id=0, annotator=annie, label="no_such_category")
    item = LabelingItem.objects.first()
    review_decide(item_id=item.pk, reviewer=rita, label="card_arrival", note="checked")


def test_annotators_see_what_a_new_category_means(client, annie):
    inquiry = InquiryFactory(text="my card has not arrived", status="escalated")
    newcategory_create(name="card_arrival", description="A <b>new</b> card that has not arrived",
                       inquiry_ids=[inquiry.pk])
    client.force_login(annie)
    client.post("/labeling/next/")
    html = client.get("/labeling/").content.decode()
    assert 'value="card_arrival"' in html and "A &lt;b&gt;new&lt;/b&gt; card that has not arrived" in html
