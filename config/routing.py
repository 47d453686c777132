# Websocket routes; the agent queue, ticket page and training progress add theirs here.
websocket_urlpatterns: list = []
