from django.http import HttpResponse
from django.shortcuts import render


def too_many_requests(*, request, retry_after: int) -> HttpResponse:
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
