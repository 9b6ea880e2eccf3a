"""Closed case files expire after BRUG_CASE_RETENTION_DAYS, with the messages only they hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.audit.models import AuditEntry
from brug.cases.models import Case, CaseOrigin, CaseStatus, ProcessInstance
from brug.cases.services import case_close, case_open
from brug.privacy.services import retention_purge
from brug.signals.models import Signal
from brug.sources.models import Message
from tests.factories import make_message, make_signal, make_source

pytestmark = pytest.mark.django_db


def _case(actor: User, org: Organisation, *, closed_days_ago: int | None,
          author: str) -> tuple[Case, Signal]:
    signal = make_signal(make_message(make_source(org), "Een bericht", author=author),
                         ["hate_speech"])
    case = case_open(actor=actor, subject_label="Client R", origin=CaseOrigin.SIGNAL,
                     signal_ids=[signal.pk])
    if closed_days_ago is not None:
        case_close(actor=actor, case_id=case.pk, reason="Support in place; goals met.")
        Case.objects.filter(pk=case.pk).update(
            closed_at=timezone.now() - timedelta(days=closed_days_ago))
    return case, signal


@override_settings(BRUG_CASE_RETENTION_DAYS=30)
def test_expired_closed_cases_go_with_their_messages_open_ones_stay(
        prevention_worker: User, org: Organisation, capsys: pytest.CaptureFixture[str]) -> None:
    expired, expired_signal = _case(prevention_worker, org, closed_days_ago=31, author="@a")
    recent, recent_signal = _case(prevention_worker, org, closed_days_ago=5, author="@b")
    still_open, _ = _case(prevention_worker, org, closed_days_ago=None, author="@c")
    # A message held by an expired case AND an open one stays.
    still_open.signals.add(expired_signal)

    call_command("purge", "--dry-run")
    assert "1 closed cases are past 30 days" in capsys.readouterr().out
    assert Case.objects.count() == 3

    retention_purge()
    assert set(Case.objects.values_list("pk", flat=True)) == {recent.pk, still_open.pk}
    assert not ProcessInstance.objects.filter(case_id=expired.pk).exists()
    assert Message.objects.filter(pk=expired_signal.message_id).exists()  # the open case
    assert Message.objects.filter(pk=recent_signal.message_id).exists()
    entry = AuditEntry.objects.get(action="case.purge")
    assert entry.details["cases_deleted"] == 1
    assert Case.objects.get(pk=still_open.pk).status == CaseStatus.OPEN


@override_settings(BRUG_CASE_RETENTION_DAYS=30)
def test_a_message_held_only_by_an_expired_case_is_deleted(
        prevention_worker: User, org: Organisation) -> None:
    _, signal = _case(prevention_worker, org, closed_days_ago=40, author="@d")
    retention_purge()
    assert not Message.objects.filter(pk=signal.message_id).exists()
    assert not Signal.objects.filter(pk=signal.pk).exists()
