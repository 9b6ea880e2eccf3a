"""Writes for sources and ingestion. Every function here records its own audit entry.

Guardrail 3, "no monitoring without a mandate": a source is switched on only when its legal
basis, purpose, retention period and DPIA reference are recorded, and an inactive source
accepts nothing (upload, push or feed).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import Conflict, InvalidInput, NotAllowed, NotFound
from brug.privacy.crypto import pseudonym, seal

from .models import ImportRun, LegalBasis, Message, Source, SourceKind
from .parsing import RowInput
from .problems import Problem, problem, row_error, stored

if TYPE_CHECKING:
    from brug.accounts.models import User

CHUNK = 1000          # rows per INSERT
LOOKUP_CHUNK = 900    # ids per "external_id IN (...)" (below SQLite's old variable limit)
MAX_STORED_ERRORS = 1000
MAX_ID_CHARS = 200
MAX_AUTHOR_CHARS = 200
MAX_URL_CHARS = 1000
MAX_RETENTION_DAYS = 3650
LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,4})?$")
_url_validator = URLValidator(schemes=["http", "https"])


# --- permissions ---------------------------------------------------------------------------

def _require(actor: User, capability: str, source: Source | None = None) -> int:
    """Defence in depth behind the views' ``access_source``: role and organisation.

    Returns the actor's organisation id.
    """
    organisation_id = require_capability(actor, capability, _("Your role does not allow this."))
    if source is not None and source.organisation_id != actor.organisation_id:
        raise NotFound(_("This source does not exist."))
    return organisation_id


def _require_active(source: Source) -> None:
    if not source.is_active:
        raise NotAllowed(
            _("The source “%(name)s” is switched off, so it accepts no messages. Someone who "
              "manages sources can switch it on once its mandate is complete.")
            % {"name": source.name}, code="source_inactive")


def _field_label(name: str) -> str:
    field = Source._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def missing_mandate_words(source: Source) -> str:
    """The missing mandate parts in words ("legal basis and DPIA reference"); "" if complete."""
    return str(get_text_list([_field_label(n) for n in source.missing_mandate], _("and")))


# --- sources -------------------------------------------------------------------------------

def _check_feed_url(url: str) -> str:
    url = url.strip()
    try:
        _url_validator(url)
    except ValidationError:
        raise InvalidInput(_("The feed address must be a full web address starting with "
                             "http:// or https://."), code="bad_feed_url") from None
    return url


def source_create(*, actor: User, name: str, kind: str, description: str = "",
                  feed_url: str = "") -> Source:
    """Create an inactive source in the actor's organisation. Feeds need an address."""
    organisation_id = _require(actor, Cap.SOURCE_MANAGE)
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the source a name."), code="name_missing")
    if kind not in SourceKind.values:
        raise InvalidInput(_("Choose what kind of source this is."), code="bad_kind")
    if kind == SourceKind.FEED:
        feed_url = _check_feed_url(feed_url)
    elif feed_url.strip():
        raise InvalidInput(_("Only feed sources have a feed address."), code="bad_feed_url")
    with transaction.atomic():
        if Source.objects.filter(organisation_id=organisation_id, name=name).exists():
            raise Conflict(_("Your organisation already has a source with this name. Choose "
                             "another name."), code="name_taken")
        source = Source.objects.create(organisation_id=organisation_id, name=name,
                                       kind=kind, description=description.strip(),
                                       feed_url=feed_url)
        audit_record(actor=actor, action="source.create", obj=source,
                     details={"kind": kind})
    return source


