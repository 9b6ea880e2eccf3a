"""The online-counselling journey in a real browser, against the real ASGI application (HTTP and
the chat's WebSockets, ``asgi_server``): an anonymous client goes from the portal's landing page
to a booked chat session (nickname and passphrase, no e-mail address; timed: the issue's bar is
under two minutes), opens the conversation and writes; the counsellor, signed in with a second
factor in a browser of their own, receives it live and answers; the client sees the answer live,
then leaves with Escape twice: the neutral page shows, Back shows nothing of the conversation
and the session is gone.

The database holds only the set-up (a pool, two published counsellors with free times).
axe-core checks (WCAG 2.1 A/AA, no serious or critical violation) run on the landing, sign-up,
counsellor list, booking and conversation pages; the real Content-Security-Policy stays in force
and no page may log a CSP refusal.

First, without a browser, small proofs of the ASGI test server itself, through the real stack
(daphne, Channels' session and auth middleware, the consumer): a page and a static file load; a
signed-in client's WebSocket connects, receives the history and its own message; a socket
without a session is closed with 4401, and a counsellor not on the team gets 4404.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType
from brug.counselling.auth import SESSION_CLIENT, SESSION_HASH, client_session_hash
from brug.counselling.models import (
    Appointment,
    AppointmentStatus,
    ChatMessage,
    Client,
    CounsellorProfile,
    Engagement,
    Pool,
)

from ..counselling.factories import (
    make_client,
    make_counsellor,
    make_engagement,
    make_pool,
    make_slot,
)
from ..factories import make_org, totp_device
from .asgi_server import NEUTRAL_TITLE, AsgiLiveServer
from .conftest import TIMEOUT_MS, ConsoleLog
from .test_review_journey import assert_accessible, sign_in

pytestmark = [pytest.mark.e2e]

BOOKING_BAR_S = 120.0  # the bar: landing page to a booked session in under 2 minutes
NICKNAME = "quiet river"
PASSPHRASE = "lantern over the water 77"
CLIENT_SAYS = "Hi. My brother wants me to come to their meeting on Saturday. I don't want to."
COUNSELLOR_SAYS = ("Thank you for writing. You don't have to go. Shall we look at what you "
                   "could say?")
CONNECTED = "Connected: new messages appear here as they arrive."


def portal_url(server: AsgiLiveServer, name: str, *args: Any) -> str:
    return f"{server.url}{reverse(f'portal:{name}', args=args)}"


@dataclass
class Browser:
    """One person's browser context and page, with its console log and the addresses that
    answered with an error status."""

    context: Any
    page: Any
    log: ConsoleLog
    failed: list[str] = field(default_factory=list)

    def storage(self) -> Any:
        return self.context.storage_state()


@pytest.fixture
def open_browser(browser: Any) -> Iterator[Callable[[], Browser]]:
    """A fresh browser context (own cookies, the real CSP) per call, closed after the test."""
    contexts: list[Any] = []

    def new() -> Browser:
        context = browser.new_context(locale="en-GB", timezone_id=settings.TIME_ZONE)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        log = ConsoleLog()
        page.on("console", log.on_console)
        page.on("pageerror", log.on_page_error)
        person = Browser(context, page, log)
        page.on("response", lambda r: person.failed.append(urlsplit(r.url).path)
                if r.status >= 400 else None)
        return person

    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def exit_programme(transactional_db: None) -> Organisation:
    return make_org("Exit programme (test)", OrganisationType.EXIT_PROGRAMME)


@pytest.fixture
def counsellors(exit_programme: Organisation) -> dict[str, CounsellorProfile]:
    """Two published counsellors of the pool with free chat times in the coming days."""
    tomorrow = (timezone.localtime() + timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0)
    rosa = make_counsellor(exit_programme, username="rosa", display_name="Rosa",
                           kind="former", languages=["nl", "en"],
                           formats=["chat", "in_person"], specialisms=["far_right"],
                           introduction="I was in it myself. I listen first.")
    lena = make_counsellor(exit_programme, username="lena", display_name="Lena",
                           kind="psychologist", languages=["nl", "fr"], formats=["chat"],
                           specialisms=["family"], introduction="Ik luister, zonder oordeel.")
    for profile in (rosa, lena):
        for day in range(3):
            make_slot(profile, tomorrow + timedelta(days=day), formats=["chat"])
    return {"rosa": rosa, "lena": lena}


@pytest.fixture
def pool(exit_programme: Organisation) -> Pool:
    return make_pool(exit_programme, slug="exit")


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Polls the database (the server writes in its own threads) until ``condition`` holds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out waiting for {what}")
        time.sleep(0.1)


def assert_no_csp_refusals_or_errors(*people: Browser) -> None:
    """No CSP refusal, no uncaught error, and no failed load but the browser's own favicon
    request (the portal names no icon, so nothing in the tab gives the site away)."""
    refusals = [r for p in people for r in p.log.csp_refusals()]
    assert not refusals, "The Content-Security-Policy refused something:\n" + "\n".join(refusals)
    errors = [e for p in people for e in p.log.errors if "Failed to load resource" not in e]
    assert not errors, "The pages logged errors:\n" + "\n".join(errors)
    failed = {path for p in people for path in p.failed} - {"/favicon.ico"}
    assert not failed, f"These addresses answered with an error: {sorted(failed)}"


# --- the ASGI test server itself ------------------------------------------------------------------

def test_the_asgi_server_serves_pages_and_static_files(
        transactional_db: None, async_safety: None, asgi_live_server: AsgiLiveServer,
        counsellors: dict[str, CounsellorProfile], pool: Pool) -> None:
    with urllib.request.urlopen(portal_url(asgi_live_server, "landing")) as response:
        assert response.status == 200
        assert "Talk to someone, anonymously" in response.read().decode()
        assert "connect-src 'self'" in response.headers["Content-Security-Policy"]
    with urllib.request.urlopen(f"{asgi_live_server.url}{static('counselling/chat.js')}") \
            as response:
        assert response.status == 200 and b"WebSocket" in response.read()


def _client_cookie(client: Client) -> str:
    session = SessionStore()
    session[SESSION_CLIENT] = client.pk
    session[SESSION_HASH] = client_session_hash(client)
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


@pytest.fixture
def async_safety(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django's async-safety check back on, so that an ORM call made straight from the server's
    event loop (a consumer bug) fails here. The ``browser`` fixture turns it off for the whole
    process while Playwright's loop runs in the test's thread (the test's own ORM calls need
    that); these tests come first in the module so they normally run before it starts."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # no Playwright loop in this thread: the check can be on
        monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)


def test_a_signed_in_clients_websocket_connects_and_receives_the_history(
        transactional_db: None, async_safety: None, asgi_live_server: AsgiLiveServer,
        counsellors: dict[str, CounsellorProfile], pool: Pool) -> None:
    client = make_client(pool)
    engagement: Engagement = make_engagement(client, counsellors["rosa"])
    ws_url = f"{asgi_live_server.ws_url}/ws/chat/{engagement.pk}/"

    with connect(ws_url, origin=asgi_live_server.url,
                 additional_headers={"Cookie": _client_cookie(client)}) as socket:
        first = json.loads(socket.recv(timeout=10))
        assert first == {"type": "history", "messages": []}
        socket.send(json.dumps({"type": "message", "text": "Hello?",
                                "ref": "3f1c1a9e-7d0b-4c3e-9a51-2b6f1f0e8d11"}))
        echoed = json.loads(socket.recv(timeout=10))
    assert echoed["type"] == "message" and echoed["text"] == "Hello?"
    assert echoed["sender"] == "client"
    assert ChatMessage.objects.get(engagement=engagement).body == "Hello?"

    # Not signed in: accepted, then closed with 4401 (the consumer's protocol).
    with connect(ws_url, origin=asgi_live_server.url) as socket, \
            pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def test_an_outsider_staff_member_cannot_open_the_socket(
        transactional_db: None, async_safety: None, asgi_live_server: AsgiLiveServer,
        counsellors: dict[str, CounsellorProfile], pool: Pool) -> None:
    """Lena (same organisation, not on the team) is refused with 4404 even when signed in."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    engagement = make_engagement(make_client(pool), counsellors["rosa"])
    lena: User = counsellors["lena"].user
    session = SessionStore()
    session[SESSION_KEY] = str(lena.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = lena.get_session_auth_hash()
    session["otp_device_id"] = totp_device(lena).persistent_id
    session.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    with connect(f"{asgi_live_server.ws_url}/ws/chat/{engagement.pk}/",
                 origin=asgi_live_server.url, additional_headers={"Cookie": cookie}) as socket, \
            pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


# --- the journey ---------------------------------------------------------------------------------

def test_a_client_books_chats_live_with_the_counsellor_and_leaves_quickly(
        transactional_db: None, asgi_live_server: AsgiLiveServer, browser: Any,
        open_browser: Callable[[], Browser], settings: Any,
        counsellors: dict[str, CounsellorProfile], pool: Pool) -> None:
    server = asgi_live_server
    settings.BRUG_QUICK_EXIT_URL = server.neutral_url  # no internet: a page of the test server
    rosa = counsellors["rosa"]
    client_side = open_browser()
    page = client_side.page

    # --- landing page to a booked session: timed, nothing else in between -------------------
    started = time.monotonic()
    page.goto(portal_url(server, "landing"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Talk to someone, anonymously")
    page.get_by_role("link", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Create your anonymous account")
    expect(page.get_by_label(re.compile(r"e-?mail", re.IGNORECASE))).to_have_count(0)
    page.get_by_label("Nickname").fill(NICKNAME)
    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Passphrase again").fill(PASSPHRASE)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")

    page.get_by_role("link", name="Choose a counsellor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a counsellor")
    expect(page.get_by_role("status")).to_have_text("2 counsellors")
    page.get_by_text("Filter the list").click()
    page.get_by_role("group", name="Type of counsellor").get_by_label(
        "Former extremist").check()
    page.get_by_role("group", name="How you want to talk").get_by_label("Chat").check()
    page.get_by_role("button", name="Show counsellors").click()
    expect(page.get_by_role("status")).to_have_text("1 counsellor")
    page.get_by_role("button", name="Choose Rosa").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Book a time")
    page.get_by_role("group", name="Time").get_by_role("radio").first.check()
    page.get_by_role("group", name="How you want to talk").get_by_label("Chat").check()
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your session")
    expect(page.locator("main")).to_contain_text("Rosa")
    booked_after = time.monotonic() - started
    print(f"\nLanding page to a booked session: {booked_after:.1f} s "
          f"(bar: {BOOKING_BAR_S:.0f} s)")
    assert booked_after < BOOKING_BAR_S

    client = Client.objects.get(nickname_key=NICKNAME.casefold())
    assert client.pool == pool and not client.contact_channel
    appointment = Appointment.objects.get(engagement__client=client)
    assert appointment.status == AppointmentStatus.BOOKED and appointment.format == "chat"
    assert appointment.counsellor == rosa and appointment.booked_by == "client"
    engagement = appointment.engagement

    # The pages of that path, checked with axe-core (signed out, then as the client).
    assert_accessible(browser, portal_url(server, "landing"), "the portal's landing page")
    assert_accessible(browser, portal_url(server, "signup"), "the sign-up page")
    client_storage = client_side.storage()
    assert_accessible(browser, portal_url(server, "counsellors"), "the counsellor list",
                      client_storage)
    assert_accessible(browser, portal_url(server, "book", engagement.pk), "the booking page",
                      client_storage)

    # --- the conversation, live both ways ------------------------------------------------------
    page.get_by_role("link", name="Back to your start page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
    page.get_by_role("link", name="Open the conversation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your conversation with Rosa")
    expect(page.locator("[data-chat-status]")).to_have_text(CONNECTED)

    staff = open_browser()
    spage = staff.page
    sign_in(spage, server, rosa.user, totp_device(rosa.user))
    spage.goto(f"{server.url}{reverse('counselling:home')}")
    expect(spage.get_by_role("heading", level=1)).to_have_text("My counselling")
    spage.get_by_role("link", name=NICKNAME, exact=True).click()
    expect(spage.get_by_role("heading", level=1)).to_have_text(NICKNAME)
    spage.get_by_role("link", name="Conversation", exact=True).click()
    expect(spage.get_by_role("heading", level=1)).to_have_text(f"Conversation with {NICKNAME}")
    expect(spage.locator("[data-chat-status]")).to_have_text(CONNECTED)
    # A mark on both pages: it would be gone if a message arrived by reloading the page.
    for p in (page, spage):
        p.evaluate("() => { window.brugNoReload = true; }")

    page.get_by_label("Your message").fill(CLIENT_SAYS)
    page.get_by_role("button", name="Send").click()
    staff_log = spage.get_by_role("log")
    expect(staff_log.locator(".chat-msg--client")).to_contain_text(CLIENT_SAYS)
    expect(staff_log.locator(".chat-msg--client .chat-name")).to_have_text(NICKNAME)

    spage.get_by_label("Your message").fill(COUNSELLOR_SAYS)
    spage.keyboard.press("Enter")  # Enter sends (Shift+Enter is a new line)
    client_log = page.get_by_role("log")
    expect(client_log.locator(".chat-msg--counsellor")).to_contain_text(COUNSELLOR_SAYS)
    expect(client_log.locator(".chat-msg--counsellor .chat-name")).to_have_text("Rosa")
    # The client's own message is confirmed (it has the id the server gave it).
    expect(client_log.locator(".chat-msg--client[data-id]")).to_contain_text(CLIENT_SAYS)
    for p in (page, spage):
        assert p.evaluate("() => window.brugNoReload === true"), "the page was reloaded"
    wait_for(lambda: ChatMessage.objects.filter(engagement=engagement).count() == 2,
             "both messages to be stored")
    stored = list(ChatMessage.objects.filter(engagement=engagement))
    assert [(m.sender, m.body) for m in stored] == [("client", CLIENT_SAYS),
                                                    ("counsellor", COUNSELLOR_SAYS)]
    assert stored[1].sender_counsellor == rosa

    assert_accessible(browser, portal_url(server, "conversation", engagement.pk),
                      "the client's conversation page", client_side.storage())
    assert_accessible(browser, spage.url, "the counsellor's conversation page",
                      staff.storage())

    # --- quick exit: Escape twice -------------------------------------------------------------
    session_key = next(c["value"] for c in client_side.context.cookies()
                       if c["name"] == settings.SESSION_COOKIE_NAME)
    page.get_by_label("Your message").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page).to_have_url(server.neutral_url)
    expect(page).to_have_title(NEUTRAL_TITLE)
    wait_for(lambda: not SessionStore().exists(session_key), "the client's session to end")

    # Back: the quick exit replaced the conversation in the history, and the page before it
    # (the start page) is not shown from a cache: the server asks to sign in again.
    page.go_back()
    expect(page).to_have_url(re.compile(re.escape(portal_url(server, "signin"))))
    for secret in (CLIENT_SAYS, COUNSELLOR_SAYS, NICKNAME, "Rosa"):
        expect(page.locator("body")).not_to_contain_text(secret)

    page.goto(portal_url(server, "home"))
    expect(page).to_have_url(re.compile(re.escape(portal_url(server, "signin"))))
    expect(page.get_by_label("Passphrase")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Rosa")

    assert_no_csp_refusals_or_errors(client_side, staff)
