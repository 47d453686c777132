"""Mail to customers: the ticket's link when it is received, every agent reply and the resolution,
and, on request, the links of every ticket of an address.

Writes queue the mail after their transaction commits (ticket_mail_queue); the worker sends it
(ticket_mail_send) and records it as a TicketEvent, so that a redelivered task finds it and sends
nothing, and agents see on the ticket when its customer was mailed. Mail never fails the request
that caused it: a broker that is away, a bad address or a refusing server is logged, and what can
succeed later is retried by the task (supportdesk/tasks.py)."""

from __future__ import annotations

import logging
import smtplib
import uuid
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import salted_hmac

from core.ratelimit import Decision, token_bucket_take
from supportdesk.models import Inquiry, TicketEvent, TicketMessage
from supportdesk.tasks import MailBusy, ticket_links_send_task, ticket_mail_send_task
from supportdesk.wording import customer_status_label

logger = logging.getLogger(__name__)

MAIL_RECEIVED, MAIL_REPLY, MAIL_RESOLVED = "received", "reply", "resolved"
MAIL_KINDS = (MAIL_RECEIVED, MAIL_REPLY, MAIL_RESOLVED)
LINKS_MAX = 20  # tickets listed in one "your ticket links" mail, newest first
SENDING_LOCK_SECONDS = 300  # longer than a send can take (EMAIL_TIMEOUT); a crashed worker's lock expires
LINK_REQUEST_MEMORY_SECONDS = 7 * 24 * 3600  # how long a sent link mail is remembered against redelivery
HOUR = 3600.0


# Pure parts


def mail_subject(*, kind: str, number: int) -> str:
    return {
        MAIL_RECEIVED: f"We received your message (ticket #{number})",
        MAIL_REPLY: f"New reply to your ticket #{number}",
        MAIL_RESOLVED: f"Your ticket #{number} is resolved",
    }[kind]


def mail_marker(*, kind: str, ref: int | None) -> str:
    """The TicketEvent reason that records a sent mail (and makes its task idempotent)."""
    return f"mailed the customer: {kind}" + (f" #{ref}" if ref is not None else "")


def site_url(path: str) -> str:
    return settings.SUPPORTLOOP_SITE_URL + path


def ticket_absolute_url(*, token: str) -> str:
    return site_url(reverse("supportdesk:ticket", kwargs={"token": token}))


def ticket_mute_absolute_url(*, token: str) -> str:
    return site_url(reverse("supportdesk:ticket-mail-mute", kwargs={"token": token}))


# Queueing (inside the writing transaction)


def _task_queue(task, *args) -> None:
    try:
        task.delay(*args)
    except Exception:  # broker away: the ticket and its page are what matters; the mail is lost, loudly
        logger.exception("could not queue %s%r", task.name, args[:2] if task is ticket_mail_send_task else ())


def ticket_mail_queue(*, inquiry: Inquiry, kind: str, message_id: int | None = None) -> None:
    """Queue the mail `kind` about `inquiry` to be sent once the current transaction commits.

    Nothing for a ticket without an email or muted by its customer. `message_id` names the agent's
    reply (MAIL_REPLY); a resolution is named by its event, so a ticket resolved again is mailed again."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    if not inquiry.email or inquiry.email_muted:
        return
    ref = None
    if kind == MAIL_REPLY:
        ref = message_id
    elif kind == MAIL_RESOLVED:
        ref = (TicketEvent.objects.filter(inquiry_id=inquiry.pk, to_status=Inquiry.Status.RESOLVED)
               .order_by("-id").values_list("id", flat=True).first())
    transaction.on_commit(partial(_task_queue, ticket_mail_send_task, inquiry.pk, kind, ref))


# Sending (in the worker)


def _sending_lock(key: str) -> bool:
    try:
        return cache.add(key, 1, timeout=SENDING_LOCK_SECONDS)
    except Exception as exc:  # noqa: BLE001 - cache away: the recorded event still stops a later redelivery
        logger.warning("mail lock unavailable (%s), sending without it", exc)
        return True


def _sending_unlock(key: str) -> None:
    try:
        cache.delete(key)
    except Exception as exc:  # noqa: BLE001 - it expires by itself
        logger.warning("could not release the mail lock %s: %s", key, exc)


def _message(*, template: str, subject: str, to: str, context: dict, mute_url: str = "") -> EmailMultiAlternatives:
    context = {**context, "site_url": settings.SUPPORTLOOP_SITE_URL, "mute_url": mute_url}
    text = render_to_string(f"supportdesk/email/{template}.txt", context)
    html = render_to_string(f"supportdesk/email/{template}.html", context)
    headers = {"Auto-Submitted": "auto-generated"}  # RFC 3834: no auto-replies back to us
    if mute_url:
        headers["List-Unsubscribe"] = f"<{mute_url}>"
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to],
                                     headers=headers)
    message.attach_alternative(html, "text/html")
    return message


def _deliver(*, message: EmailMultiAlternatives, what: str) -> bool:
    """Send; False for an address that can never succeed. Anything that may (OSError: refused
    connection, timeout, 4xx) propagates, for the task to retry."""
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        if all(code >= 500 for code, _ in exc.recipients.values()):
            logger.warning("%s: the mail server refused the address for good: %s", what, exc.recipients)
            return False
        raise
    except ValueError as exc:  # an address Django cannot put in a header
        logger.warning("%s: not a usable address: %s", what, exc)
        return False
    except OSError as exc:
        logger.warning("%s: sending failed, will retry: %s", what, exc)
        raise
    return True


def _ticket_context(*, inquiry: Inquiry, kind: str, ref: int | None) -> dict | None:
    context = {"inquiry": inquiry, "number": inquiry.pk, "name": inquiry.name,
               "ticket_url": ticket_absolute_url(token=inquiry.token)}
    if kind == MAIL_REPLY:
        reply = TicketMessage.objects.filter(pk=ref, inquiry_id=inquiry.pk,
                                             author_kind=TicketMessage.Author.AGENT).first()
        if reply is None:
            return None
        context["reply"] = reply.body
    elif kind == MAIL_RESOLVED and inquiry.status != Inquiry.Status.RESOLVED:
        return None  # reopened by a follow-up before the mail went out: no longer true
    return context


def ticket_mail_send(*, inquiry_id: int, kind: str, ref: int | None = None) -> bool:
    """Send one mail about a ticket, at most once: True when it was sent now.

    Nothing for a ticket gone, without email or muted, or whose mail is already recorded. A
    concurrent delivery of the same task raises MailBusy (the task retries, then finds the record)."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    inquiry = Inquiry.objects.filter(pk=inquiry_id).first()
    if inquiry is None or not inquiry.email or inquiry.email_muted:
        return False
    marker = mail_marker(kind=kind, ref=ref)
    if TicketEvent.objects.filter(inquiry_id=inquiry_id, reason=marker).exists():
        return False
    lock = f"supportdesk:mail:{inquiry_id}:{kind}:{ref}"
    if not _sending_lock(lock):
        raise MailBusy(lock)
    try:
        context = _ticket_context(inquiry=inquiry, kind=kind, ref=ref)
        if context is None:
            return False
        message = _message(template=kind, subject=mail_subject(kind=kind, number=inquiry.pk), to=inquiry.email,
                           context=context, mute_url=ticket_mute_absolute_url(token=inquiry.token))
        if not _deliver(message=message, what=f"ticket #{inquiry_id} {kind} mail"):
            return False
        TicketEvent.objects.create(inquiry=inquiry, from_status=inquiry.status, to_status=inquiry.status,
                                   reason=marker)
    finally:
        _sending_unlock(lock)
    return True


