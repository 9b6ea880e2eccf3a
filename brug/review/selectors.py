"""Reads for the review queue and the signal page.

The queue must stay fast with 100,000 signals: it pages by key (priority, created_at, id) rather
than by offset, reads each status as its own range of ``signal_queue_idx`` (organisation,
status, priority, created_at) and merges the two short lists in Python, and never counts the
whole table. It never loads message text.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap
from brug.errors import NotAllowed, NotFound
from brug.signals.models import FLAG_CATEGORIES, Signal, SignalFlag, SignalStatus
from brug.sources.models import Message, Source

from .highlight import html_lang
from .models import Decision, Outcome

if TYPE_CHECKING:
    from brug.accounts.models import User

CATEGORY_LABELS: dict[str, Any] = {
    "violent_intent": _("Violent intent"), "hate_speech": _("Hate speech"),
    "extremist_narrative": _("Extremist narrative"), "alienation": _("Alienation"),
    "trolling": _("Trolling"), "counter_speech": _("Counter speech")}
PAGE_SIZE = 50
QUEUE_STATUSES = (SignalStatus.OPEN, SignalStatus.AWAITING_CONFIRMATION)
AGES = ("today", "7d", "30d", "older")
CONTEXT_LIMIT = 20
# Only what a queue row shows: never the message, its text or its author.
QUEUE_FIELDS = ("id", "organisation_id", "source_id", "source__name", "lang", "priority",
                "top_category", "flags", "evidence", "status", "created_at")


@dataclass(frozen=True)
class QueueFilters:
    """Validated queue filters; unknown values are dropped rather than failing the page."""

    source: int | None = None
    lang: str = ""
    category: str = ""
    age: str = ""

    def as_query(self) -> dict[str, str]:
        out = {"source": str(self.source or ""), "lang": self.lang, "category": self.category,
               "age": self.age}
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class Cursor:
    """Where a queue page starts: after this (priority, created_at, id)."""

    priority: int
    created_at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.priority}_{self.created_at.isoformat()}_{self.id}"

    @classmethod
    def decode(cls, raw: str | None) -> Cursor | None:
        """None for a missing or malformed cursor (the queue then starts at the top)."""
        if not raw:
            return None
        parts = raw.split("_")
        if len(parts) != 3:
            return None
        try:
            when = parse_datetime(parts[1])
            priority, pk = int(parts[0]), int(parts[2])
        except ValueError:
            return None
        if when is None or priority < 0 or pk < 0:
            return None
        if timezone.is_naive(when):
            when = timezone.make_aware(when, UTC)
        return cls(priority, when, pk)


def flagged(flags: Iterable[str]) -> list[str]:
    """A signal's flags that are review categories (most serious first in the detector's
    order), without the modifiers the detector also lists."""
    return [c for c in flags if c in FLAG_CATEGORIES]


def labelled(categories: Iterable[str]) -> list[tuple[str, Any]]:
    """(code, readable name) pairs, for chips."""
    return [(c, CATEGORY_LABELS.get(c, c)) for c in categories]


@dataclass
class QueueRow:
    signal: Signal
    categories: list[tuple[str, Any]]
    terms: list[dict[str, str]]
    needs_second_reviewer: bool


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    is_first: bool
    filters: QueueFilters = field(default_factory=QueueFilters)


def require(actor: User, capability: str) -> None:
    """Raise ``NotAllowed`` unless the actor's role gives the capability."""
    require_capability(actor, capability)


def org_id(actor: User) -> int:
    """The actor's organisation; people without one see nothing."""
    if actor.organisation_id is None:
        raise NotAllowed(gettext("Your account belongs to no organisation. Ask an "
                                 "administrator."))
    return actor.organisation_id


