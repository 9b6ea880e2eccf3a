"""Writes of the choice-and-scheduling part: choosing a counsellor, slots, appointments.

Every function runs in one transaction and writes its audit entry (content-free details).
Client actions have no staff actor: ``actor=None`` and ``details={"by": "client", ...}``; the
entry is filed under the counsellor's organisation so its audit log shows it. Every change to
an appointment tells the other side with an in-app notice (nothing leaves the platform).

Double booking is impossible by the ``one_booking_per_slot`` constraint; the checks before it
only give a kinder message in the common case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import Conflict, InvalidInput, NotFound

from . import meetings
from .access import access_client_engagement, active_counsellors, counsellor_profile_of
from .matching import choosable_profiles, meeting_service_on
from .models import (
    Appointment,
    AppointmentStatus,
    Client,
    CounsellorProfile,
    Engagement,
    EngagementMember,
    EngagementStatus,
    ExposureEntry,
    ExposureKind,
    NoticeKind,
    Slot,
)
from .notices import notice_add
from .services_clients import client_audit_details
from .vocab import MEETING_FORMATS, Format, Side
from .zones import counsellor_zone

if TYPE_CHECKING:
    from brug.accounts.models import User

SLOT_MINUTES = (30, 45, 50, 60, 90)
REPEAT_WEEKS_MAX = 12
SLOT_DAYS_AHEAD = 365  # free times up to a year ahead; also keeps dates far from datetime's ends
CANCEL_REASON_MAX = 500


def _taken() -> Conflict:
    return Conflict(_("This time was just taken. Please pick another."), code="slot_taken")


def _org_of(profile: CounsellorProfile) -> int | None:
    return profile.user.organisation_id


# --- choosing a counsellor -------------------------------------------------------------------

def _active_cases(profile: CounsellorProfile) -> int:
    return (Engagement.objects.filter(status=EngagementStatus.ACTIVE,
                                      members__counsellor=profile,
                                      members__left_at__isnull=True)
            .distinct().count())


def engagement_start(*, client: Client, counsellor_id: int) -> Engagement:
    """The client chooses a counsellor: a new engagement with them as lead.

    Returns the client's active engagement with that counsellor when there is one. Refuses
    (``Conflict``) a counsellor who is not choosable (``matching.choosable_profiles``: not
    published, not in the client's pool, inactive or no longer a counsellor), not accepting
    new clients or at their caseload limit. The profile row is locked, so two clients cannot
    both take the last place.
    """
    with transaction.atomic():
        profile = (CounsellorProfile.objects.select_for_update()
                   .filter(pk=counsellor_id).first())
        if profile is None:
            raise NotFound(_("This counsellor does not exist."))
        existing = (Engagement.objects.filter(
            client=client, status=EngagementStatus.ACTIVE, members__counsellor=profile,
            members__left_at__isnull=True).first())
        if existing is not None:
            return existing
        if not choosable_profiles(client.pool_id).filter(pk=profile.pk).exists():
            raise Conflict(_("This counsellor cannot be chosen here. Please choose someone "
                             "from the list."), code="not_choosable")
        if not profile.accepting or _active_cases(profile) >= profile.caseload_limit:
            raise Conflict(_("This counsellor is not taking new clients now. Please choose "
                             "someone else."), code="counsellor_full")
        engagement = Engagement.objects.create(client=client)
        EngagementMember.objects.create(engagement=engagement, counsellor=profile, lead=True)
        audit_record(actor=None, action="counselling.engagement_start", obj=engagement,
                     organisation_id=_org_of(profile),
                     details=client_audit_details(client, counsellor=profile.pk))
        notice_add(kind=NoticeKind.CHOSEN, user=profile.user,
                   params={"name": client.nickname, "engagement": engagement.pk},
                   url=reverse("counselling:engagement",
                               kwargs={"engagement_id": engagement.pk}))
    return engagement


# --- slots -------------------------------------------------------------------------------------

def _local_start(day: date, start: time, zone: ZoneInfo) -> datetime:
    """``day`` at ``start`` in ``zone``. Refuses a time that does not exist that day (the
    clocks go forward): a slot must start when the counsellor thinks it does."""
    moment = datetime.combine(day, start, tzinfo=zone)
    back = moment.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise InvalidInput(_("%(time)s does not exist on %(day)s: the clocks change. Please "
                             "pick another time.") % {"time": start.strftime("%H:%M"),
                                                      "day": date_format(day)},
                           field="start")
    return moment


def _day_out_of_range() -> str:
    return _("Pick a date from today up to one year ahead.")


def slot_day_problem(day: date, zone: ZoneInfo | None = None) -> str | None:
    """Why ``day`` cannot take a free time (a sentence to show), or None when it is from
    today up to ``SLOT_DAYS_AHEAD`` days ahead in ``zone`` (the current time zone if None)."""
    today = timezone.localdate(timezone=zone)
    if not today <= day <= today + timedelta(days=SLOT_DAYS_AHEAD):
        return _day_out_of_range()
    return None


def slot_add(*, actor: User, day: date, start: time, minutes: int, formats: Iterable[str],
             repeat_weeks: int = 0) -> list[Slot]:
    """Free times of the actor: ``day`` at ``start`` in their profile's time zone, and the
    same time each week for ``repeat_weeks`` more weeks. Stored in UTC. ``day`` is from
    today up to ``SLOT_DAYS_AHEAD`` days ahead (``InvalidInput`` otherwise).

    ``formats`` must be a non-empty subset of the profile's. A slot that overlaps one of the
    counsellor's own slots is refused (all or nothing).
    """
    profile = counsellor_profile_of(actor)
    if minutes not in SLOT_MINUTES:
        raise InvalidInput(_("Pick a length from the list."), field="minutes")
    if not 0 <= repeat_weeks <= REPEAT_WEEKS_MAX:
        raise InvalidInput(_("Repeat for 0 to %(n)d weeks.") % {"n": REPEAT_WEEKS_MAX},
                           field="repeat_weeks")
    formats = list(dict.fromkeys(formats))
    if not formats or any(f not in profile.formats or f not in Format.values for f in formats):
        raise InvalidInput(_("Pick at least one of the formats in your profile."),
                           field="formats")
    zone = counsellor_zone(profile, strict=True)
    problem = slot_day_problem(day, zone)
    if problem is not None:
        raise InvalidInput(problem, field="day")
    length = timedelta(minutes=minutes)
    try:
        starts = [_local_start(day + timedelta(weeks=week), start, zone)
                  for week in range(repeat_weeks + 1)]
        spans = [(moment.astimezone(UTC), (moment + length).astimezone(UTC))
                 for moment in starts]
    except OverflowError:  # cannot happen within the bound above; never a 500 if it did
        raise InvalidInput(_day_out_of_range(), field="day") from None
    if spans[0][0] <= timezone.now():
        raise InvalidInput(_("Pick a time in the future."), field="day")
    with transaction.atomic():
        # The profile lock serialises one counsellor's slot changes: no overlap slips in.
        CounsellorProfile.objects.select_for_update().filter(pk=profile.pk).first()
        overlap = Q()
        for begin, end in spans:
            overlap |= Q(starts_at__lt=end, ends_at__gt=begin)
        clash = Slot.objects.filter(overlap, counsellor=profile).order_by("starts_at").first()
        if clash is not None:
            when = date_format(timezone.localtime(clash.starts_at, zone), "DATETIME_FORMAT")
            raise Conflict(_("This overlaps a free time you already have on %(when)s.")
                           % {"when": when}, code="slot_overlap", field="start")
        slots = Slot.objects.bulk_create([
            Slot(counsellor=profile, starts_at=begin, ends_at=end, formats=formats)
            for begin, end in spans])
        audit_record(actor=actor, action="counselling.slot_add", obj=profile,
                     details={"count": len(slots), "minutes": minutes, "formats": formats})
    return slots


def slot_remove(*, actor: User, slot_id: int) -> None:
    """Removes one of the actor's free times. A time with a booked session stays until the
    session is cancelled or moved (the client counts on it)."""
    require_capability(actor, Cap.COUNSEL)
    with transaction.atomic():
        slot = (Slot.objects.select_for_update()
                .filter(pk=slot_id, counsellor__user=actor).first())
        if slot is None:
            raise NotFound(_("This free time does not exist or is not yours."))
        if slot.appointments.filter(status=AppointmentStatus.BOOKED).exists():
            raise Conflict(_("A session is booked at this time. Cancel or move the session "
                             "first."), code="slot_booked")
        slot.delete()
        audit_record(actor=actor, action="counselling.slot_remove",
                     object_type="counselling.counsellorprofile",
                     object_id=slot.counsellor_id, details={"slot": slot_id})


# --- appointments ----------------------------------------------------------------------------

def _client_url(appointment: Appointment) -> str:
    return reverse("portal:appointment", kwargs={"appointment_id": appointment.pk})


def _tell_client(appointment: Appointment, kind: str) -> None:
    notice_add(kind=kind, client=appointment.engagement.client, url=_client_url(appointment),
               engagement_id=appointment.engagement_id,
               params={"name": appointment.counsellor.display_name,
                       "at": appointment.starts_at})


def _team(engagement: Engagement) -> list[CounsellorProfile]:
    """The counsellors on the team now: prefetched (``reminders_due`` sets ``team``, one query
    for all its engagements) or read here."""
    team: list[EngagementMember] | None = getattr(engagement, "team", None)
    if team is None:
        return active_counsellors(engagement)
    return [member.counsellor for member in team]


def _tell_team(appointment: Appointment, kind: str, *, but: User | None = None) -> None:
    """Every counsellor on the engagement's team now (but the one who acted)."""
    for profile in _team(appointment.engagement):
        if but is None or profile.user_id != but.pk:
            notice_add(kind=kind, user=profile.user, url=reverse("counselling:appointments"),
                       engagement_id=appointment.engagement_id,
                       params={"name": appointment.engagement.client.nickname,
                               "at": appointment.starts_at})


def _bookable_slot(engagement: Engagement, slot_id: int, format: str,
                   counsellor: CounsellorProfile | None = None) -> Slot:
    """A future free slot of an active counsellor of ``engagement`` (of ``counsellor`` when
    given) that offers ``format``. Precondition: inside ``transaction.atomic``."""
    slots = Slot.objects.select_related("counsellor", "counsellor__user").filter(
        pk=slot_id, counsellor__memberships__engagement=engagement,
        counsellor__memberships__left_at__isnull=True)
    if counsellor is not None:
        slots = slots.filter(counsellor=counsellor)
    slot = slots.first()
    if slot is None:
        raise NotFound(_("This time is not available. Please pick another."))
    if slot.starts_at <= timezone.now():
        raise Conflict(_("This time has passed. Please pick another."), code="slot_past")
    if format not in Format.values:
        raise InvalidInput(_("Please choose how you want to talk."), field="format")
    if format in MEETING_FORMATS and not meeting_service_on():
        raise InvalidInput(_("Voice and video calls are not available here. Please choose "
                             "chat or in person."), code="no_meeting_service", field="format")
    if format not in slot.formats:
        raise InvalidInput(_("This time is not offered as %(format)s. Please choose another "
                             "way to talk or another time.")
                           % {"format": Format(format).label}, field="format")
    if slot.appointments.filter(status=AppointmentStatus.BOOKED).exists():
        raise _taken()
    return slot


def _create(engagement: Engagement, slot: Slot, format: str, by: str,
            previous: Appointment | None = None) -> Appointment:
    """The appointment row; the one-booking-per-slot constraint has the last word."""
    room = ""
    if meetings.needs_room(format):
        room = previous.meeting_room if previous and previous.meeting_room else \
            meetings.new_room()
    try:
        with transaction.atomic():
            return Appointment.objects.create(
                engagement=engagement, counsellor=slot.counsellor, slot=slot,
                starts_at=slot.starts_at, ends_at=slot.ends_at, format=format,
                place=slot.counsellor.place if format == Format.IN_PERSON else "",
                meeting_room=room, booked_by=by, rescheduled_from=previous)
    except IntegrityError:
        raise _taken() from None


def _locked_engagement(engagement_id: int, *, active: bool) -> Engagement:
    """The engagement row, locked. ``active``: refuse an ended one (409), judged under the
    lock, so a counselling ended meanwhile gets no new session. Lock order as in
    ``services_work``: the engagement before anything else (appointments, members, slots),
    so ending a counselling and booking in it cannot deadlock. Precondition: inside
    ``transaction.atomic``, the caller has checked the engagement is theirs."""
    engagement = (Engagement.objects.select_for_update(of=("self",)).select_related("client")
                  .get(pk=engagement_id))
    if active and engagement.status != EngagementStatus.ACTIVE:
        raise Conflict(_("This counselling has ended."), code="engagement_ended")
    return engagement


def appointment_book(*, client: Client, engagement_id: int, slot_id: int,
                     format: str) -> Appointment:
    """The client books a free time of a counsellor on their (active) engagement."""
    engagement = access_client_engagement(client=client, engagement_id=engagement_id,
                                          active_only=True)
    with transaction.atomic():
        engagement = _locked_engagement(engagement.pk, active=True)
        slot = _bookable_slot(engagement, slot_id, format)
        appointment = _create(engagement, slot, format, Side.CLIENT)
        audit_record(actor=None, action="counselling.appointment_book", obj=appointment,
                     organisation_id=_org_of(slot.counsellor),
                     details=client_audit_details(client, slot=slot.pk, format=format))
        _tell_team(appointment, NoticeKind.BOOKED)
    return appointment


def _one_side(client: Client | None, actor: User | None) -> None:
    if (client is None) == (actor is None):
        raise ValueError("exactly one of client and actor")


def _locked_appointment(appointment_id: int, *, client: Client | None,
                        actor: User | None, active: bool = False) -> Appointment:
    """The appointment, locked after its engagement (``_locked_engagement``), when it is the
    client's own or on the actor's team (404 otherwise). ``active``: refuse it when the
    counselling has ended. Precondition: inside ``transaction.atomic``."""
    mine = Appointment.objects.filter(pk=appointment_id)
    if client is not None:
        mine = mine.filter(engagement__client=client)
    else:
        assert actor is not None
        require_capability(actor, Cap.COUNSEL)
        mine = mine.filter(engagement__members__counsellor__user=actor,
                           engagement__members__left_at__isnull=True)
    engagement_id = mine.values_list("engagement_id", flat=True).first()
    if engagement_id is None:
        raise NotFound(_("This session does not exist or is not yours."))
    engagement = _locked_engagement(engagement_id, active=active)
    appointment = (Appointment.objects.select_for_update(of=("self",))
                   .select_related("counsellor", "counsellor__user").get(pk=appointment_id))
    appointment.engagement = engagement
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(_("This session is no longer booked."), code="not_booked")
    return appointment


def _changed_by(client: Client | None, actor: User | None, appointment: Appointment,
                kind: str, action: str, **details: object) -> None:
    """Audit and tell the other side."""
    if client is not None:
        audit_record(actor=None, action=action, obj=appointment,
                     organisation_id=_org_of(appointment.counsellor),
                     details=client_audit_details(client, **details))
        _tell_team(appointment, kind)
    else:
        audit_record(actor=actor, action=action, obj=appointment, details=details)
        _tell_client(appointment, kind)
        _tell_team(appointment, kind, but=actor)


def appointment_reschedule(*, by_client: Client | None = None, actor: User | None = None,
                           appointment_id: int, slot_id: int) -> Appointment:
    """Moves a booked session to another free time of the same counsellor, same format.

    The old appointment becomes cancelled; the new one points to it (``rescheduled_from``).
    Either the client (``by_client``) or a counsellor on the team (``actor``) does it.
    """
    _one_side(by_client, actor)
    with transaction.atomic():
        old = _locked_appointment(appointment_id, client=by_client, actor=actor, active=True)
        if old.starts_at <= timezone.now():
            raise Conflict(_("This session has already started."), code="started")
        if old.slot_id == slot_id:
            raise InvalidInput(_("Please pick a different time."), field="slot_id")
        side = Side.CLIENT if by_client is not None else Side.COUNSELLOR
        old.status = AppointmentStatus.CANCELLED
        old.cancelled_by = side
        old.save(update_fields=["status", "cancelled_by"])  # frees the old slot first
        slot = _bookable_slot(old.engagement, slot_id, old.format, counsellor=old.counsellor)
        new = _create(old.engagement, slot, old.format, side, previous=old)
        _changed_by(by_client, actor, new, NoticeKind.RESCHEDULED,
                    "counselling.appointment_reschedule", old=old.pk, slot=slot.pk)
    return new


def appointment_cancel(*, client: Client | None = None, actor: User | None = None,
                       appointment_id: int, reason: str = "") -> Appointment:
    """Cancels a booked session that has not started. The reason is optional and sealed."""
    _one_side(client, actor)
    reason = (reason or "").strip()
    if len(reason) > CANCEL_REASON_MAX:
        raise InvalidInput(_("Please keep the reason under %(n)d characters.")
                           % {"n": CANCEL_REASON_MAX}, field="reason")
    with transaction.atomic():
        appointment = _locked_appointment(appointment_id, client=client, actor=actor)
        if appointment.starts_at <= timezone.now():
            raise Conflict(_("This session has already started."), code="started")
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_by = Side.CLIENT if client is not None else Side.COUNSELLOR
        appointment.cancel_reason = reason
        appointment.save(update_fields=["status", "cancelled_by", "cancel_reason"])
        _changed_by(client, actor, appointment, NoticeKind.CANCELLED,
                    "counselling.appointment_cancel", reason_given=bool(reason))
    return appointment


def appointment_mark(*, actor: User, appointment_id: int, status: str) -> Appointment:
    """A counsellor on the team records that a session was held or missed, once it started.

    A held session also counts its minutes in the exposure log of the counsellor who held it
    (care, never performance), whoever on the team records it.
    """
    if status not in (AppointmentStatus.HELD, AppointmentStatus.MISSED):
        raise InvalidInput(_("Say whether the session was held or missed."), field="status")
    with transaction.atomic():
        appointment = _locked_appointment(appointment_id, client=None, actor=actor)
        if appointment.starts_at > timezone.now():
            raise Conflict(_("You can mark a session once it has started."),
                           code="not_started")
        appointment.status = status
        appointment.save(update_fields=["status"])
        minutes = 0
        if status == AppointmentStatus.HELD:
            minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60)
            # The counsellor who held it, not whoever records it (a tandem colleague may).
            ExposureEntry.objects.create(counsellor=appointment.counsellor.user,
                                         kind=ExposureKind.SESSION,
                                         minutes=minutes, appointment=appointment)
        audit_record(actor=actor, action="counselling.appointment_mark", obj=appointment,
                     details={"status": status, "minutes": minutes})
    return appointment


