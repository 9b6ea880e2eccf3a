"""Services of choosing and scheduling: engagements, slots in time zones, booking, moving,
cancelling, marking, with notices to the other side and audit entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import Role
from brug.audit.models import AuditEntry
from brug.counselling import services_scheduling as svc
from brug.counselling.meetings import meeting_url
from brug.counselling.models import (
    Appointment,
    AppointmentStatus,
    Client,
    CounsellorProfile,
    Engagement,
    EngagementMember,
    EngagementStatus,
    ExposureEntry,
    Notice,
    NoticeKind,
    Pool,
    Slot,
)
from brug.errors import Conflict, InvalidInput, NotAllowed, NotFound

from ..factories import make_user
from .factories import make_client, make_counsellor, make_engagement, make_pool, make_slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(org: Organisation) -> Pool:
    return make_pool(org)


@pytest.fixture
def client_(pool: Pool) -> Client:
    return make_client(pool, nickname="river")


@pytest.fixture
def profile(org: Organisation) -> CounsellorProfile:
    return make_counsellor(org, display_name="Ann", formats=["chat", "in_person", "video"])


@pytest.fixture
def engagement(client_: Client, profile: CounsellorProfile) -> Engagement:
    return make_engagement(client_, profile)


def _soon(days: int = 2, hour: int = 10) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0,
                                                           microsecond=0)


def _notices(**where: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(n.kind, n.params) for n in Notice.objects.filter(**where).order_by("id")]


# --- choosing -----------------------------------------------------------------------------------

def test_choosing_starts_an_engagement_with_the_counsellor_as_lead(
        client_: Client, profile: CounsellorProfile) -> None:
    engagement = svc.engagement_start(client=client_, counsellor_id=profile.pk)
    member = EngagementMember.objects.get(engagement=engagement)
    assert (member.counsellor, member.lead, member.left_at) == (profile, True, None)
    assert engagement.status == EngagementStatus.ACTIVE and engagement.client == client_
    assert _notices(user=profile.user) == [(NoticeKind.CHOSEN, {
        "name": "river", "engagement": engagement.pk})]
    entry = AuditEntry.objects.get(action="counselling.engagement_start")
    assert entry.actor is None and entry.organisation_id == profile.user.organisation_id
    assert entry.details == {"by": "client", "client": client_.pk, "counsellor": profile.pk}
    # Choosing again returns the same engagement: no second one, no second notice.
    assert svc.engagement_start(client=client_, counsellor_id=profile.pk) == engagement
    assert Engagement.objects.count() == 1 and Notice.objects.count() == 1


@pytest.mark.parametrize("change", ["unpublished", "not_accepting", "full", "other_pool",
                                    "inactive", "no_longer_counsellor"])
def test_choosing_refuses_a_counsellor_who_cannot_be_chosen(
        change: str, org: Organisation, other_org: Organisation, pool: Pool,
        client_: Client) -> None:
    profile = make_counsellor(org, caseload_limit=1)
    if change == "unpublished":
        profile.published = False
    elif change == "not_accepting":
        profile.accepting = False
    elif change == "full":
        make_engagement(make_client(pool), profile)
    elif change == "other_pool":
        profile = make_counsellor(other_org)
    elif change == "inactive":
        profile.user.is_active = False
        profile.user.save()
    else:  # moved to another role: the profile row stays, published
        profile.user.role = Role.SUPERVISOR
        profile.user.save()
    profile.save()
    with pytest.raises(Conflict):
        svc.engagement_start(client=client_, counsellor_id=profile.pk)
    assert not Engagement.objects.filter(client=client_).exists()


def test_choosing_an_unknown_counsellor_is_404(client_: Client) -> None:
    with pytest.raises(NotFound):
        svc.engagement_start(client=client_, counsellor_id=999999)


def test_an_ended_engagement_does_not_count_and_is_not_returned(
        client_: Client, profile: CounsellorProfile) -> None:
    profile.caseload_limit = 1  # were the ended one counted, this counsellor would be full
    profile.save()
    old = make_engagement(client_, profile)
    old.status = EngagementStatus.ENDED
    old.save()
    new = svc.engagement_start(client=client_, counsellor_id=profile.pk)
    assert new != old and new.status == EngagementStatus.ACTIVE


# --- slots ----------------------------------------------------------------------------------------

@time_machine.travel(datetime(2026, 1, 10, 12, 0, tzinfo=UTC), tick=False)
def test_a_london_counsellors_10_oclock_is_stored_as_utc(org: Organisation) -> None:
    london = make_counsellor(org, time_zone="Europe/London")
    brussels = make_counsellor(org, time_zone="Europe/Brussels")
    (winter,) = svc.slot_add(actor=london.user, day=date(2026, 1, 20), start=time(10, 0),
                             minutes=50, formats=["chat"])
    assert winter.starts_at == datetime(2026, 1, 20, 10, 0, tzinfo=UTC)  # GMT = UTC
    assert winter.ends_at == datetime(2026, 1, 20, 10, 50, tzinfo=UTC)
    (summer,) = svc.slot_add(actor=london.user, day=date(2026, 7, 20), start=time(10, 0),
                             minutes=60, formats=["chat"])
    assert summer.starts_at == datetime(2026, 7, 20, 9, 0, tzinfo=UTC)  # BST = UTC+1
    (cet,) = svc.slot_add(actor=brussels.user, day=date(2026, 1, 20), start=time(10, 0),
                          minutes=30, formats=["chat"])
    assert cet.starts_at == datetime(2026, 1, 20, 9, 0, tzinfo=UTC)


@time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False)
def test_weekly_repeats_keep_the_local_time_across_the_clock_change(
        profile: CounsellorProfile) -> None:
    # Brussels moves to summer time on Sunday 29 March 2026.
    slots = svc.slot_add(actor=profile.user, day=date(2026, 3, 24), start=time(18, 30),
                         minutes=45, formats=["chat", "video"], repeat_weeks=2)
    assert [s.starts_at for s in slots] == [datetime(2026, 3, 24, 17, 30, tzinfo=UTC),
                                            datetime(2026, 3, 31, 16, 30, tzinfo=UTC),
                                            datetime(2026, 4, 7, 16, 30, tzinfo=UTC)]
    assert all(s.formats == ["chat", "video"] for s in slots)
    entry = AuditEntry.objects.get(action="counselling.slot_add")
    assert entry.details == {"count": 3, "minutes": 45, "formats": ["chat", "video"]}


@time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False)
def test_a_time_that_does_not_exist_is_refused(profile: CounsellorProfile) -> None:
    with pytest.raises(InvalidInput) as error:
        svc.slot_add(actor=profile.user, day=date(2026, 3, 29), start=time(2, 30),
                     minutes=30, formats=["chat"])
    assert error.value.details["field"] == "start"


@time_machine.travel(datetime(2026, 1, 10, 12, 0, tzinfo=UTC), tick=False)
def test_overlapping_slots_of_the_same_counsellor_are_refused(
        org: Organisation, profile: CounsellorProfile) -> None:
    svc.slot_add(actor=profile.user, day=date(2026, 1, 20), start=time(10, 0), minutes=60,
                 formats=["chat"])
    for start, minutes in [(time(10, 30), 30), (time(9, 30), 45), (time(9, 0), 90),
                           (time(10, 0), 60)]:
        with pytest.raises(Conflict) as error:
            svc.slot_add(actor=profile.user, day=date(2026, 1, 20), start=start,
                         minutes=minutes, formats=["chat"])
        assert error.value.code == "slot_overlap"
    # A repeat that clashes in its second week (13, 20 January) refuses the whole series.
    with pytest.raises(Conflict) as error:
        svc.slot_add(actor=profile.user, day=date(2026, 1, 6 + 7), start=time(10, 15),
                     minutes=30, formats=["chat"], repeat_weeks=3)
    assert error.value.code == "slot_overlap"
    assert Slot.objects.count() == 1
    # Touching is not overlapping; another counsellor's slot does not count.
    svc.slot_add(actor=profile.user, day=date(2026, 1, 20), start=time(11, 0), minutes=30,
                 formats=["chat"])
    svc.slot_add(actor=make_counsellor(org).user, day=date(2026, 1, 20), start=time(10, 0),
                 minutes=60, formats=["chat"])
    assert Slot.objects.count() == 3


@time_machine.travel(datetime(2026, 1, 10, 12, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(("kwargs", "field"), [
    ({"minutes": 40}, "minutes"),
    ({"formats": []}, "formats"),
    ({"formats": ["voice"]}, "formats"),  # not in this profile
    ({"repeat_weeks": 13}, "repeat_weeks"),
    ({"day": date(2026, 1, 9)}, "day"),
])
def test_slot_input_is_checked(profile: CounsellorProfile, kwargs: dict[str, Any],
                               field: str) -> None:
    values: dict[str, Any] = {"day": date(2026, 1, 20), "start": time(10, 0), "minutes": 50,
                              "formats": ["chat"]}
    values.update(kwargs)
    with pytest.raises(InvalidInput) as error:
        svc.slot_add(actor=profile.user, **values)
    assert error.value.details["field"] == field


@time_machine.travel(datetime(2026, 1, 10, 12, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(("day", "start", "repeat_weeks"), [
    (date(9999, 12, 31), time(23, 30), 0),   # its end is in the year 10000
    (date(9999, 12, 20), time(10, 0), 2),    # its repeats are
    (date(1, 1, 1), time(0, 0), 0),          # in UTC it starts in the year 0
    (date(2027, 1, 11), time(10, 0), 0),     # a year and a day ahead
    (date(2026, 1, 9), time(10, 0), 0),      # yesterday
])
def test_a_slot_day_is_from_today_up_to_a_year_ahead(
        profile: CounsellorProfile, day: date, start: time, repeat_weeks: int) -> None:
    with pytest.raises(InvalidInput) as error:  # not OverflowError (a 500)
        svc.slot_add(actor=profile.user, day=day, start=start, minutes=90,
                     formats=["chat"], repeat_weeks=repeat_weeks)
    assert error.value.details["field"] == "day"
    assert not Slot.objects.exists()


@time_machine.travel(datetime(2026, 1, 10, 12, 0, tzinfo=UTC), tick=False)
def test_the_last_day_of_the_year_ahead_can_take_a_slot(profile: CounsellorProfile) -> None:
    (slot,) = svc.slot_add(actor=profile.user, day=date(2027, 1, 10), start=time(10, 0),
                           minutes=50, formats=["chat"])
    assert slot.starts_at == datetime(2027, 1, 10, 9, 0, tzinfo=UTC)  # Brussels, winter


def test_only_counsellors_with_a_profile_add_slots(org: Organisation, counsellor: User,
                                                  prevention_worker: User) -> None:
    values: dict[str, Any] = {"day": date.today() + timedelta(days=3), "start": time(10, 0),
                              "minutes": 50, "formats": ["chat"]}
    with pytest.raises(NotAllowed):
        svc.slot_add(actor=prevention_worker, **values)
    with pytest.raises(Conflict) as error:
        svc.slot_add(actor=counsellor, **values)
    assert error.value.code == "no_profile"


def test_a_booked_slot_cannot_be_removed_until_the_session_is_cancelled(
        client_: Client, profile: CounsellorProfile, engagement: Engagement) -> None:
    slot = make_slot(profile, _soon())
    appointment = svc.appointment_book(client=client_, engagement_id=engagement.pk,
                                       slot_id=slot.pk, format="chat")
    with pytest.raises(Conflict):
        svc.slot_remove(actor=profile.user, slot_id=slot.pk)
    svc.appointment_cancel(client=client_, appointment_id=appointment.pk)
    svc.slot_remove(actor=profile.user, slot_id=slot.pk)
    assert not Slot.objects.filter(pk=slot.pk).exists()
    appointment.refresh_from_db()
    assert appointment.slot is None and appointment.status == AppointmentStatus.CANCELLED


def test_another_counsellors_slot_is_404(org: Organisation,
                                          profile: CounsellorProfile) -> None:
    slot = make_slot(make_counsellor(org))
    with pytest.raises(NotFound):
        svc.slot_remove(actor=profile.user, slot_id=slot.pk)


# --- booking --------------------------------------------------------------------------------------

def test_booking_a_free_time_tells_the_counsellor(
        client_: Client, profile: CounsellorProfile, engagement: Engagement) -> None:
    slot = make_slot(profile, _soon(), minutes=50, formats=["chat", "in_person"])
    appointment = svc.appointment_book(client=client_, engagement_id=engagement.pk,
                                       slot_id=slot.pk, format="in_person")
    assert (appointment.starts_at, appointment.ends_at) == (slot.starts_at, slot.ends_at)
    assert appointment.place == profile.place and appointment.meeting_room == ""
    assert appointment.booked_by == "client" and appointment.counsellor == profile
    assert _notices(user=profile.user) == [(NoticeKind.BOOKED, {
        "name": "river", "at": slot.starts_at.isoformat()})]
    assert Notice.objects.get(user=profile.user).url == "/counselling/sessions/"
    entry = AuditEntry.objects.get(action="counselling.appointment_book")
    assert entry.details == {"by": "client", "client": client_.pk, "slot": slot.pk,
                             "format": "in_person"}


def test_the_second_booking_of_one_slot_is_refused(
        pool: Pool, client_: Client, profile: CounsellorProfile,
        engagement: Engagement) -> None:
    other = make_client(pool)
    other_engagement = make_engagement(other, profile)
    slot = make_slot(profile, _soon())
    svc.appointment_book(client=client_, engagement_id=engagement.pk, slot_id=slot.pk,
                         format="chat")
    with pytest.raises(Conflict) as error:
        svc.appointment_book(client=other, engagement_id=other_engagement.pk,
                             slot_id=slot.pk, format="chat")
    assert error.value.message == "This time was just taken. Please pick another."
    assert Appointment.objects.filter(slot=slot).count() == 1


def test_the_database_itself_refuses_two_bookings_of_one_slot(
        client_: Client, profile: CounsellorProfile, engagement: Engagement) -> None:
    slot = make_slot(profile, _soon())
    row = {"engagement": engagement, "counsellor": profile, "slot": slot, "format": "chat",
           "starts_at": slot.starts_at, "ends_at": slot.ends_at, "booked_by": "client"}
    Appointment.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(**row)
    # A cancelled booking does not hold the slot.
    Appointment.objects.filter(slot=slot).update(status=AppointmentStatus.CANCELLED)
    Appointment.objects.create(**row)


def test_voice_and_video_need_the_meeting_service(
        client_: Client, profile: CounsellorProfile, engagement: Engagement,
        settings: Any) -> None:
    slot = make_slot(profile, _soon(), formats=["video", "chat"])
    settings.BRUG_MEETING_URL = ""
    with pytest.raises(InvalidInput) as error:
        svc.appointment_book(client=client_, engagement_id=engagement.pk, slot_id=slot.pk,
                             format="video")
    assert error.value.code == "no_meeting_service"
    settings.BRUG_MEETING_URL = "https://meet.example.org/"
    appointment = svc.appointment_book(client=client_, engagement_id=engagement.pk,
                                       slot_id=slot.pk, format="video")
    assert appointment.meeting_room.startswith("brug-") and len(appointment.meeting_room) > 20
    assert meeting_url(appointment) == f"https://meet.example.org/{appointment.meeting_room}"
    settings.BRUG_MEETING_URL = ""
    assert meeting_url(appointment) == ""


@pytest.mark.parametrize("case", ["past", "format", "other_counsellor", "ended",
                                  "other_client"])
def test_booking_rules(case: str, org: Organisation, pool: Pool, client_: Client,
                       profile: CounsellorProfile, engagement: Engagement) -> None:
    slot = make_slot(profile, _soon(), formats=["chat"])
    kwargs: dict[str, Any] = {"client": client_, "engagement_id": engagement.pk,
                              "slot_id": slot.pk, "format": "chat"}
    expected: type[Exception] = Conflict
    if case == "past":
        kwargs["slot_id"] = make_slot(profile, timezone.now() - timedelta(minutes=5)).pk
    elif case == "format":
        kwargs["format"] = "in_person"
        expected = InvalidInput
    elif case == "other_counsellor":
        kwargs["slot_id"] = make_slot(make_counsellor(org), _soon()).pk
        expected = NotFound
    elif case == "ended":
        engagement.status = EngagementStatus.ENDED
        engagement.save()
    else:
        kwargs["client"] = make_client(pool)
        expected = NotFound
    with pytest.raises(expected):
        svc.appointment_book(**kwargs)
    assert not Appointment.objects.exists()


def test_a_counsellor_who_left_the_team_cannot_be_booked(
        client_: Client, profile: CounsellorProfile, engagement: Engagement) -> None:
    slot = make_slot(profile, _soon())
    engagement.members.update(left_at=timezone.now())
    with pytest.raises(NotFound):
        svc.appointment_book(client=client_, engagement_id=engagement.pk, slot_id=slot.pk,
                             format="chat")


def test_a_tandem_client_can_book_either_counsellor(
        org: Organisation, client_: Client, profile: CounsellorProfile) -> None:
    second = make_counsellor(org, display_name="Bo")
    engagement = make_engagement(client_, profile, second)
    slot = make_slot(second, _soon())
    svc.appointment_book(client=client_, engagement_id=engagement.pk, slot_id=slot.pk,
                         format="chat")
    # Both counsellors on the team hear of it.
    assert Notice.objects.filter(kind=NoticeKind.BOOKED).count() == 2


# --- moving and cancelling ------------------------------------------------------------------------

def _booked(client_: Client, profile: CounsellorProfile, engagement: Engagement,
            **slot: Any) -> Appointment:
    made = make_slot(profile, _soon(), **slot)
    return svc.appointment_book(client=client_, engagement_id=engagement.pk,
                                slot_id=made.pk, format="chat")


def test_the_client_moves_a_session_and_the_counsellor_is_told(
        client_: Client, profile: CounsellorProfile, engagement: Engagement) -> None:
    old = _booked(client_, profile, engagement)
    target = make_slot(profile, _soon(days=4))
    Notice.objects.all().delete()
    new = svc.appointment_reschedule(by_client=client_, appointment_id=old.pk,
                                     slot_id=target.pk)
    old.refresh_from_db()
    assert (old.status, old.cancelled_by) == (AppointmentStatus.CANCELLED, "client")
    assert new.rescheduled_from == old and new.slot == target and new.format == "chat"
    assert new.status == AppointmentStatus.BOOKED and new.starts_at == target.starts_at
    assert _notices(user=profile.user) == [(NoticeKind.RESCHEDULED, {
        "name": "river", "at": target.starts_at.isoformat()})]
    assert _notices(client=client_) == []
    # The old time is free again.
    assert svc._bookable_slot(engagement, old.slot_id or 0, "chat") is not None


def test_the_counsellor_moves_a_session_and_the_client_is_told(
        client_: Client, profile: CounsellorProfile, engagement: Engagement) -> None:
    old = _booked(client_, profile, engagement)
    target = make_slot(profile, _soon(days=5))
    Notice.objects.all().delete()
    new = svc.appointment_reschedule(actor=profile.user, appointment_id=old.pk,
                                     slot_id=target.pk)
    assert new.booked_by == "counsellor"
    assert _notices(client=client_) == [(NoticeKind.RESCHEDULED, {
        "name": "Ann", "at": target.starts_at.isoformat()})]
    assert Notice.objects.get(client=client_).url == f"/help/sessions/{new.pk}/"
    assert _notices(user=profile.user) == []


def test_moving_keeps_the_counsellor_the_format_and_the_room(
        org: Organisation, client_: Client, profile: CounsellorProfile,
        engagement: Engagement, settings: Any) -> None:
    settings.BRUG_MEETING_URL = "https://meet.example.org"
    slot = make_slot(profile, _soon(), formats=["video"])
    old = svc.appointment_book(client=client_, engagement_id=engagement.pk, slot_id=slot.pk,
                               format="video")
    chat_only = make_slot(profile, _soon(days=3), formats=["chat"])
    with pytest.raises(InvalidInput):
        svc.appointment_reschedule(by_client=client_, appointment_id=old.pk,
                                   slot_id=chat_only.pk)
    colleague = make_counsellor(org)
    engagement.members.create(counsellor=colleague, lead=False)
    with pytest.raises(NotFound):
        svc.appointment_reschedule(by_client=client_, appointment_id=old.pk,
                                   slot_id=make_slot(colleague, _soon(days=3),
                                                     formats=["video"]).pk)
    old.refresh_from_db()
    assert old.status == AppointmentStatus.BOOKED  # refused moves change nothing
    new = svc.appointment_reschedule(by_client=client_, appointment_id=old.pk,
                                     slot_id=make_slot(profile, _soon(days=6),
                                                       formats=["video"]).pk)
    assert new.meeting_room == old.meeting_room


def test_moving_to_a_taken_time_is_refused_and_changes_nothing(
        pool: Pool, client_: Client, profile: CounsellorProfile,
        engagement: Engagement) -> None:
    mine = _booked(client_, profile, engagement)
    other = make_client(pool)
    theirs = _booked(other, profile, make_engagement(other, profile))
    with pytest.raises(Conflict):
        svc.appointment_reschedule(by_client=client_, appointment_id=mine.pk,
                                   slot_id=theirs.slot_id or 0)
    mine.refresh_from_db()
    assert mine.status == AppointmentStatus.BOOKED


def test_cancelling_by_either_side_tells_the_other(
        client_: Client, profile: CounsellorProfile, engagement: Engagement) -> None:
    first = _booked(client_, profile, engagement)
    second = _booked(client_, profile, engagement, formats=["chat"])
    Notice.objects.all().delete()
    svc.appointment_cancel(client=client_, appointment_id=first.pk, reason="Exam day")
    first.refresh_from_db()
    assert (first.status, first.cancelled_by, first.cancel_reason) == (
        AppointmentStatus.CANCELLED, "client", "Exam day")
    assert [k for k, _p in _notices(user=profile.user)] == [NoticeKind.CANCELLED]
    svc.appointment_cancel(actor=profile.user, appointment_id=second.pk)
    assert [k for k, _p in _notices(client=client_)] == [NoticeKind.CANCELLED]
    entries = AuditEntry.objects.filter(action="counselling.appointment_cancel")
    # The reason is sealed on the appointment; the audit only says whether there was one.
    assert sorted(e.details["reason_given"] for e in entries) == [False, True]
    assert all("Exam" not in str(e.details) for e in entries)
    with pytest.raises(Conflict):
        svc.appointment_cancel(client=client_, appointment_id=first.pk)


def test_nobody_else_can_touch_a_session(org: Organisation, pool: Pool, client_: Client,
                                         profile: CounsellorProfile,
                                         engagement: Engagement, supervisor: User) -> None:
    appointment = _booked(client_, profile, engagement)
    with pytest.raises(NotFound):
        svc.appointment_cancel(client=make_client(pool), appointment_id=appointment.pk)
    with pytest.raises(NotFound):
        svc.appointment_cancel(actor=make_counsellor(org).user,
                               appointment_id=appointment.pk)
    with pytest.raises(NotAllowed):
        svc.appointment_cancel(actor=supervisor, appointment_id=appointment.pk)
    with pytest.raises(ValueError):
        svc.appointment_cancel(appointment_id=appointment.pk)


def test_a_started_session_cannot_be_cancelled_or_moved(
        client_: Client, profile: CounsellorProfile, engagement: Engagement) -> None:
    appointment = _booked(client_, profile, engagement)
    target = make_slot(profile, _soon(days=6))
    with time_machine.travel(appointment.starts_at + timedelta(minutes=1)):
        with pytest.raises(Conflict):
            svc.appointment_cancel(client=client_, appointment_id=appointment.pk)
        with pytest.raises(Conflict):
            svc.appointment_reschedule(by_client=client_, appointment_id=appointment.pk,
                                       slot_id=target.pk)


def test_a_long_cancel_reason_is_refused(client_: Client, profile: CounsellorProfile,
                                         engagement: Engagement) -> None:
    appointment = _booked(client_, profile, engagement)
    with pytest.raises(InvalidInput):
        svc.appointment_cancel(client=client_, appointment_id=appointment.pk,
                               reason="x" * 501)


# --- held or missed -------------------------------------------------------------------------------

def test_a_held_session_counts_in_the_exposure_log(
        client_: Client, profile: CounsellorProfile, engagement: Engagement) -> None:
    held = _booked(client_, profile, engagement, minutes=50)
    missed = _booked(client_, profile, engagement, minutes=30)
    with pytest.raises(Conflict):
        svc.appointment_mark(actor=profile.user, appointment_id=held.pk, status="held")
    with time_machine.travel(held.ends_at + timedelta(days=3)):
        svc.appointment_mark(actor=profile.user, appointment_id=held.pk, status="held")
        svc.appointment_mark(actor=profile.user, appointment_id=missed.pk, status="missed")
        with pytest.raises(Conflict):
            svc.appointment_mark(actor=profile.user, appointment_id=held.pk,
                                 status="missed")
        with pytest.raises(InvalidInput):
            svc.appointment_mark(actor=profile.user, appointment_id=held.pk,
                                 status="cancelled")
    entry = ExposureEntry.objects.get()
    assert (entry.counsellor, entry.kind, entry.minutes, entry.appointment) == (
        profile.user, "session", 50, held)
    assert Appointment.objects.get(pk=missed.pk).status == AppointmentStatus.MISSED


def test_the_exposure_goes_to_the_counsellor_who_held_the_session(
        org: Organisation, client_: Client, profile: CounsellorProfile) -> None:
    """In a tandem, Bo records Ann's session: the minutes are Ann's, not Bo's."""
    bo = make_counsellor(org, display_name="Bo")
    engagement = make_engagement(client_, profile, bo)
    held = _booked(client_, profile, engagement, minutes=50)
    with time_machine.travel(held.ends_at + timedelta(hours=1)):
        svc.appointment_mark(actor=bo.user, appointment_id=held.pk, status="held")
    entry = ExposureEntry.objects.get()
    assert (entry.counsellor, entry.minutes) == (profile.user, 50)
    assert not ExposureEntry.objects.filter(counsellor=bo.user).exists()
    # The audit still says who recorded it.
    assert AuditEntry.objects.get(action="counselling.appointment_mark").actor == bo.user


def test_a_staff_member_without_the_role_is_refused(
        org: Organisation, client_: Client, profile: CounsellorProfile,
        engagement: Engagement) -> None:
    appointment = _booked(client_, profile, engagement)
    worker = make_user("prevention_worker", org)
    with pytest.raises(NotAllowed):
        svc.appointment_mark(actor=worker, appointment_id=appointment.pk, status="held")
