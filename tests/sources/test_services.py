"""Sources and ingestion services: the mandate guard, idempotency, pseudonymisation."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brug.accounts.models import User
from brug.audit.models import AuditEntry
from brug.errors import BrugError, Conflict, InvalidInput, NotAllowed, NotFound
from brug.privacy.crypto import pseudonym, unseal
from brug.sources import services
from brug.sources.models import ImportRun, LegalBasis, Message, Source, SourceKind
from brug.sources.parsing import RowInput
from brug.sources.problems import problem_text
from brug.sources.services import (
    messages_ingest,
    source_activate,
    source_create,
    source_deactivate,
    source_record_mandate,
    source_rotate_token,
)
from tests.factories import make_source

MANDATE: dict[str, Any] = {
    "legal_basis": LegalBasis.PUBLIC_TASK, "purpose": "Municipal prevention plan 2026",
    "retention_days": 90, "dpia_reference": "DPIA-2026-007"}


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    calls: list[list[int]] = []
    monkeypatch.setattr(services, "_enqueue_scoring", lambda ids: calls.append(list(ids)))
    return calls


# --- sources -------------------------------------------------------------------------------

def test_create_starts_inactive_and_is_audited(supervisor: User) -> None:
    source = source_create(actor=supervisor, name="Telegram export", kind=SourceKind.UPLOAD)
    assert not source.is_active
    assert source.organisation_id == supervisor.organisation_id
    entry = AuditEntry.objects.get(action="source.create")
    assert entry.object_id == str(source.pk) and entry.actor == supervisor


def test_create_refuses_duplicate_name_and_bad_feed(supervisor: User) -> None:
    source_create(actor=supervisor, name="Forum", kind=SourceKind.UPLOAD)
    with pytest.raises(Conflict) as exc:
        source_create(actor=supervisor, name="Forum", kind=SourceKind.UPLOAD)
    assert exc.value.code == "name_taken"
    with pytest.raises(InvalidInput):
        source_create(actor=supervisor, name="Feed", kind=SourceKind.FEED,
                      feed_url="file:///etc/passwd")


def test_create_needs_manage_capability(prevention_worker: User) -> None:
    with pytest.raises(NotAllowed):
        source_create(actor=prevention_worker, name="X", kind=SourceKind.UPLOAD)


def test_activate_refuses_without_mandate_naming_missing_parts(supervisor: User) -> None:
    source = source_create(actor=supervisor, name="S", kind=SourceKind.UPLOAD)
    source_record_mandate(actor=supervisor, source=source, legal_basis=LegalBasis.CONSENT,
                          purpose="", retention_days=30, dpia_reference="")
    with pytest.raises(BrugError) as exc:
        source_activate(actor=supervisor, source=source)
    assert exc.value.code == "mandate_missing"
    assert "purpose" in exc.value.message and "DPIA reference" in exc.value.message
    assert "legal basis" not in exc.value.message
    source.refresh_from_db()
    assert not source.is_active
    assert not AuditEntry.objects.filter(action="source.activate").exists()


def test_mandate_then_activate_and_deactivate(supervisor: User) -> None:
    source = source_create(actor=supervisor, name="S", kind=SourceKind.UPLOAD)
    source = source_record_mandate(actor=supervisor, source=source, **MANDATE)
    assert source.mandate_recorded_by == supervisor and source.mandate_recorded_at
    source = source_activate(actor=supervisor, source=source)
    assert source.is_active and source.activated_at
    # An active source's mandate cannot be emptied.
    with pytest.raises(Conflict):
        source_record_mandate(actor=supervisor, source=source, **{**MANDATE, "purpose": " "})
    source = source_deactivate(actor=supervisor, source=source)
    assert not source.is_active
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions == ["source.create", "source.mandate", "source.activate",
                       "source.deactivate"]


def test_services_refuse_other_organisation(supervisor: User, outsider: User) -> None:
    source = make_source(outsider.organisation, active=False)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        source_record_mandate(actor=supervisor, source=source, **MANDATE)


def test_rotate_token_stores_only_digest(supervisor: User) -> None:
    source = make_source(supervisor.organisation, kind=SourceKind.PUSH)  # type: ignore[arg-type]
    token = source_rotate_token(actor=supervisor, source=source)
    source.refresh_from_db()
    assert len(token) >= 40
    assert source.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert source.token_hint == f"…{token[-4:]}"
    assert token not in str(list(Source.objects.values_list()))
    second = source_rotate_token(actor=supervisor, source=source)
    assert second != token
    with pytest.raises(Conflict):
        source_rotate_token(actor=supervisor, source=make_source(
            supervisor.organisation))  # type: ignore[arg-type]


# --- ingestion -----------------------------------------------------------------------------

def _rows(n: int, prefix: str = "m") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{i}", "text": f"bericht nummer {i}", "author": f"@user{i % 7}",
             "lang": "nl", "posted_at": "2026-03-01T14:30:00+01:00",
             "url": f"https://example.org/p/{i}"} for i in range(n)]


def test_ingest_stores_rows_and_enqueues_after_commit(
        prevention_worker: User, enqueued: list[list[int]],
        django_capture_on_commit_callbacks: Any) -> None:
    source = make_source(prevention_worker.organisation)  # type: ignore[arg-type]
    with django_capture_on_commit_callbacks(execute=True):
        run = messages_ingest(source=source, rows=_rows(5), channel=SourceKind.UPLOAD,
                              actor=prevention_worker, filename="x.csv")
    assert (run.rows_total, run.rows_created, run.rows_duplicate, run.rows_rejected) == \
        (5, 5, 0, 0)
    ids = sorted(Message.objects.filter(import_run=run).values_list("pk", flat=True))
    assert len(enqueued) == 1 and sorted(enqueued[0]) == ids
    message = Message.objects.get(external_id="m3")
    assert message.lang == "nl" and message.url == "https://example.org/p/3"
    assert message.posted_at is not None and message.posted_at.utcoffset() is not None
    entry = AuditEntry.objects.get(action="messages.ingest")
    assert entry.details == {"source": source.pk, "channel": "upload", "total": 5,
                             "created": 5, "duplicates": 0, "rejected": 0}


def test_ingest_is_idempotent(prevention_worker: User, enqueued: list[list[int]],
                              django_capture_on_commit_callbacks: Any) -> None:
    source = make_source(prevention_worker.organisation)  # type: ignore[arg-type]
    messages_ingest(source=source, rows=_rows(3), channel=SourceKind.UPLOAD,
                    actor=prevention_worker)
    rows = [*_rows(4), {"id": "m3", "text": "same id again in this batch"}]
    with django_capture_on_commit_callbacks(execute=True):
        run = messages_ingest(source=source, rows=rows, channel=SourceKind.UPLOAD,
                              actor=prevention_worker)
    assert (run.rows_created, run.rows_duplicate, run.rows_rejected) == (1, 4, 0)
    assert Message.objects.filter(source=source).count() == 4
    assert enqueued == [list(Message.objects.filter(external_id="m3").values_list("pk",
                                                                                 flat=True))]
    # The same id in another source is a different message.
    other = make_source(prevention_worker.organisation)  # type: ignore[arg-type]
    run = messages_ingest(source=other, rows=_rows(1), channel=SourceKind.UPLOAD,
                          actor=prevention_worker)
    assert run.rows_created == 1


def test_handle_is_never_stored_in_clear(prevention_worker: User) -> None:
    source = make_source(prevention_worker.organisation)  # type: ignore[arg-type]
    handle = "@Very_Distinct_Handle_4711"
    messages_ingest(source=source, rows=[{"id": "1", "text": "hallo", "author": handle}],
                    channel=SourceKind.UPLOAD, actor=prevention_worker)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sources_message")
        raw_rows = cursor.fetchall()
        cursor.execute("SELECT * FROM sources_importrun")
        raw_rows += cursor.fetchall()
        cursor.execute("SELECT * FROM audit_auditentry")
        raw_rows += cursor.fetchall()
    dump = repr(raw_rows).casefold()
    assert "very_distinct_handle" not in dump
    message = Message.objects.get()
    assert message.author_pseudonym == pseudonym(handle,
                                                 organisation_id=source.organisation_id)
    assert message.author_sealed is not None
    assert unseal(bytes(message.author_sealed)) == handle


def test_bad_rows_are_reported_without_content(prevention_worker: User) -> None:
    source = make_source(prevention_worker.organisation)  # type: ignore[arg-type]
    secret_text = "SECRET-CONTENT-" + "x" * 10_001
    rows: list[Any] = [
        {"id": "ok1", "text": "fine"},
        {"text": "no id"},
        {"id": "t", "text": "   "},
        {"id": "long", "text": secret_text},
        {"id": "date", "text": "x", "posted_at": "SECRET-yesterday"},
        {"id": "url", "text": "x", "url": "javascript:SECRET"},
        {"id": "lang", "text": "x", "lang": "SECRET lang"},
        {"id": "type", "text": ["SECRET"]},
        {"id": "sur", "text": "bad \ud800 char"},
        RowInput(42, error="Line 42 is not valid JSON."),
        {"id": "nul", "text": "nul\x00 removed", "author": "@a"},
    ]
    run = messages_ingest(source=source, rows=rows, channel=SourceKind.UPLOAD,
                          actor=prevention_worker)
    assert run.rows_created == 2 and run.rows_rejected == 9
    by_row = {e["row"]: problem_text(e) for e in run.errors}
    assert set(by_row) == {2, 3, 4, 5, 6, 7, 8, 9, 42}
    assert "id is missing" in by_row[2]
    assert "longer than 10,000" in by_row[4]
    assert "ISO 8601" in by_row[5]
    assert "SECRET" not in repr(run.errors)
    assert Message.objects.get(external_id="nul").text == "nul removed"


def test_inactive_source_accepts_nothing(prevention_worker: User) -> None:
    source = make_source(prevention_worker.organisation, active=False)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed) as exc:
        messages_ingest(source=source, rows=_rows(1), channel=SourceKind.UPLOAD,
                        actor=prevention_worker)
    assert exc.value.code == "source_inactive"
    assert not ImportRun.objects.exists() and not Message.objects.exists()


def test_ingest_checks_actor_and_channel(counsellor: User, prevention_worker: User,
                                         outsider: User) -> None:
    source = make_source(prevention_worker.organisation)  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):
        messages_ingest(source=source, rows=_rows(1), channel=SourceKind.UPLOAD,
                        actor=counsellor)
    with pytest.raises(NotFound):
        messages_ingest(source=source, rows=_rows(1), channel=SourceKind.UPLOAD,
                        actor=outsider)
    with pytest.raises(Conflict):
        messages_ingest(source=source, rows=_rows(1), channel=SourceKind.PUSH, actor=None)


def test_twenty_thousand_rows_in_bulk(prevention_worker: User,
                                      enqueued: list[list[int]]) -> None:
    source = make_source(prevention_worker.organisation)  # type: ignore[arg-type]
    rows = _rows(20_000)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        run = messages_ingest(source=source, rows=rows, channel=SourceKind.UPLOAD,
                              actor=prevention_worker)
    elapsed = time.perf_counter() - started
    assert run.rows_created == 20_000
    # ~23 id lookups, 20 inserts each in a savepoint, a few more: nothing per row.
    assert len(queries) < 120
    assert elapsed < 20, f"20,000 rows took {elapsed:.1f}s"
    run = messages_ingest(source=source, rows=rows, channel=SourceKind.UPLOAD,
                          actor=prevention_worker)
    assert run.rows_duplicate == 20_000 and run.rows_created == 0
