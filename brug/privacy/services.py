"""Privacy writes: the retention purge and the audited reveal of an author's handle."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import InvalidInput, NotAllowed, NotFound
from brug.signals.models import Signal
from brug.sources.models import Message, Source

from .crypto import unseal
from .models import PurgeRun
from .selectors import cutoff_for, messages_due, sources_with_retention

if TYPE_CHECKING:
    from brug.accounts.models import User

logger = logging.getLogger(__name__)

PURGE_BATCH = 1000  # messages per delete (and per transaction): bounded memory and lock time
REVEAL_REASON_MIN = 10


def retention_purge(*, actor: User | None = None, now: datetime | None = None
                    ) -> list[PurgeRun]:
    """Deletes, per source with a retention period, the messages that are due (one PurgeRun each).

    Due (see ``brug.privacy.selectors``): received longer ago than the source's period, and
    not flagged, or flagged but unreviewed (OPEN, no decision), or dismissed (latest decision
    "dismiss"). A deleted message takes its signal, flags and decisions with it (cascade).

    Kept on purpose: messages whose signal's latest decision is monitor, outreach, refer or
    urgent. Those moved on to casework: closed case files expire after
    ``BRUG_CASE_RETENTION_DAYS`` and take the messages only they hold with them
    (``brug.cases.retention``, run at the end of this purge). Inactive client accounts of
    online counselling and old care records of counsellors go last
    (``brug.counselling.retention``).

    Works in batches of ``PURGE_BATCH`` ids, each batch in its own transaction, so 100k
    messages never sit in memory and a long purge does not lock the database for long; the
    rule is checked again inside each batch's transaction (a reviewer may just have decided).
    ``actor`` is None for the scheduled job; ``now`` exists for tests and dry runs.
    Writes a content-free audit entry per source when something was deleted or a person ran it.
    """
    from brug.cases.retention import cases_purge_expired
    from brug.counselling.retention import clients_purge_inactive

    now = now or timezone.now()
    runs = [_purge_source(source, now=now, actor=actor) for source in sources_with_retention()]
    cases_purge_expired(now=now, actor=actor)
    clients_purge_inactive(now=now, actor=actor)
    return runs


def _purge_source(source: Source, *, now: datetime, actor: User | None) -> PurgeRun:
    run = PurgeRun.objects.create(source=source, source_name=source.name,
                                  organisation_id=source.organisation_id)
    due = messages_due(source, now)
    last_id, kept = 0, 0
    while True:
        ids = list(due.filter(pk__gt=last_id).order_by("pk")
                   .values_list("pk", flat=True)[:PURGE_BATCH])
        if not ids:
            break
        last_id = ids[-1]  # a cursor, so a batch that cannot be deleted is not retried forever
        try:
            with transaction.atomic():
                still_due = messages_due(source, now).filter(pk__in=ids).values("pk")
                # Only ids are loaded for the cascade, never the messages' text.
                _, per_model = Message.objects.filter(pk__in=still_due).only("pk").delete()
                PurgeRun.objects.filter(pk=run.pk).update(
                    messages_deleted=F("messages_deleted")
                    + per_model.get(Message._meta.label, 0),
                    signals_deleted=F("signals_deleted") + per_model.get(Signal._meta.label, 0))
        except (ProtectedError, RestrictedError):
            # Another part of Brug holds on to some of these messages (e.g. a case file);
            # they stay, and the rest of the purge goes on.
            kept += len(ids)
            logger.warning("retention purge: %d messages of source %s are protected by other "
                           "records and were kept", len(ids), source.pk)
    run.refresh_from_db()
    if run.messages_deleted or actor is not None or kept:
        audit_record(actor=actor, action="retention.purge", obj=source,
                     organisation_id=source.organisation_id,
                     details={"purge_run": run.pk, "retention_days": source.retention_days,
                              "cutoff": cutoff_for(source, now).isoformat(),
                              "messages_deleted": run.messages_deleted,
                              "signals_deleted": run.signals_deleted, "kept_protected": kept})
    return run


def handle_reveal(*, actor: User, message_id: int, reason: str) -> str:
    """Decrypts and returns the raw author handle of one message, and records that it happened.

    Preconditions, each an error the person can act on: the role has ``Cap.HANDLE_REVEAL``
    (``NotAllowed``), a reason of at least ten characters (``InvalidInput``), and the message
    belongs to the actor's organisation (``NotFound`` otherwise, as if it did not exist).
    The audit entry "handle.reveal" keeps the reason and the message id, never the handle.
    """
    if not actor.can(Cap.HANDLE_REVEAL):
        raise NotAllowed(_("Your role cannot reveal author handles. Ask an outreach worker "
                           "or a supervisor."))
    reason = (reason or "").strip()
    if len(reason) < REVEAL_REASON_MIN:
        raise InvalidInput(_("Write why you need the handle (at least %(n)d characters): the "
                             "reason is kept in the audit log.") % {"n": REVEAL_REASON_MIN},
                           code="reason_required")
    organisation = actor.organisation_id or 0  # can() implies one; 0 would match nothing
    message = (Message.objects.filter(pk=message_id, source__organisation_id=organisation)
               .only("pk", "source_id", "author_sealed").first())
    if message is None:
        raise NotFound(_("This message does not exist (or no longer exists: it may have been "
                         "deleted after its retention period)."))
    if not message.author_sealed:
        raise NotFound(_("No author handle was recorded for this message."),
                       code="no_handle")
    handle = unseal(bytes(message.author_sealed))
    with transaction.atomic():
        audit_record(actor=actor, action="handle.reveal", obj=message, reason=reason,
                     details={"source_id": message.source_id})
    return handle
