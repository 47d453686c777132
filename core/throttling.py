from rest_framework.throttling import BaseThrottle

from core.ratelimit import submission_allowed


class SubmissionTokenBucketThrottle(BaseThrottle):
    """DRF face of the shared token bucket; DRF answers 429 with Retry-After from wait()."""

    def allow_request(self, request, view) -> bool:
        self.decision = submission_allowed(request)
        return self.decision.allowed

    def wait(self) -> float:
        return float(self.decision.retry_after)
