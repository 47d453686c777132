import asyncio
import dataclasses

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

from core.roles import ADMIN, user_has_role
from mlcore.serving import predictor_active


@dataclasses.dataclass
class ModelLoaded(HealthCheck):
    """The active model version is loaded (or loadable) in this process."""

    def run(self) -> None:
        try:
            predictor_active()
        except Exception as exc:
            raise ServiceUnavailable(f"no model can answer: {type(exc).__name__}") from exc


def _sees_detail(user) -> bool:
    return user.is_staff or user_has_role(user, ADMIN)


class SupportLoopHealthView(HealthCheckView):
    """Anyone (a load balancer) gets the verdict: 200 {"status": "ok"} or 503 {"status": "unavailable"}.
    Staff and admins get every check's result, in the format asked for (?format=json|text|..., or Accept):
    the errors name hosts and exceptions."""

    async def get(self, request, *args, **kwargs):
        if await sync_to_async(_sees_detail)(await request.auser()):
            response = await super().get(request, *args, **kwargs)
            if response.status_code == 500:
                response.status_code = 503  # unhealthy is "unavailable", not a server bug
            return response
        with self.get_executor() as executor:
            results = await asyncio.gather(*(check.get_result(executor) for check in self.get_checks()))
        healthy = not any(result.error for result in results)
        return JsonResponse({"status": "ok" if healthy else "unavailable"}, status=200 if healthy else 503)


health_view = SupportLoopHealthView.as_view(
    checks=[
        Database,
        (Redis, {"client_factory": lambda: RedisClient.from_url(settings.REDIS_URL)}),
        ModelLoaded,
    ]
)