def source_record_mandate(*, actor: User, source: Source, legal_basis: str, purpose: str,
                          retention_days: int | None, dpia_reference: str) -> Source:
    """Record (or change) the mandate and who recorded it when.

    An active source's mandate may be changed but not left incomplete.
    """
    _require(actor, Cap.SOURCE_MANAGE, source)
    if legal_basis and legal_basis not in LegalBasis.values:
        raise InvalidInput(_("Choose one of the listed legal bases."), code="bad_legal_basis")
    if retention_days is not None and not 1 <= retention_days <= MAX_RETENTION_DAYS:
        raise InvalidInput(_("The retention period must be between 1 and %(max)d days.")
                           % {"max": MAX_RETENTION_DAYS}, code="bad_retention")
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source.pk)
        before = {f: getattr(source, f) for f in
                  ("legal_basis", "purpose", "retention_days", "dpia_reference")}
        source.legal_basis = legal_basis
        source.purpose = purpose.strip()
        source.retention_days = retention_days
        source.dpia_reference = dpia_reference.strip()
        if source.is_active and source.missing_mandate:
            raise Conflict(
                _("An active source needs a complete mandate. Missing: %(missing)s. Switch the "
                  "source off first if the mandate no longer holds.")
                % {"missing": missing_mandate_words(source)}, code="mandate_missing",
                missing=source.missing_mandate)
        source.mandate_recorded_by = actor
        source.mandate_recorded_at = timezone.now()
        source.save()
        changed = sorted(f for f, v in before.items() if getattr(source, f) != v)
        audit_record(actor=actor, action="source.mandate", obj=source,
                     details={"changed": changed, "complete": not source.missing_mandate})
    return source


def source_activate(*, actor: User, source: Source) -> Source:
    """Switch the source on. Refused (``mandate_missing``) while the mandate is incomplete."""
    _require(actor, Cap.SOURCE_MANAGE, source)
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source.pk)
        if source.missing_mandate:
            raise Conflict(
                _("This source cannot be switched on until its mandate is recorded. Missing: "
                  "%(missing)s.") % {"missing": missing_mandate_words(source)},
                code="mandate_missing", missing=source.missing_mandate)
        if source.kind == SourceKind.FEED and not source.feed_url:
            raise Conflict(_("A feed source needs a feed address before it can be switched on."),
                           code="bad_feed_url")
        if source.is_active:
            return source
        source.is_active = True
        source.activated_at = timezone.now()
        source.save(update_fields=["is_active", "activated_at"])
        audit_record(actor=actor, action="source.activate", obj=source)
    return source


def source_deactivate(*, actor: User, source: Source) -> Source:
    """Switch the source off: from now on it accepts nothing. Stored messages stay."""
    _require(actor, Cap.SOURCE_MANAGE, source)
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source.pk)
        if not source.is_active:
            return source
        source.is_active = False
        source.save(update_fields=["is_active"])
        audit_record(actor=actor, action="source.deactivate", obj=source)
    return source


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def source_rotate_token(*, actor: User, source: Source) -> str:
    """Give a push source a new token and return it. It is shown once and never stored:
    only its SHA-256 and a four-character hint are kept. The old token stops working."""
    _require(actor, Cap.SOURCE_MANAGE, source)
    if source.kind != SourceKind.PUSH:
        raise Conflict(_("Only push sources have a token."), code="not_push")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        source = Source.objects.select_for_update().get(pk=source.pk)
        source.token_digest = token_digest(token)
        source.token_hint = f"…{token[-4:]}"
        source.save(update_fields=["token_digest", "token_hint"])
        audit_record(actor=actor, action="source.token_rotate", obj=source)
    return token


# --- ingestion -----------------------------------------------------------------------------

