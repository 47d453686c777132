"""supportdesk.services.mail: what the customer is mailed, when, and never twice (locmem backend)."""

import logging
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from supportdesk.models import Inquiry, TicketEvent
from supportdesk.services import (
    inquiry_submit,
    inquiry_submit_idempotent,
    ticket_follow_up,
    ticket_mail_mute,
    ticket_mail_queue,
    ticket_mail_send,
    ticket_reply,
    ticket_resolve,
)
from supportdesk.services.mail import _task_queue, mail_marker, mail_subject
from supportdesk.tasks import MailBusy, ticket_mail_send_task
from tests.factories import InquiryFactory
from tests.supportdesk import mailtest
from tests.supportdesk.mailtest import ADA

ada_ticket, celery_eager = mailtest.ada_ticket, mailtest.celery_eager

REPLY = "Sorry, Ada! <script>alert(1)</script>\nA new parcel leaves today & arrives Friday."


def html_of(message) -> str:
    (html, mimetype), = message.alternatives
    assert mimetype == "text/html"
    return html


def mailed(inquiry) -> list[str]:
    return list(TicketEvent.objects.filter(inquiry=inquiry, reason__startswith="mailed").values_list("reason",
                                                                                                     flat=True))


# Pure parts


def test_subjects_name_the_ticket_and_never_carry_customer_text():
    assert mail_subject(kind="received", number=7) == "We received your message (ticket #7)"
    assert mail_subject(kind="reply", number=7) == "New reply to your ticket #7"
    assert mail_subject(kind="resolved", number=7) == "Your ticket #7 is resolved"


def test_the_marker_names_the_kind_and_what_it_was_about():
    assert mail_marker(kind="reply", ref=12) == "mailed the customer: reply #12"
    assert mail_marker(kind="received", ref=None) == "mailed the customer: received"


# Content


def test_a_reply_mail_has_the_reply_both_links_and_escapes_it_in_html(ada_ticket, bob_agent, celery_eager,
                                                                      django_capture_on_commit_callbacks, settings):
    settings.SUPPORTLOOP_SITE_URL = "https://support.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        message = ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body=REPLY)
    (sent,) = mail.outbox
    ticket_url = f"https://support.example.com/t/{ada_ticket.token}/"
    mute_url = f"https://support.example.com/t/{ada_ticket.token}/emails/stop/"
    assert sent.to == [ADA] and sent.from_email == settings.DEFAULT_FROM_EMAIL
    assert sent.subject == f"New reply to your ticket #{ada_ticket.pk}"
    assert sent.extra_headers["List-Unsubscribe"] == f"<{mute_url}>"
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    # Plain text: the reply as written (no HTML entities), both links.
    assert "Hello Ada," in sent.body and REPLY.strip() in sent.body and "&amp;" not in sent.body
    assert ticket_url in sent.body and mute_url in sent.body
    html = html_of(sent)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;<br>A new parcel leaves today &amp;" in html
    assert f'href="{ticket_url}"' in html and f'href="{mute_url}"' in html
    assert mailed(ada_ticket) == [f"mailed the customer: reply #{message.pk}"]