# The customer's "stop emails about this ticket" link


def ticket_mail_mute(*, inquiry: Inquiry) -> Inquiry:
    """No more mail about this ticket, including mail already queued. Repeating it changes nothing."""
    with transaction.atomic():
        changed = Inquiry.objects.filter(pk=inquiry.pk, email_muted=False).update(email_muted=True)
        if changed:
            TicketEvent.objects.create(inquiry=inquiry, from_status=inquiry.status, to_status=inquiry.status,
                                       reason="the customer stopped emails about this ticket")
    inquiry.email_muted = True
    return inquiry


# "Lost your link?"


def _address_digest(email: str) -> str:
    return salted_hmac("supportdesk.link_request", email.strip().lower(), algorithm="sha256").hexdigest()[:32]


def _bucket(*, key: str, per_hour: int) -> Decision:
    return token_bucket_take(key=key, capacity=per_hour, refill_per_second=per_hour / HOUR if per_hour > 0 else 0.0)


def ticket_links_request(*, email: str, client: str) -> Decision:
    """Mail the links of the address's tickets, if it has any; refused (429) only when the client
    asked too often. It looks nothing up here (the task does), so that neither the answer nor its
    timing tells anybody whether the address is known. An address asked for more often than its own
    bucket allows is skipped without a word: nobody can flood someone's inbox through the form."""
    decision = _bucket(key=f"links:client:{client}", per_hour=settings.SUPPORTLOOP_LINK_REQUESTS_PER_CLIENT_HOUR)
    if not decision.allowed:
        return decision
    address = _address_digest(email)
    if not _bucket(key=f"links:address:{address}",
                   per_hour=settings.SUPPORTLOOP_LINK_REQUESTS_PER_ADDRESS_HOUR).allowed:
        logger.info("link request for address %s skipped: asked for too often", address[:8])
        return decision
    transaction.on_commit(partial(_task_queue, ticket_links_send_task, email.strip(), uuid.uuid4().hex))
    return decision


def ticket_links_send(*, email: str, request_id: str) -> bool:
    """The worker's half: one mail with the links of the address's newest tickets (any case of the
    address), once per request; nothing for an address without tickets."""
    tickets = list(Inquiry.objects.alias(email_lower=Lower("email")).filter(email_lower=email.lower())
                   .order_by("-created_at", "-id")[:LINKS_MAX])
    if not tickets:
        return False
    key = f"supportdesk:links:{request_id}"
    if not cache.add(key, "sending", timeout=LINK_REQUEST_MEMORY_SECONDS):
        return False  # sent (or being sent) by an earlier delivery of this request
    rows = [{"number": t.pk, "created_at": t.created_at, "text": " ".join(t.text.split()),
             "url": ticket_absolute_url(token=t.token), "status": customer_status_label(status=t.status)}
            for t in tickets]
    message = _message(template="link_request", subject="Your SupportLoop ticket links", to=tickets[0].email,
                       context={"tickets": rows, "name": tickets[0].name,
                                "request_url": site_url(reverse("supportdesk:ticket-link-request"))})
    try:
        sent = _deliver(message=message, what=f"link request {request_id[:8]}")
    except BaseException:
        cache.delete(key)  # not sent: the retry may send it
        raise
    cache.set(key, "sent", timeout=LINK_REQUEST_MEMORY_SECONDS)
    return sent
