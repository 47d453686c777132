from django.http import HttpResponse, JsonResponse
from django.shortcuts import render


def too_many_requests_message(*, retry_after: int) -> str:
    unit = "second" if retry_after == 1 else "seconds"
    return f"You have sent a lot of messages in a short time. Please wait {retry_after} {unit} and send it again."


def too_many_requests(*, request, retry_after: int) -> HttpResponse:
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def too_many_requests_json(*, retry_after: int) -> JsonResponse:
    response = JsonResponse({"detail": too_many_requests_message(retry_after=retry_after)}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def too_many_requests_mark(*, response: HttpResponse, retry_after: int) -> HttpResponse:
    """A page that says it in place (a form shown again with what was typed) as the refusal it is."""
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    return response
