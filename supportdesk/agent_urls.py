from django.urls import path

from supportdesk import agent_views as v

app_name = "agent"
urlpatterns = [
    path("", v.console_view, name="console"),
    path("queue/", v.queue_fragment_view, name="queue"),
    path("tickets/<int:pk>/", v.ticket_view, name="ticket"),
    path("tickets/<int:pk>/body/", v.ticket_fragment_view, name="ticket-body"),
    path("tickets/<int:pk>/claim/", v.claim_view, name="claim"),
    path("tickets/<int:pk>/unclaim/", v.unclaim_view, name="unclaim"),
    path("tickets/<int:pk>/reply/", v.reply_view, name="reply"),
    path("tickets/<int:pk>/category/", v.category_view, name="category"),
    path("tickets/<int:pk>/resolve/", v.resolve_view, name="resolve"),
    path("tickets/<int:pk>/reassign/", v.reassign_view, name="reassign"),
    path("tickets/<int:pk>/note/", v.note_view, name="note"),
    path("saved-replies/", v.saved_replies_view, name="saved-replies"),
    path("saved-replies/<int:pk>/", v.saved_reply_edit_view, name="saved-reply-edit"),
    path("saved-replies/<int:pk>/delete/", v.saved_reply_delete_view, name="saved-reply-delete"),
]
