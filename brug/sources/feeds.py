"""Polling RSS/Atom feeds.

The fetch uses ``urllib.request`` with a timeout and a size cap and speaks only http(s) (no
``file:`` or ``ftp:``, also not through redirects); ``feedparser`` reads the bytes. A network
error or a broken feed is recorded on the source (``feed_last_error``) and in the audit log;
it never crashes the job.
"""

from __future__ import annotations

import html
import http.client
import re
import urllib.error
import urllib.request
from calendar import timegm
from datetime import UTC, datetime
from typing import Any

import feedparser
from django.template.defaultfilters import filesizeformat
from django.utils.html import strip_tags
from django.utils.translation import gettext_noop

from brug.errors import BrugError

from .models import ImportRun, Source, SourceKind
from .problems import Problem, problem
from .services import feed_poll_failed, messages_ingest

TIMEOUT_SECONDS = 10
MAX_FEED_BYTES = 5 * 1024 * 1024
USER_AGENT = "Brug feed reader (+https://github.com/brug)"
_spaces = re.compile(r"[ \t\r\f\v]+")
_blank_lines = re.compile(r"\n\s*\n+")


class FeedError(Exception):
    """The feed could not be fetched or read; ``problem`` is the sentence for the source page."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.problem = problem

    def __str__(self) -> str:
        return str(self.problem)


SWITCHED_OFF = problem(gettext_noop("The source is switched off, so it was not polled."))


def _opener() -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(),
                    urllib.request.HTTPSHandler(), urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPRedirectHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def fetch(url: str, *, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """The body at ``url`` (http or https only); ``FeedError`` on any failure."""
    if not url.lower().startswith(("http://", "https://")):
        raise FeedError(problem(gettext_noop(
            "The feed address must start with http:// or https://.")))
    request = urllib.request.Request(url, headers={
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"})
    try:
        with _opener().open(request, timeout=timeout) as response:
            body: bytes = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise FeedError(problem(gettext_noop(
            "The feed server answered with HTTP status %(status)d."), status=exc.code)) from None
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, str) else type(exc.reason).__name__
        if isinstance(exc.reason, OSError) and exc.reason.strerror:
            reason = exc.reason.strerror
        raise FeedError(problem(gettext_noop("The feed could not be reached (%(reason)s)."),
                                reason=str(reason))) from None
    except TimeoutError:
        raise FeedError(problem(gettext_noop(
            "The feed did not answer within %(seconds)d seconds."), seconds=int(timeout))) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise FeedError(problem(gettext_noop("The feed could not be fetched (%(problem)s)."),
                                problem=type(exc).__name__)) from None
    if len(body) > max_bytes:
        raise FeedError(problem(gettext_noop(
            "The feed is larger than %(limit)s; Brug does not read it."),
            limit=str(filesizeformat(max_bytes))))
    return body


def _plain(value: str) -> str:
    text = html.unescape(strip_tags(value or ""))
    text = _spaces.sub(" ", text)
    return _blank_lines.sub("\n\n", text).strip()


def _posted_at(entry: Any) -> str:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return ""
    try:
        return datetime.fromtimestamp(timegm(parsed), tz=UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return ""


def entry_row(entry: Any, feed_lang: str) -> dict[str, Any]:
    """One feed entry as an ingestion row (missing fields are reported by ingestion)."""
    title = _plain(entry.get("title", ""))
    summary = _plain(entry.get("summary", ""))
    text = "\n\n".join(part for part in (title, summary) if part)
    if title and summary.startswith(title):  # many feeds repeat the title in the summary
        text = summary
    detail = entry.get("title_detail") or {}
    return {
        "id": entry.get("id") or entry.get("link") or "",
        "text": text,
        "author": entry.get("author", ""),
        "lang": (detail.get("language") or feed_lang or "").split("-")[0],
        "posted_at": _posted_at(entry),
        "url": entry.get("link", ""),
    }


def read_feed(body: bytes) -> list[dict[str, Any]]:
    """The entries of an RSS/Atom document as rows; ``FeedError`` if it is not a feed."""
    parsed = feedparser.parse(body)
    entries = parsed.get("entries") or []
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        raise FeedError(problem(gettext_noop(
            "The address did not return a readable RSS or Atom feed.")))
    feed_lang = str((parsed.get("feed") or {}).get("language") or "")
    return [entry_row(entry, feed_lang) for entry in entries]


def poll(source: Source) -> ImportRun:
    """Fetch and ingest one feed source. Failures are recorded, never raised."""
    if source.kind != SourceKind.FEED:
        raise ValueError("poll() takes feed sources only")
    if not source.is_active:
        return feed_poll_failed(source=source, error=SWITCHED_OFF)
    try:
        rows = read_feed(fetch(source.feed_url))
    except FeedError as exc:
        return feed_poll_failed(source=source, error=exc.problem)
    try:
        return messages_ingest(source=source, rows=rows, channel=SourceKind.FEED, actor=None,
                               filename=source.feed_url[:255])
    except BrugError as exc:  # e.g. switched off between the check and the ingest
        return feed_poll_failed(source=source, error=SWITCHED_OFF
                                if exc.code == "source_inactive" else exc.message)
