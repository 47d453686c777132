"""The "lost your link?" form and the mail's "stop emails about this ticket" page."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from supportdesk.models import Inquiry
from supportdesk.services.mail import LINKS_MAX
from tests.factories import InquiryFactory
from tests.supportdesk import mailtest
from tests.supportdesk.mailtest import ADA

celery_eager = mailtest.celery_eager
URL = reverse("supportdesk:ticket-link-request")


@pytest.fixture
def no_limits(settings, db):
    settings.SUPPORTLOOP_LINK_REQUESTS_PER_CLIENT_HOUR = 0
    settings.SUPPORTLOOP_LINK_REQUESTS_PER_ADDRESS_HOUR = 0


def fresh_client_address() -> str:
    return f"test-{uuid.uuid4().hex}"  # buckets live in the test run's Redis: a client nobody used


def ask(client, email: str, *, remote: str = "127.0.0.1", capture=None):
    with capture(execute=True):
        return client.post(URL, {"email": email}, REMOTE_ADDR=remote)


# The form


def test_the_form_is_a_csrf_protected_post(client, db):
    page = client.get(URL).content.decode()
    assert 'method="post"' in page and "csrfmiddlewaretoken" in page and 'type="email"' in page
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, {"email": ADA}).status_code == 403


def test_the_inquiry_form_links_to_it(client, db):
    assert f'href="{URL}"' in client.get(reverse("supportdesk:inquiry-new")).content.decode()


def test_not_an_address_is_a_400_with_the_reason(client, db, no_limits):
    r = client.post(URL, {"email": "not an address"})
    assert r.status_code == 400 and "Enter a valid email address." in r.content.decode()


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client, no_limits, celery_eager,
                                                                   django_capture_on_commit_callbacks):
    InquiryFactory(email=ADA)
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as queued:
        known = client.post(URL, {"email": ADA})
        unknown = client.post(URL, {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.status_code == 302 and known["Location"] == f"{URL}?sent=1"
    # The request itself looks nothing up (the task does): no difference in what it does or how long it takes.
    assert not [q for q in queries.captured_queries if "supportdesk_inquiry" in q["sql"]]
    for callback in queued:  # the worker's turn
        callback()
    assert [m.to for m in mail.outbox] == [[ADA]]  # only the known address got mail
    page = client.get(known["Location"]).content.decode()
    assert "If we have tickets for that address" in page


def test_the_mail_lists_the_newest_tickets_of_the_address_in_any_case(client, no_limits, celery_eager,
                                                                      django_capture_on_commit_callbacks):
    now = timezone.now()
    mine = [InquiryFactory(email=ADA if i % 2 else ADA.upper(), text=f"Question number {i} <b>bold</b>")
            for i in range(LINKS_MAX + 2)]
    for i, ticket in enumerate(mine):
        Inquiry.objects.filter(pk=ticket.pk).update(created_at=now - timedelta(days=len(mine) - i))
    others = InquiryFactory(email="eve@example.com")
    ask(client, "Ada@Example.com", capture=django_capture_on_commit_callbacks)
    (sent,) = mail.outbox
    assert sent.subject == "Your SupportLoop ticket links"
    newest_first = list(reversed(mine))[:LINKS_MAX]
    positions = [sent.body.index(f"/t/{t.token}/") for t in newest_first]
    assert positions == sorted(positions)
    assert f"/t/{mine[0].token}/" not in sent.body and f"/t/{mine[1].token}/" not in sent.body  # over the cap
    assert f"/t/{others.token}/" not in sent.body
    (html, _), = sent.alternatives
    assert f'href="http://127.0.0.1:8000/t/{newest_first[0].token}/"' in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" in sent.body


# Rate limits (on the test run's real Redis)


def test_a_client_asking_too_often_gets_a_429(client, db, settings, celery_eager,
                                             django_capture_on_commit_callbacks):
    settings.SUPPORTLOOP_LINK_REQUESTS_PER_CLIENT_HOUR = 2
    settings.SUPPORTLOOP_LINK_REQUESTS_PER_ADDRESS_HOUR = 0
    remote = fresh_client_address()
    codes = [ask(client, f"{uuid.uuid4().hex}@example.com", remote=remote,
                 capture=django_capture_on_commit_callbacks).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    refused = ask(client, ADA, remote=remote, capture=django_capture_on_commit_callbacks)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    other = ask(client, ADA, remote=fresh_client_address(), capture=django_capture_on_commit_callbacks)
    assert other.status_code == 302


def test_one_address_cannot_be_flooded_from_many_clients(client, db, settings, celery_eager,
                                                         django_capture_on_commit_callbacks):
    settings.SUPPORTLOOP_LINK_REQUESTS_PER_CLIENT_HOUR = 10
    settings.SUPPORTLOOP_LINK_REQUESTS_PER_ADDRESS_HOUR = 2
    victim = f"victim-{uuid.uuid4().hex}@example.com"
    InquiryFactory(email=victim)
    answers = [ask(client, victim, remote=fresh_client_address(), capture=django_capture_on_commit_callbacks)
               for _ in range(5)]
    assert {(r.status_code, r["Location"]) for r in answers} == {(302, f"{URL}?sent=1")}  # the same answer
    assert len(mail.outbox) == 2


# "Stop emails about this ticket"


def test_the_mail_link_only_asks_and_the_button_stops_the_mail(client, db):
    ticket = InquiryFactory(email=ADA)
    url = reverse("supportdesk:ticket-mail-mute", kwargs={"token": ticket.token})
    page = client.get(url)
    ticket.refresh_from_db()
    assert page.status_code == 200 and not ticket.email_muted  # a mail scanner following the link changes nothing
    assert 'method="post"' in page.content.decode() and "csrfmiddlewaretoken" in page.content.decode()
    assert page["Cache-Control"] == "private, no-store" and page["Referrer-Policy"] == "same-origin"
    r = client.post(url)
    ticket.refresh_from_db()
    assert r.status_code == 302 and r["Location"] == url and ticket.email_muted
    done = client.get(url).content.decode()
    assert "We will not email you about this ticket any more" in done and 'method="post"' not in done


def test_stopping_the_mail_needs_csrf_and_the_ticket_token(db):
    ticket = InquiryFactory(email=ADA)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("supportdesk:ticket-mail-mute", kwargs={"token": ticket.token})).status_code == 403
    ticket.refresh_from_db()
    assert not ticket.email_muted
    assert Client().post(reverse("supportdesk:ticket-mail-mute", kwargs={"token": "x" * 32})).status_code == 404
    assert Client().put(reverse("supportdesk:ticket-mail-mute", kwargs={"token": ticket.token})).status_code == 405
