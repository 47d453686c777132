from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.ratelimit import signal_allowed, submission_allowed
from core.responses import too_many_requests_json, too_many_requests_mark, too_many_requests_message
from feedback.forms import ExplicitFeedbackForm, ImplicitSignalForm
from feedback.services import FeedbackRefused, explicit_feedback_submit, implicit_signal_record
from supportdesk.ticket_page import ticket_get_or_404, ticket_page_response


@require_POST
def signal_view(request, token: str):
    """The ticket page's beacon (navigator.sendBeacon with form data and the CSRF token).

    Browsers ignore the answer: a beacon of a view beyond the ticket's cap gets the same 204."""
    inquiry = ticket_get_or_404(token=token)
    decision = signal_allowed(request)
    if not decision.allowed:
        return too_many_requests_json(retry_after=decision.retry_after)
    form = ImplicitSignalForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    d = form.cleaned_data
    implicit_signal_record(inquiry=inquiry, view_id=d["view_id"], seq=d["seq"], clicked=d["clicked"],
                           dwell_seconds=d["dwell"], scroll_depth=d["depth"])
    return HttpResponse(status=204)


@require_POST
def feedback_view(request, token: str):
    inquiry = ticket_get_or_404(token=token)
    form = ExplicitFeedbackForm(request.POST)
    decision = submission_allowed(request)
    if not decision.allowed:  # the form again, with what was typed
        form.add_error(None, too_many_requests_message(retry_after=decision.retry_after))
        response = ticket_page_response(request=request, inquiry=inquiry, overrides={"feedback_form": form})
        return too_many_requests_mark(response=response, retry_after=decision.retry_after)
    if not form.is_valid():
        return ticket_page_response(request=request, inquiry=inquiry, status=400, overrides={"feedback_form": form})
    try:
        explicit_feedback_submit(inquiry=inquiry, **form.cleaned_data)
    except FeedbackRefused as exc:
        messages.error(request, str(exc))
        return ticket_page_response(request=request, inquiry=inquiry, status=409)
    messages.success(request, "Thank you for your feedback.")
    return redirect("supportdesk:ticket", token=token)
