"""Writing and checking the audit log. Every service that writes calls ``audit_record``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from .models import AuditEntry, AuditHead

if TYPE_CHECKING:
    from brug.accounts.models import User

GENESIS = "0" * 64


def _digest(previous: str, at: datetime, actor_id: int | None, actor_label: str,
            organisation_id: int | None, action: str, object_type: str, object_id: str,
            reason: str, details: dict[str, Any]) -> str:
    body = json.dumps(
        [previous, at.isoformat(), actor_id, actor_label, organisation_id, action, object_type,
         object_id, reason, details],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def audit_record(*, actor: User | None, action: str, obj: Model | None = None,
                 object_type: str = "", object_id: str | int = "", reason: str = "",
                 details: dict[str, Any] | None = None,
                 organisation_id: int | None = None) -> AuditEntry:
    """Append one entry. Call inside the service's transaction so both land or neither.

    ``details`` must be content-free (ids, counts, field names), never message text or handles.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if organisation_id is None and actor is not None:
        organisation_id = actor.organisation_id
    details = json.loads(json.dumps(details or {}, default=str))
    at = timezone.now()
    label = actor.label if actor is not None else "system"
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            id=1, defaults={"digest": GENESIS})
        digest = _digest(head.digest, at, actor.pk if actor else None, label, organisation_id,
                         action, object_type, str(object_id), reason, details)
        entry = AuditEntry(at=at, actor=actor, actor_label=label,
                           organisation_id=organisation_id, action=action,
                           object_type=object_type, object_id=str(object_id), reason=reason,
                           details=details, previous=head.digest, digest=digest)
        entry.save()
        AuditHead.objects.filter(id=1).update(digest=digest, count=head.count + 1)
    return entry


@dataclass(frozen=True)
class Pending:
    """One entry for ``audit_record_many`` (written by the system: no actor)."""

    action: str
    object_type: str
    object_id: str
    organisation_id: int | None
    details: dict[str, Any]


def audit_record_many(pending: list[Pending]) -> int:
    """Append many system entries with one head lock and one bulk insert (the timer sweep).

    The chain is the same as entries written one by one: each digest covers the previous one.
    """
    if not pending:
        return 0
    at = timezone.now()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(
            id=1, defaults={"digest": GENESIS})
        previous, entries = head.digest, []
        for item in pending:
            details = json.loads(json.dumps(item.details, default=str))
            digest = _digest(previous, at, None, "system", item.organisation_id, item.action,
                             item.object_type, item.object_id, "", details)
            entries.append(AuditEntry(at=at, actor=None, actor_label="system",
                                      organisation_id=item.organisation_id, action=item.action,
                                      object_type=item.object_type, object_id=item.object_id,
                                      reason="", details=details, previous=previous,
                                      digest=digest))
            previous = digest
        AuditEntry.objects.bulk_create(entries, batch_size=500)
        AuditHead.objects.filter(id=1).update(digest=previous, count=head.count + len(entries))
    return len(entries)


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("id").iterator(chunk_size=2000)


def audit_verify() -> Verification:
    """Walk the chain from the start; report the first entry that does not fit."""
    previous = GENESIS
    checked = 0
    for entry in _entries():
        if entry.previous != previous:
            return Verification(False, checked, entry.pk,
                                "link broken: an entry before it was changed or removed")
        expected = _digest(entry.previous, entry.at, entry.actor_id, entry.actor_label,
                           entry.organisation_id, entry.action, entry.object_type,
                           entry.object_id, entry.reason, entry.details)
        if expected != entry.digest:
            return Verification(False, checked, entry.pk, "entry was changed after it was written")
        previous = entry.digest
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and (head.digest != previous or head.count != checked):
        return Verification(False, checked, None,
                            "the last entries were removed (chain head does not match)")
    return Verification(True, checked)
