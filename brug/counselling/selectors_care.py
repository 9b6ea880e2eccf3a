"""Reads for the care of counsellors: their own care page and the supervisor's overview.

What a supervisor sees is about the workers, never about clients: caseload numbers, sessions
held, exposure minutes, the feeling of the last check-in and whether the counsellor would like
to talk. Never a client's nickname, a client list, a check-in's private note or a chat.
Concern notes the counsellor chose to share are listed by date, topic and counsellor; their text
is read one at a time on an audited page (``services_care.concern_read``).

Scoping: a supervisor sees the counsellors of their own organisation (people with the counsellor
role there). Anything else is "not found", as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Max, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.models import User
from brug.accounts.roles import Cap, Role
from brug.errors import NotAllowed, NotFound

from .models import (
    Appointment,
    AppointmentStatus,
    ConcernNote,
    CounsellorProfile,
    EngagementMember,
    EngagementStatus,
    ExposureEntry,
    ExposureKind,
    Feeling,
    SupervisionSession,
    SupervisionStatus,
    WellbeingCheckin,
)
from .zones import counsellor_zone

RECENT_DAYS = 14             # the window of "sessions held" and "exposure" numbers
SUPERVISION_GAP_DAYS = 42    # longer than six weeks without supervision is flagged
CONCERNS_SHOWN = 50
CHECKINS_SHOWN = 10
SESSIONS_SHOWN = 10


def zone_of(user: User) -> ZoneInfo:
    """The zone a person enters and reads times in: their counsellor profile's, else the site's."""
    return counsellor_zone(CounsellorProfile.objects.filter(user=user).only("time_zone").first())


# --- access getters ---------------------------------------------------------------------------

def counsellors_of(organisation_id: int) -> list[User]:
    """Active people with the counsellor role in the organisation, with their profile."""
    return list(User.objects.filter(organisation_id=organisation_id, role=Role.COUNSELLOR,
                                    is_active=True)
                .select_related("counsellor_profile")
                .order_by("first_name", "last_name", "username"))


def access_supervisee(*, actor: User, user_id: int) -> User:
    """A counsellor of the supervisor's organisation (404 for anyone else)."""
    org = require_capability(actor, Cap.COUNSEL_SUPERVISE)
    counsellor = (User.objects.select_related("counsellor_profile")
                  .filter(pk=user_id, organisation_id=org, role=Role.COUNSELLOR,
                          is_active=True).first())
    if counsellor is None:
        raise NotFound(_("There is no such counsellor in your organisation."))
    return counsellor


def access_supervision(*, actor: User, session_id: int,
                       for_update: bool = False) -> SupervisionSession:
    """A supervision session the actor takes part in: its supervisor or its counsellor.

    Any other person, even a supervisor of the same organisation, gets 404: the shared notes
    are between those two. People whose role neither counsels nor supervises get 403.
    """
    if not (actor.can(Cap.COUNSEL) or actor.can(Cap.COUNSEL_SUPERVISE)):
        raise NotAllowed(_("Your role does not give access to supervision."))
    qs = SupervisionSession.objects.select_related("counsellor", "supervisor")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    session = qs.filter(Q(counsellor=actor) | Q(supervisor=actor), pk=session_id).first()
    if session is None:
        raise NotFound(_("There is no such supervision session for you."))
    return session


def access_shared_concern(*, actor: User, concern_id: int) -> ConcernNote:
    """A concern note shared with supervisors, written by a counsellor of the actor's
    organisation (404 otherwise, and for notes the counsellor kept to the team)."""
    org = require_capability(actor, Cap.COUNSEL_SUPERVISE)
    concern = (ConcernNote.objects.select_related("author", "author__user")
               .filter(pk=concern_id, shared_with_supervisor=True,
                       author__user__organisation_id=org).first())
    if concern is None:
        raise NotFound(_("There is no such concern note shared with you."))
    return concern


