from django.urls import path

from supportdesk import api

app_name = "supportdesk-api"
urlpatterns = [
    path("inquiries/", api.InquiryCreateApi.as_view(), name="inquiry-create"),
    path("agent/queue/", api.AgentQueueApi.as_view(), name="agent-queue"),
    path("agent/tickets/<int:pk>/", api.AgentTicketApi.as_view(), name="agent-ticket"),
    path("agent/tickets/<int:pk>/claim/", api.AgentClaimApi.as_view(), name="agent-claim"),
    path("agent/tickets/<int:pk>/unclaim/", api.AgentUnclaimApi.as_view(), name="agent-unclaim"),
    path("agent/tickets/<int:pk>/reply/", api.AgentReplyApi.as_view(), name="agent-reply"),
    path("agent/tickets/<int:pk>/category/", api.AgentCategoryApi.as_view(), name="agent-category"),
    path("agent/tickets/<int:pk>/resolve/", api.AgentResolveApi.as_view(), name="agent-resolve"),
    path("agent/tickets/<int:pk>/reassign/", api.AgentReassignApi.as_view(), name="agent-reassign"),
    path("agent/tickets/<int:pk>/notes/", api.AgentNotesApi.as_view(), name="agent-notes"),
    path("agent/saved-replies/", api.SavedRepliesApi.as_view(), name="agent-saved-replies"),
    path("agent/saved-replies/<int:pk>/", api.SavedReplyApi.as_view(), name="agent-saved-reply"),
]
