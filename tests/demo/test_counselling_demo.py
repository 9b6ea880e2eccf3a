"""The counselling demo: counsellors of every type with free times, one anonymous demo client in
counselling (a booked chat session tomorrow, messages, goals, a safety plan) and the counsellors'
own care; built through the services, idempotent, and announced by `brug demo`."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from brug.accounts.models import User
from brug.audit.models import AuditEntry
from brug.audit.services import audit_verify
from brug.counselling.models import (
    Appointment,
    AppointmentStatus,
    ChatMessage,
    Client,
    CounsellingGoal,
    CounsellorProfile,
    SafetyPlan,
    Slot,
    SupervisionSession,
    SupervisionStatus,
)
from brug.counselling.services_clients import client_authenticate
from brug.counselling.vocab import CounsellorKind, Side
from brug.demo import counselling as demo_counselling
from brug.demo import counselling_data as data
from brug.demo import services as demo
from brug.errors import Conflict
from tests.counselling.factories import make_client, make_pool

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo(settings.TIME_ZONE)
WORKING_HOURS = range(9, 18)  # a free time starts between 9:00 and 17:59


def test_the_demo_has_every_kind_of_counsellor_free_times_and_a_client_in_counselling() -> None:
    result = demo_counselling.counselling_demo_ensure()

    profiles = list(CounsellorProfile.objects.filter(published=True))
    assert len(profiles) == len(data.COUNSELLORS) == 6
    assert {p.kind for p in profiles} == set(CounsellorKind.values)
    assert {"nl", "fr", "en", "ar", "tr"} <= {code for p in profiles for code in p.languages}
    assert all(p.introduction and p.specialisms and p.formats for p in profiles)
    in_pool = set(result.pool.organisations.values_list("pk", flat=True))
    assert all(p.user.organisation_id in in_pool for p in profiles)

    # Free times: the coming two weeks, in working hours, never in the past.
    now = timezone.now()
    slots = list(Slot.objects.filter(counsellor__in=profiles))
    assert len(slots) > 60 and result.free_slots == len(slots) - 1
    assert all(now < s.starts_at < now + timedelta(days=data.SLOT_DAYS + 1) for s in slots)
    assert all(timezone.localtime(s.starts_at, ZONE).hour in WORKING_HOURS for s in slots)
    for profile in profiles:
        assert {f for s in slots if s.counsellor_id == profile.pk for f in s.formats} <= \
            set(profile.formats)

    # The demo client: anonymous, signs in with the printed passphrase, in counselling.
    client = Client.objects.get()
    assert client.nickname == data.CLIENT_NICKNAME and not client.contact_channel
    assert client_authenticate(nickname=data.CLIENT_NICKNAME,
                               passphrase=data.CLIENT_PASSPHRASE) == client
    engagement = client.engagements.get()
    assert [m.counsellor.user.username for m in engagement.members.all()] == ["cato"]
    appointment = Appointment.objects.get(engagement=engagement)
    assert appointment == result.appointment
    assert appointment.status == AppointmentStatus.BOOKED and appointment.format == "chat"
    assert timezone.localtime(appointment.starts_at, ZONE).date() == \
        timezone.localdate(timezone=ZONE) + timedelta(days=1)
    messages = list(ChatMessage.objects.filter(engagement=engagement))
    assert [(m.sender, m.body) for m in messages] == list(data.CHAT)
    assert all(m.sender_counsellor == (engagement.members.get().counsellor
                                       if m.sender == Side.COUNSELLOR else None)
               for m in messages)
    assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
    goals = CounsellingGoal.objects.filter(engagement=engagement)
    assert [g.text for g in goals] == list(data.GOALS)
    assert {g.written_by for g in goals} == {Side.CLIENT}
    assert SafetyPlan.objects.get(client=client).people == data.SAFETY_PLAN["people"]

    # Care for the counsellors: check-ins, exposure minutes, planned supervision.
    counts = demo_counselling.counselling_demo_counts()
    assert counts["checkins"] == len(data.CHECKINS)
    assert counts["exposure"] == len(data.EXPOSURE)
    sessions = SupervisionSession.objects.select_related("supervisor", "counsellor")
    assert {(s.supervisor.username, s.counsellor.username) for s in sessions} == \
        {(sup, co) for sup, co, _days, _hour in data.SUPERVISION}
    assert all(s.status == SupervisionStatus.PLANNED and s.scheduled_for > now
               for s in sessions)

    # New people can sign in (demo password, backup codes printed).
    assert {u.username for u, _codes in result.codes} == {p.username for p in data.EXIT_PEOPLE}
    assert all(u.check_password(demo.DEMO_PASSWORD) and len(c) == demo.BACKUP_CODES
               for u, c in result.codes)

    # Audited like the real thing, and no client words in the audit log.
    assert AuditEntry.objects.filter(action="counselling.appointment_book").count() == 1
    assert AuditEntry.objects.filter(action="counselling.slot_add").count() == len(slots)
    details = " ".join(str(e.details) for e in AuditEntry.objects.all())
    assert data.CLIENT_NICKNAME not in details and "cousin" not in details
    assert audit_verify().ok


def test_running_it_twice_gives_the_same_counts() -> None:
    demo_counselling.counselling_demo_ensure()
    first = demo_counselling.counselling_demo_counts()
    people = User.objects.count()

    second = demo_counselling.counselling_demo_ensure()

    assert demo_counselling.counselling_demo_counts() == first
    assert User.objects.count() == people
    assert first["profiles"] == 6 and first["clients"] == 1 and first["appointments"] == 1
    assert first["messages"] == len(data.CHAT) and first["goals"] == 2
    assert first["safety_plans"] == 1 and first["supervision"] == 2
    # The printed passphrase still works (set again on every run).
    assert client_authenticate(nickname=data.CLIENT_NICKNAME,
                               passphrase=data.CLIENT_PASSPHRASE) == second.client
    assert audit_verify().ok


def test_reset_removes_the_demo_client_and_free_times_and_the_next_run_rebuilds_them() -> None:
    demo_counselling.counselling_demo_ensure()
    first = demo_counselling.counselling_demo_counts()

    with transaction.atomic():
        assert demo_counselling.counselling_demo_reset() == {"clients": 1}

    assert not Client.objects.exists() and not ChatMessage.objects.exists()
    assert not Slot.objects.exists() and not SupervisionSession.objects.exists()
    demo_counselling.counselling_demo_ensure()
    assert demo_counselling.counselling_demo_counts() == first


def test_on_a_friday_the_booked_session_is_on_saturday_all_the_same() -> None:
    friday = datetime(2031, 5, 9, 10, 0, tzinfo=ZONE)
    assert friday.weekday() == 4
    with time_machine.travel(friday, tick=False):
        result = demo_counselling.counselling_demo_ensure()
    assert result.appointment is not None
    starts = timezone.localtime(result.appointment.starts_at, ZONE)
    assert (starts.date().isoformat(), starts.hour) == ("2031-05-10", data.APPOINTMENT_TIME[0])
    # The other free times stay on working days.
    weekend = [s for s in Slot.objects.exclude(pk=result.appointment.slot_id)
               if timezone.localtime(s.starts_at, ZONE).weekday() >= 5]
    assert weekend == []


def test_the_demo_does_not_take_over_a_client_it_did_not_create() -> None:
    make_client(make_pool(), nickname=data.CLIENT_NICKNAME)
    with pytest.raises(Conflict, match="not made by the demo"):
        demo_counselling.counselling_demo_ensure()


def test_the_demo_command_names_the_portal_and_the_demo_client() -> None:
    out = io.StringIO()
    call_command("demo", "--force", "--no-score", "--history", "0", stdout=out)
    output = out.getvalue()

    assert "http://127.0.0.1:8000/help/" in output
    assert f"nickname {data.CLIENT_NICKNAME}" in output
    assert data.CLIENT_PASSPHRASE in output
    for username in ("elif", "margaux", "yusuf", "jonas", "sam", "hanne"):
        assert f"  {username} " in output
    assert demo_counselling.counselling_demo_counts()["clients"] == 1
