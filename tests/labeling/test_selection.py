from unittest import mock

import pytest

from labeling.models import LabelingBatch, LabelingItem, PoolText
from labeling.services import (
    LabelingError,
    labeling_after_promotion,
    labeling_queue_maintain,
    labeling_queue_top_up,
    labelingbatch_create,
    pooltexts_import,
)
from labeling.tasks import labeling_after_promotion_task
from mlcore.services import modelversion_promote
from supportdesk.services import inquiry_submit

TEXTS = [
    "My package never arrived, order 12345",
    "I was charged twice for the same order",
    "How do I change the address on my account?",
    "Can I get a refund for a broken blender?",
    "The invoice shows the wrong company name",
    "Please stop sending me the newsletter",
    "Is there a fee if I cancel my order today?",
    "The courier left my parcel at the wrong house",
    "I can't log in after resetting my password",
    "Where can I find your phone number?",
]
# The starter set has "my package never arrived, order 12345" and "I was charged twice for the same order!":
# these two are labeled already, so no batch picks them.
STARTER_VARIANTS = 2


@pytest.fixture
def inquiries(active_model):
    return [inquiry_submit(text=t) for t in TEXTS]


def test_batch_picks_unlabeled_pool_items_with_the_strategy(inquiries, settings):
    pooltexts_import(texts=["Do you ship to Norway?", "  ", "Do you ship to Norway?"], source="import")
    assert PoolText.objects.count() == 1
    inquiries[0].confirmed_category = "delivery"  # an agent already labeled it: not in the pool
    inquiries[0].save()
    batch = labelingbatch_create(trigger="manual", size=4)
    assert batch.strategy == settings.SUPPORTLOOP_LABELING_STRATEGY == "typiclust_cluster_margin"
    assert batch.pool_size == len(TEXTS) - STARTER_VARIANTS + 1  # inquiries[0] is one of the starter variants
    items = list(batch.items.all())
    assert len(items) == 4 and all(i.required_labels == 2 for i in items)
    assert inquiries[0].pk not in {i.inquiry_id for i in items}
    for item in items:
        assert set(item.model_probabilities) == set(batch_labels(batch))
        assert item.model_probabilities[item.model_category] == max(item.model_probabilities.values())
    again = labelingbatch_create(trigger="manual", size=100)
    assert not {i.text for i in items} & set(again.items.values_list("text", flat=True))
    assert again.items.count() == batch.pool_size - 4
    assert labelingbatch_create(trigger="manual") is None  # pool exhausted


def batch_labels(batch) -> list[str]:
    from mlcore.models import ModelVersion

    return ModelVersion.objects.get(version=batch.model_version).labels


@pytest.mark.parametrize("strategy", ["random", "margin", "entropy", "msal_entropy", "msal_prototypes"])
def test_every_strategy_can_fill_the_queue(inquiries, strategy):
    batch = labelingbatch_create(trigger="manual", size=3, strategy=strategy)
    assert batch.items.count() == 3 and batch.strategy == strategy


def test_unknown_strategy_and_no_model_are_clear_errors(db):
    with pytest.raises(LabelingError, match="unknown strategy"):
        labelingbatch_create(trigger="manual", strategy="oracle")
    with pytest.raises(LabelingError, match="no active model"):
        labelingbatch_create(trigger="manual")


def test_top_up_only_below_the_low_water_mark(inquiries, settings):
    settings.SUPPORTLOOP_LABELING_LOW_WATER = 3
    settings.SUPPORTLOOP_LABELING_BATCH_SIZE = 3
    assert labeling_queue_top_up().trigger == "low_queue"
    assert labeling_queue_top_up() is None  # 3 items wait
    LabelingItem.objects.filter(pk=LabelingItem.objects.first().pk).update(status="gold")
    assert labeling_queue_maintain()["batch"] is not None


def test_after_promotion_once_per_version(inquiries, active_model):
    first = labeling_after_promotion(version=active_model.version)
    assert first.trigger == "promotion" and first.model_version == active_model.version
    assert labeling_after_promotion(version=active_model.version) is None  # a redelivered task adds nothing
    assert LabelingBatch.objects.count() == 1


