"""The counselling demo: a pool of counsellors, their free times, one anonymous demo client in
counselling with cato, and the counsellors' own care (check-ins, exposure, supervision).

Writes go through the counselling services (the counsellor's profile and free times, publishing,
sign-up, choosing a counsellor, booking, chat, goals, the safety plan, check-ins, exposure,
supervision), so the demo records what a real installation records, audit entries included;
only the pool and re-setting the demo client's published passphrase are written here (with
their own audit entries). Voice and video are offered only when ``BRUG_MEETING_URL`` is set,
as on a real installation. ``counselling_demo_ensure``
is idempotent: a second run re-asserts the same state and adds nothing twice (free times are
kept for the coming ``SLOT_DAYS`` days, so a run on a later day adds the new days).

Preconditions: the database is migrated; the demo's organisations and people come from
``brug.demo.services`` (made here if missing). The demo client's passphrase is published, so
this runs only where ``brug demo`` runs (development).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import Role
from brug.audit.services import audit_record
from brug.counselling import (
    services_care,
    services_chat,
    services_clients,
    services_scheduling,
    services_work,
)
from brug.counselling.models import (
    Appointment,
    AppointmentStatus,
    ChatMessage,
    Client,
    CounsellingGoal,
    CounsellorProfile,
    Engagement,
    EngagementStatus,
    ExposureEntry,
    Pool,
    SafetyPlan,
    Slot,
    SupervisionSession,
    SupervisionStatus,
    WellbeingCheckin,
)
from brug.counselling.vocab import MEETING_FORMATS, CounsellorKind, Format, Side
from brug.errors import Conflict

from . import counselling_data as data
from .services import (
    PEOPLE,
    demo_backup_codes_issue,
    demo_organisations_ensure,
    demo_people_ensure,
)

# Messages of the demo chat are spread back from now, this far apart, the first this long ago.
CHAT_STARTED = timedelta(hours=20)
CHAT_GAP = timedelta(minutes=7)


@dataclass(frozen=True)
class CounsellingDemo:
    """What ``counselling_demo_ensure`` made sure of, for the command's report."""

    pool: Pool
    profiles: list[CounsellorProfile]
    client: Client
    engagement: Engagement
    appointment: Appointment | None
    codes: list[tuple[User, list[str]]]
    free_slots: int


def counselling_demo_ensure(
        *, organisations: dict[str, Organisation] | None = None) -> CounsellingDemo:
    """Makes sure the whole counselling demo exists (see the module docstring)."""
    organisations = organisations or demo_organisations_ensure()
    existing = tuple(p for p in PEOPLE
                     if p.username in {data.CLIENT_COUNSELLOR, data.PREVENTION_SUPERVISOR})
    people = demo_people_ensure(organisations=organisations, people_to_make=existing)
    new_people = demo_people_ensure(organisations=organisations,
                                    people_to_make=data.EXIT_PEOPLE)
    by_name = {user.username: user for user in (*people, *new_people)}
    codes = demo_backup_codes_issue(people=new_people)

    pool = _pool_ensure(organisations)
    profiles = _profiles_ensure(by_name)
    for profile in profiles:
        _slots_ensure(profile)
    lead = next(p for p in profiles if p.user.username == data.CLIENT_COUNSELLOR)
    client = _client_ensure(pool)
    engagement = services_scheduling.engagement_start(client=client, counsellor_id=lead.pk)
    appointment = _appointment_ensure(client, engagement, lead)
    _chat_ensure(client, engagement, lead)
    _goals_ensure(client, engagement)
    _safety_plan_ensure(client, engagement, lead)
    _care_ensure(by_name)
    free = (Slot.objects.filter(counsellor__in=profiles, starts_at__gt=timezone.now())
            .exclude(appointments__status=AppointmentStatus.BOOKED).count())
    return CounsellingDemo(pool=pool, profiles=profiles, client=client, engagement=engagement,
                           appointment=appointment, codes=codes, free_slots=free)


# --- the pool and the counsellors ---------------------------------------------------------------

def _pool_ensure(organisations: dict[str, Organisation]) -> Pool:
    with transaction.atomic():
        pool, created = Pool.objects.get_or_create(slug=data.POOL_SLUG,
                                                   defaults={"name": data.POOL_NAME})
        pool.organisations.add(*(organisations[kind] for kind in data.POOL_ORGANISATIONS))
        if created:
            audit_record(actor=None, action="demo.counselling_pool", obj=pool,
                         details={"organisations": len(data.POOL_ORGANISATIONS)})
    return pool


