"""Reads for the start page: counts per category, never per person."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from brug.accounts.models import User
from brug.accounts.roles import Cap
from brug.errors import NotAllowed
from brug.signals.models import Category, Signal, SignalStatus


@dataclass(frozen=True)
class CategoryCount:
    category: str
    label: str
    open: int
    urgent: int  # urgent decisions waiting for a second reviewer
    share: int   # bar width in steps of 5 (0-100), relative to the largest open count


@dataclass(frozen=True)
class QueueSummary:
    rows: list[CategoryCount]
    open_total: int
    urgent_total: int


def _share(value: int, largest: int) -> int:
    if value <= 0 or largest <= 0:
        return 0
    # Round to the nearest step of 5, but never hide a non-zero count entirely.
    return max(5, round(value * 20 / largest) * 5)


def queue_summary(*, actor: User) -> QueueSummary:
    """Open signals of the actor's organisation per (most serious) category, in one query.

    Precondition: none; raises ``NotAllowed`` without ``Cap.QUEUE_VIEW``.
    """
    # can() is already false without an organisation; the second test tells mypy so.
    if not actor.can(Cap.QUEUE_VIEW) or actor.organisation_id is None:
        raise NotAllowed(_("Your role does not include the review queue."))
    counts = {
        row["top_category"]: (row["open"], row["urgent"])
        for row in Signal.objects.filter(
            organisation_id=actor.organisation_id,
            status__in=[SignalStatus.OPEN, SignalStatus.AWAITING_CONFIRMATION])
        .values("top_category")
        .annotate(open=Count("id", filter=Q(status=SignalStatus.OPEN)),
                  urgent=Count("id", filter=Q(status=SignalStatus.AWAITING_CONFIRMATION)))
        .order_by()
    }
    largest = max((open_ for open_, _urgent in counts.values()), default=0)
    rows = []
    for value, label in Category.choices:
        open_, urgent = counts.get(value, (0, 0))
        rows.append(CategoryCount(category=value, label=str(label), open=open_, urgent=urgent,
                                  share=_share(open_, largest)))
    return QueueSummary(rows=rows, open_total=sum(r.open for r in rows),
                        urgent_total=sum(r.urgent for r in rows))
