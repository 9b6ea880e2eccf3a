"""Helpers for the chat tests: signed-in WebSocket connections against the real ASGI app."""

from __future__ import annotations

from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client as HttpClient

from brug.accounts.models import User
from brug.asgi import application
from brug.counselling.models import Client

from ..factories import login
from .factories import portal_login

TIMEOUT = 5


def client_cookie(client: Client) -> str:
    return str(portal_login(HttpClient(), client).cookies["sessionid"].value)


def staff_cookie(user: User, *, verified: bool = True) -> str:
    http = HttpClient()
    if verified:
        login(http, user)
    else:
        http.force_login(user)  # password done, second factor not
    return str(http.cookies["sessionid"].value)


def socket(engagement_id: int, cookie: str | None = None,
           origin: bytes = b"http://localhost") -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketCommunicator(application, f"/ws/chat/{engagement_id}/", headers=headers)


async def open_socket(comm: WebsocketCommunicator) -> list[dict[str, Any]]:
    """Connects and returns the history the server sends first."""
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected
    first = await comm.receive_json_from(timeout=TIMEOUT)
    assert first["type"] == "history", first
    return list(first["messages"])


async def refusal(comm: WebsocketCommunicator) -> int:
    """Connects a socket the server refuses: accepted, then closed. Returns the close code."""
    connected, _ = await comm.connect(timeout=TIMEOUT)
    assert connected  # accepted first, so the browser sees the code
    out = await comm.receive_output(timeout=TIMEOUT)
    assert out["type"] == "websocket.close", out
    return int(out["code"])


async def closed_with(comm: WebsocketCommunicator) -> int:
    out = await comm.receive_output(timeout=TIMEOUT)
    assert out["type"] == "websocket.close", out
    return int(out["code"])


def raw_column(table: str, column: str, pk: int) -> str:
    """The stored value itself, past the ORM (which would decrypt it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


@pytest.fixture
def fresh_layer(settings: Any) -> None:
    """A new in-memory channel layer per test (changing the setting resets Channels' cache)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
