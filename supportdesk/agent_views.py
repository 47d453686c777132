"""The agent console: a live queue and the ticket page with claim, reply, category and resolve."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import BadRequest, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import role_required
from core.roles import ADMIN, AGENT
from supportdesk.agent_forms import NoteForm, SavedReplyForm
from supportdesk.forms import CategoryForm, ReassignForm, ReplyForm
from supportdesk.queue import REASONS, QueueParamsError, queue_params_parse, queue_tabs
from supportdesk.queue_selectors import agent_queue_counts, agent_queue_page
from supportdesk.selectors import (
    agents_list,
    category_choices,
    faq_suggestions,
    inquiry_earlier_tickets_marked,
    inquiry_get,
    repeat_contact_window,
    saved_replies_list,
    saved_reply_get,
)
from supportdesk.services import (
    NoteConflict,
    TicketConflict,
    saved_reply_create,
    saved_reply_delete,
    saved_reply_update,
    ticket_category_set,
    ticket_claim,
    ticket_note_add,
    ticket_reassign,
    ticket_reply,
    ticket_resolve,
    ticket_unclaim,
)


def _queue_context(request) -> dict:
    """The console's listing from its querystring (view, category, reason, q, cursor); bad input is a 400."""
    try:
        params = queue_params_parse(data=request.GET)
    except QueueParamsError as exc:
        raise BadRequest(str(exc)) from exc
    page = agent_queue_page(params=params, agent=request.user)
    counts = agent_queue_counts(params=params, agent=request.user)
    return {
        "params": params, "page": page, "queue": page.items, "counts": counts,
        "tabs": queue_tabs(params=params, counts=counts),
        "query": params.querystring(), "first_query": params.querystring(cursor=None),
        "next_query": params.querystring(cursor=None, cursor_token=page.next_cursor) if page.next_cursor else "",
    }


@require_GET
@role_required(AGENT)
def console_view(request):
    context = _queue_context(request)
    context.update(categories=category_choices(), reasons=REASONS)
    return render(request, "agent/console.html", context)


@require_GET
@role_required(AGENT)
def queue_fragment_view(request):
    return render(request, "agent/_queue.html", _queue_context(request))


def _ticket_context(request, pk: int, **forms) -> dict:
    inquiry = inquiry_get(pk=pk)
    if inquiry is None:
        raise Http404("No such ticket.")
    choices = category_choices()
    messages_list = list(inquiry.messages.select_related("author"))
    return {
        "inquiry": inquiry,
        "events": list(inquiry.events.select_related("actor")),
        "messages_list": messages_list,
        "mine": inquiry.assigned_to_id == request.user.pk,
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "category_form": forms.get("category_form")
        or CategoryForm(choices=choices, initial={"category": inquiry.confirmed_category or inquiry.category}),
        "reassign_form": ReassignForm(agents=[u.username for u in agents_list()]),
        "probabilities": sorted(inquiry.probabilities.items(), key=lambda kv: -kv[1])[:5],
        "earlier_tickets": inquiry_earlier_tickets_marked(inquiry=inquiry),
        "repeat_contact_days": repeat_contact_window().days,
        "note_form": forms.get("note_form") or NoteForm(prefix="note"),
        "has_reply": any(m.author_kind == "agent" for m in messages_list),
        "saved_replies": saved_replies_list(),
        "suggestions": faq_suggestions(inquiry=inquiry),
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
    except (TicketConflict, NoteConflict) as exc:
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


@require_POST
@role_required(AGENT)
def note_view(request, pk: int):
    form = NoteForm(request.POST, prefix="note")
    if not form.is_valid():
        return render(request, "agent/ticket.html", _ticket_context(request, pk, note_form=form), status=400)
    body = form.cleaned_data["body"]
    return _act(request, pk, lambda: ticket_note_add(inquiry_id=pk, agent=request.user, body=body))


def _saved_reply_submit(request, form: SavedReplyForm, *, save, done: str):
    """Save a valid posted form through `save(**cleaned_data)`: a redirect to the list on success, else
    None with the service's objections on the form (the caller renders it, 400 when posted)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        save(**form.cleaned_data)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return None
    messages.success(request, f"{done} “{form.cleaned_data['title']}”.")
    return redirect("agent:saved-replies")


@require_http_methods(["GET", "POST"])
@role_required(AGENT, ADMIN)
def saved_replies_view(request):
    """The team's saved replies, and a form for a new one."""
    form = SavedReplyForm(request.POST or None)
    done = _saved_reply_submit(request, form, done="Saved",
                               save=lambda **data: saved_reply_create(user=request.user, **data))
    return done or render(request, "agent/saved_replies.html", {"form": form, "saved_replies": saved_replies_list()},
                          status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
@role_required(AGENT, ADMIN)
def saved_reply_edit_view(request, pk: int):
    reply = saved_reply_get(pk=pk)
    if reply is None:
        raise Http404("No such saved reply.")
    form = SavedReplyForm(request.POST or None, initial={"title": reply.title, "body": reply.body})
    try:
        done = _saved_reply_submit(request, form, done="Updated",
                                   save=lambda **data: saved_reply_update(user=request.user, saved_reply_id=pk, **data))
    except ObjectDoesNotExist as exc:  # deleted meanwhile
        raise Http404("No such saved reply.") from exc
    return done or render(request, "agent/saved_reply_edit.html", {"form": form, "reply": reply},
                          status=400 if request.method == "POST" else 200)


@require_POST
@role_required(AGENT, ADMIN)
def saved_reply_delete_view(request, pk: int):
    if saved_reply_delete(user=request.user, saved_reply_id=pk):
        messages.success(request, "Deleted the saved reply.")
    else:
        messages.error(request, "That saved reply was already deleted.")
    return redirect("agent:saved-replies")
