from channels.db import database_sync_to_async

from labeling.realtime import LABELING_QUEUE_GROUP
from supportdesk.consumers import HintConsumer
from supportdesk.roles import ANNOTATOR, REVIEWER, user_has_role


def _may_watch(user) -> bool:
    return user_has_role(user, ANNOTATOR) or user_has_role(user, REVIEWER)


class LabelingQueueConsumer(HintConsumer):
    """Hints that the queue changed; the page refetches its counts (never any label) over HTTP."""

    async def connect(self):
        if not await database_sync_to_async(_may_watch)(self.scope.get("user")):
            await self.close(code=4403)
            return
        await self.join(LABELING_QUEUE_GROUP)