def test_promotion_queues_a_fill_after_commit(active_model, settings, django_capture_on_commit_callbacks):
    from mlcore.models import ModelVersion

    settings.SUPPORTLOOP_LABELING_FILL_ON_PROMOTION = True
    fields = {f.name: getattr(active_model, f.name) for f in ModelVersion._meta.fields
              if f.name not in ("id", "status", "version", "promoted_at", "promoted_by")}
    ModelVersion.objects.create(**fields, version="v2")
    with mock.patch.object(labeling_after_promotion_task, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            modelversion_promote(version="v2")
    delay.assert_called_once_with(version="v2")


@pytest.mark.django_db(transaction=True)
def test_fill_through_a_real_celery_worker(celery_worker_process, trained_version):
    from django.utils import timezone

    from mlcore.models import ModelVersion
    from supportdesk.services import faq_starter_load

    faq_starter_load()
    ModelVersion.objects.create(**{**trained_version, "status": "active", "promoted_at": timezone.now()})
    for text in TEXTS[STARTER_VARIANTS : STARTER_VARIANTS + 4]:  # the first two are labeled already
        inquiry_submit(text=text)
    from labeling.tasks import labeling_queue_fill_task

    result = labeling_queue_fill_task.apply_async(kwargs={"trigger": "manual"}, ignore_result=False)
    batch_id = result.get(timeout=120)
    assert LabelingBatch.objects.get(pk=batch_id).items.count() == 4


def test_a_burst_of_near_identical_inquiries_is_represented_once(inquiries, settings):
    assert settings.SUPPORTLOOP_LABELING_DUPLICATE_COSINE == 0.95
    burst = [inquiry_submit(text=f"burst {n} where is my order") for n in range(1, 11)]
    # Different letters, cosine 0.99 with the MiniLM encoder: only the embedding says they are one request.
    twins = [inquiry_submit(text=t) for t in ("How can I dispute a direct debit transaction?",
                                              "How do I dispute a direct debit transaction?")]
    batch = labelingbatch_create(trigger="manual", size=50)
    texts = list(batch.items.values_list("text", flat=True))
    assert sum(t.startswith("burst ") for t in texts) == 1
    assert sum("dispute a direct debit" in t for t in texts) == 1
    assert len(texts) == len(TEXTS) - STARTER_VARIANTS + 2  # every other inquiry is in: as full as the pool allows
    assert batch.pool_size == len(TEXTS) - STARTER_VARIANTS + 1 + 2  # the burst counts once in the pool already
    assert {i.pk for i in burst + twins} & set(batch.items.values_list("inquiry_id", flat=True))


def test_nothing_near_what_is_queued_or_labeled(inquiries):
    from mlcore.models import TrainingExample

    pooltexts_import(texts=["How do I dispute a direct debit transaction?"])
    first = labelingbatch_create(trigger="manual", size=len(TEXTS) + 1)
    assert first.items.count() == len(TEXTS) - STARTER_VARIANTS + 1
    TrainingExample.objects.create(text="Why is the payment on my card still pending?", category="billing",
                                   source="gold")
    skipped = [
        inquiry_submit(text="The courier left my parcel at the WRONG house!!"),  # a trivial variant of a queued item
        inquiry_submit(text="How can I dispute a direct debit transaction?"),  # cosine 0.99 to the queued pool text
        inquiry_submit(text="Why is the payment from my card still pending?"),  # cosine 0.99 to a labeled text
    ]
    fresh = inquiry_submit(text="Do you deliver on Sundays?")
    later = labelingbatch_create(trigger="manual", size=10)
    assert list(later.items.values_list("inquiry_id", flat=True)) == [fresh.pk]
    assert not {i.pk for i in skipped} & set(later.items.values_list("inquiry_id", flat=True))
    assert labelingbatch_create(trigger="manual", size=10) is None  # what is left are near-duplicates