# --- the counsellor's own care page -----------------------------------------------------------

@dataclass(frozen=True)
class ExposureTotal:
    kind: str
    label: str
    minutes: int
    share: int  # 0..100 in steps of 5, for the CSS bar's width class


@dataclass
class CarePage:
    checkins: list[WellbeingCheckin]
    exposure: list[ExposureTotal]
    exposure_total: int
    sessions: list[SupervisionSession]
    zone: ZoneInfo


def _share(value: int, top: int) -> int:
    """A bar length in steps of 5 (``bar-w-N`` classes); a non-zero value shows at least 5."""
    if not top or not value:
        return 0
    return max(5, round(20 * value / top) * 5)


def exposure_totals(minutes_by_kind: dict[str, int]) -> list[ExposureTotal]:
    """One total per kind (every kind, zeros included, in the vocabulary's order)."""
    top = max(minutes_by_kind.values(), default=0)
    return [ExposureTotal(kind=str(kind), label=str(label),
                          minutes=minutes_by_kind.get(str(kind), 0),
                          share=_share(minutes_by_kind.get(str(kind), 0), top))
            for kind, label in ExposureKind.choices]


def care_page(*, actor: User, now: datetime) -> CarePage:
    """The counsellor's own check-ins (with their notes: they are the counsellor's own),
    exposure in the last ``RECENT_DAYS`` days per kind, and their supervision sessions
    (planned and held). Raises ``NotAllowed`` without ``Cap.COUNSEL``."""
    require_capability(actor, Cap.COUNSEL)
    since = now - timedelta(days=RECENT_DAYS)
    minutes = {row["kind"]: int(row["m"] or 0) for row in
               ExposureEntry.objects.filter(counsellor=actor, at__gte=since).order_by()
               .values("kind").annotate(m=Sum("minutes"))}
    sessions = list(SupervisionSession.objects.filter(
        counsellor=actor, status__in=[SupervisionStatus.PLANNED, SupervisionStatus.HELD])
        .select_related("supervisor")[:SESSIONS_SHOWN])
    return CarePage(checkins=list(WellbeingCheckin.objects.filter(counsellor=actor)
                                  [:CHECKINS_SHOWN]),
                    exposure=exposure_totals(minutes), exposure_total=sum(minutes.values()),
                    sessions=sessions, zone=zone_of(actor))


# --- the supervisor's overview ----------------------------------------------------------------

@dataclass
class CounsellorRow:
    """One counsellor on the overview: numbers about the worker, nothing about clients."""

    user: User
    profile: CounsellorProfile | None
    caseload: int = 0
    sessions_held: int = 0
    exposure_minutes: int = 0
    last_checkin_at: datetime | None = None
    last_feeling: str = ""
    wants_to_talk: bool = False
    last_supervision: datetime | None = None
    next_supervision: SupervisionSession | None = None
    supervision_overdue: bool = True

    @property
    def limit(self) -> int | None:
        return self.profile.caseload_limit if self.profile is not None else None

    @property
    def over_limit(self) -> bool:
        return self.limit is not None and self.caseload > self.limit

    @property
    def feeling_label(self) -> str:
        return str(Feeling(self.last_feeling).label) if self.last_feeling else ""

    @property
    def published(self) -> bool:
        return bool(self.profile is not None and self.profile.published)


@dataclass
class Overview:
    rows: list[CounsellorRow]
    planned: list[SupervisionSession]
    concerns: list[ConcernNote]
    zone: ZoneInfo
    now: datetime
    counsellors: list[User] = field(default_factory=list)