def test_the_received_mail_quotes_the_inquiry_and_gives_its_link(db, celery_eager,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inquiry = inquiry_submit(text="Where is <my> parcel & why?", name="Ada", email=ADA)
    (sent,) = mail.outbox
    assert sent.subject == f"We received your message (ticket #{inquiry.pk})"
    assert "Where is <my> parcel & why?" in sent.body and f"/t/{inquiry.token}/" in sent.body
    assert "Where is &lt;my&gt; parcel &amp; why?" in html_of(sent)
    assert f"/t/{inquiry.token}/emails/stop/" in html_of(sent)
    assert Inquiry.objects.get(pk=inquiry.pk).status != "received"  # classified as usual


def test_an_api_submission_with_a_key_is_mailed_once_not_on_its_replay(db, celery_eager,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = inquiry_submit_idempotent(key="k-1", client="203.0.113.7", text="Refund?", email=ADA)
        again, created_again = inquiry_submit_idempotent(key="k-1", client="203.0.113.7", text="Refund?", email=ADA)
    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert [m.subject for m in mail.outbox] == [f"We received your message (ticket #{first.pk})"]


def test_the_resolution_is_mailed_and_again_after_a_reopening(ada_ticket, bob_agent, celery_eager,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="Sent again.")
        ticket_resolve(inquiry_id=ada_ticket.pk, agent=bob_agent)
    assert [m.subject for m in mail.outbox] == [f"New reply to your ticket #{ada_ticket.pk}",
                                                f"Your ticket #{ada_ticket.pk} is resolved"]
    resolved = mail.outbox[1]
    assert "resolved" in resolved.body and f"/t/{ada_ticket.token}/emails/stop/" in html_of(resolved)
    # Ada writes back, Bob claims, replies and resolves again: a second resolution mail.
    ticket_follow_up(inquiry=ada_ticket, body="Still nothing.")
    Inquiry.objects.filter(pk=ada_ticket.pk).update(status="assigned", assigned_to=bob_agent)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="Now it is there.")
        ticket_resolve(inquiry_id=ada_ticket.pk, agent=bob_agent)
    assert [m.subject for m in mail.outbox].count(f"Your ticket #{ada_ticket.pk} is resolved") == 2
    assert len(mailed(ada_ticket)) == 4


# When nothing is sent


def test_nothing_is_sent_before_the_commit_nor_after_a_rollback(ada_ticket, bob_agent, celery_eager,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="Hello")
    assert mail.outbox == []
    for callback in callbacks:  # the commit
        callback()
    assert len(mail.outbox) == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="Hello again")
            raise RuntimeError("the request failed after the reply")
    assert mail.outbox == []


def test_a_ticket_without_email_queues_nothing(bob_agent, django_capture_on_commit_callbacks):
    ticket = InquiryFactory(email="", status="assigned", assigned_to=bob_agent)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ticket_reply(inquiry_id=ticket.pk, agent=bob_agent, body="Hello")
    assert not [c for c in callbacks if getattr(c, "func", None) is _task_queue]  # no task at all


def test_a_muted_ticket_is_not_mailed_even_what_was_already_queued(ada_ticket, bob_agent, celery_eager,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="Hello")
    ticket_mail_mute(inquiry=ada_ticket)
    for callback in queued:
        callback()
    with django_capture_on_commit_callbacks(execute=False) as later:
        ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="Hello again")
    assert mail.outbox == [] and not [c for c in later if getattr(c, "func", None) is _task_queue]
    assert Inquiry.objects.get(pk=ada_ticket.pk).email_muted
    assert ada_ticket.events.filter(reason="the customer stopped emails about this ticket").count() == 1
    ticket_mail_mute(inquiry=ada_ticket)  # again: nothing new
    assert ada_ticket.events.filter(reason="the customer stopped emails about this ticket").count() == 1


def test_a_resolution_undone_before_the_mail_went_out_is_not_mailed(ada_ticket, bob_agent, celery_eager,
                                                                   django_capture_on_commit_callbacks):
    ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="Done.")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        ticket_resolve(inquiry_id=ada_ticket.pk, agent=bob_agent)
    ticket_follow_up(inquiry=ada_ticket, body="No it is not!")
    for callback in queued:
        callback()
    assert mail.outbox == []


def test_unknown_kinds_are_refused(ada_ticket):
    with pytest.raises(ValueError, match="unknown mail kind"):
        ticket_mail_queue(inquiry=ada_ticket, kind="spam")
    with pytest.raises(ValueError, match="unknown mail kind"):
        ticket_mail_send(inquiry_id=ada_ticket.pk, kind="spam")


# Idempotency and failures


