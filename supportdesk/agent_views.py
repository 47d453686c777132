"""The agent console: a live queue and the ticket page with claim, reply, category and resolve."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.access import role_required
from core.roles import AGENT
from supportdesk.forms import CategoryForm, ReassignForm, ReplyForm
from supportdesk.selectors import (
    agent_queue,
    agents_list,
    category_choices,
    inquiry_earlier_tickets_marked,
    inquiry_get,
    repeat_contact_window,
)
from supportdesk.services import (
    TicketConflict,
    ticket_category_set,
    ticket_claim,
    ticket_reassign,
    ticket_reply,
    ticket_resolve,
    ticket_unclaim,
)


@require_GET
@role_required(AGENT)
def console_view(request):
    return render(request, "agent/console.html", {"queue": agent_queue()})


@require_GET
@role_required(AGENT)
def queue_fragment_view(request):
    return render(request, "agent/_queue.html", {"queue": agent_queue()})


def _ticket_context(request, pk: int, **forms) -> dict:
    inquiry = inquiry_get(pk=pk)
    if inquiry is None:
        raise Http404("No such ticket.")
    choices = category_choices()
    return {
        "inquiry": inquiry,
        "events": list(inquiry.events.select_related("actor")),
        "messages_list": list(inquiry.messages.select_related("author")),
        "mine": inquiry.assigned_to_id == request.user.pk,
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "category_form": forms.get("category_form")
        or CategoryForm(choices=choices, initial={"category": inquiry.confirmed_category or inquiry.category}),
        "reassign_form": ReassignForm(agents=[u.username for u in agents_list()]),
        "probabilities": sorted(inquiry.probabilities.items(), key=lambda kv: -kv[1])[:5],
        "earlier_tickets": inquiry_earlier_tickets_marked(inquiry=inquiry),
        "repeat_contact_days": repeat_contact_window().days,
    }


@require_GET
@role_required(AGENT)
def ticket_view(request, pk: int):
    return render(request, "agent/ticket.html", _ticket_context(request, pk))


@require_GET
@role_required(AGENT)
def ticket_fragment_view(request, pk: int):
    return render(request, "agent/_ticket_body.html", _ticket_context(request, pk))


def _act(request, pk: int, action) -> object:
    """Run one service call; conflicts and refusals become messages on the ticket page."""
    try:
        action()
    except TicketConflict as exc:
        messages.error(request, str(exc))
        return render(request, "agent/ticket.html", _ticket_context(request, pk), status=409)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return render(request, "agent/ticket.html", _ticket_context(request, pk), status=403)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render(request, "agent/ticket.html", _ticket_context(request, pk), status=400)
    return redirect("agent:ticket", pk=pk)


@require_POST
@role_required(AGENT)
def claim_view(request, pk: int):
    return _act(request, pk, lambda: ticket_claim(inquiry_id=pk, agent=request.user))


@require_POST
@role_required(AGENT)
def unclaim_view(request, pk: int):
    return _act(request, pk, lambda: ticket_unclaim(inquiry_id=pk, agent=request.user))


@require_POST
@role_required(AGENT)
def reply_view(request, pk: int):
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return render(request, "agent/ticket.html", _ticket_context(request, pk, reply_form=form), status=400)
    return _act(request, pk, lambda: ticket_reply(inquiry_id=pk, agent=request.user, body=form.cleaned_data["body"]))


@require_POST
@role_required(AGENT)
def category_view(request, pk: int):
    form = CategoryForm(request.POST, choices=category_choices())
    if not form.is_valid():
        return render(request, "agent/ticket.html", _ticket_context(request, pk, category_form=form), status=400)
    category = form.cleaned_data["category"]
    return _act(request, pk, lambda: ticket_category_set(inquiry_id=pk, agent=request.user, category=category))


@require_POST
@role_required(AGENT)
def resolve_view(request, pk: int):
    return _act(request, pk, lambda: ticket_resolve(inquiry_id=pk, agent=request.user))


@require_POST
@role_required(AGENT)
def reassign_view(request, pk: int):
    form = ReassignForm(request.POST, agents=[u.username for u in agents_list()])
    if not form.is_valid():
        messages.error(request, "choose an agent")
        return render(request, "agent/ticket.html", _ticket_context(request, pk), status=400)
    to_agent = get_user_model().objects.get(username=form.cleaned_data["agent"])
    return _act(request, pk, lambda: ticket_reassign(inquiry_id=pk, actor=request.user, to_agent=to_agent))
