"""Counselling data expires.

* A client account not used for ``BRUG_CLIENT_INACTIVE_DAYS`` (``last_seen_at``, refreshed while
  the client is signed in) is deleted with everything in it: engagements and their team rows,
  appointments, chat messages, goals and reviews, session and concern notes, invitations,
  the safety plan and notices (all by cascade). Nothing about the client stays but the
  content-free audit entries.
* Counsellors' own care records are personal data too: wellbeing check-ins and exposure
  entries older than ``CARE_RECORDS_DAYS`` (two years) are deleted.

Run at the end of ``brug.privacy.services.retention_purge``; ``brug purge --dry-run`` counts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, QuerySet, RestrictedError

from brug.audit.services import audit_record

from .models import Client, ExposureEntry, WellbeingCheckin

if TYPE_CHECKING:
    from brug.accounts.models import User

logger = logging.getLogger(__name__)

BATCH = 200            # clients per transaction: each takes its whole counselling history along
CARE_RECORDS_DAYS = 730


def inactive_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=settings.BRUG_CLIENT_INACTIVE_DAYS)


def clients_due(now: datetime) -> QuerySet[Client]:
    """Client accounts not seen for longer than ``BRUG_CLIENT_INACTIVE_DAYS`` at ``now``."""
    return Client.objects.filter(last_seen_at__lt=inactive_cutoff(now))


def clients_due_for_organisation(organisation_id: int, now: datetime) -> int | None:
    """How many client accounts of the organisation's pools are due; None without a pool."""
    from .models import Pool

    pools = list(Pool.objects.filter(organisations=organisation_id).values_list("pk", flat=True))
    if not pools:
        return None
    return clients_due(now).filter(pool_id__in=pools).count()


def care_records_due(now: datetime) -> tuple[int, int]:
    """(check-ins, exposure entries) older than ``CARE_RECORDS_DAYS`` at ``now``."""
    cutoff = now - timedelta(days=CARE_RECORDS_DAYS)
    return (WellbeingCheckin.objects.filter(at__lt=cutoff).count(),
            ExposureEntry.objects.filter(at__lt=cutoff).count())


def clients_purge_inactive(*, now: datetime, actor: User | None = None,
                           dry_run: bool = False) -> int:
    """Deletes inactive client accounts (with their whole history) and care records older
    than two years; returns the number of client accounts deleted (or due, with ``dry_run``).

    Clients go in batches of ``BATCH``, each in its own transaction, and the rule is checked
    again inside it: a client who signs in during the purge stays. A batch that another part
    of Brug protects (a PROTECT foreign key) is kept and logged, and the purge goes on. One
    content-free audit entry (counts only) is written when anything was deleted.
    """
    if dry_run:
        return clients_due(now).count()
    deleted, kept, last_id = 0, 0, 0
    while True:
        ids = list(clients_due(now).filter(pk__gt=last_id).order_by("pk")
                   .values_list("pk", flat=True)[:BATCH])
        if not ids:
            break
        last_id = ids[-1]  # a cursor: a protected batch is not retried forever
        try:
            with transaction.atomic():
                _, per_model = (clients_due(now).filter(pk__in=ids).only("pk").delete())
                deleted += per_model.get(Client._meta.label, 0)
        except (ProtectedError, RestrictedError):
            kept += len(ids)
            logger.warning("counselling retention: %d inactive client accounts are protected "
                           "by other records and were kept", len(ids))
    cutoff = now - timedelta(days=CARE_RECORDS_DAYS)
    with transaction.atomic():
        checkins, _ = WellbeingCheckin.objects.filter(at__lt=cutoff).delete()
        exposure, _ = ExposureEntry.objects.filter(at__lt=cutoff).delete()
        if deleted or checkins or exposure or kept:
            audit_record(actor=actor, action="counselling.retention.purge",
                         organisation_id=None,
                         details={"clients_deleted": deleted, "clients_kept_protected": kept,
                                  "inactive_days": settings.BRUG_CLIENT_INACTIVE_DAYS,
                                  "checkins_deleted": checkins,
                                  "exposure_entries_deleted": exposure,
                                  "care_records_days": CARE_RECORDS_DAYS})
    return deleted
