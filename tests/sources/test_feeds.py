"""Feed polling against a tiny HTTP server on 127.0.0.1 (no internet)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from brug.accounts.models import Organisation
from brug.audit.models import AuditEntry
from brug.sources import feeds, services, tasks
from brug.sources.models import ImportRun, Message, Source, SourceKind
from brug.sources.problems import problem_text
from brug.sources.tasks import feed_poll, feeds_poll_due
from tests.factories import make_source

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Forum</title><language>nl-BE</language>
<item><guid>post-1</guid><title>Eerste &amp; beste</title>
<description>&lt;p&gt;Hallo &lt;b&gt;wereld&lt;/b&gt;&lt;/p&gt;</description>
<author>poster@example.org (Poster)</author>
<pubDate>Sun, 01 Mar 2026 10:00:00 +0100</pubDate><link>https://example.org/p/1</link></item>
<item><guid>post-2</guid><title>Tweede</title><link>https://example.org/p/2</link></item>
<item><title></title><description></description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr"><title>T</title><id>urn:t</id>
<updated>2026-03-01T10:00:00Z</updated>
<entry><id>urn:e1</id><title>Bonjour</title><summary>le monde</summary>
<author><name>alice</name></author><updated>2026-03-01T10:00:00Z</updated>
<link href="https://example.org/e1"/></entry></feed>"""

PAGES: dict[str, tuple[int, str]] = {
    "/rss": (200, RSS),
    "/atom": (200, ATOM),
    "/broken": (200, "<html><body>Not a feed <p>at all</body></html>"),
    "/gone": (404, "no"),
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, body = PAGES.get(self.path, (404, "no"))
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setattr(services, "_enqueue_scoring", lambda ids: None)


def _feed(org: Organisation, url: str, **extra: Any) -> Source:
    return make_source(org, kind=SourceKind.FEED, feed_url=url, **extra)


def test_rss_feed_is_ingested(org: Organisation, server: str) -> None:
    source = _feed(org, f"{server}/rss")
    run = feeds.poll(source)
    assert (run.rows_total, run.rows_created, run.rows_rejected) == (3, 2, 1)
    assert [(e["row"], problem_text(e)) for e in run.errors] == [(3, "id is missing.")]
    first = Message.objects.get(source=source, external_id="post-1")
    assert first.text == "Eerste & beste\n\nHallo wereld"
    assert first.lang == "nl" and first.url == "https://example.org/p/1"
    assert first.posted_at is not None and first.posted_at.isoformat().startswith(
        "2026-03-01T09:00:00")
    assert first.author_pseudonym and b"poster" not in bytes(first.author_sealed or b"")
    source.refresh_from_db()
    assert source.feed_last_polled_at is not None and source.feed_last_error == ""
    # Polling again stores nothing new.
    assert feeds.poll(source).rows_duplicate == 3 - 1


def test_atom_feed(org: Organisation, server: str) -> None:
    run = feeds.poll(_feed(org, f"{server}/atom"))
    assert run.rows_created == 1
    message = Message.objects.get(external_id="urn:e1")
    assert message.text == "Bonjour\n\nle monde" and message.lang == "fr"


@pytest.mark.parametrize(("path", "expected"), [
    ("/broken", "readable RSS or Atom"),
    ("/gone", "HTTP status 404"),
])
def test_broken_feed_is_recorded_not_raised(org: Organisation, server: str, path: str,
                                            expected: str) -> None:
    source = _feed(org, f"{server}{path}")
    run = feeds.poll(source)
    assert expected in problem_text(run.fatal_error)
    source.refresh_from_db()
    assert expected in problem_text(source.feed_last_error)
    assert source.feed_last_polled_at is not None
    entry = AuditEntry.objects.get(action="feed.poll_failed")
    assert entry.object_id == str(source.pk) and entry.organisation_id == org.pk
    assert not Message.objects.exists()


def test_unreachable_address(org: Organisation) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now
    source = _feed(org, f"http://127.0.0.1:{port}/feed")
    result = feed_poll.call(source.pk)
    assert result is not None and result["failed"] == 1
    source.refresh_from_db()
    assert "could not be reached" in problem_text(source.feed_last_error)


def test_fetch_refuses_other_schemes_and_large_bodies(server: str) -> None:
    with pytest.raises(feeds.FeedError):
        feeds.fetch("file:///etc/passwd")
    with pytest.raises(feeds.FeedError, match="larger than"):
        feeds.fetch(f"{server}/rss", max_bytes=100)


def test_inactive_feed_is_not_fetched(org: Organisation, server: str) -> None:
    source = _feed(org, f"{server}/rss", active=False)
    run = feeds.poll(source)
    assert "switched off" in problem_text(run.fatal_error)
    assert not Message.objects.exists()


def test_feeds_poll_due_enqueues_only_due_active_feeds(org: Organisation, server: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    due = _feed(org, f"{server}/rss")
    _feed(org, f"{server}/atom", feed_last_polled_at=timezone.now())  # polled just now
    stale = _feed(org, f"{server}/atom",
                  feed_last_polled_at=timezone.now() - timedelta(days=1))
    _feed(org, f"{server}/rss", active=False)
    enqueued: list[int] = []

    class _Recorder:
        @staticmethod
        def enqueue(source_id: int) -> None:
            enqueued.append(source_id)

    monkeypatch.setattr(tasks, "feed_poll", _Recorder)
    assert feeds_poll_due.call() == 2
    assert enqueued == [due.pk, stale.pk]
    assert ImportRun.objects.count() == 0
