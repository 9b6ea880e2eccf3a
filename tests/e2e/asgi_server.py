"""An ASGI live server for the real-browser tests: ``brug.asgi.application`` (HTTP through
Django, the counselling chat's WebSockets through Channels) served by daphne in a thread of the
test process, on 127.0.0.1 and a free port, against the test database.

pytest-django's ``live_server`` is a WSGI server and cannot upgrade a connection to a WebSocket,
so the chat needs this one. How it works, and why:

- Daphne runs Twisted's asyncio reactor, which can start only once per process: the server is
  started once per test session (``_asgi_daphne``) in a daemon thread with
  ``installSignalHandlers=False``, and stopped at the end of the session. Under pytest-xdist
  every worker is its own process with its own server and its own test database.
- The test database: the fixture the tests use (``asgi_live_server``) needs ``transactional_db``
  (like ``live_server``), so what the test writes is committed and the server's threads see it.
  On PostgreSQL every server thread opens its own connection to the test database (closed
  after each request, so the database can be dropped at the end). With SQLite
  the test database is in memory; like Django's ``LiveServerThread`` we hand the test's own
  connection to every thread (Django's ASGI handler runs each request's sync code in a fresh
  thread, and Channels runs consumers' database calls in another one, so the override is
  process-wide for the length of the test instead of per server thread). As with Django's live
  server, requests that overlap then share one connection; the journeys are sequential enough.
- Static files come through ``ASGIStaticFilesHandler`` (the finders, as ``runserver`` does).
- A neutral page (``NEUTRAL_PATH``) stands in for the quick exit's outside site: tests have no
  network, so they point ``BRUG_QUICK_EXIT_URL`` at it.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import modify_settings, override_settings

HOST = "127.0.0.1"
START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
NEUTRAL_PATH = "/__neutral__/"
NEUTRAL_TITLE = "Weather forecast"
NEUTRAL_HTML = (b"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                b"<title>Weather forecast</title></head><body><main><h1>Weather forecast</h1>"
                b"<p>Dry and mild, a light breeze in the afternoon.</p></main></body></html>")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class AsgiLiveServer:
    """What a test needs to reach the server: its address (http and ws) and the neutral page."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def neutral_url(self) -> str:
        return f"{self.url}{NEUTRAL_PATH}"

    def __str__(self) -> str:
        return self.url


class _TestApplication:
    """``brug.asgi.application`` with static files, plus the neutral stand-in page."""

    def __init__(self) -> None:
        from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

        from brug.asgi import application

        self.inner = ASGIStaticFilesHandler(application)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == NEUTRAL_PATH:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                    (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": NEUTRAL_HTML})
            return
        await self.inner(scope, receive, send)


class _DaphneThread(threading.Thread):
    """Runs daphne's server (and with it Twisted's reactor) until ``stop``."""

    def __init__(self) -> None:
        super().__init__(name="asgi-live-server", daemon=True)
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.port = 0
        self.server: Any = None

    def run(self) -> None:
        try:
            # Importing daphne.server installs the asyncio reactor: it must come before anything
            # imports twisted.internet.reactor.
            from daphne.server import Server
            from twisted.internet import reactor

            self.server = Server(application=_TestApplication(),
                                 endpoints=[f"tcp:port=0:interface={HOST}"],
                                 signal_handlers=False, verbosity=0,
                                 ready_callable=lambda: reactor.callLater(0, self._found_port))
            self.server.run()
        except BaseException as exc:  # reported to the test that waits for the start
            self.error = exc
            self.ready.set()

    def _found_port(self) -> None:
        addresses = self.server.listening_addresses
        if addresses:
            self.port = int(addresses[0][1])
        else:
            self.error = RuntimeError("daphne did not listen on any address")
        self.ready.set()

    def stop(self) -> None:
        from twisted.internet import reactor

        if reactor.running:
            reactor.callFromThread(reactor.stop)
        self.join(STOP_TIMEOUT_S)


class _SharedAliases:
    """Stands in for the per-thread connection storage of ``django.db.connections``: the
    aliases in ``shared`` resolve to the same connection in every thread; the rest as usual."""

    def __init__(self, local: Any, shared: dict[str, BaseDatabaseWrapper]) -> None:
        object.__setattr__(self, "_local", local)
        object.__setattr__(self, "_shared", shared)

    def __getattr__(self, alias: str) -> Any:
        shared = object.__getattribute__(self, "_shared")
        if alias in shared:
            return shared[alias]
        return getattr(object.__getattribute__(self, "_local"), alias)

    def __setattr__(self, alias: str, value: Any) -> None:
        setattr(object.__getattribute__(self, "_local"), alias, value)

    def __delattr__(self, alias: str) -> None:
        delattr(object.__getattribute__(self, "_local"), alias)


@pytest.fixture(scope="session")
def _asgi_daphne(django_db_setup: None) -> Iterator[_DaphneThread]:
    """The session's one daphne server (started on first use, after the test database)."""
    thread = _DaphneThread()
    thread.start()
    if not thread.ready.wait(START_TIMEOUT_S):
        raise RuntimeError(f"daphne did not start within {START_TIMEOUT_S:.0f} s")
    if thread.error is not None:
        raise RuntimeError(f"daphne did not start: {thread.error!r}") from thread.error
    try:
        yield thread
    finally:
        thread.stop()


@pytest.fixture
def asgi_live_server(_asgi_daphne: _DaphneThread,
                     transactional_db: None) -> Iterator[AsgiLiveServer]:
    """The running ASGI server for this test, seeing what the test commits.

    Precondition: the test uses ``transactional_db`` (requested here), as with ``live_server``:
    rows written inside a rolled-back test transaction would be invisible to the server.
    """
    shared = {conn.alias: conn for conn in connections.all()
              if conn.vendor == "sqlite" and conn.is_in_memory_db()}
    for conn in shared.values():
        conn.inc_thread_sharing()
    storage = connections._connections
    if shared:
        connections._connections = _SharedAliases(storage, shared)
    # The server's own connections (PostgreSQL) close after each request and consumer call, so
    # none is left open when the test database is dropped at the end of the session.
    max_ages = {alias: connections.settings[alias].get("CONN_MAX_AGE", 0)
                for alias in connections if alias not in shared}
    for alias in max_ages:
        connections.settings[alias]["CONN_MAX_AGE"] = 0
    try:
        # A fresh in-memory channel layer per test: the process-wide one may have been used
        # by earlier tests from other event loops (their async_to_sync calls), and its queues
        # must belong to the server's loop.
        with modify_settings(ALLOWED_HOSTS={"append": HOST}), override_settings(
                CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}):
            yield AsgiLiveServer(HOST, _asgi_daphne.port)
    finally:
        for alias, max_age in max_ages.items():
            connections.settings[alias]["CONN_MAX_AGE"] = max_age
        connections._connections = storage
        for conn in shared.values():
            conn.dec_thread_sharing()