# --- reminders ---------------------------------------------------------------------------------

def reminders_due(now: datetime) -> list[Appointment]:
    """Booked sessions starting within ``BRUG_REMINDER_HOURS`` of ``now``, not reminded yet,
    with each engagement's team now (``engagement.team``: one query for them all)."""
    team = Prefetch("engagement__members", to_attr="team",
                    queryset=EngagementMember.objects.filter(left_at__isnull=True)
                    .select_related("counsellor__user").order_by("-lead", "joined_at"))
    return list(Appointment.objects.filter(
        status=AppointmentStatus.BOOKED, reminded_at__isnull=True, starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=settings.BRUG_REMINDER_HOURS),
        engagement__status=EngagementStatus.ACTIVE)
        .select_related("engagement__client", "counsellor").prefetch_related(team)
        .order_by("starts_at", "id"))


def reminder_send(appointment: Appointment, now: datetime) -> bool:
    """Claims the appointment's reminder and, if this call got it, tells the client and each
    counsellor on the team. False when another worker claimed it first (or it was cancelled
    meanwhile): the conditional UPDATE (``WHERE reminded_at IS NULL``) changes one row for
    exactly one caller, and the notices are written in the same transaction."""
    with transaction.atomic():
        claimed = Appointment.objects.filter(
            pk=appointment.pk, reminded_at__isnull=True,
            status=AppointmentStatus.BOOKED).update(reminded_at=now)
        if claimed != 1:
            return False
        _tell_client(appointment, NoticeKind.REMINDER)
        _tell_team(appointment, NoticeKind.REMINDER)
    return True


