from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.ratelimit import submission_allowed
from core.responses import too_many_requests
from core.roles import ADMIN, AGENT, ANNOTATOR, REVIEWER, user_has_role
from supportdesk.forms import FollowUpForm, InquiryForm
from supportdesk.services import inquiry_submit, ticket_follow_up
from supportdesk.ticket_page import ticket_get_or_404, ticket_page_response


@require_http_methods(["GET", "POST"])
def inquiry_new_view(request):
    form = InquiryForm(request.POST or None)
    if request.method == "POST":
        decision = submission_allowed(request)
        if not decision.allowed:
            return too_many_requests(request=request, retry_after=decision.retry_after)
        if form.is_valid():
            inquiry = inquiry_submit(**form.cleaned_data)
            return redirect("supportdesk:ticket", token=inquiry.token)
        return render(request, "supportdesk/inquiry_new.html", {"form": form}, status=400)
    return render(request, "supportdesk/inquiry_new.html", {"form": form})


@require_http_methods(["GET"])
def ticket_view(request, token: str):
    return ticket_page_response(request=request, inquiry=ticket_get_or_404(token=token))


@require_http_methods(["GET"])
def ticket_fragment_view(request, token: str):
    return ticket_page_response(request=request, inquiry=ticket_get_or_404(token=token),
                                template="supportdesk/_ticket_body.html")


@require_POST
def ticket_follow_up_view(request, token: str):
    inquiry = ticket_get_or_404(token=token)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return ticket_page_response(request=request, inquiry=inquiry, status=400,
                                    overrides={"follow_up_form": form})
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
