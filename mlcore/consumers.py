from core.consumers import RoleGroupConsumer
from core.roles import ADMIN
from mlcore.progress import TRAINING_GROUP


class TrainingConsumer(RoleGroupConsumer):
    """Admins' live view of training runs: stage, epoch and loss as the worker reports them."""

    roles = (ADMIN,)

    def group_name(self) -> str:
        return TRAINING_GROUP

    async def changed(self, event):
        await self.send_json({"run": event.get("run")})
