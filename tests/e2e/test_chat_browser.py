"""chat.js in a real browser, against the real ASGI server (``asgi_server``). Part C (chat);
here rather than in tests/counselling because the daphne server can start once per process.

The WebSocket is routed through Playwright (``route_web_socket``) where a test needs to lose a
frame or the connection: a message the server never confirmed is sent again with the same ref
after the reconnect and lands once; without a working socket the form's POST still sends.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from brug.accounts.models import Organisation
from brug.counselling.models import ChatMessage, Engagement, EngagementStatus

from ..counselling.chat_helpers import client_cookie
from ..counselling.factories import make_client, make_counsellor, make_engagement, make_pool
from .asgi_server import AsgiLiveServer
from .conftest import ConsoleLog

pytestmark = [pytest.mark.e2e]
CONNECTED = "Connected: new messages appear here as they arrive."


@pytest.fixture
def engagement(asgi_live_server: AsgiLiveServer, org: Organisation) -> Engagement:
    client = make_client(make_pool(org), nickname="Robin")
    return make_engagement(client, make_counsellor(org, display_name="Sam"))


def _open(context: Any, server: AsgiLiveServer, engagement: Engagement,
          route: Callable[[Any], None] | None = None) -> tuple[Any, ConsoleLog]:
    context.add_cookies([{"name": "sessionid", "value": client_cookie(engagement.client),
                          "url": server.url}])
    page = context.new_page()
    log = ConsoleLog()
    page.on("console", log.on_console)
    page.on("pageerror", log.on_page_error)
    if route is not None:
        page.route_web_socket(re.compile(r"/ws/chat/"), route)
    page.goto(f"{server.url}{reverse('portal:conversation', args=[engagement.pk])}")
    return page, log


def _script_errors(log: ConsoleLog) -> list[str]:
    """Uncaught errors and CSP refusals (the portal has no favicon: its 404 is not ours)."""
    return [e for e in log.errors if e.startswith("uncaught")] + log.csp_refusals()


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def test_enter_sends_and_shift_enter_starts_a_new_line(
        asgi_live_server: AsgiLiveServer, context: Any, engagement: Engagement) -> None:
    page, log = _open(context, asgi_live_server, engagement)
    expect(page.locator("[data-chat-status]")).to_have_text(CONNECTED)
    box = page.get_by_label("Your message")
    box.click()
    box.press_sequentially("first line")
    box.press("Shift+Enter")
    box.press_sequentially("second line")
    box.press("Enter")
    mine = page.get_by_role("log").locator(".chat-msg--mine[data-id]")
    expect(mine).to_have_count(1)
    expect(mine.locator(".chat-text")).to_have_text("first line\nsecond line")
    expect(box).to_have_value("")
    assert page.url.endswith(f"/conversation/{engagement.pk}/")  # no page load: the socket
    _wait_for(lambda: ChatMessage.objects.filter(engagement=engagement).exists(), "the row")
    assert ChatMessage.objects.get().body == "first line\nsecond line"
    assert _script_errors(log) == []


def test_an_unconfirmed_message_is_resent_with_its_ref_and_lands_once(
        asgi_live_server: AsgiLiveServer, context: Any, engagement: Engagement) -> None:
    """The first connection swallows the page's message and drops; the page reconnects and
    sends it again. A second message is stored but its confirmation is lost with the next
    drop: after reconnecting, the history confirms it and it is not stored twice."""
    seen: list[str] = []
    connections: list[Any] = []

    def route(ws: Any) -> None:
        server = ws.connect_to_server()
        connections.append(ws)
        number = len(connections)

        def from_page(frame: str | bytes) -> None:
            text = frame if isinstance(frame, str) else frame.decode()
            seen.append(text)
            if number == 1 and '"type":"message"' in text:
                ws.close(code=4000, reason="test: lost")  # swallowed: never reached the server
                server.close()
                return
            server.send(frame)

        def from_server(frame: str | bytes) -> None:
            text = frame if isinstance(frame, str) else frame.decode()
            if number == 2 and '"Second"' in text:
                ws.close(code=4000, reason="test: lost")  # stored, but the echo is lost
                server.close()
                return
            ws.send(frame)

        ws.on_message(from_page)
        server.on_message(from_server)

    page, log = _open(context, asgi_live_server, engagement, route)
    status = page.locator("[data-chat-status]")
    expect(status).to_have_text(CONNECTED)
    page.get_by_label("Your message").fill("First")
    page.get_by_role("button", name="Send").click()
    log_area = page.get_by_role("log")
    expect(log_area.locator(".chat-msg--mine[data-id]")).to_have_text(
        re.compile("First"), timeout=15_000)
    page.get_by_label("Your message").fill("Second")
    page.get_by_role("button", name="Send").click()
    expect(log_area.locator(".chat-msg--mine[data-id]")).to_have_count(2, timeout=15_000)
    expect(log_area.locator(".chat-msg--pending")).to_have_count(0)
    expect(status).to_have_text(CONNECTED)
    assert len(connections) == 3
    first_refs = {m for m in re.findall(r'"ref":"([0-9a-f-]{36})"', " ".join(
        s for s in seen if '"First"' in s))}
    assert len(first_refs) == 1  # the resend reused the ref
    stored = list(ChatMessage.objects.filter(engagement=engagement).order_by("id"))
    assert [m.body for m in stored] == ["First", "Second"]
    assert str(stored[0].client_ref) in first_refs
    assert _script_errors(log) == []


def test_without_a_working_socket_the_form_posts(
        asgi_live_server: AsgiLiveServer, context: Any, engagement: Engagement) -> None:
    def refuse(ws: Any) -> None:
        ws.close(code=4000, reason="test: no websockets here")

    page, _ = _open(context, asgi_live_server, engagement, refuse)
    page.get_by_label("Your message").fill("Sent the old way")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("log").locator(".chat-msg--mine[data-id]")).to_contain_text(
        "Sent the old way")
    assert page.url.endswith("#chat-form")  # the page was posted and loaded again
    assert ChatMessage.objects.get().body == "Sent the old way"


def test_an_engagement_ending_while_open_hides_the_form_and_keeps_the_text(
        asgi_live_server: AsgiLiveServer, context: Any, engagement: Engagement) -> None:
    page, _ = _open(context, asgi_live_server, engagement)
    expect(page.locator("[data-chat-status]")).to_have_text(CONNECTED)
    # "Connected" shows once the server accepts the socket, before it has checked the
    # engagement: one message there and back proves the check is behind us (on a busy machine
    # the check could otherwise already see the ending below and close the socket first).
    page.get_by_label("Your message").fill("Hello")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("log").locator(".chat-msg--mine[data-id]")).to_contain_text("Hello")
    Engagement.objects.filter(pk=engagement.pk).update(status=EngagementStatus.ENDED,
                                                       ended_at=timezone.now())
    page.get_by_label("Your message").fill("Are you still there?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("[data-chat-error]")).to_contain_text("has ended")
    expect(page.locator("[data-chat-status]")).to_contain_text("has ended")
    expect(page.locator("[data-chat-form]")).to_be_hidden()
    expect(page.get_by_label("Your message")).to_have_value("Are you still there?")
    assert list(ChatMessage.objects.values_list("body", flat=True)) == ["Hello"]
