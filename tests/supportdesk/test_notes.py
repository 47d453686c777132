"""Internal notes: staff-only, never a reply, never shown or mailed to the customer."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from feedback.services import inquiry_answered
from supportdesk.models import Inquiry, TicketMessage
from supportdesk.selectors import ticket_messages_public
from supportdesk.services import (
    NoteConflict,
    TicketConflict,
    ticket_mail_send,
    ticket_note_add,
    ticket_reply,
    ticket_resolve,
)
from tests.factories import InquiryFactory, UserFactory
from tests.supportdesk import mailtest
from tests.supportdesk.mailtest import ADA

ada_ticket, celery_eager = mailtest.ada_ticket, mailtest.celery_eager
SECRET = "Internal: customer tried this twice, check the courier ZX-99"


@pytest.fixture
def carol_agent(db):
    return UserFactory(username="carol", roles=["agent"])


def test_any_agent_adds_a_note_that_changes_nothing_else(ada_ticket, carol_agent, celery_eager,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = ticket_note_add(inquiry_id=ada_ticket.pk, agent=carol_agent, body=f"  {SECRET}\r\n ")
    ada_ticket.refresh_from_db()
    assert note.author_kind == TicketMessage.Author.NOTE and note.author == carol_agent and note.body == SECRET
    assert ada_ticket.status == "assigned" and ada_ticket.assigned_to.username == "bob"
    assert ada_ticket.first_response_at is None
    assert mail.outbox == []


def test_a_note_is_not_a_reply_for_resolving_nor_for_feedback(ada_ticket, bob_agent):
    ticket_note_add(inquiry_id=ada_ticket.pk, agent=bob_agent, body=SECRET)
    with pytest.raises(TicketConflict, match="reply to the customer"):
        ticket_resolve(inquiry_id=ada_ticket.pk, agent=bob_agent)
    assert inquiry_answered(inquiry=ada_ticket) is False


@pytest.mark.parametrize("status", ["escalated", "resolved"])
def test_notes_go_on_open_and_closed_tickets(db, bob_agent, status):
    ticket = InquiryFactory(status=status)
    ticket_note_add(inquiry_id=ticket.pk, agent=bob_agent, body=SECRET)
    assert Inquiry.objects.get(pk=ticket.pk).status == status


@pytest.mark.parametrize("status", ["received", "answered_auto"])
def test_a_ticket_never_handed_to_a_person_takes_no_note(db, bob_agent, status):
    with pytest.raises(NoteConflict):
        ticket_note_add(inquiry_id=InquiryFactory(status=status).pk, agent=bob_agent, body=SECRET)


def test_an_empty_or_too_long_note_or_a_non_agent_is_refused(ada_ticket, alice):
    agent = ada_ticket.assigned_to
    with pytest.raises(ValidationError):
        ticket_note_add(inquiry_id=ada_ticket.pk, agent=agent, body=" \n ")
    with pytest.raises(ValidationError):
        ticket_note_add(inquiry_id=ada_ticket.pk, agent=agent, body="x" * 5001)
    with pytest.raises(PermissionDenied):
        ticket_note_add(inquiry_id=ada_ticket.pk, agent=alice, body=SECRET)
    assert not TicketMessage.objects.filter(author_kind="note").exists()


def test_the_customers_thread_selector_leaves_notes_out(ada_ticket, bob_agent):
    ticket_note_add(inquiry_id=ada_ticket.pk, agent=bob_agent, body=SECRET)
    reply = ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="A new parcel leaves today.")
    assert ticket_messages_public(inquiry=ada_ticket) == [reply]


@pytest.mark.parametrize("suffix", ["", "body/"])
def test_the_customers_ticket_page_and_fragment_never_show_a_note(client, ada_ticket, bob_agent, suffix):
    ticket_note_add(inquiry_id=ada_ticket.pk, agent=bob_agent, body=SECRET)
    ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="A new parcel leaves today.")
    html = client.get(f"/t/{ada_ticket.token}/{suffix}").content.decode()
    assert "A new parcel leaves today." in html
    assert SECRET not in html and "ZX-99" not in html and "Internal note" not in html


def test_the_customers_follow_up_answer_never_shows_a_note(client, ada_ticket, bob_agent):
    ticket_note_add(inquiry_id=ada_ticket.pk, agent=bob_agent, body=SECRET)
    r = client.post(f"/t/{ada_ticket.token}/follow-up/", {"body": "Any news?"}, follow=True)
    assert r.status_code == 200 and "Any news?" in r.content.decode()
    assert SECRET not in r.content.decode()


def test_a_note_is_never_mailed_not_even_by_its_id(ada_ticket, bob_agent, celery_eager,
                                                   django_capture_on_commit_callbacks):
    note = ticket_note_add(inquiry_id=ada_ticket.pk, agent=bob_agent, body=SECRET)
    assert ticket_mail_send(inquiry_id=ada_ticket.pk, kind="reply", ref=note.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="A new parcel leaves today.")
    (sent,) = mail.outbox
    assert sent.to == [ADA]
    assert SECRET not in sent.body and all(SECRET not in body for body, _ in sent.alternatives)


@pytest.fixture
def carol_client(client, carol_agent):
    client.force_login(carol_agent)
    return client


def test_an_agent_adds_a_note_from_the_ticket_page_and_sees_it_marked(carol_client, ada_ticket):
    r = carol_client.post(f"/agent/tickets/{ada_ticket.pk}/note/", {"note-body": SECRET})
    assert r.status_code == 302 and r["Location"] == f"/agent/tickets/{ada_ticket.pk}/"
    html = carol_client.get(r["Location"]).content.decode()
    assert SECRET in html and "Internal note" in html and "message-note" in html


def test_the_note_form_refuses_an_empty_note_and_an_unknown_ticket(carol_client, ada_ticket):
    r = carol_client.post(f"/agent/tickets/{ada_ticket.pk}/note/", {"note-body": "   "})
    assert r.status_code == 400 and "This field is required." in r.content.decode()
    assert carol_client.post("/agent/tickets/999999/note/", {"note-body": SECRET}).status_code == 404
    assert carol_client.get(f"/agent/tickets/{ada_ticket.pk}/note/").status_code == 405


def test_the_note_form_on_a_ticket_without_a_person_is_a_409(carol_client, db):
    ticket = InquiryFactory(status="answered_auto")
    r = carol_client.post(f"/agent/tickets/{ticket.pk}/note/", {"note-body": SECRET})
    assert r.status_code == 409 and "only tickets handed to a person" in r.content.decode()


def test_a_customer_cannot_post_a_note(client, alice, ada_ticket):
    client.force_login(alice)
    assert client.post(f"/agent/tickets/{ada_ticket.pk}/note/", {"note-body": SECRET}).status_code == 403
    assert not TicketMessage.objects.filter(author_kind="note").exists()


@pytest.fixture
def carol_api(carol_agent):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=carol_agent).key}")
    return client


def test_the_api_lists_and_adds_notes(carol_api, ada_ticket, bob_agent):
    url = f"/api/agent/tickets/{ada_ticket.pk}/notes/"
    ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="A reply is not a note.")
    r = carol_api.post(url, {"body": SECRET}, format="json")
    assert r.status_code == 201 and r.json()["author"] == "carol" and r.json()["body"] == SECRET
    assert r["Cache-Control"].startswith("max-age=0") or "no-store" in r["Cache-Control"]
    notes = carol_api.get(url).json()
    assert [n["body"] for n in notes] == [SECRET]
    assert Inquiry.objects.get(pk=ada_ticket.pk).status == "assigned"


def test_the_api_refuses_bad_notes_clearly(carol_api, ada_ticket, db):
    url = f"/api/agent/tickets/{ada_ticket.pk}/notes/"
    assert carol_api.post(url, {"body": ""}, format="json").status_code == 400
    assert carol_api.post(url, {"body": "   "}, format="json").status_code == 400
    assert carol_api.post(url, {"body": 5}, format="json").status_code == 400
    assert carol_api.post(url, {"body": "x" * 5001}, format="json").status_code == 400
    assert carol_api.post("/api/agent/tickets/999999/notes/", {"body": SECRET}, format="json").status_code == 404
    assert carol_api.get("/api/agent/tickets/999999/notes/").status_code == 404
    auto = InquiryFactory(status="answered_auto")
    assert carol_api.post(f"/api/agent/tickets/{auto.pk}/notes/", {"body": SECRET}, format="json").status_code == 409
    assert not TicketMessage.objects.filter(author_kind="note").exists()


def test_the_api_keeps_notes_from_customers_and_strangers(client, alice, ada_ticket, bob_agent):
    ticket_note_add(inquiry_id=ada_ticket.pk, agent=bob_agent, body=SECRET)
    url = f"/api/agent/tickets/{ada_ticket.pk}/notes/"
    assert client.get(url, HTTP_ACCEPT="application/json").status_code in (401, 403)
    client.force_login(alice)
    r = client.get(url, HTTP_ACCEPT="application/json")
    assert r.status_code == 403 and SECRET not in r.content.decode()
