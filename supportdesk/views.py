from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from supportdesk.forms import FollowUpForm, InquiryForm
from supportdesk.models import Inquiry
from supportdesk.ratelimit import submission_allowed
from supportdesk.roles import ADMIN, AGENT, ANNOTATOR, REVIEWER, user_has_role
from supportdesk.selectors import inquiry_get_by_token, reply_estimate_get
from supportdesk.services import inquiry_submit, ticket_follow_up
from supportdesk.wording import customer_status_label, reply_estimate_text


def too_many(retry_after: int, request) -> HttpResponse:
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "POST"])
def inquiry_new_view(request):
    form = InquiryForm(request.POST or None)
    if request.method == "POST":
        decision = submission_allowed(request)
        if not decision.allowed:
            return too_many(decision.retry_after, request)
        if form.is_valid():
            inquiry = inquiry_submit(**form.cleaned_data)
            return redirect("supportdesk:ticket", token=inquiry.token)
        return render(request, "supportdesk/inquiry_new.html", {"form": form}, status=400)
    return render(request, "supportdesk/inquiry_new.html", {"form": form})


def ticket_context(inquiry) -> dict:
    from feedback.forms import ExplicitFeedbackForm
    from feedback.models import ExplicitFeedback

    # Plain words only: no category, confidence, model version or escalation reason (those are for agents).
    messages_list = list(inquiry.messages.all())
    answered = bool(inquiry.answer) or any(m.author_kind == "agent" for m in messages_list)
    waiting = inquiry.status == Inquiry.Status.ESCALATED
    return {"inquiry": inquiry, "messages_list": messages_list,
            "status_label": customer_status_label(status=inquiry.status),
            "reply_estimate": reply_estimate_text(estimate=reply_estimate_get()) if waiting else "",
            "follow_up_form": FollowUpForm(), "answered": answered,
            "feedback": ExplicitFeedback.objects.filter(inquiry=inquiry).first(),
            "feedback_form": ExplicitFeedbackForm()}


def _ticket_or_404(token: str):
    inquiry = inquiry_get_by_token(token=token)
    if inquiry is None:
        raise Http404("No such ticket.")
    return inquiry


def _private(response: HttpResponse, inquiry) -> HttpResponse:
    response["X-Model-Version"] = inquiry.model_version or "none"
    # The URL is the customer's secret: never sent to other sites. ("no-referrer" would make
    # browsers send "Origin: null" with the follow-up form, which CSRF protection rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET"])
def ticket_view(request, token: str):
    inquiry = _ticket_or_404(token)
    return _private(render(request, "supportdesk/ticket.html", ticket_context(inquiry)), inquiry)


@require_http_methods(["GET"])
def ticket_fragment_view(request, token: str):
    inquiry = _ticket_or_404(token)
    return _private(render(request, "supportdesk/_ticket_body.html", ticket_context(inquiry)), inquiry)


@require_POST
def ticket_follow_up_view(request, token: str):
    inquiry = _ticket_or_404(token)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        context = {**ticket_context(inquiry), "follow_up_form": form}
        return _private(render(request, "supportdesk/ticket.html", context, status=400), inquiry)
    ticket_follow_up(inquiry=inquiry, body=form.cleaned_data["body"])
    return redirect("supportdesk:ticket", token=token)


def home_view(request):
    """Where a login lands: the console of the person's main role."""
    if user_has_role(request.user, AGENT):
        return redirect("agent:console")
    if user_has_role(request.user, ADMIN):
        return redirect("admin:index")
    if user_has_role(request.user, REVIEWER):
        return redirect("labeling:review")
    if user_has_role(request.user, ANNOTATOR):
        return redirect("labeling:annotate")
    return redirect("supportdesk:inquiry-new")
