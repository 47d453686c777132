"""supportdesk.tasks: mail retried with backoff while the server fails, sent once whatever Celery
redelivers; and through a real worker, the default file backend under var/mail/."""

import os
import smtplib
import uuid
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail

from supportdesk.models import TicketEvent
from supportdesk.services import ticket_reply
from supportdesk.tasks import MailBusy, ticket_links_send_task, ticket_mail_send_task
from tests.factories import InquiryFactory
from tests.supportdesk import mailtest
from tests.supportdesk.mailtest import ADA

ada_ticket, celery_eager = mailtest.ada_ticket, mailtest.celery_eager
SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def failing(times: int, exc: Exception):
    """send_messages that raises `exc` `times` times, then delivers as the locmem backend does."""
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages
    calls = []

    def send(self, messages):
        calls.append(1)
        if len(calls) <= times:
            raise exc
        return real(self, messages)

    return send, calls


def test_the_tasks_retry_on_connection_and_smtp_errors_with_backoff():
    for task in (ticket_mail_send_task, ticket_links_send_task):
        assert set(task.autoretry_for) == {OSError, MailBusy}  # SMTPException is an OSError
        assert task.max_retries == 5 and task.retry_backoff == 30 and task.retry_jitter
        assert task.retry_backoff_max == 900 and task.acks_late


def test_a_failing_server_is_retried_until_the_mail_goes_out(ada_ticket, bob_agent):
    message = ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="On its way.")
    send, calls = failing(2, smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    with mock.patch(SEND, send):
        result = ticket_mail_send_task.apply(args=(ada_ticket.pk, "reply", message.pk))
    assert result.successful() and result.get() is True
    assert len(calls) == 3 and len(mail.outbox) == 1 and "On its way." in mail.outbox[0].body
    marker = f"mailed the customer: reply #{message.pk}"
    assert TicketEvent.objects.filter(inquiry=ada_ticket, reason=marker).count() == 1


def test_a_server_down_for_good_gives_up_after_the_retries_and_keeps_the_ticket(ada_ticket):
    send, calls = failing(100, ConnectionRefusedError(111, "Connection refused"))
    with mock.patch(SEND, send):
        result = ticket_mail_send_task.apply(args=(ada_ticket.pk, "received"))
    assert result.failed() and isinstance(result.result, ConnectionRefusedError)
    assert len(calls) == 1 + 5  # the first try and max_retries
    assert mail.outbox == [] and not TicketEvent.objects.filter(inquiry=ada_ticket, reason__startswith="mailed")
    ada_ticket.refresh_from_db()  # still there
    # Once the server is back, the same message (redelivered, or queued again) sends it.
    assert ticket_mail_send_task.apply(args=(ada_ticket.pk, "received")).get() is True
    assert len(mail.outbox) == 1


def test_a_redelivered_task_does_not_send_twice(ada_ticket):
    results = [ticket_mail_send_task.apply(args=(ada_ticket.pk, "received")).get() for _ in range(3)]
    assert results == [True, False, False] and len(mail.outbox) == 1


def test_a_redelivered_link_request_does_not_send_twice(db):
    InquiryFactory(email=ADA)
    request_id = uuid.uuid4().hex  # remembered in the test run's Redis
    results = [ticket_links_send_task.apply(args=(ADA, request_id)).get() for _ in range(2)]
    assert results == [True, False] and len(mail.outbox) == 1


def test_a_failed_link_mail_is_retried_and_then_sent_once(db):
    InquiryFactory(email=ADA)
    send, calls = failing(1, TimeoutError("timed out"))
    with mock.patch(SEND, send):
        assert ticket_links_send_task.apply(args=(ADA, uuid.uuid4().hex)).get() is True
    assert len(calls) == 2 and len(mail.outbox) == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_mail_under_var_mail(celery_worker_process):
    if os.environ.get("EMAIL_URL"):
        pytest.skip("EMAIL_URL is set: the worker would not use the file backend")
    ticket = InquiryFactory(email=ADA, name="Ada", text="Is my parcel lost?")
    assert ticket_mail_send_task.apply_async((ticket.pk, "received"), ignore_result=False).get(timeout=60) is True
    # Celery redelivers the same message: nothing new.
    assert ticket_mail_send_task.apply_async((ticket.pk, "received"), ignore_result=False).get(timeout=60) is False
    outbox = Path(settings.VAR_DIR) / "mail"
    written = [f.read_text() for f in outbox.glob("*.log")]
    mine = [m for m in written if f"ticket #{ticket.pk})" in m and f"/t/{ticket.token}/" in m]
    assert len(mine) == 1, written