def reminders_send(*, now: datetime | None = None) -> int:
    """Reminds of every due session (exactly once each, even with several workers); returns
    how many this call reminded."""
    now = now or timezone.now()
    sent = sum(reminder_send(appointment, now) for appointment in reminders_due(now))
    if sent:
        audit_record(actor=None, action="counselling.reminders", details={"count": sent})
    return sent


# --- reads: the only way views fetch one appointment --------------------------------------------

def access_client_appointment(*, client: Client, appointment_id: int) -> Appointment:
    """One of the client's own appointments (404 for anyone else's)."""
    appointment = (Appointment.objects.select_related("counsellor", "engagement")
                   .filter(pk=appointment_id, engagement__client=client).first())
    if appointment is None:
        raise NotFound(_("This session does not exist or is not yours."))
    appointment.engagement.client = client
    return appointment


def access_appointment(*, actor: User, appointment_id: int) -> Appointment:
    """An appointment of an engagement the actor counsels on now (404 otherwise)."""
    require_capability(actor, Cap.COUNSEL)
    ids = Appointment.objects.filter(
        pk=appointment_id, engagement__members__counsellor__user=actor,
        engagement__members__left_at__isnull=True).values("pk")
    appointment = (Appointment.objects.select_related("counsellor", "engagement__client")
                   .filter(pk__in=ids).first())
    if appointment is None:
        raise NotFound(_("This session does not exist or is not yours."))
    return appointment
