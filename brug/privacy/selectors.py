"""Reads for retention: which messages are due for deletion, and the DPO's overview.

The rule (one place, used by the purge, its dry run and the DPO's page): a message of a source
with a retention period is *due* once it was received longer ago than that period and it is

* not flagged (no signal: unscored, scored without a flag, or failed to score), or
* flagged but still unreviewed (signal OPEN with no decision at all), or
* dismissed (the signal's latest decision is "dismiss").

Messages whose signal's latest decision is monitor, outreach, refer or urgent are kept: they
move on to casework, which has its own retention rules later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap
from brug.review.models import Decision, Outcome
from brug.signals.models import SignalStatus
from brug.sources.models import Message, Source

from .models import PurgeRun

if TYPE_CHECKING:
    from brug.accounts.models import User

RUNS_SHOWN = 10  # purge runs per source on the DPO's page and in its chart


def sources_with_retention() -> QuerySet[Source]:
    """Every source (active or not: switched-off sources still hold data) with a period."""
    return Source.objects.filter(retention_days__gt=0).order_by("id")


def cutoff_for(source: Source, now: datetime) -> datetime:
    """Messages received before this moment are past the source's retention period.

    Precondition: ``source.retention_days`` is set.
    """
    return now - timedelta(days=source.retention_days or 0)


def only_purgeable(messages: QuerySet[Message]) -> QuerySet[Message]:
    """The "due" rule without the date: no signal, unreviewed, or last decided "dismiss"."""
    decisions = Decision.objects.filter(signal_id=OuterRef("signal__id"))
    latest_outcome = Subquery(decisions.order_by("-created_at", "-id").values("outcome")[:1])
    unreviewed = Q(signal__status=SignalStatus.OPEN) & ~Exists(decisions)
    return messages.alias(last_outcome=latest_outcome).filter(
        Q(signal__isnull=True) | unreviewed | Q(last_outcome=Outcome.DISMISS))


def messages_due(source: Source, now: datetime) -> QuerySet[Message]:
    """This source's messages due for deletion at ``now`` (see the module docstring)."""
    return only_purgeable(Message.objects.filter(source=source,
                                                 received_at__lt=cutoff_for(source, now)))


def _past_period(sources: list[Source], now: datetime) -> Q | None:
    """Messages past their own source's period, for several sources in one condition."""
    condition: Q | None = None
    for source in sources:
        if source.retention_days:
            period = Q(source_id=source.pk, received_at__lt=cutoff_for(source, now))
            condition = period if condition is None else condition | period
    return condition


def due_counts(sources: list[Source], now: datetime, *, flagged_only: bool = False
               ) -> dict[int, int]:
    """{source id: messages due} in one query, whatever the number of sources.

    With ``flagged_only``, only due messages that have a signal (which goes with them).
    """
    condition = _past_period(sources, now)
    if condition is None:
        return {}
    messages = Message.objects.filter(condition)
    if flagged_only:
        messages = messages.filter(signal__isnull=False)
    rows = (only_purgeable(messages).order_by().values("source_id").annotate(n=Count("id")))
    return {row["source_id"]: row["n"] for row in rows}


CHART_HEIGHT = 100  # SVG user units; the bars' geometry is computed here, not in CSS/HTML
BAR_STEP, BAR_WIDTH = 10, 7


@dataclass(frozen=True)
class Bar:
    """One bar of the purge chart (SVG coordinates; a zero run gets a thin baseline mark)."""

    run: PurgeRun
    x: int
    y: int
    height: int


@dataclass
class SourceRetention:
    """One row of the DPO's retention page (counts only)."""

    source: Source
    held: int
    due: int
    runs: list[PurgeRun] = field(default_factory=list)  # newest first

    @property
    def chart(self) -> list[Bar]:
        """Bars for the runs, oldest first (read left to right), scaled to the largest run."""
        runs = list(reversed(self.runs))
        top = max((run.messages_deleted for run in runs), default=0)
        bars = []
        for index, run in enumerate(runs):
            height = max(1, round(CHART_HEIGHT * run.messages_deleted / top)) if top else 1
            bars.append(Bar(run=run, x=index * BAR_STEP + (BAR_STEP - BAR_WIDTH) // 2,
                            y=CHART_HEIGHT - height, height=height))
        return bars

    @property
    def chart_width(self) -> int:
        return max(1, len(self.runs)) * BAR_STEP


def ensure_can_view_retention(actor: User) -> None:
    require_capability(actor, Cap.RETENTION_VIEW,
                       _("Only the data-protection officer can see retention and purges."))


def retention_overview(*, actor: User, now: datetime) -> list[SourceRetention]:
    """Per source of the actor's organisation: period, messages held, due now, last runs.

    Raises ``NotAllowed`` without ``Cap.RETENTION_VIEW``. A fixed number of queries (four),
    whatever the number of sources, messages or runs.
    """
    ensure_can_view_retention(actor)
    organisation = actor.organisation_id or 0  # can() implies one; 0 would match nothing
    sources = list(Source.objects.filter(organisation_id=organisation).order_by("name"))
    held = {row["source_id"]: row["n"] for row in
            Message.objects.filter(source__organisation_id=organisation).order_by()
            .values("source_id").annotate(n=Count("id"))}
    due = due_counts(sources, now)
    runs: dict[int | None, list[PurgeRun]] = {}
    recent = (PurgeRun.objects.filter(organisation_id=organisation,
                                      source__isnull=False)
              .annotate(rank=Window(RowNumber(), partition_by=[F("source_id")],
                                    order_by=[F("at").desc(), F("id").desc()]))
              .filter(rank__lte=RUNS_SHOWN).order_by("source_id", "-at", "-id"))
    for run in recent:
        runs.setdefault(run.source_id, []).append(run)
    return [SourceRetention(source=s, held=held.get(s.pk, 0), due=due.get(s.pk, 0),
                            runs=runs.get(s.pk, [])) for s in sources]


def client_accounts_due(*, actor: User, now: datetime) -> int | None:
    """Online-counselling client accounts of the actor's organisation's pools that are due
    for deletion (inactive too long), or None when the organisation has no counselling pool.
    Raises ``NotAllowed`` without ``Cap.RETENTION_VIEW``."""
    from brug.counselling.retention import clients_due_for_organisation

    ensure_can_view_retention(actor)
    return clients_due_for_organisation(actor.organisation_id or 0, now)
