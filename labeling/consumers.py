from core.consumers import RoleGroupConsumer
from core.roles import ANNOTATOR, REVIEWER
from labeling.realtime import LABELING_QUEUE_GROUP


class LabelingQueueConsumer(RoleGroupConsumer):
    """Hints that the queue changed; the page refetches its counts (never any label) over HTTP."""

    roles = (ANNOTATOR, REVIEWER)

    def group_name(self) -> str:
        return LABELING_QUEUE_GROUP
