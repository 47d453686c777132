from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from supportdesk.forms import InquiryForm
from supportdesk.rules import REASON_TEXT
from supportdesk.selectors import inquiry_get_by_token
from supportdesk.services import NO_ANSWER, inquiry_submit


@require_http_methods(["GET", "POST"])
def inquiry_new_view(request):
    form = InquiryForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            inquiry = inquiry_submit(**form.cleaned_data)
            return redirect("supportdesk:ticket", token=inquiry.token)
        return render(request, "supportdesk/inquiry_new.html", {"form": form}, status=400)
    return render(request, "supportdesk/inquiry_new.html", {"form": form})


@require_http_methods(["GET"])
def ticket_view(request, token: str):
    inquiry = inquiry_get_by_token(token=token)
    if inquiry is None:
        raise Http404("No such ticket.")
    reasons = [REASON_TEXT.get(r, "no prepared answer fits" if r == NO_ANSWER else r)
               for r in inquiry.escalation_reasons]
    response = render(request, "supportdesk/ticket.html", {"inquiry": inquiry, "reasons": reasons})
    response["X-Model-Version"] = inquiry.model_version or "none"
    response["Referrer-Policy"] = "no-referrer"  # the URL is the customer's secret
    return response
