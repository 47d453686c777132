"""Write operations of the support desk. Entry points call exactly one of these."""

from supportdesk.services.faq import faq_embeddings_refresh, faq_entry_embed, faq_starter_load
from supportdesk.services.intake import (
    FOLLOW_UP,
    NO_ANSWER,
    IdempotencyConflict,
    inquiry_classify,
    inquiry_submit,
    inquiry_submit_idempotent,
    inquiry_transition,
    ticket_follow_up,
)
from supportdesk.services.tickets import (
    TicketConflict,
    ticket_category_set,
    ticket_claim,
    ticket_reassign,
    ticket_reply,
    ticket_resolve,
    ticket_unclaim,
)

__all__ = [
    "FOLLOW_UP", "NO_ANSWER", "IdempotencyConflict", "TicketConflict", "faq_embeddings_refresh", "faq_entry_embed",
    "faq_starter_load", "inquiry_classify", "inquiry_submit", "inquiry_submit_idempotent", "inquiry_transition",
    "ticket_category_set", "ticket_claim", "ticket_follow_up", "ticket_reassign", "ticket_reply", "ticket_resolve",
    "ticket_unclaim",
]