def _supervisor_of(user: User, by_name: dict[str, User]) -> User:
    same = [u for u in (by_name[data.EXIT_SUPERVISOR], by_name[data.PREVENTION_SUPERVISOR])
            if u.organisation_id == user.organisation_id]
    return same[0]


def _formats(item: data.DemoCounsellor) -> list[str]:
    """The counsellor's ways to talk that this installation offers: voice and video need a
    meeting service (``BRUG_MEETING_URL``), as the profile page itself requires."""
    return [f for f in item.formats if f not in MEETING_FORMATS or settings.BRUG_MEETING_URL]


def _profiles_ensure(by_name: dict[str, User]) -> list[CounsellorProfile]:
    """One published profile per demo counsellor, re-asserted from the data on every run:
    written by the counsellor (``profile_save``), published by their supervisor."""
    profiles: list[CounsellorProfile] = []
    for item in data.COUNSELLORS:
        user = by_name[item.username]
        services_work.profile_save(
            actor=user, display_name=item.display_name, kind=item.kind,
            age_band=item.age_band, gender=item.gender, languages=item.languages,
            formats=_formats(item), specialisms=item.specialisms,
            introduction=item.introduction, time_zone=settings.TIME_ZONE, place=item.place,
            accepting=True)
        profiles.append(services_care.profile_publish(
            actor=_supervisor_of(user, by_name), counsellor_id=user.pk, publish=True))
    return profiles


def _zone(profile: CounsellorProfile) -> ZoneInfo:
    return ZoneInfo(profile.time_zone)


def _overlaps(profile: CounsellorProfile, starts_at: datetime, minutes: int) -> bool:
    ends_at = starts_at + timedelta(minutes=minutes)
    return Slot.objects.filter(counsellor=profile, starts_at__lt=ends_at,
                               ends_at__gt=starts_at).exists()


def _add_slot(profile: CounsellorProfile, day: date, start: time) -> bool:
    """One free time through the counsellor's own service; False when it would overlap."""
    moment = datetime.combine(day, start, tzinfo=_zone(profile))
    if moment <= timezone.now() or _overlaps(profile, moment, data.SLOT_MINUTES):
        return False
    try:
        services_scheduling.slot_add(actor=profile.user, day=day, start=start,
                                     minutes=data.SLOT_MINUTES, formats=list(profile.formats))
    except Conflict:  # the clocks change that day, or a time was added meanwhile
        return False
    return True


def _slots_ensure(profile: CounsellorProfile) -> int:
    """The counsellor's working-hours free times for the coming ``SLOT_DAYS`` days."""
    item = next(c for c in data.COUNSELLORS if c.username == profile.user.username)
    today = timezone.localdate(timezone=_zone(profile))
    added = 0
    for offset in range(1, data.SLOT_DAYS + 1):
        day = today + timedelta(days=offset)
        if day.weekday() not in item.weekdays:
            continue
        for hour, minute in item.times:
            added += _add_slot(profile, day, time(hour, minute))
    return added


# --- the demo client ---------------------------------------------------------------------------

def _client_ensure(pool: Pool) -> Client:
    """The demo client, signed up like anyone (nickname and passphrase, no e-mail address).

    On a second run the published passphrase is set again and a sign-in pause lifted, so the
    printed passphrase always works. Raises ``Conflict`` when somebody else took the nickname.
    """
    key = services_clients.nickname_key(data.CLIENT_NICKNAME)
    client = Client.objects.filter(nickname_key=key).first()
    if client is None:
        return services_clients.client_signup(
            pool=pool, nickname=data.CLIENT_NICKNAME, passphrase=data.CLIENT_PASSPHRASE,
            language=data.CLIENT_LANGUAGE, country=data.CLIENT_COUNTRY)
    if client.pool_id != pool.pk:
        raise Conflict(f"A client named {data.CLIENT_NICKNAME!r} exists and was not made by the "
                       "demo. Run the demo on a separate database.", code="demo_nickname_taken")
    with transaction.atomic():
        client.passphrase = make_password(data.CLIENT_PASSPHRASE)
        client.failed_signins, client.locked_until = 0, None
        client.last_seen_at = timezone.now()
        client.save(update_fields=["passphrase", "failed_signins", "locked_until",
                                   "last_seen_at"])
        audit_record(actor=None, action="demo.counselling_client", obj=client,
                     details={"client": client.pk, "passphrase_reset": True})
    return client


