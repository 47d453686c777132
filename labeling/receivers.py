"""labeling's reactions to other apps' events (connected in LabelingConfig.ready)."""

from __future__ import annotations

from django.conf import settings

from labeling.tasks import labeling_after_promotion_task


def on_model_promoted(*, version: str, **_) -> None:
    """A new model changes what is uncertain: select a fresh labeling batch with it."""
    if settings.SUPPORTLOOP_LABELING_FILL_ON_PROMOTION:
        labeling_after_promotion_task.delay(version=version)


def on_category_added(*, name: str, inquiry_ids: list[int], **_) -> None:
    """A category added from a topic: its texts go to the annotators (in the creating transaction)."""
    from labeling.services import labelingbatch_for_category

    labelingbatch_for_category(category=name, inquiry_ids=inquiry_ids)
