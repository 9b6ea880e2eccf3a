"""Messages in every state the retention rule distinguishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from brug.accounts.models import Organisation, User
from brug.review.models import Decision, Outcome
from brug.signals.models import Signal, SignalStatus
from brug.sources.models import Message, Source

from ..factories import make_message, make_signal, make_source

OLD = timedelta(days=45)  # past a 30-day period
YOUNG = timedelta(days=5)


def decide(signal: Signal, reviewer: User, *outcomes: str) -> None:
    """Records decisions in order (the last one is the latest) and sets a fitting status."""
    for outcome in outcomes:
        Decision.objects.create(signal=signal, reviewer=reviewer, outcome=outcome,
                                reason="Reviewed in the weekly session")
    status = {Outcome.MONITOR: SignalStatus.MONITORING,
              Outcome.URGENT: SignalStatus.AWAITING_CONFIRMATION}.get(
        outcomes[-1], SignalStatus.DECIDED)  # type: ignore[call-overload]
    Signal.objects.filter(pk=signal.pk).update(status=status)


@dataclass
class Fixture:
    source: Source
    due: list[Message]
    kept: list[Message]


@pytest.fixture
def retention_case(org: Organisation, prevention_worker: User) -> Fixture:
    source = make_source(org, retention_days=30, name="Public channel")
    due, kept = [], []
    # Due: not flagged (unscored or scored clean), unreviewed, dismissed last.
    due.append(make_message(source, "old and never flagged", age=OLD))
    due.append(make_message(source, "old and unreviewed", age=OLD))
    make_signal(due[-1])
    due.append(make_message(source, "old and dismissed", age=OLD))
    decide(make_signal(due[-1]), prevention_worker, Outcome.DISMISS)
    due.append(make_message(source, "old, monitored, then dismissed", age=OLD))
    decide(make_signal(due[-1]), prevention_worker, Outcome.MONITOR, Outcome.DISMISS)
    # Kept: young, or decided for casework (latest decision not dismiss).
    kept.append(make_message(source, "young and never flagged", age=YOUNG))
    kept.append(make_message(source, "young and unreviewed", age=YOUNG))
    make_signal(kept[-1])
    for outcome in (Outcome.MONITOR, Outcome.OUTREACH, Outcome.REFER, Outcome.URGENT):
        kept.append(make_message(source, f"old and {outcome}", age=OLD))
        decide(make_signal(kept[-1]), prevention_worker, outcome)
    kept.append(make_message(source, "old, dismissed, then referred", age=OLD))
    decide(make_signal(kept[-1]), prevention_worker, Outcome.DISMISS, Outcome.REFER)
    # Reopened after monitoring: OPEN again, but it was reviewed (its last decision: monitor).
    kept.append(make_message(source, "old, monitored, back in the queue", age=OLD))
    reopened = make_signal(kept[-1])
    decide(reopened, prevention_worker, Outcome.MONITOR)
    Signal.objects.filter(pk=reopened.pk).update(status=SignalStatus.OPEN)
    return Fixture(source=source, due=due, kept=kept)
