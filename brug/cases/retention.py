"""Closed cases expire: ``BRUG_CASE_RETENTION_DAYS`` after closing, a case file is deleted with
everything in it (assessments, goals, consent records, notes, referrals, the process instance
and its steps), and so are the messages of its signals unless another case still holds them.
The audit log keeps its content-free entries. Run by ``privacy.services.retention_purge``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from brug.audit.services import audit_record
from brug.sources.models import Message

from .models import Case, CaseStatus

if TYPE_CHECKING:
    from brug.accounts.models import User

BATCH = 200


@dataclass
class CasePurge:
    cases: int = 0
    messages: int = 0


def cases_due(now: datetime) -> list[int]:
    cutoff = now - timedelta(days=settings.BRUG_CASE_RETENTION_DAYS)
    return list(Case.objects.filter(status=CaseStatus.CLOSED, closed_at__lt=cutoff)
                .order_by("closed_at").values_list("pk", flat=True))


def cases_purge_expired(*, now: datetime, actor: User | None = None,
                        dry_run: bool = False) -> CasePurge:
    due = cases_due(now)
    result = CasePurge()
    if dry_run:
        result.cases = len(due)
        return result
    for start in range(0, len(due), BATCH):
        ids = due[start:start + BATCH]
        with transaction.atomic():
            cases = list(Case.objects.select_for_update().filter(pk__in=ids,
                                                                 status=CaseStatus.CLOSED))
            message_ids = list(Message.objects.filter(signal__cases__in=cases)
                               .values_list("pk", flat=True).distinct())
            # A message another (not expiring) case still holds stays with that case.
            links = Case.signals.through.objects  # one row per (case, signal)
            kept = set(links.filter(signal__message_id__in=message_ids)
                       .exclude(case_id__in=[c.pk for c in cases])
                       .values_list("signal__message_id", flat=True))
            by_org: dict[int, int] = {}
            for case in cases:
                by_org[case.organisation_id] = by_org.get(case.organisation_id, 0) + 1
            Case.objects.filter(pk__in=[c.pk for c in cases]).delete()
            gone = [pk for pk in message_ids if pk not in kept]
            Message.objects.filter(pk__in=gone).delete()
            for org_id, count in by_org.items():
                audit_record(actor=actor, action="case.purge", organisation_id=org_id,
                             details={"cases_deleted": count,
                                      "retention_days": settings.BRUG_CASE_RETENTION_DAYS})
            result.cases += len(cases)
            result.messages += len(gone)
    return result