def glossary_terms(evidence: Any) -> list[dict[str, str]]:
    """The glossary terms a signal matched: term and meaning only, never the surrounding text
    (and not the surface form as written in the message)."""
    seen: dict[str, dict[str, str]] = {}
    # Stored JSON: anything not shaped as the detector writes it is skipped, as the signal
    # page does (``highlight.evidence_notes``), rather than failing the whole queue page.
    for item in evidence if isinstance(evidence, list) else []:
        spans = item.get("spans") if isinstance(item, dict) else None
        for span in spans if isinstance(spans, list) else []:
            if not isinstance(span, dict) or span.get("source") != "glossary":
                continue
            term = str(span.get("term", ""))
            if term and term not in seen:
                seen[term] = {"term": term, "meaning": str(span.get("meaning", "")),
                              "lang": html_lang(span.get("lang"))}
    return list(seen.values())


def _age_filter(age: str, now: datetime) -> Q:
    if age == "today":
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return Q(created_at__gte=start)
    if age == "7d":
        return Q(created_at__gte=now - timedelta(days=7))
    if age == "30d":
        return Q(created_at__gte=now - timedelta(days=30))
    if age == "older":
        return Q(created_at__lt=now - timedelta(days=30))
    return Q()


def _after(cursor: Cursor | None) -> Q:
    """Rows after the cursor in (priority, created_at, id) order. ``priority >= p`` first so
    the database can start the index range there."""
    if cursor is None:
        return Q()
    return Q(priority__gte=cursor.priority) & (
        Q(priority__gt=cursor.priority)
        | Q(created_at__gt=cursor.created_at)
        | Q(created_at=cursor.created_at, id__gt=cursor.id))


def queue_base(actor: User, filters: QueueFilters, *, now: datetime | None = None
               ) -> QuerySet[Signal]:
    """The organisation's queue signals matching the filters (all queue statuses)."""
    qs = Signal.objects.filter(organisation_id=org_id(actor))
    if filters.source:
        qs = qs.filter(source_id=filters.source)
    if filters.lang:
        qs = qs.filter(lang=filters.lang)
    if filters.category:
        qs = qs.filter(Exists(SignalFlag.objects.filter(signal=OuterRef("pk"),
                                                        category=filters.category)))
    return qs.filter(_age_filter(filters.age, now or timezone.now()))


def _sort_key(signal: Signal) -> tuple[int, datetime, int]:
    return (signal.priority, signal.created_at, signal.pk)


