"""Decisions and the urgent track (four eyes), at the service level."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.audit.models import AuditEntry
from brug.errors import Conflict, InvalidInput, NotAllowed, NotFound
from brug.review.models import Decision, Label, Outcome
from brug.review.selectors import next_signal_id
from brug.review.services import signal_confirm_urgent, signal_decide
from brug.signals.models import Signal, SignalStatus
from brug.signals.services import signals_reopen_due
from tests.factories import make_message, make_signal, make_source

TEXT = "Een bericht met inhoud die niet in het auditlog mag komen"
REASON = "Clear hate speech against a group"


@pytest.fixture
def signal(org: Organisation) -> Signal:
    return make_signal(make_message(make_source(org), TEXT), ["hate_speech"])


def urgent(actor: User, signal: Signal) -> Decision:
    return signal_decide(actor=actor, signal=signal, labels=[Label.VIOLENT_INTENT],
                         outcome=Outcome.URGENT, reason="Concrete threat with a place",
                         legal_ground="Art. 458bis Criminal Code")


@pytest.mark.parametrize("outcome", [Outcome.DISMISS, Outcome.OUTREACH, Outcome.REFER])
def test_simple_outcomes_decide(prevention_worker: User, signal: Signal, outcome: str) -> None:
    decision = signal_decide(actor=prevention_worker, signal=signal,
                             labels=[Label.HATE_SPEECH], outcome=outcome, reason=REASON)
    signal.refresh_from_db()
    assert signal.status == SignalStatus.DECIDED
    assert decision.reason == REASON and decision.reviewer == prevention_worker
    entry = AuditEntry.objects.get(action="signal.decided")
    assert entry.details["outcome"] == outcome and entry.details["decision_id"] == decision.pk
    assert TEXT not in json.dumps(entry.details) and REASON not in json.dumps(entry.details)


@pytest.mark.parametrize("reason", ["", "   ", "too short", " 123456789 "])
def test_every_decision_needs_a_written_reason(prevention_worker: User, signal: Signal,
                                               reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        signal_decide(actor=prevention_worker, signal=signal, labels=[Label.HATE_SPEECH],
                      outcome=Outcome.DISMISS, reason=reason)
    assert err.value.code == "reason_required"
    assert not Decision.objects.exists()
    signal.refresh_from_db()
    assert signal.status == SignalStatus.OPEN


def test_labels_are_checked(prevention_worker: User, signal: Signal) -> None:
    with pytest.raises(InvalidInput):
        signal_decide(actor=prevention_worker, signal=signal, labels=[],
                      outcome=Outcome.DISMISS, reason=REASON)
    with pytest.raises(InvalidInput):
        signal_decide(actor=prevention_worker, signal=signal, labels=["person_risk"],
                      outcome=Outcome.DISMISS, reason=REASON)
    with pytest.raises(InvalidInput):
        signal_decide(actor=prevention_worker, signal=signal, labels=[Label.HATE_SPEECH],
                      outcome="publish", reason=REASON)


def test_monitor_needs_future_date_and_can_be_redecided(prevention_worker: User,
                                                        signal: Signal) -> None:
    today = timezone.localdate()
    for bad in (None, today, today - timedelta(days=1)):
        with pytest.raises(InvalidInput) as err:
            signal_decide(actor=prevention_worker, signal=signal, labels=[Label.TROLLING],
                          outcome=Outcome.MONITOR, reason=REASON, recheck_on=bad)
        assert err.value.code == "recheck_date"
    signal_decide(actor=prevention_worker, signal=signal, labels=[Label.TROLLING],
                  outcome=Outcome.MONITOR, reason=REASON, recheck_on=today + timedelta(days=7))
    signal.refresh_from_db()
    assert signal.status == SignalStatus.MONITORING
    assert signal.recheck_on == today + timedelta(days=7)
    # the re-check job brings it back, and it can be decided again
    assert signals_reopen_due(today=today + timedelta(days=7)) == 1
    signal_decide(actor=prevention_worker, signal=signal, labels=[Label.NOT_RELEVANT],
                  outcome=Outcome.DISMISS, reason="Nothing happened since, closing")
    signal.refresh_from_db()
    assert signal.status == SignalStatus.DECIDED and signal.recheck_on is None
    # a monitored signal may also be decided directly at its re-check
    other = make_signal(make_message(signal.source), ["alienation"],
                        status=SignalStatus.MONITORING, recheck_on=today)
    signal_decide(actor=prevention_worker, signal=other, labels=[Label.GENUINE_GRIEVANCE],
                  outcome=Outcome.OUTREACH, reason="Re-checked: offer outreach now")
    other.refresh_from_db()
    assert other.status == SignalStatus.DECIDED


def test_decided_signal_cannot_be_decided_again(prevention_worker: User,
                                                signal: Signal) -> None:
    signal_decide(actor=prevention_worker, signal=signal, labels=[Label.HATE_SPEECH],
                  outcome=Outcome.DISMISS, reason=REASON)
    with pytest.raises(Conflict) as err:
        signal_decide(actor=prevention_worker, signal=signal, labels=[Label.HATE_SPEECH],
                      outcome=Outcome.OUTREACH, reason=REASON)
    assert err.value.code == "already_decided"
    assert Decision.objects.count() == 1


def test_urgent_needs_legal_ground(prevention_worker: User, signal: Signal) -> None:
    for ground in ("", "   "):
        with pytest.raises(InvalidInput) as err:
            signal_decide(actor=prevention_worker, signal=signal,
                          labels=[Label.VIOLENT_INTENT], outcome=Outcome.URGENT,
                          reason=REASON, legal_ground=ground)
        assert err.value.code == "legal_ground_required"
    decision = urgent(prevention_worker, signal)
    signal.refresh_from_db()
    assert signal.status == SignalStatus.AWAITING_CONFIRMATION
    assert decision.legal_ground == "Art. 458bis Criminal Code"
    assert decision.confirmed is None


def test_urgent_needs_a_different_second_reviewer(prevention_worker: User,
                                                  second_reviewer: User, signal: Signal) -> None:
    decision = urgent(prevention_worker, signal)
    with pytest.raises(NotAllowed) as err:
        signal_confirm_urgent(actor=prevention_worker, decision=decision, confirm=True,
                              reason="I confirm my own decision")
    assert err.value.code == "four_eyes"
    signal.refresh_from_db()
    assert signal.status == SignalStatus.AWAITING_CONFIRMATION
    # while waiting, nobody can decide it again
    with pytest.raises(Conflict):
        signal_decide(actor=second_reviewer, signal=signal, labels=[Label.HATE_SPEECH],
                      outcome=Outcome.DISMISS, reason=REASON)
    with pytest.raises(InvalidInput):
        signal_confirm_urgent(actor=second_reviewer, decision=decision, confirm=True,
                              reason="ok")
    signal_confirm_urgent(actor=second_reviewer, decision=decision, confirm=True,
                          reason="Agreed: a concrete threat")
    signal.refresh_from_db()
    decision.refresh_from_db()
    assert signal.status == SignalStatus.DECIDED
    assert decision.confirmed is True and decision.confirmed_by == second_reviewer
    assert decision.outcome == Outcome.URGENT
    assert AuditEntry.objects.filter(action="signal.urgent_confirmed").count() == 1
    with pytest.raises(Conflict):
        signal_confirm_urgent(actor=second_reviewer, decision=decision, confirm=False,
                              reason="Changed my mind later")


def test_rejected_urgent_goes_back_to_open(prevention_worker: User, second_reviewer: User,
                                           signal: Signal) -> None:
    decision = urgent(prevention_worker, signal)
    signal_confirm_urgent(actor=second_reviewer, decision=decision, confirm=False,
                          reason="Not concrete enough for the urgent track")
    signal.refresh_from_db()
    assert signal.status == SignalStatus.OPEN
    assert AuditEntry.objects.filter(action="signal.urgent_rejected").exists()
    # and it can then be decided normally
    signal_decide(actor=second_reviewer, signal=signal, labels=[Label.VIOLENT_INTENT],
                  outcome=Outcome.OUTREACH, reason="Outreach instead of urgent")


def test_confirm_needs_capability_and_urgent_decision(prevention_worker: User,
                                                     outreach_worker: User,
                                                     second_reviewer: User,
                                                     signal: Signal) -> None:
    decision = urgent(prevention_worker, signal)
    with pytest.raises(NotAllowed):
        signal_confirm_urgent(actor=outreach_worker, decision=decision, confirm=True,
                              reason="I am not allowed to do this")
    plain = make_signal(make_message(signal.source))
    dismissed = signal_decide(actor=prevention_worker, signal=plain, labels=[Label.TROLLING],
                              outcome=Outcome.DISMISS, reason=REASON)
    with pytest.raises(Conflict):
        signal_confirm_urgent(actor=second_reviewer, decision=dismissed, confirm=True,
                              reason="Nothing to confirm here")


def test_decide_needs_capability_and_organisation(outreach_worker: User, outsider: User,
                                                  counsellor: User, signal: Signal) -> None:
    for person in (outreach_worker, counsellor):
        with pytest.raises(NotAllowed):
            signal_decide(actor=person, signal=signal, labels=[Label.HATE_SPEECH],
                          outcome=Outcome.DISMISS, reason=REASON)
    with pytest.raises(NotFound):
        signal_decide(actor=outsider, signal=signal, labels=[Label.HATE_SPEECH],
                      outcome=Outcome.DISMISS, reason=REASON)
    decision = urgent_by_colleague(signal)
    with pytest.raises(NotFound):
        signal_confirm_urgent(actor=outsider, decision=decision, confirm=True,
                              reason="From another municipality")
    assert not Decision.objects.filter(confirmed__isnull=False).exists()


def urgent_by_colleague(signal: Signal) -> Decision:
    from tests.factories import make_user

    colleague = make_user(organisation=signal.organisation)
    return urgent(colleague, signal)


def test_next_signal_skips_own_urgent(prevention_worker: User, second_reviewer: User,
                                      org: Organisation) -> None:
    source = make_source(org)
    now = timezone.now()
    first = make_signal(make_message(source), ["violent_intent"],
                        created_at=now - timedelta(days=2))
    later = make_signal(make_message(source), ["alienation"], created_at=now)
    urgent(prevention_worker, first)
    assert next_signal_id(actor=prevention_worker) == later.pk
    assert next_signal_id(actor=second_reviewer) == first.pk
    assert next_signal_id(actor=second_reviewer, after=first) == later.pk


def test_next_signal_follows_queue_order_between_open_and_awaiting(
        prevention_worker: User, second_reviewer: User, outreach_worker: User,
        org: Organisation) -> None:
    source = make_source(org)
    now = timezone.now()
    waiting = make_signal(make_message(source), ["alienation"], created_at=now - timedelta(days=2))
    urgent(prevention_worker, waiting)
    serious = make_signal(make_message(source), ["hate_speech"], created_at=now)
    newer = make_signal(make_message(source), ["alienation"], created_at=now)
    # A more serious open signal comes before a less serious one awaiting a second reviewer...
    assert next_signal_id(actor=second_reviewer) == serious.pk
    # ...and at equal seriousness the older one comes first, whichever its status.
    assert next_signal_id(actor=second_reviewer, after=serious) == waiting.pk
    # Without the right to confirm, only open signals.
    assert next_signal_id(actor=outreach_worker, after=serious) == newer.pk