def test_a_second_delivery_sends_nothing(ada_ticket):
    assert ticket_mail_send(inquiry_id=ada_ticket.pk, kind="received") is True
    assert ticket_mail_send(inquiry_id=ada_ticket.pk, kind="received") is False
    assert len(mail.outbox) == 1 and mailed(ada_ticket) == ["mailed the customer: received"]


def test_a_concurrent_delivery_waits_for_the_first(ada_ticket):
    from django.core.cache import cache

    lock = f"supportdesk:mail:{ada_ticket.pk}:received:None"
    cache.add(lock, 1, timeout=30)
    try:
        with pytest.raises(MailBusy):
            ticket_mail_send(inquiry_id=ada_ticket.pk, kind="received")
    finally:
        cache.delete(lock)
    assert mail.outbox == []
    assert ticket_mail_send(inquiry_id=ada_ticket.pk, kind="received") is True


def test_a_ticket_gone_or_a_reply_of_another_ticket_sends_nothing(ada_ticket, bob_agent):
    other = InquiryFactory(status="assigned", assigned_to=bob_agent)
    message = ticket_reply(inquiry_id=other.pk, agent=bob_agent, body="Not for Ada")
    assert ticket_mail_send(inquiry_id=ada_ticket.pk, kind="reply", ref=message.pk) is False
    assert ticket_mail_send(inquiry_id=999_999, kind="received") is False
    assert mail.outbox == []


def test_an_address_refused_for_good_is_logged_and_not_retried(ada_ticket, caplog):
    refused = smtplib.SMTPRecipientsRefused({ADA: (550, b"no such user")})
    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=refused), \
            caplog.at_level(logging.WARNING, logger="supportdesk.services.mail"):
        assert ticket_mail_send(inquiry_id=ada_ticket.pk, kind="received") is False
    assert "refused the address for good" in caplog.text
    assert mailed(ada_ticket) == [] and Inquiry.objects.filter(pk=ada_ticket.pk).exists()


def test_a_server_that_may_recover_raises_for_the_task_to_retry(ada_ticket):
    for exc in (ConnectionRefusedError(111, "refused"), smtplib.SMTPServerDisconnected("gone"), TimeoutError(),
                smtplib.SMTPRecipientsRefused({ADA: (451, b"try later")})):
        with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=exc), \
                pytest.raises(OSError):
            ticket_mail_send(inquiry_id=ada_ticket.pk, kind="received")
    assert mailed(ada_ticket) == []
    assert ticket_mail_send(inquiry_id=ada_ticket.pk, kind="received") is True  # the lock was released


def test_a_broker_that_is_away_does_not_fail_the_reply(ada_ticket, bob_agent, caplog,
                                                       django_capture_on_commit_callbacks):
    with mock.patch.object(ticket_mail_send_task, "delay", side_effect=OSError("broker away")), \
            caplog.at_level(logging.ERROR, logger="supportdesk.services.mail"), \
            django_capture_on_commit_callbacks(execute=True):
        message = ticket_reply(inquiry_id=ada_ticket.pk, agent=bob_agent, body="Hello")
    assert message.pk and "could not queue supportdesk.ticket_mail_send" in caplog.text


# Settings


def test_mail_goes_to_files_under_var_mail_unless_email_url_names_a_server(tmp_path):
    import os

    from tests.config.test_settings import settings_value

    env = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", SUPPORTLOOP_VAR_DIR=str(tmp_path))
    assert settings_value("EMAIL_BACKEND", env=env) == "django.core.mail.backends.filebased.EmailBackend"
    assert settings_value("EMAIL_FILE_PATH", env=env) == str(tmp_path / "mail")
    smtp = dict(env, EMAIL_URL="smtp+tls://ada:s%40cret@smtp.example.com:587")
    assert settings_value("EMAIL_BACKEND", env=smtp) == "django.core.mail.backends.smtp.EmailBackend"
    assert settings_value("EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_HOST_PASSWORD",
                          env=smtp) == "smtp.example.com 587 True s@cret"