def _free_chat_slot(profile: CounsellorProfile, day: date) -> Slot | None:
    zone = _zone(profile)
    start = datetime.combine(day, time(0, 0), tzinfo=zone)
    slots = (Slot.objects.filter(counsellor=profile, starts_at__gte=start,
                                 starts_at__lt=start + timedelta(days=1))
             .exclude(appointments__status=AppointmentStatus.BOOKED).order_by("starts_at"))
    candidates = [s for s in slots if "chat" in s.formats]
    preferred = time(*data.APPOINTMENT_TIME)
    for slot in candidates:
        if timezone.localtime(slot.starts_at, zone).time() == preferred:
            return slot
    return candidates[0] if candidates else None


def _appointment_ensure(client: Client, engagement: Engagement,
                        lead: CounsellorProfile) -> Appointment | None:
    """A booked chat session tomorrow (kept if the client already has a coming session)."""
    upcoming = (Appointment.objects.filter(engagement=engagement,
                                           status=AppointmentStatus.BOOKED,
                                           starts_at__gt=timezone.now())
                .order_by("starts_at").first())
    if upcoming is not None:
        return upcoming
    tomorrow = timezone.localdate(timezone=_zone(lead)) + timedelta(days=1)
    slot = _free_chat_slot(lead, tomorrow)
    if slot is None:  # a weekend: cato makes time for this one session
        hour, minute = data.APPOINTMENT_TIME
        for later in range(0, 4):
            if _add_slot(lead, tomorrow, time(hour + later, minute)):
                break
        slot = _free_chat_slot(lead, tomorrow)
    if slot is None:
        return None
    return services_scheduling.appointment_book(client=client, engagement_id=engagement.pk,
                                                slot_id=slot.pk, format="chat")


def _chat_ensure(client: Client, engagement: Engagement, lead: CounsellorProfile) -> None:
    """The first messages of the conversation (once), posted by each side as in the chat and
    then dated back over the last day, so the conversation reads as it happened."""
    if ChatMessage.objects.filter(engagement=engagement).exists():
        return
    start = timezone.now() - CHAT_STARTED
    for n, (side, text) in enumerate(data.CHAT):
        if side == Side.CLIENT:
            message, _created = services_chat.chat_post(
                engagement_id=engagement.pk, text=text, ref=uuid.uuid4(), client=client)
        else:
            message, _created = services_chat.chat_post(
                engagement_id=engagement.pk, text=text, ref=uuid.uuid4(), actor=lead.user)
        ChatMessage.objects.filter(pk=message.pk).update(created_at=start + n * CHAT_GAP)


def _goals_ensure(client: Client, engagement: Engagement) -> None:
    """Two goals the client wrote in their own words (once)."""
    if CounsellingGoal.objects.filter(engagement=engagement).exists():
        return
    for text in data.GOALS:
        services_work.client_goal_add(client=client, engagement_id=engagement.pk, text=text)


def _safety_plan_ensure(client: Client, engagement: Engagement,
                        lead: CounsellorProfile) -> None:
    """The safety plan, written with the client in a session (once)."""
    if SafetyPlan.objects.filter(client=client).exists():
        return
    services_work.safety_plan_save(actor=lead.user, engagement_id=engagement.pk,
                                   texts=dict(data.SAFETY_PLAN))


# --- care for the counsellors --------------------------------------------------------------------

def _care_ensure(by_name: dict[str, User]) -> None:
    """Check-ins and exposure minutes for a counsellor who has none yet, and the planned
    supervision sessions unless one is already planned for that pair."""
    for username in {c.username for c in data.CHECKINS}:
        user = by_name[username]
        if WellbeingCheckin.objects.filter(counsellor=user).exists():
            continue
        for checkin in (c for c in data.CHECKINS if c.username == username):
            services_care.checkin_record(actor=user, feeling=checkin.feeling,
                                         wants_to_talk=checkin.wants_to_talk, note=checkin.note)
    for username in {e[0] for e in data.EXPOSURE}:
        user = by_name[username]
        if ExposureEntry.objects.filter(counsellor=user).exists():
            continue
        for _name, kind, minutes in (e for e in data.EXPOSURE if e[0] == username):
            services_care.exposure_add(actor=user, kind=kind, minutes=minutes)
    now = timezone.now()
    for supervisor_name, counsellor_name, days, hour in data.SUPERVISION:
        supervisor, counsellor = by_name[supervisor_name], by_name[counsellor_name]
        planned = SupervisionSession.objects.filter(
            counsellor=counsellor, supervisor=supervisor, status=SupervisionStatus.PLANNED,
            scheduled_for__gt=now)
        if planned.exists():
            continue
        day = timezone.localdate() + timedelta(days=days)
        when = datetime.combine(day, time(hour, 0),
                                tzinfo=ZoneInfo(settings.TIME_ZONE))
        services_care.supervision_plan(actor=supervisor, counsellor_id=counsellor.pk,
                                       scheduled_for=when)


