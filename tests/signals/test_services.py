"""Scoring jobs: real detector on a few messages, errors per message, idempotence, re-checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from brug.accounts.models import Organisation
from brug.audit.models import AuditEntry
from brug.detection import Detector
from brug.signals import services
from brug.signals.models import PRIORITY, Signal, SignalFlag, SignalStatus
from brug.signals.services import (
    messages_enqueue_scoring,
    messages_score,
    signal_modifiers,
    signals_reopen_due,
)
from brug.sources.models import Message
from tests.factories import make_message, make_signal, make_source, run_jobs

VIOLENT = "Alle moslims moeten dood, ik ga ze neerschieten"
LONELY = "Ik voel me zo alleen, niemand luistert naar ons"
HARMLESS = "De bibliotheek is morgen open tot acht uur, kom gerust langs"


@pytest.fixture(autouse=True)
def shared_detector(detector: Detector, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker loads the detector once per process; reuse the session one here."""
    monkeypatch.setattr(services, "_detector", detector)


def test_enqueue_splits_into_batches(org: Organisation,
                                     django_capture_on_commit_callbacks: Any) -> None:
    with override_settings(BRUG_SCORING_BATCH=2):
        messages_enqueue_scoring([5, 1, 3, 3, 2, 7])
    jobs = list(DBTaskResult.objects.order_by("enqueued_at", "id"))
    assert [j.queue_name for j in jobs] == ["scoring"] * 3
    assert sorted(len(j.args_kwargs["args"][0]) for j in jobs) == [1, 2, 2]


def test_scoring_job_creates_signals_with_real_detector(
        org: Organisation, django_capture_on_commit_callbacks: Any) -> None:
    source = make_source(org)
    violent = make_message(source, VIOLENT, lang="")
    lonely = make_message(source, LONELY)
    harmless = make_message(source, HARMLESS)
    with django_capture_on_commit_callbacks(execute=True):
        ids = [violent.pk, lonely.pk, harmless.pk]
        transaction.on_commit(lambda: messages_enqueue_scoring(ids))
    run_jobs()

    for m in (violent, lonely, harmless):
        m.refresh_from_db()
        assert m.scored_at is not None
        assert m.score_error == ""
    assert violent.lang == "nl"  # set by the detector because it was empty

    signal = Signal.objects.get(message=violent)
    assert signal.top_category == "violent_intent"
    assert signal.priority == PRIORITY["violent_intent"]
    assert {"violent_intent", "hate_speech"} <= set(signal.flags)
    assert signal.model_name == "brug-detector"
    assert signal.model_version
    assert "@" not in signal.model_version
    assert signal.config_hash
    assert "lexicon" in signal.components
    assert signal.evidence and signal.evidence[0]["spans"]
    assert signal.organisation_id == org.pk and signal.source_id == source.pk
    flags = set(SignalFlag.objects.filter(signal=signal).values_list("category", flat=True))
    assert flags == {c for c in signal.flags if c in PRIORITY}

    assert Signal.objects.get(message=lonely).top_category == "alienation"
    assert not Signal.objects.filter(message=harmless).exists()
    assert AuditEntry.objects.filter(action="messages.scored", organisation_id=org.pk).exists()


def test_bad_text_gets_score_error_and_rest_is_scored(org: Organisation,
                                                      detector: Detector) -> None:
    source = make_source(org)
    too_long = make_message(source, "woord " * 3000)
    blank = make_message(source, "   ")
    good = make_message(source, VIOLENT)
    counts = messages_score(message_ids=[too_long.pk, blank.pk, good.pk], detector=detector)
    assert counts["errors"] == 2 and counts["signals"] == 1 and counts["scored"] == 3
    too_long.refresh_from_db()
    blank.refresh_from_db()
    assert "too long" in too_long.score_error
    assert blank.score_error
    assert too_long.scored_at is not None
    assert not Signal.objects.filter(message__in=[too_long, blank]).exists()
    assert Signal.objects.filter(message=good).exists()


