"""WebSocket routes (see ``brug.asgi``)."""

from __future__ import annotations

from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/chat/<int:engagement_id>/", consumers.ChatConsumer.as_asgi()),
]