# --- counts and the report ---------------------------------------------------------------------

def counselling_demo_counts() -> dict[str, int]:
    """Rows of the counselling demo, by kind (what a second run must leave unchanged)."""
    pool = Pool.objects.filter(slug=data.POOL_SLUG).first()
    usernames = [c.username for c in data.COUNSELLORS]
    clients = Client.objects.filter(pool=pool)
    engagements = Engagement.objects.filter(client__in=clients)
    return {
        "pools": Pool.objects.filter(slug=data.POOL_SLUG).count(),
        "profiles": CounsellorProfile.objects.filter(user__username__in=usernames,
                                                     published=True).count(),
        "slots": Slot.objects.filter(counsellor__user__username__in=usernames).count(),
        "clients": clients.count(),
        "engagements": engagements.filter(status=EngagementStatus.ACTIVE).count(),
        "appointments": Appointment.objects.filter(engagement__in=engagements).count(),
        "messages": ChatMessage.objects.filter(engagement__in=engagements).count(),
        "goals": CounsellingGoal.objects.filter(engagement__in=engagements).count(),
        "safety_plans": SafetyPlan.objects.filter(client__in=clients).count(),
        "checkins": WellbeingCheckin.objects.filter(
            counsellor__username__in=usernames).count(),
        "exposure": ExposureEntry.objects.filter(counsellor__username__in=usernames).count(),
        "supervision": SupervisionSession.objects.filter(
            Q(counsellor__username__in=usernames)).count(),
    }


def counselling_demo_lines(demo: CounsellingDemo, *, url: str) -> list[str]:
    """The counselling block of the demo command's report (plain lines)."""
    first = Pool.objects.order_by("id").first()
    portal = f"{url}/help/"
    if first is not None and first.pk != demo.pool.pk:
        portal += f"?pool={demo.pool.slug}"
    lines = [
        f" Online counselling (anonymous clients): {portal}",
        f" Pool “{demo.pool.name}”: {len(demo.profiles)} published counsellors, "
        f"{demo.free_slots} free times in the next {data.SLOT_DAYS} days.",
    ]
    for profile in demo.profiles:
        kind = CounsellorKind(profile.kind).label
        formats = ", ".join(str(Format(f).label).lower() for f in profile.formats)
        lines.append(f"  - {profile.user.username:<8} {profile.display_name} ({kind}; "
                     f"{', '.join(profile.languages)}; {formats})")
    lines.append(f" Demo client: nickname {demo.client.nickname}, passphrase "
                 f"“{data.CLIENT_PASSPHRASE}” (no e-mail address).")
    when = ("no session booked" if demo.appointment is None else
            "a chat session on " + timezone.localtime(demo.appointment.starts_at)
            .strftime("%a %d %b %Y, %H:%M"))
    lines.append(f"   In counselling with {data.CLIENT_COUNSELLOR}: {when}; {len(data.CHAT)} "
                 f"chat messages, {len(data.GOALS)} goals and a safety plan.")
    if demo.codes:
        lines.append(" The exit programme's people (same password as everyone, backup codes):")
        for user, user_codes in demo.codes:
            lines.append(f"  {user.username:<8} {Role(user.role).label:<12} {user.organisation}")
            lines.append(f"           backup codes: {'  '.join(user_codes)}")
    lines.append(f" Try: open {portal} as demo-client and write in the conversation;")
    lines.append(f" sign in as {data.CLIENT_COUNSELLOR} (staff pages) to answer live;")
    lines.append(f" {data.PREVENTION_SUPERVISOR} and {data.EXIT_SUPERVISOR} see how their "
                 "counsellors are doing and plan supervision (never a client's words).")
    return lines


def counselling_demo_reset() -> dict[str, int]:
    """Delete the counselling demo's clients (with everything in them: engagements, chat,
    goals, safety plans, appointments, notices), the demo counsellors' free times and their
    care records (check-ins, exposure, supervision). People, profiles and the pool stay, like
    the other demo people, and are re-asserted by the next run. Call inside a transaction."""
    pool = Pool.objects.filter(slug=data.POOL_SLUG).first()
    if pool is None:
        return {"clients": 0}
    clients = Client.objects.filter(pool=pool)
    counts = {"clients": clients.count()}
    clients.delete()
    users = User.objects.filter(counsellor_profile__isnull=False,
                                organisation__in=pool.organisations.all())
    Slot.objects.filter(counsellor__user__in=users).delete()
    WellbeingCheckin.objects.filter(counsellor__in=users).delete()
    ExposureEntry.objects.filter(counsellor__in=users).delete()
    SupervisionSession.objects.filter(counsellor__in=users).delete()
    return counts
