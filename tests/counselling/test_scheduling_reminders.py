"""Reminders of coming sessions: in-app, for the client and each counsellor, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from brug.counselling.models import Appointment, AppointmentStatus, Notice, NoticeKind
from brug.counselling.services_scheduling import reminder_send, reminders_due, reminders_send
from brug.counselling.tasks import appointment_reminders_due
from brug.web.schedule import PeriodicJob, periodic_jobs

from .factories import make_client, make_counsellor, make_engagement, make_pool, make_slot

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 2, 2, 8, 0, tzinfo=UTC)


def _appointment(engagement: Any, starts_at: datetime, **extra: Any) -> Appointment:
    counsellor = engagement.members.first().counsellor
    slot = make_slot(counsellor, starts_at)
    return Appointment.objects.create(engagement=engagement, counsellor=counsellor, slot=slot,
                                      starts_at=slot.starts_at, ends_at=slot.ends_at,
                                      format="chat", booked_by="client", **extra)


@pytest.fixture
def setting(org: Any) -> dict[str, Any]:
    pool = make_pool(org)
    client = make_client(pool, nickname="river")
    ann = make_counsellor(org, display_name="Ann")
    bo = make_counsellor(org, display_name="Bo")
    return {"client": client, "ann": ann, "bo": bo,
            "engagement": make_engagement(client, ann, bo)}


@time_machine.travel(NOW, tick=False)
@override_settings(BRUG_REMINDER_HOURS=24)
def test_sessions_within_the_window_are_reminded_once(setting: dict[str, Any]) -> None:
    engagement = setting["engagement"]
    due = _appointment(engagement, NOW + timedelta(hours=23))
    later = _appointment(engagement, NOW + timedelta(hours=25))
    cancelled = _appointment(engagement, NOW + timedelta(hours=2),
                             status=AppointmentStatus.CANCELLED)
    past = _appointment(engagement, NOW - timedelta(hours=1))
    assert reminders_send() == 1
    reminders = Notice.objects.filter(kind=NoticeKind.REMINDER)
    assert {(n.client_id, n.user_id) for n in reminders} == {
        (setting["client"].pk, None), (None, setting["ann"].user_id),
        (None, setting["bo"].user_id)}
    client_notice = reminders.get(client=setting["client"])
    assert client_notice.params == {"name": "Ann", "at": due.starts_at.isoformat()}
    assert client_notice.url == f"/help/sessions/{due.pk}/"
    assert reminders.get(user=setting["bo"].user).params["name"] == "river"
    # A second sweep (or a second worker) sends nothing more.
    assert reminders_send() == 0
    assert Notice.objects.filter(kind=NoticeKind.REMINDER).count() == 3
    assert {a.pk for a in Appointment.objects.filter(reminded_at__isnull=False)} == {due.pk}
    assert {later.pk, cancelled.pk, past.pk}.isdisjoint(
        set(Appointment.objects.filter(reminded_at__isnull=False).values_list("pk",
                                                                              flat=True)))
    # An hour later the next one comes into the window.
    with time_machine.travel(NOW + timedelta(hours=1, minutes=1), tick=False):
        assert reminders_send() == 1
    assert Notice.objects.filter(kind=NoticeKind.REMINDER).count() == 6


@time_machine.travel(NOW, tick=False)
def test_two_workers_with_the_same_due_list_remind_once(setting: dict[str, Any]) -> None:
    """Worker A reads the due list, worker B sweeps in between, then A sends: A's
    conditional update finds the rows taken and writes no notice."""
    _appointment(setting["engagement"], NOW + timedelta(hours=3))
    _appointment(setting["engagement"], NOW + timedelta(hours=5))
    seen_by_a = reminders_due(NOW)
    assert len(seen_by_a) == 2
    assert reminders_send(now=NOW) == 2  # worker B
    assert [reminder_send(a, NOW) for a in seen_by_a] == [False, False]
    assert Notice.objects.filter(kind=NoticeKind.REMINDER).count() == 2 * 3


@time_machine.travel(NOW, tick=False)
def test_a_session_cancelled_after_the_read_is_not_reminded(setting: dict[str, Any]) -> None:
    appointment = _appointment(setting["engagement"], NOW + timedelta(hours=3))
    (seen,) = reminders_due(NOW)
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED)
    assert reminder_send(seen, NOW) is False
    assert not Notice.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_teams_are_read_in_one_query_whatever_the_number_of_sessions(
        org: Any, setting: dict[str, Any]) -> None:
    pool = setting["client"].pool
    for hours in range(1, 6):
        other = make_client(pool)
        _appointment(make_engagement(other, make_counsellor(org), setting["ann"]),
                     NOW + timedelta(hours=hours))
    _appointment(setting["engagement"], NOW + timedelta(hours=7))
    with CaptureQueriesContext(connection) as queries:
        assert reminders_send() == 6
    team_reads = [q["sql"] for q in queries.captured_queries
                  if q["sql"].startswith("SELECT")
                  and 'FROM "counselling_engagementmember"' in q["sql"]]
    assert len(team_reads) == 1
    # Everyone on each team still hears of it: 6 clients, 2 counsellors per team.
    assert Notice.objects.filter(kind=NoticeKind.REMINDER, user__isnull=False).count() == 12


@time_machine.travel(NOW, tick=False)
def test_the_task_runs_the_sweep(setting: dict[str, Any]) -> None:
    _appointment(setting["engagement"], NOW + timedelta(hours=3))
    assert appointment_reminders_due.call() == {"reminded": 1}
    assert appointment_reminders_due.call() == {"reminded": 0}


def test_the_sweep_is_a_periodic_job() -> None:
    with override_settings(BRUG_REMINDER_SWEEP_SECONDS=120):
        planned = {job.path: job.every for job in periodic_jobs()}
    path = "brug.counselling.tasks.appointment_reminders_due"
    assert planned[path] == 120
    assert PeriodicJob(path, 120).load() is appointment_reminders_due