class RowRejected(ValueError):
    """A row's value is unusable: ``problem`` says why, without the row's content."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self.problem = problem

    def __str__(self) -> str:
        return str(self.problem)


@dataclass(frozen=True, slots=True)
class CleanRow:
    external_id: str
    text: str
    author: str
    lang: str
    posted_at: datetime | None
    url: str


def _string(data: Mapping[str, Any], key: str, *, max_chars: int,
            required: bool = False) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise RowRejected(problem(gettext_noop("%(field)s is missing."), field=key))
        return ""
    if key == "id" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise RowRejected(problem(gettext_noop("%(field)s must be text."), field=key))
    # NUL cannot be stored in PostgreSQL and means nothing in a message.
    value = value.replace("\x00", "").strip()
    if not value and required:
        raise RowRejected(problem(gettext_noop("%(field)s is empty."), field=key))
    if len(value) > max_chars:
        raise RowRejected(problem(gettext_noop("%(field)s is longer than %(max)s characters "
                                               "(%(n)s)."),
                                  field=key, max=f"{max_chars:,}", n=f"{len(value):,}"))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RowRejected(problem(gettext_noop(
            "%(field)s contains characters that are not valid Unicode."), field=key)) from None
    return value


def _posted_at(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            raise RowRejected(problem(gettext_noop(
                "posted_at is not an ISO 8601 date and time (for example "
                "2026-03-01T14:30:00+01:00)."))) from None
    else:
        raise RowRejected(problem(gettext_noop("posted_at must be text in ISO 8601 form.")))
    if timezone.is_naive(when):
        try:
            when = timezone.make_aware(when)
        except (ValueError, OverflowError):
            raise RowRejected(problem(gettext_noop("posted_at is out of range."))) from None
    return when


def _is_web_address(url: str) -> bool:
    """http(s) with a host and no spaces. Lighter than ``URLValidator``, which would cost
    about a second per 20,000 rows; the address is only shown as a link, never fetched."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return (parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)
            and not any(ch.isspace() for ch in url))


def clean_row(data: Mapping[str, Any]) -> CleanRow:
    """Check one row's fields; ``RowRejected`` names the first problem."""
    external_id = _string(data, "id", max_chars=MAX_ID_CHARS, required=True)
    text = _string(data, "text", max_chars=settings.BRUG_MESSAGE_MAX_CHARS, required=True)
    author = _string(data, "author", max_chars=MAX_AUTHOR_CHARS)
    lang = _string(data, "lang", max_chars=16)
    if lang and not LANG_RE.match(lang):
        raise RowRejected(problem(gettext_noop(
            "lang must be a language code such as nl, fr or en-GB.")))
    # Stored as the primary language only: the model keeps up to 8 characters.
    lang = lang.split("-")[0].lower() if lang else ""
    url = _string(data, "url", max_chars=MAX_URL_CHARS)
    if url and not _is_web_address(url):
        raise RowRejected(problem(gettext_noop(
            "url must be a web address starting with http:// or https://.")))
    return CleanRow(external_id, text, author, lang, _posted_at(data.get("posted_at")), url)


def _numbered(rows: Iterable[Mapping[str, Any] | RowInput]) -> Iterable[RowInput]:
    for position, item in enumerate(rows, start=1):
        yield item if isinstance(item, RowInput) else RowInput(position, data=item)


def _existing_ids(source_id: int, external_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(external_ids), LOOKUP_CHUNK):
        chunk = external_ids[i:i + LOOKUP_CHUNK]
        found.update(Message.objects.filter(source_id=source_id, external_id__in=chunk)
                     .values_list("external_id", flat=True))
    return found


def _insert(source_id: int, messages: list[Message]) -> tuple[list[int], int]:
    """Insert in chunks; returns the new ids and how many turned out to exist already.

    A concurrent import of the same ids makes a chunk fail on the unique constraint: the
    chunk is rolled back to its savepoint, its now-existing ids are dropped, and it is retried.
    """
    ids: list[int] = []
    raced = 0
    for i in range(0, len(messages), CHUNK):
        chunk = messages[i:i + CHUNK]
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    Message.objects.bulk_create(chunk)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
                taken = _existing_ids(source_id, [m.external_id for m in chunk])
                kept = [m for m in chunk if m.external_id not in taken]
                raced += len(chunk) - len(kept)
                chunk = kept
        if chunk and chunk[0].pk is None:  # backend cannot return ids from bulk inserts
            lookup = dict(Message.objects.filter(
                source_id=source_id, external_id__in=[m.external_id for m in chunk])
                .values_list("external_id", "pk"))
            ids.extend(lookup[m.external_id] for m in chunk)
        else:
            ids.extend(m.pk for m in chunk)
    return ids, raced


def _enqueue_scoring(message_ids: list[int]) -> None:
    from brug.signals.services import messages_enqueue_scoring

    messages_enqueue_scoring(message_ids)


