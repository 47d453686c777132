from django.urls import path

from feedback.consumers import TopicsConsumer
from labeling.consumers import LabelingQueueConsumer
from mlcore.consumers import TrainingConsumer
from supportdesk.consumers import AgentQueueConsumer, AgentTicketConsumer, TicketConsumer
from supportdesk.presence import AgentPresenceConsumer

websocket_urlpatterns = [
    path("ws/admin/training/", TrainingConsumer.as_asgi()),
    path("ws/admin/topics/", TopicsConsumer.as_asgi()),
    path("ws/agent/queue/", AgentQueueConsumer.as_asgi()),
    path("ws/agent/tickets/<int:pk>/", AgentTicketConsumer.as_asgi()),
    path("ws/agent/tickets/<int:pk>/presence/", AgentPresenceConsumer.as_asgi()),
    path("ws/tickets/<str:token>/", TicketConsumer.as_asgi()),
    path("ws/labeling/queue/", LabelingQueueConsumer.as_asgi()),
]
