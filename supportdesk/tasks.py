"""Mail to customers, sent by the worker after the writing transaction committed.

A mail server that refuses the connection, times out or answers 4xx raises OSError (smtplib's
SMTPException is one): the task retries with exponential backoff (30 s, 60 s, ... with jitter). Each
task is idempotent: a redelivered message finds the mail already recorded and sends nothing."""

from celery import shared_task


class MailBusy(Exception):
    """Another delivery of the same mail is being sent right now: try again after it."""

RETRY = {"autoretry_for": (OSError, MailBusy), "retry_backoff": 30, "retry_backoff_max": 900, "retry_jitter": True,
         "max_retries": 5}


@shared_task(name="supportdesk.ticket_mail_send", acks_late=True, **RETRY)
def ticket_mail_send_task(inquiry_id: int, kind: str, ref: int | None = None) -> bool:
    from supportdesk.services import ticket_mail_send

    return ticket_mail_send(inquiry_id=inquiry_id, kind=kind, ref=ref)


@shared_task(name="supportdesk.ticket_links_send", acks_late=True, **RETRY)
def ticket_links_send_task(email: str, request_id: str) -> bool:
    from supportdesk.services import ticket_links_send

    return ticket_links_send(email=email, request_id=request_id)
