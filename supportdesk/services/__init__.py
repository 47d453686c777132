"""Write operations of the support desk. Entry points call exactly one of these."""

from supportdesk.services.faq import faq_embeddings_refresh, faq_entry_embed, faq_starter_load
from supportdesk.services.intake import (
    FOLLOW_UP,
    NO_ANSWER,
    IdempotencyConflict,
    IdempotencyInProgress,
    inquiry_classify,
    inquiry_submit,
    inquiry_submit_idempotent,
    inquiry_transition,
    ticket_follow_up,
)
from supportdesk.services.mail import (
    MAIL_RECEIVED,
    MAIL_REPLY,
    MAIL_RESOLVED,
    ticket_links_request,
    ticket_links_send,
    ticket_mail_mute,
    ticket_mail_queue,
    ticket_mail_send,
)
from supportdesk.services.notes import NoteConflict, ticket_note_add
from supportdesk.services.saved_replies import saved_reply_create, saved_reply_delete, saved_reply_update
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
    "FOLLOW_UP", "MAIL_RECEIVED", "MAIL_REPLY", "MAIL_RESOLVED", "NO_ANSWER", "IdempotencyConflict",
    "IdempotencyInProgress", "NoteConflict", "TicketConflict",
    "faq_embeddings_refresh", "faq_entry_embed", "faq_starter_load", "inquiry_classify", "inquiry_submit",
    "inquiry_submit_idempotent", "inquiry_transition", "saved_reply_create", "saved_reply_delete",
    "saved_reply_update", "ticket_category_set", "ticket_claim", "ticket_follow_up",
    "ticket_links_request", "ticket_links_send", "ticket_mail_mute",
    "ticket_mail_queue", "ticket_mail_send", "ticket_note_add", "ticket_reassign", "ticket_reply", "ticket_resolve",
    "ticket_unclaim",
]