def messages_ingest(*, source: Source, rows: Iterable[Mapping[str, Any] | RowInput],
                    channel: str, actor: User | None, filename: str = "") -> ImportRun:
    """Store the good rows of one upload, push or feed poll as messages; report the rest.

    Preconditions: ``source`` is active (else ``source_inactive``); an ``actor`` (None for
    push and feed) belongs to the source's organisation. Rows are mappings (numbered by
    position) or ``RowInput`` (numbered by the parser). A row whose id the source already has,
    or that repeats an id of this batch, counts as a duplicate. Scoring of the new messages is
    enqueued after commit.
    """
    if actor is not None:
        _require(actor, Cap.SOURCE_UPLOAD, source)
    _require_active(source)
    if channel != source.kind:
        raise Conflict(_("This source takes messages by %(kind)s only.")
                       % {"kind": source.get_kind_display()}, code="wrong_channel")
    started = timezone.now()
    errors: list[dict[str, Any]] = []
    candidates: list[CleanRow] = []
    seen: set[str] = set()
    total = duplicates = 0
    for item in _numbered(rows):
        total += 1
        if item.data is None:
            errors.append(row_error(item.row, item.error))
            continue
        try:
            row = clean_row(item.data)
        except RowRejected as exc:
            errors.append(row_error(item.row, exc.problem))
            continue
        if row.external_id in seen:
            duplicates += 1
            continue
        seen.add(row.external_id)
        candidates.append(row)

    existing = _existing_ids(source.pk, [r.external_id for r in candidates])
    new_rows = [r for r in candidates if r.external_id not in existing]
    duplicates += len(candidates) - len(new_rows)
    # Pseudonyms and sealing before the transaction keeps it short; one handle, one seal.
    handles: dict[str, tuple[str, bytes]] = {}
    for r in new_rows:
        if r.author and r.author not in handles:
            handles[r.author] = (pseudonym(r.author, organisation_id=source.organisation_id),
                                 seal(r.author))

    with transaction.atomic():
        run = ImportRun.objects.create(source=source, started_by=actor, channel=channel,
                                       filename=filename[:255], started_at=started)
        messages = [
            Message(source_id=source.pk, import_run=run, external_id=r.external_id,
                    text=r.text, lang=r.lang, url=r.url, posted_at=r.posted_at,
                    received_at=started,
                    author_pseudonym=handles[r.author][0] if r.author else "",
                    author_sealed=handles[r.author][1] if r.author else None)
            for r in new_rows]
        ids, raced = _insert(source.pk, messages)
        run.finished_at = timezone.now()
        run.rows_total = total
        run.rows_created = len(ids)
        run.rows_duplicate = duplicates + raced
        run.rows_rejected = len(errors)
        run.errors = errors[:MAX_STORED_ERRORS]
        run.save()
        if channel == SourceKind.FEED:
            Source.objects.filter(pk=source.pk).update(feed_last_polled_at=run.finished_at,
                                                       feed_last_error="")
        audit_record(actor=actor, action="messages.ingest", obj=run,
                     organisation_id=source.organisation_id,
                     details={"source": source.pk, "channel": channel, "total": total,
                              "created": run.rows_created, "duplicates": run.rows_duplicate,
                              "rejected": run.rows_rejected})
        if ids:
            transaction.on_commit(partial(_enqueue_scoring, ids))
    return run


def feed_poll_failed(*, source: Source, error: Problem | str) -> ImportRun:
    """Record a failed feed poll: the error on the source and as a failed import, audited.

    ``error`` is about the fetch or the feed, never feed content: a ``Problem`` (stored
    untranslated, shown in each reader's language) or a finished sentence.
    """
    now = timezone.now()
    value = stored(error)
    with override("en"):  # the audit log keeps one language, whoever reads it
        reason = str(error)
    with transaction.atomic():
        Source.objects.filter(pk=source.pk).update(feed_last_polled_at=now,
                                                   feed_last_error=value)
        run = ImportRun.objects.create(source=source, channel=SourceKind.FEED,
                                       started_at=now, finished_at=now, fatal_error=value)
        audit_record(actor=None, action="feed.poll_failed", obj=source, reason=reason,
                     organisation_id=source.organisation_id, details={"import": run.pk})
    source.feed_last_polled_at = now
    source.feed_last_error = value
    return run