def review_queue(*, actor: User, filters: QueueFilters | None = None,
                 cursor: Cursor | None = None, page_size: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue: most serious first, then oldest first.

    Precondition: none (checks ``Cap.QUEUE_VIEW``). Costs one query per queue status,
    whatever the page or the size of the table.
    """
    require(actor, Cap.QUEUE_VIEW)
    filters = filters or QueueFilters()
    base = queue_base(actor, filters).filter(_after(cursor)).select_related("source").only(
        *QUEUE_FIELDS)
    ordering = ("priority", "created_at", "id")
    streams = [list(base.filter(status=status).order_by(*ordering)[:page_size + 1])
               for status in QUEUE_STATUSES]
    merged = list(heapq.merge(*streams, key=_sort_key))
    page = merged[:page_size]
    next_cursor = None
    if len(merged) > page_size:
        last = page[-1]
        next_cursor = Cursor(last.priority, last.created_at, last.pk).encode()
    rows = [QueueRow(signal=s, categories=labelled(flagged(s.flags)),
                     terms=glossary_terms(s.evidence),
                     needs_second_reviewer=s.status == SignalStatus.AWAITING_CONFIRMATION)
            for s in page]
    return QueuePage(rows=rows, next_cursor=next_cursor, is_first=cursor is None,
                     filters=filters)


def next_signal_id(*, actor: User, after: Signal | None = None) -> int | None:
    """The first signal in the actor's queue (skipping ``after``) that the actor can act on:
    open signals, and urgent ones awaiting a second reviewer who is not the actor."""
    qs = queue_base(actor, QueueFilters()).order_by("priority", "created_at", "id")
    if after is not None:
        qs = qs.exclude(pk=after.pk)
    first_open = (qs.filter(status=SignalStatus.OPEN)
                  .values_list("priority", "created_at", "pk").first())
    awaiting = None
    if actor.can(Cap.SIGNAL_CONFIRM_URGENT):
        own = Decision.objects.filter(signal=OuterRef("pk"), reviewer=actor,
                                      confirmed__isnull=True)
        awaiting = (qs.filter(status=SignalStatus.AWAITING_CONFIRMATION).exclude(Exists(own))
                    .values_list("priority", "created_at", "pk").first())
    # The queue's own order (priority, created_at, id) decides between the two.
    first = min((row for row in (first_open, awaiting) if row is not None), default=None)
    return first[2] if first is not None else None


def queue_sources(*, actor: User) -> QuerySet[Source]:
    return Source.objects.filter(organisation_id=org_id(actor)).only("id", "name")


def access_signal(*, actor: User, id: int) -> Signal:
    """The signal with its message and source, if the actor may open it.

    Raises ``NotAllowed`` without ``Cap.QUEUE_VIEW`` and ``NotFound`` for another
    organisation's signal (no hint that it exists). Does not audit: the view audits the view.
    """
    require(actor, Cap.QUEUE_VIEW)
    signal = (Signal.objects.select_related("message", "source")
              .filter(pk=id, organisation_id=org_id(actor)).first())
    if signal is None:
        raise NotFound(gettext("There is no such signal in your organisation. It may have "
                               "been deleted when its retention period ended."))
    return signal


def access_decision(*, actor: User, id: int) -> Decision:
    """A decision on a signal of the actor's organisation (``NotFound`` otherwise)."""
    require(actor, Cap.QUEUE_VIEW)
    decision = (Decision.objects.select_related("signal", "reviewer")
                .filter(pk=id, signal__organisation_id=org_id(actor)).first())
    if decision is None:
        raise NotFound(gettext("There is no such decision in your organisation."))
    return decision


def author_context(*, signal: Signal, now: datetime | None = None) -> list[Message]:
    """Other messages by the same pseudonymous author in the same organisation, within the
    signal's source retention window, newest first, at most ``CONTEXT_LIMIT``.

    Messages only: no count, score or profile of the author is computed here.
    """
    message = signal.message
    if not message.author_pseudonym:
        return []
    qs = (Message.objects
          .filter(source__organisation_id=signal.organisation_id,
                  author_pseudonym=message.author_pseudonym)
          .exclude(pk=message.pk)
          .select_related("signal", "source")
          .only("id", "text", "lang", "posted_at", "received_at", "source__name",
                "source__retention_days", "signal__id", "signal__flags", "signal__status"))
    retention = signal.source.retention
    if retention is not None:
        qs = qs.filter(received_at__gte=(now or timezone.now()) - retention)
    return list(qs.order_by("-received_at", "-id")[:CONTEXT_LIMIT])


def signal_decisions(*, signal: Signal) -> list[Decision]:
    return list(signal.decisions.select_related("reviewer", "confirmed_by")
                .order_by("-created_at", "-id"))


def pending_urgent(*, signal: Signal) -> Decision | None:
    """The urgent decision waiting for a second reviewer, if the signal is on that track."""
    if signal.status != SignalStatus.AWAITING_CONFIRMATION:
        return None
    return (signal.decisions.filter(outcome=Outcome.URGENT, confirmed__isnull=True)
            .select_related("reviewer").order_by("-created_at").first())


def export_rows(*, actor: User) -> Iterable[dict[str, Any]]:
    """Decided signals of the actor's organisation with the labels of their latest decision,
    as ``{"text", "lang", "labels"}`` (the ``brug train --labels`` format). Streams in chunks.

    Precondition: the caller checked ``Cap.LABELS_EXPORT``.
    """
    decisions = (Decision.objects
                 .filter(signal__organisation_id=org_id(actor),
                         signal__status=SignalStatus.DECIDED)
                 .select_related("signal__message")
                 .only("id", "labels", "created_at", "signal_id", "signal__message__text",
                       "signal__message__lang", "signal__lang")
                 .order_by("signal_id", "-created_at", "-id"))
    last_signal: int | None = None
    for decision in decisions.iterator(chunk_size=500):
        if decision.signal_id == last_signal:
            continue  # only the latest decision of each signal
        last_signal = decision.signal_id
        if not decision.labels:
            continue
        message = decision.signal.message
        yield {"text": message.text, "lang": message.lang or decision.signal.lang,
               "labels": list(decision.labels)}
