from channels.db import database_sync_to_async

from mlcore.progress import TRAINING_GROUP
from supportdesk.consumers import HintConsumer
from supportdesk.roles import ADMIN, user_has_role


class TrainingConsumer(HintConsumer):
    """Admins' live view of training runs: stage, epoch and loss as the worker reports them."""

    async def connect(self):
        allowed = await database_sync_to_async(user_has_role)(self.scope.get("user"), ADMIN)
        if not allowed:
            await self.close(code=4403)
            return
        await self.join(TRAINING_GROUP)

    async def changed(self, event):
        await self.send_json({"run": event.get("run")})
