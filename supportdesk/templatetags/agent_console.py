from django import template
from django.utils import timezone

from supportdesk import sla

register = template.Library()


@register.simple_tag
def sla_label(ticket) -> str:
    """"due in 42 min" / "overdue by 1 h 5 min" for the ticket's first response, as of now
    (static/js/console.js keeps it current between refreshes)."""
    return sla.due_label(due_at=ticket.response_due_at, first_response_at=ticket.first_response_at,
                         now=timezone.now())


@register.filter
def waited(since) -> str:
    """How long ago, in the countdowns' words ("3 h 11 min"); cheaper than timesince on a 50-row page."""
    return sla.span_words((timezone.now() - since).total_seconds()) if since else ""
