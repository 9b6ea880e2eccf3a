"""The hash chain: intact logs verify, and every kind of tampering is found."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.db import DatabaseError, connection, transaction

from brug.audit.models import AuditEntry
from brug.audit.services import _digest, audit_verify

from .conftest import tamper, triggers_dropped

Chain = Callable[..., list[AuditEntry]]


def test_intact_chain_verifies(chain: Chain) -> None:
    chain(4)
    result = audit_verify()
    assert result.ok
    assert result.checked == 4


def test_empty_log_verifies(db: None) -> None:
    assert audit_verify().ok


def test_changed_details_are_found(chain: Chain) -> None:
    entries = chain(4)
    tamper("UPDATE audit_auditentry SET details = %s WHERE id = %s",
           ['{"count": 99}', entries[1].pk])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id == entries[1].pk
    assert result.checked == 1
    assert "changed" in result.problem


def test_changed_reason_is_found(chain: Chain) -> None:
    entries = chain(3)
    tamper("UPDATE audit_auditentry SET reason = %s WHERE id = %s",
           ["nothing to see", entries[2].pk])
    assert audit_verify().first_bad_id == entries[2].pk


def test_recomputed_digest_breaks_the_next_link(chain: Chain) -> None:
    """A forger who also rewrites the changed entry's own digest is caught at the next one."""
    entries = chain(3)
    first = entries[0]
    forged = {"count": 42}
    digest = _digest(first.previous, first.at, first.actor_id, first.actor_label,
                     first.organisation_id, first.action, first.object_type, first.object_id,
                     first.reason, forged)
    tamper("UPDATE audit_auditentry SET details = %s, digest = %s WHERE id = %s",
           [json.dumps(forged), digest, first.pk])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id == entries[1].pk
    assert "link broken" in result.problem


def test_deleted_middle_entry_is_found(chain: Chain) -> None:
    entries = chain(4)
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id == entries[2].pk
    assert "link broken" in result.problem


def test_deleted_last_entry_is_found(chain: Chain) -> None:
    entries = chain(3)
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].pk])
    result = audit_verify()
    assert not result.ok
    assert result.first_bad_id is None
    assert result.checked == 2
    assert "last entries were removed" in result.problem


def test_orm_refuses_save_and_delete(chain: Chain) -> None:
    entry = chain(1)[0]
    entry.reason = "rewritten"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_queryset_update_and_delete_hit_the_trigger(chain: Chain) -> None:
    chain(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 2
    assert audit_verify().ok


def test_trigger_refuses_raw_update_and_delete(chain: Chain) -> None:
    entry = chain(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert audit_verify().ok


def test_triggers_come_back_after_tampering(chain: Chain) -> None:
    entry = chain(1)[0]
    with triggers_dropped():
        pass
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
