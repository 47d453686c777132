from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from feedback.forms import ExplicitFeedbackForm, ImplicitSignalForm
from feedback.services import FeedbackAlreadyGiven, explicit_feedback_submit, implicit_signal_record
from supportdesk.selectors import inquiry_get_by_token


def _ticket_or_404(token: str):
    inquiry = inquiry_get_by_token(token=token)
    if inquiry is None:
        raise Http404("No such ticket.")
    return inquiry


@require_POST
def signal_view(request, token: str):
    """The ticket page's beacon (navigator.sendBeacon with form data and the CSRF token)."""
    inquiry = _ticket_or_404(token)
    form = ImplicitSignalForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    d = form.cleaned_data
    implicit_signal_record(inquiry=inquiry, view_id=d["view_id"], seq=d["seq"], clicked=d["clicked"],
                           dwell_seconds=d["dwell"], scroll_depth=d["depth"])
    return HttpResponse(status=204)


@require_POST
def feedback_view(request, token: str):
    from supportdesk.views import ticket_context

    inquiry = _ticket_or_404(token)
    form = ExplicitFeedbackForm(request.POST)
    if not form.is_valid():
        context = {**ticket_context(inquiry), "feedback_form": form}
        return render(request, "supportdesk/ticket.html", context, status=400)
    try:
        explicit_feedback_submit(inquiry=inquiry, **form.cleaned_data)
    except FeedbackAlreadyGiven as exc:
        messages.error(request, str(exc))
        return render(request, "supportdesk/ticket.html", ticket_context(inquiry), status=409)
    messages.success(request, "Thank you for your feedback.")
    return redirect("supportdesk:ticket", token=token)
