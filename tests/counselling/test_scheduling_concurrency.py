"""Races decided by the database: the last place of a counsellor, one slot, one reminder, a
booking while the counselling ends.

Real threads, each on its own connection; SQLite's in-memory test database cannot be shared
between threads, so these run on PostgreSQL (``BRUG_TEST_POSTGRES=1 bash scripts/pg ...``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from brug.counselling.models import (
    Appointment,
    AppointmentStatus,
    Engagement,
    EngagementStatus,
    Notice,
    NoticeKind,
)
from brug.counselling.services_scheduling import (
    appointment_book,
    appointment_reschedule,
    engagement_start,
    reminders_send,
)
from brug.counselling.services_work import engagement_end_by_client
from brug.errors import Conflict

from ..factories import make_org
from .factories import make_client, make_counsellor, make_engagement, make_pool, make_slot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _shared_database() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        pytest.skip("threads cannot share SQLite's in-memory test database")


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Runs the calls at once; each result is the return value or the Conflict raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = calls[i]()
        except Conflict as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_clients_cannot_both_take_the_last_place() -> None:
    org = make_org("Race exit programme")
    pool = make_pool(org)
    profile = make_counsellor(org, caseload_limit=3)
    for _ in range(2):
        make_engagement(make_client(pool), profile)
    racers = [make_client(pool) for _ in range(4)]
    results = _race([lambda c=c: engagement_start(client=c, counsellor_id=profile.pk)
                     for c in racers])
    assert sum(isinstance(r, Engagement) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 3
    assert Engagement.objects.filter(members__counsellor=profile).count() == 3


def test_one_slot_is_booked_once() -> None:
    org = make_org("Race exit programme")
    pool = make_pool(org)
    profile = make_counsellor(org)
    slot = make_slot(profile, timezone.now() + timedelta(days=2))
    pairs = [(c, make_engagement(c, profile)) for c in (make_client(pool) for _ in range(4))]
    results = _race([lambda c=c, e=e: appointment_book(client=c, engagement_id=e.pk,
                                                       slot_id=slot.pk, format="chat")
                     for c, e in pairs])
    assert sum(isinstance(r, Appointment) for r in results) == 1
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 3
    assert {r.message for r in refused} == {"This time was just taken. Please pick another."}
    assert Appointment.objects.filter(slot=slot).count() == 1


def test_two_workers_send_each_reminder_once() -> None:
    org = make_org("Race exit programme")
    client = make_client(make_pool(org))
    profile = make_counsellor(org)
    engagement = make_engagement(client, profile)
    for hours in (2, 3, 4):
        slot = make_slot(profile, timezone.now() + timedelta(hours=hours))
        Appointment.objects.create(engagement=engagement, counsellor=profile, slot=slot,
                                   starts_at=slot.starts_at, ends_at=slot.ends_at,
                                   format="chat", booked_by="client")
    results = _race([reminders_send, reminders_send, reminders_send])
    assert sum(results) == 3
    assert Notice.objects.filter(kind=NoticeKind.REMINDER, client=client).count() == 3
    assert Notice.objects.filter(kind=NoticeKind.REMINDER, user=profile.user).count() == 3


@pytest.mark.parametrize("action", ["book", "reschedule"])
def test_no_session_lands_on_a_counselling_ended_meanwhile(action: str) -> None:
    """The client ends the counselling in one tab and books (or moves a session) in another.
    The end has cancelled the coming sessions but not committed yet; the booking must wait
    for the engagement row and then see it ended, not slip a session in after ``_close``."""
    org = make_org("Race exit programme")
    client = make_client(make_pool(org))
    profile = make_counsellor(org)
    engagement = make_engagement(client, profile)
    slot = make_slot(profile, timezone.now() + timedelta(days=2))
    booked = None
    if action == "reschedule":
        first = make_slot(profile, timezone.now() + timedelta(days=1))
        booked = appointment_book(client=client, engagement_id=engagement.pk,
                                  slot_id=first.pk, format="chat")
    ended = threading.Event()

    def end() -> Engagement:
        with transaction.atomic():
            result = engagement_end_by_client(client=client, engagement_id=engagement.pk)
            ended.set()
            time.sleep(0.5)  # the other tab acts now, while the end is not committed
        return result

    def act() -> Appointment:
        assert ended.wait(timeout=10)
        if booked is not None:
            return appointment_reschedule(by_client=client, appointment_id=booked.pk,
                                          slot_id=slot.pk)
        return appointment_book(client=client, engagement_id=engagement.pk, slot_id=slot.pk,
                                format="chat")

    results = _race([end, act])
    assert isinstance(results[0], Engagement)
    assert isinstance(results[1], Conflict) and results[1].code == "engagement_ended"
    assert Engagement.objects.get(pk=engagement.pk).status == EngagementStatus.ENDED
    assert not Appointment.objects.filter(engagement=engagement,
                                          status=AppointmentStatus.BOOKED).exists()
