import dataclasses

from django.conf import settings
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient

from mlcore.serving import predictor_active


@dataclasses.dataclass
class ModelLoaded(HealthCheck):
    """The active model version is loaded (or loadable) in this process."""

    def run(self) -> None:
        try:
            predictor_active()
        except Exception as exc:
            raise ServiceUnavailable(f"no model can answer: {type(exc).__name__}") from exc


class SupportLoopHealthView(HealthCheckView):
    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503  # unhealthy is "unavailable", not a server bug
        return response


health_view = SupportLoopHealthView.as_view(
    checks=[
        Database,
        (Redis, {"client_factory": lambda: RedisClient.from_url(settings.REDIS_URL)}),
        ModelLoaded,
    ]
)