def supervision_overview(*, actor: User, now: datetime) -> Overview:
    """Every counsellor of the supervisor's organisation with their care numbers, the planned
    supervision sessions and the concern notes shared with supervisors.

    Raises ``NotAllowed`` without ``Cap.COUNSEL_SUPERVISE``. A fixed number of queries
    (eight), whatever the number of counsellors. Check-in notes are never loaded.
    """
    org = require_capability(actor, Cap.COUNSEL_SUPERVISE)
    since = now - timedelta(days=RECENT_DAYS)
    counsellors = counsellors_of(org)
    ids = [u.pk for u in counsellors]
    caseloads: dict[int, int] = dict(
        EngagementMember.objects.filter(counsellor__user_id__in=ids, left_at__isnull=True,
                                        engagement__status=EngagementStatus.ACTIVE)
        .order_by().values("counsellor__user_id")
        .annotate(n=Count("engagement_id", distinct=True))
        .values_list("counsellor__user_id", "n"))
    held: dict[int, int] = dict(
        Appointment.objects.filter(counsellor__user_id__in=ids, status=AppointmentStatus.HELD,
                                   starts_at__gte=since, starts_at__lte=now)
        .order_by().values("counsellor__user_id").annotate(n=Count("id"))
        .values_list("counsellor__user_id", "n"))
    exposure: dict[int, int | None] = dict(
        ExposureEntry.objects.filter(counsellor_id__in=ids, at__gte=since).order_by()
        .values("counsellor_id").annotate(m=Sum("minutes")).values_list("counsellor_id", "m"))
    # Only the date and the feeling: the note column is not even selected.
    last_checkins: dict[int, tuple[datetime, str]] = {
        user_id: (at, feeling) for user_id, at, feeling in
        WellbeingCheckin.objects.filter(counsellor_id__in=ids)
        .annotate(rank=Window(RowNumber(), partition_by=[F("counsellor_id")],
                              order_by=[F("at").desc(), F("id").desc()]))
        .filter(rank=1).values_list("counsellor_id", "at", "feeling")}
    wished: dict[int, datetime] = dict(
        WellbeingCheckin.objects.filter(counsellor_id__in=ids, wants_to_talk=True).order_by()
        .values("counsellor_id").annotate(last=Max("at")).values_list("counsellor_id", "last"))
    last_held: dict[int, datetime | None] = dict(
        SupervisionSession.objects.filter(counsellor_id__in=ids,
                                          status=SupervisionStatus.HELD).order_by()
        .values("counsellor_id").annotate(last=Max("held_at"))
        .values_list("counsellor_id", "last"))
    planned = list(SupervisionSession.objects.filter(counsellor_id__in=ids,
                                                     status=SupervisionStatus.PLANNED)
                   .select_related("counsellor", "supervisor").defer("notes")
                   .order_by("scheduled_for", "id"))
    next_planned: dict[int, SupervisionSession] = {}
    for session in planned:
        next_planned.setdefault(session.counsellor_id, session)
    gap = now - timedelta(days=SUPERVISION_GAP_DAYS)
    rows = []
    for user in counsellors:
        checkin = last_checkins.get(user.pk)
        last_supervision = last_held.get(user.pk)
        wish = wished.get(user.pk)
        rows.append(CounsellorRow(
            user=user, profile=getattr(user, "counsellor_profile", None),
            caseload=caseloads.get(user.pk, 0), sessions_held=held.get(user.pk, 0),
            exposure_minutes=exposure.get(user.pk) or 0,
            last_checkin_at=checkin[0] if checkin else None,
            last_feeling=checkin[1] if checkin else "",
            wants_to_talk=wish is not None and (last_supervision is None
                                                or wish > last_supervision),
            last_supervision=last_supervision, next_supervision=next_planned.get(user.pk),
            supervision_overdue=last_supervision is None or last_supervision < gap))
    concerns = list(ConcernNote.objects.filter(shared_with_supervisor=True,
                                               author__user__organisation_id=org)
                    .select_related("author", "author__user").defer("text")
                    .order_by("-created_at", "-id")[:CONCERNS_SHOWN])
    return Overview(rows=rows, planned=planned, concerns=concerns, zone=zone_of(actor), now=now,
                    counsellors=counsellors)
