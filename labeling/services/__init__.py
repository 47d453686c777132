from labeling.services.queue import (
    LabelingConflict,
    annotation_current,
    annotation_skip,
    annotation_skip_next,
    annotation_submit,
    annotation_submit_next,
    annotation_take,
    annotation_undo,
    annotations_expire,
)
from labeling.services.review import (
    item_gold_set,
    labelingbatch_evaluate,
    labelingbatches_evaluate_ready,
    review_decide,
)
from labeling.services.selection import (
    LabelingError,
    labeling_after_promotion,
    labeling_queue_maintain,
    labeling_queue_top_up,
    labelingbatch_create,
    labelingbatch_for_category,
    pooltexts_import,
)

__all__ = [
    "LabelingConflict",
    "LabelingError",
    "annotation_current",
    "annotation_skip",
    "annotation_skip_next",
    "annotation_submit",
    "annotation_submit_next",
    "annotation_take",
    "annotation_undo",
    "annotations_expire",
    "item_gold_set",
    "labeling_after_promotion",
    "labeling_queue_maintain",
    "labeling_queue_top_up",
    "labelingbatch_create",
    "labelingbatch_evaluate",
    "labelingbatch_for_category",
    "labelingbatches_evaluate_ready",
    "pooltexts_import",
    "review_decide",
]
