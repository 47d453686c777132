from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from core.ratelimit import client_identity, submission_allowed
from core.responses import too_many_requests, too_many_requests_mark, too_many_requests_message
from core.roles import ADMIN, AGENT, ANNOTATOR, REVIEWER, user_has_role
from supportdesk.forms import FollowUpForm, InquiryForm, TicketLinkRequestForm
from supportdesk.services import (
    inquiry_submit,
    ticket_follow_up,
    ticket_links_request,
    ticket_mail_mute,
)
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
    decision = submission_allowed(request)
    if not decision.allowed:  # the page again, with the typed text still in the box
        form.add_error("body", too_many_requests_message(retry_after=decision.retry_after))
        response = ticket_page_response(request=request, inquiry=inquiry, overrides={"follow_up_form": form})
        return too_many_requests_mark(response=response, retry_after=decision.retry_after)
    if not form.is_valid():
        return ticket_page_response(request=request, inquiry=inquiry, status=400,
                                    overrides={"follow_up_form": form})
    ticket_follow_up(inquiry=inquiry, body=form.cleaned_data["body"])
    return redirect("supportdesk:ticket", token=token)


@require_http_methods(["GET", "POST"])
def ticket_link_request_view(request):
    """"Lost your link?": the same answer whether or not the address has tickets (the task looks)."""
    form = TicketLinkRequestForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "supportdesk/ticket_link_request.html", {"form": form}, status=400)
        decision = ticket_links_request(email=form.cleaned_data["email"], client=client_identity(request))
        if not decision.allowed:
            return too_many_requests(request=request, retry_after=decision.retry_after)
        return redirect(reverse("supportdesk:ticket-link-request") + "?sent=1")
    template = "supportdesk/ticket_link_request_sent.html" if request.GET.get("sent") else \
        "supportdesk/ticket_link_request.html"
    return render(request, template, {"form": form})


@require_http_methods(["GET", "POST"])
def ticket_mail_mute_view(request, token: str):
    """The mail's "stop emails about this ticket" link: GET asks (a link prefetched by a mail
    scanner changes nothing), the confirm button POSTs."""
    inquiry = ticket_get_or_404(token=token)
    if request.method == "POST":
        ticket_mail_mute(inquiry=inquiry)
        return redirect("supportdesk:ticket-mail-mute", token=token)
    response = render(request, "supportdesk/mail_mute.html", {"inquiry": inquiry})
    response["Referrer-Policy"] = "same-origin"  # the address holds the ticket's secret, as the ticket page's
    response["Cache-Control"] = "private, no-store"
    return response


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