def test_one_crashing_text_does_not_lose_the_batch(org: Organisation, detector: Detector,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    source = make_source(org)
    poison = make_message(source, "poison pill message")
    good = make_message(source, VIOLENT)
    real_score = detector.score

    def fragile(texts: list[str], **kwargs: Any) -> Any:
        if any("poison" in t for t in texts):
            raise ValueError("boom")
        return real_score(texts, **kwargs)

    monkeypatch.setattr(detector, "score", fragile)
    counts = messages_score(message_ids=[poison.pk, good.pk], detector=detector)
    assert counts == {"scored": 2, "signals": 1, "errors": 1, "skipped": 0}
    poison.refresh_from_db()
    assert "failed" in poison.score_error


def test_scoring_is_idempotent(org: Organisation, detector: Detector) -> None:
    source = make_source(org)
    m = make_message(source, VIOLENT)
    messages_score(message_ids=[m.pk], detector=detector)
    # even if the message were scored again (e.g. scored_at reset), no duplicate signal
    again = messages_score(message_ids=[m.pk], detector=detector)
    assert again["scored"] == 0
    Message.objects.filter(pk=m.pk).update(scored_at=None)
    messages_score(message_ids=[m.pk], detector=detector)
    assert Signal.objects.filter(message=m).count() == 1
    signal = Signal.objects.get(message=m)
    assert SignalFlag.objects.filter(signal=signal).count() == len(
        [c for c in signal.flags if c in PRIORITY])


def test_inactive_source_is_skipped(org: Organisation, detector: Detector) -> None:
    source = make_source(org, active=False)
    m = make_message(source, VIOLENT)
    counts = messages_score(message_ids=[m.pk, 999_999], detector=detector)
    assert counts["skipped"] == 2 and counts["scored"] == 0
    m.refresh_from_db()
    assert m.scored_at is None
    assert not Signal.objects.exists()


def test_modifiers_alone_never_make_a_signal(org: Organisation, detector: Detector,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from brug.detection import Result

    source = make_source(org)
    m = make_message(source, "whatever")

    def only_trolling(texts: list[str], **kwargs: Any) -> list[Result]:
        return [Result(id=None, lang="nl", flags=["trolling"], scores={"trolling": 0.9},
                       model="brug-detector@0.1.0")]

    monkeypatch.setattr(detector, "score", only_trolling)
    messages_score(message_ids=[m.pk], detector=detector)
    assert not Signal.objects.exists()


def test_signal_modifiers_collects_reasons() -> None:
    from brug.detection import Result

    result = Result(id=None, lang="en", flags=["hate_speech", "counter_speech"],
                    scores={"counter_speech": 0.8}, evidence=[
                        {"category": "hate_speech", "modifiers": [
                            {"modifier": "negation", "factor": 0.5, "reason": "negated",
                             "spans": []}]},
                        {"category": "violent_intent", "modifiers": [
                            {"modifier": "negation", "factor": 0.5, "reason": "negated",
                             "spans": []}]}])
    mods = {m["modifier"]: m for m in signal_modifiers(result)}
    assert mods["negation"]["applies"] == ["hate_speech", "violent_intent"]
    assert mods["negation"]["reason"] == "negated"
    assert "counter_speech" in mods


def test_monitoring_recheck_reopens_due_signals(org: Organisation) -> None:
    source = make_source(org)
    today = timezone.localdate()
    due = make_signal(make_message(source), status=SignalStatus.MONITORING,
                      recheck_on=today)
    later = make_signal(make_message(source), status=SignalStatus.MONITORING,
                        recheck_on=today + timedelta(days=3))
    assert signals_reopen_due() == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == SignalStatus.OPEN
    assert later.status == SignalStatus.MONITORING
    entry = AuditEntry.objects.get(action="signal.recheck_due")
    assert entry.object_id == str(due.pk) and entry.organisation_id == org.pk


def test_monitoring_recheck_task_runs_in_worker(org: Organisation,
                                                django_capture_on_commit_callbacks: Any) -> None:
    from brug.signals.tasks import monitoring_recheck_due

    source = make_source(org)
    due = make_signal(make_message(source), status=SignalStatus.MONITORING,
                      recheck_on=timezone.localdate() - timedelta(days=1))
    monitoring_recheck_due.enqueue()
    run_jobs()
    due.refresh_from_db()
    assert due.status == SignalStatus.OPEN
