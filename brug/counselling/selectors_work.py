"""Reads of the counsellor workspace and of the client's goals and proposals.

Each page's data comes from a fixed number of queries, whatever the caseload (tested with
``django_assert_max_num_queries``). Callers pass engagements they already fetched through an
``access`` getter; nothing here checks permissions a second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Min, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from brug.errors import NotFound

from .emergency import emergency_data
from .matching import choosable_profiles
from .models import (
    Appointment,
    AppointmentStatus,
    Client,
    ConcernNote,
    CounsellingGoal,
    CounsellorProfile,
    Engagement,
    EngagementMember,
    EngagementStatus,
    GoalReview,
    GoalStatus,
    Invitation,
    InvitationStatus,
    Notice,
    NoticeKind,
    SafetyPlan,
    SessionNote,
)
from .notices import notice_text
from .vocab import Language

if TYPE_CHECKING:
    from brug.accounts.models import User

NOTICES_SHOWN = 50
NOTES_SHOWN = 50
PAST_APPOINTMENTS_SHOWN = 20
OPEN_INVITATION = (InvitationStatus.AWAITING_COLLEAGUE, InvitationStatus.AWAITING_CLIENT)


def invitation_candidates(engagement: Engagement, *,
                          include_team: bool = False) -> QuerySet[CounsellorProfile]:
    """Colleagues who may be proposed to the client: ``choosable_profiles`` of the client's
    pool (published, active, counsellor role), not on the team now (``include_team``: also those
    on it, to re-check a proposal at the client's answer)."""
    candidates = choosable_profiles(engagement.client.pool_id)
    if not include_team:
        candidates = candidates.exclude(memberships__in=EngagementMember.objects.filter(
            engagement=engagement, left_at__isnull=True))
    return candidates.select_related("user__organisation").order_by("display_name", "id")


def goal_is_due(goal: CounsellingGoal, today: date | None = None) -> bool:
    return (goal.status == GoalStatus.OPEN and goal.next_review_on is not None
            and goal.next_review_on <= (today or timezone.localdate()))


def work_notice_text(notice: Notice) -> str:
    """A notice in the reader's language; the workspace's own kinds first, then the shared
    sentences of ``notices.notice_text``."""
    params = notice.params
    name = str(params.get("name", ""))
    if notice.kind == NoticeKind.COLLEAGUE_INVITE:
        return _("%(name)s asks you to join a counselling. Read the proposal and "
                 "answer.") % {"name": name}
    if notice.kind == NoticeKind.INVITATION_ANSWER:
        texts = {
            "colleague_agreed": _("%(name)s agreed to join. The client now decides."),
            "colleague_declined": _("%(name)s cannot take up your proposal."),
            "colleague_unavailable": _("The client said yes, but %(name)s cannot join any "
                                       "more: the proposal is withdrawn."),
            "client_accepted": _("The client said yes: %(name)s is now on the team."),
            "client_declined": _("The client said no to the proposal of %(name)s. Nothing "
                                 "changes."),
            "client_accepted_you": _("The client said yes to the proposal of %(name)s: you "
                                     "are now on the team."),
            "client_declined_you": _("The client chose not to go ahead with the proposal of "
                                     "%(name)s."),
        }
        return texts.get(str(params.get("answer")), "") % {"name": name}
    if notice.kind == NoticeKind.ENDED:
        if name:
            return _("%(name)s ended a counselling you are on.") % {"name": name}
        return _("A client ended their counselling with you.")
    return notice_text(notice) or str(notice.get_kind_display())


# --- the workspace ---------------------------------------------------------------------------

@dataclass
class EngagementRow:
    engagement: Engagement
    since: datetime
    lead: bool
    next_appointment: datetime | None = None
    unread: int = 0
    goals_due: int = 0


@dataclass
class Workspace:
    profile: CounsellorProfile | None
    rows: list[EngagementRow] = field(default_factory=list)
    invitations: list[Invitation] = field(default_factory=list)
    notices: list[tuple[Notice, str]] = field(default_factory=list)

    @property
    def goals_due(self) -> int:
        return sum(row.goals_due for row in self.rows)


def workspace_for(actor: User) -> Workspace:
    """The actor's active engagements, proposals waiting for them, and unread notices."""
    profile = CounsellorProfile.objects.filter(user=actor).first()
    notices = list(Notice.objects.filter(user=actor, read_at__isnull=True)[:NOTICES_SHOWN])
    space = Workspace(profile=profile, notices=[(n, work_notice_text(n)) for n in notices])
    if profile is None:
        return space
    members = list(EngagementMember.objects.filter(
        counsellor=profile, left_at__isnull=True, engagement__status=EngagementStatus.ACTIVE)
        .select_related("engagement__client").order_by("-joined_at", "-id"))
    ids = [m.engagement_id for m in members]
    coming = dict(Appointment.objects.filter(
        engagement_id__in=ids, status=AppointmentStatus.BOOKED, starts_at__gte=timezone.now())
        .values("engagement_id").annotate(first=Min("starts_at"))
        .values_list("engagement_id", "first"))
    due = dict(CounsellingGoal.objects.filter(
        engagement_id__in=ids, status=GoalStatus.OPEN,
        next_review_on__lte=timezone.localdate())
        .values("engagement_id").annotate(n=Count("id")).values_list("engagement_id", "n"))
    unread: dict[int, int] = {}
    for notice in notices:
        engagement_id = notice.params.get("engagement")
        if isinstance(engagement_id, int):
            unread[engagement_id] = unread.get(engagement_id, 0) + 1
    space.rows = [EngagementRow(engagement=m.engagement, since=m.joined_at, lead=m.lead,
                                next_appointment=coming.get(m.engagement_id),
                                unread=unread.get(m.engagement_id, 0),
                                goals_due=due.get(m.engagement_id, 0)) for m in members]
    # Not the client: until they agree, the colleague sees no nickname (need-to-know).
    space.invitations = list(Invitation.objects.filter(
        to_counsellor=profile, status=InvitationStatus.AWAITING_COLLEAGUE,
        engagement__status=EngagementStatus.ACTIVE)
        .select_related("from_counsellor").order_by("created_at", "id"))
    return space


# --- one engagement --------------------------------------------------------------------------

def _goals(engagement: Engagement) -> list[CounsellingGoal]:
    return list(engagement.goals.prefetch_related(
        Prefetch("reviews", queryset=GoalReview.objects.select_related("by"))))


def engagement_page(engagement: Engagement) -> dict[str, Any]:
    """Everything the team sees of one engagement (the view is audited by the caller)."""
    client = engagement.client
    now = timezone.now()
    members = list(engagement.members.filter(left_at__isnull=True)
                   .select_related("counsellor").order_by("-lead", "joined_at", "id"))
    appointments = list(engagement.appointments.select_related("counsellor")
                        .order_by("starts_at", "id"))
    coming = [a for a in appointments if a.ends_at >= now]
    past = [a for a in appointments if a.ends_at < now][::-1][:PAST_APPOINTMENTS_SHOWN]
    goals = _goals(engagement)
    today = timezone.localdate()
    notes = list(SessionNote.objects.filter(engagement=engagement)
                 .select_related("author", "appointment")[:NOTES_SHOWN])
    active = engagement.status == EngagementStatus.ACTIVE
    country = emergency_data().country(client.country)
    return {
        "engagement": engagement, "client": client, "active": active,
        "contact_channel": client.contact_channel if client.contact_consent_at else "",
        "language_name": dict(Language.choices).get(client.language, client.language),
        "country_name": country.name if country else client.country,
        "members": members,
        "coming": coming, "past": past,
        "appointment_choices": [a for a in appointments if a.starts_at <= now][-10:][::-1],
        "goals": [(g, goal_is_due(g, today)) for g in goals],
        "goals_due": sum(1 for g in goals if goal_is_due(g, today)),
        "notes": notes,
        "safety_plan": SafetyPlan.objects.filter(client=client).first(),
        "concerns": list(ConcernNote.objects.filter(engagement=engagement)
                         .select_related("author")),
        "invitations": list(engagement.invitations.select_related(
            "from_counsellor", "to_counsellor").order_by("-created_at", "-id")),
        "conversation_url": reverse("counselling:conversation",
                                    kwargs={"engagement_id": engagement.pk}),
    }


# --- the client's side -----------------------------------------------------------------------

def client_goals(engagement: Engagement) -> list[CounsellingGoal]:
    """The goals of the client's engagement with their reviews (never session notes)."""
    return _goals(engagement)


def client_engagements(client: Client) -> list[Engagement]:
    return list(Engagement.objects.filter(client=client).order_by("-started_at", "-id"))


def client_invitation(client: Client, invitation_id: int) -> Invitation:
    """A proposal the client may answer or has answered. Until the colleague agreed it is not
    theirs to see (404, as for anyone else's)."""
    invitation = (Invitation.objects.select_related("from_counsellor", "to_counsellor",
                                                    "engagement")
                  .filter(pk=invitation_id, engagement__client=client,
                          client_asked_at__isnull=False).first())
    if invitation is None:
        raise NotFound(_("There is no such proposal."))
    return invitation
