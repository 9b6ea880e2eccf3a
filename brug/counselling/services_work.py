"""Writes of the counsellor workspace and of the client's side of it: the counsellor's profile,
goals and their reviews, session notes, the safety plan, concern notes, invitations of a
colleague (tandem or warm hand-over), leaving a team and ending a counselling.

Each function checks who may do it (``access`` getters: a counsellor only on their own team, a
client only in their own engagement), runs in one transaction with the engagement row locked,
and writes a content-free audit entry (ids, counts, field names; never what anyone wrote).
Nothing here rates the client: goals and concerns are words (DESIGN.md §3.1).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import Conflict, InvalidInput, NotFound

from .access import access_client_engagement, access_engagement
from .models import (
    Appointment,
    AppointmentStatus,
    Client,
    ConcernNote,
    ConcernTopic,
    CounsellingGoal,
    CounsellorProfile,
    Engagement,
    EngagementMember,
    EngagementStatus,
    GoalProgress,
    GoalReview,
    GoalStatus,
    Invitation,
    InvitationKind,
    InvitationStatus,
    NoticeKind,
    SafetyPlan,
    SessionNote,
)
from .notices import notice_add
from .selectors_work import invitation_candidates
from .services_chat import chat_revoke
from .services_clients import client_audit_details
from .vocab import (
    MEETING_FORMATS,
    AgeBand,
    CounsellorKind,
    Format,
    Gender,
    Language,
    Side,
    Specialism,
)

if TYPE_CHECKING:
    from brug.accounts.models import User

GOAL_MAX, REVIEW_NOTE_MAX, OUTCOME_MAX = 500, 2000, 1000
NOTE_MAX, CONCERN_MAX, CONCERN_MIN = 5000, 3000, 10
REASON_MAX, COLLEAGUE_NOTE_MAX, SAFETY_MAX = 1000, 2000, 2000
REVIEW_DAYS_MIN, REVIEW_DAYS_MAX, REVIEW_DAYS_DEFAULT = 7, 180, 28
SAFETY_FIELDS = ("warning_signs", "coping", "people", "professionals", "safe_places")
URGENT_TOPICS = frozenset({ConcernTopic.SELF_HARM, ConcernTopic.HARM_TO_OTHERS})
CLOSED_GOAL = frozenset({GoalStatus.ACHIEVED, GoalStatus.CHANGED, GoalStatus.LET_GO})


# --- small checks ----------------------------------------------------------------------------

def _text(value: str | None, *, field: str, limit: int, required: bool = True,
          minimum: int = 1) -> str:
    text = (value or "").strip()
    if required and len(text) < minimum:
        raise InvalidInput(_("Please write at least %(n)d characters.") % {"n": minimum}
                           if minimum > 1 else _("Please fill this in."), field=field)
    if len(text) > limit:
        raise InvalidInput(_("Please keep this to %(n)d characters.") % {"n": limit},
                           field=field)
    return text


def _choices(values: Iterable[str], allowed: Iterable[str], *, field: str,
             required: bool) -> list[str]:
    values = list(dict.fromkeys(values))
    unknown = [v for v in values if v not in set(allowed)]
    if unknown:
        raise InvalidInput(_("Unknown choice “%(value)s”.") % {"value": unknown[0]},
                           field=field)
    if required and not values:
        raise InvalidInput(_("Choose at least one."), field=field)
    return values


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _team_engagement(actor: User, engagement_id: int, *,
                     active: bool = True) -> tuple[Engagement, CounsellorProfile]:
    """The engagement, locked, when the actor is on its team (else 403/404), and the actor's
    profile. ``active``: refuse an ended one (409). Precondition: inside ``atomic``."""
    engagement = access_engagement(actor=actor, engagement_id=engagement_id)
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    locked.client = engagement.client
    if active and locked.status != EngagementStatus.ACTIVE:
        raise Conflict(_("This counselling has ended."), code="engagement_ended")
    return locked, CounsellorProfile.objects.get(user=actor)


def _client_engagement(client: Client, engagement_id: int) -> Engagement:
    """The client's own active engagement, locked. Precondition: inside ``atomic``."""
    engagement = access_client_engagement(client=client, engagement_id=engagement_id,
                                          active_only=True)
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if locked.status != EngagementStatus.ACTIVE:
        raise Conflict(_("This counselling has ended."), code="engagement_ended")
    locked.client = client
    return locked


def _engagement_url(engagement: Engagement) -> str:
    return reverse("counselling:engagement", kwargs={"engagement_id": engagement.pk})


# --- profile ---------------------------------------------------------------------------------

def profile_save(*, actor: User, display_name: str, kind: str, age_band: str, gender: str,
                 languages: Iterable[str], formats: Iterable[str],
                 specialisms: Iterable[str] = (), introduction: str = "",
                 time_zone: str = "", place: str = "", accepting: bool = True
                 ) -> CounsellorProfile:
    """Write the actor's own profile (created on first save, unpublished). Publishing and the
    caseload limit belong to supervision and are never touched here."""
    require_capability(actor, Cap.COUNSEL)
    values: dict[str, Any] = {
        "display_name": _text(display_name, field="display_name", limit=60),
        "kind": _choices([kind], CounsellorKind.values, field="kind", required=True)[0],
        "age_band": _choices([age_band], AgeBand.values, field="age_band", required=True)[0],
        "gender": _choices([gender], Gender.values, field="gender", required=True)[0],
        "languages": _choices(languages, Language.values, field="languages", required=True),
        "formats": _choices(formats, Format.values, field="formats", required=True),
        "specialisms": _choices(specialisms, Specialism.values, field="specialisms",
                                required=False),
        "introduction": _text(introduction, field="introduction", limit=800, required=False),
        "time_zone": (time_zone or settings.TIME_ZONE).strip(),
        "place": _text(place, field="place", limit=200, required=False),
        "accepting": bool(accepting),
    }
    if values["time_zone"] not in time_zones():
        raise InvalidInput(_("Choose a time zone from the list, e.g. Europe/Brussels."),
                           field="time_zone")
    if Format.IN_PERSON in values["formats"] and not values["place"]:
        raise InvalidInput(_("Say where in-person sessions happen (a public place or an "
                             "office, never your home address)."), field="place")
    if MEETING_FORMATS & set(values["formats"]) and not settings.BRUG_MEETING_URL:
        raise InvalidInput(_("Voice and video calls are not set up on this installation yet; "
                             "choose chat or in person."), field="formats")
    try:
        with transaction.atomic():
            profile = CounsellorProfile.objects.select_for_update().filter(user=actor).first()
            created = profile is None
            profile = profile or CounsellorProfile(user=actor)
            changed = sorted(k for k, v in values.items()
                             if created or getattr(profile, k) != v)
            for name, value in values.items():
                setattr(profile, name, value)
            profile.save()
            audit_record(actor=actor, action="counselling.profile_save", obj=profile,
                         details={"created": created, "fields": changed})
    except IntegrityError:  # the same person saved twice at once: the first one won
        raise Conflict(_("Your profile was just saved elsewhere; open it again.")) from None
    return profile


# --- goals -----------------------------------------------------------------------------------

def _review_days(value: int | None) -> int:
    days = REVIEW_DAYS_DEFAULT if value is None else int(value)
    if not REVIEW_DAYS_MIN <= days <= REVIEW_DAYS_MAX:
        raise InvalidInput(_("Review every %(a)d to %(b)d days.")
                           % {"a": REVIEW_DAYS_MIN, "b": REVIEW_DAYS_MAX},
                           field="review_every_days")
    return days


def goal_add(*, actor: User, engagement_id: int, text: str,
             review_every_days: int | None = None) -> CounsellingGoal:
    """A goal agreed with the client, written in the client's words."""
    text = _text(text, field="text", limit=GOAL_MAX)
    days = _review_days(review_every_days)
    with transaction.atomic():
        engagement, _profile = _team_engagement(actor, engagement_id)
        goal = CounsellingGoal.objects.create(
            engagement=engagement, text=text, written_by=Side.COUNSELLOR,
            review_every_days=days, next_review_on=timezone.localdate() + timedelta(days=days))
        audit_record(actor=actor, action="counselling.goal_add", obj=goal,
                     details={"engagement": engagement.pk, "review_every_days": days})
    return goal


def client_goal_add(*, client: Client, engagement_id: int, text: str) -> CounsellingGoal:
    """A goal the client writes themselves; the team reviews it with them."""
    text = _text(text, field="text", limit=GOAL_MAX)
    with transaction.atomic():
        engagement = _client_engagement(client, engagement_id)
        goal = CounsellingGoal.objects.create(
            engagement=engagement, text=text, written_by=Side.CLIENT,
            review_every_days=REVIEW_DAYS_DEFAULT,
            next_review_on=timezone.localdate() + timedelta(days=REVIEW_DAYS_DEFAULT))
        audit_record(actor=None, action="counselling.goal_add", obj=goal,
                     details=client_audit_details(client, engagement=engagement.pk))
    return goal


def goal_review(*, actor: User, goal_id: int, progress: str, note: str = "",
                close_as: str = "", outcome: str = "") -> GoalReview:
    """Record how a goal is going; the next review moves on. ``close_as`` (achieved, changed,
    let go) closes the goal and needs the outcome in words."""
    _choices([progress], GoalProgress.values, field="progress", required=True)
    note = _text(note, field="note", limit=REVIEW_NOTE_MAX, required=False)
    if close_as and close_as not in CLOSED_GOAL:
        raise InvalidInput(_("Unknown choice “%(value)s”.") % {"value": close_as},
                           field="close_as")
    outcome = _text(outcome, field="outcome", limit=OUTCOME_MAX, required=bool(close_as))
    engagement_id = (CounsellingGoal.objects.filter(pk=goal_id)
                     .values_list("engagement_id", flat=True).first())
    if engagement_id is None:
        raise NotFound(_("There is no such goal in your counselling."))
    with transaction.atomic():
        engagement, profile = _team_engagement(actor, engagement_id)
        goal = CounsellingGoal.objects.select_for_update().get(pk=goal_id)
        if goal.status != GoalStatus.OPEN:
            raise Conflict(_("This goal is closed already."), code="goal_closed")
        review = GoalReview.objects.create(goal=goal, by=profile, progress=progress, note=note)
        if close_as:
            goal.status, goal.outcome, goal.closed_at = close_as, outcome, timezone.now()
            goal.next_review_on = None
        else:
            goal.next_review_on = timezone.localdate() + timedelta(days=goal.review_every_days)
        goal.save(update_fields=["status", "outcome", "closed_at", "next_review_on"])
        audit_record(actor=actor, action="counselling.goal_review", obj=goal, details={
            "engagement": engagement.pk, "review": review.pk, "progress": progress,
            "closed_as": close_as or None})
    return review


# --- session notes, safety plan, concerns ------------------------------------------------------

def note_add(*, actor: User, engagement_id: int, text: str,
             appointment_id: int | None = None) -> SessionNote:
    """The team's own note (never shown to the client or a supervisor). Allowed after the
    counselling ended too: the last session is often written up afterwards."""
    text = _text(text, field="text", limit=NOTE_MAX)
    with transaction.atomic():
        engagement, profile = _team_engagement(actor, engagement_id, active=False)
        appointment = None
        if appointment_id is not None:
            appointment = Appointment.objects.filter(pk=appointment_id,
                                                     engagement=engagement).first()
            if appointment is None:
                raise InvalidInput(_("Choose one of this counselling's sessions."),
                                   field="appointment")
        note = SessionNote.objects.create(engagement=engagement, appointment=appointment,
                                          author=profile, text=text)
        audit_record(actor=actor, action="counselling.note_add", obj=note, details={
            "engagement": engagement.pk, "appointment": appointment_id})
    return note


def safety_plan_version(plan: SafetyPlan | None) -> str:
    """A token of the plan's last change, sent with the form to notice an edit meanwhile."""
    return str(int(plan.updated_at.timestamp() * 1_000_000)) if plan else ""


def _safety_plan_write(client: Client, texts: dict[str, str], version: str | None,
                       user: User | None) -> tuple[SafetyPlan, list[str]]:
    """Precondition: inside ``atomic``. The client row is locked first so two first saves of
    the plan (client and counsellor at once) queue instead of colliding."""
    clean = {name: _text(texts.get(name, ""), field=name, limit=SAFETY_MAX, required=False)
             for name in SAFETY_FIELDS}
    Client.objects.select_for_update().filter(pk=client.pk).first()
    plan = SafetyPlan.objects.select_for_update().filter(client=client).first()
    if version is not None and version != safety_plan_version(plan):
        raise Conflict(_("The safety plan was changed meanwhile (it is written together). "
                         "Open it again to see the changes, then add yours."),
                       code="safety_plan_changed")
    plan = plan or SafetyPlan(client=client)
    changed = [name for name in SAFETY_FIELDS if getattr(plan, name) != clean[name]]
    for name in SAFETY_FIELDS:
        setattr(plan, name, clean[name])
    plan.updated_by = user
    plan.save()
    return plan, changed


def safety_plan_save(*, actor: User, engagement_id: int, texts: dict[str, str],
                     version: str | None = None) -> SafetyPlan:
    """The counsellor writes the client's safety plan with them. ``version`` (from
    ``safety_plan_version``) refuses to overwrite a change made meanwhile."""
    with transaction.atomic():
        engagement, _profile = _team_engagement(actor, engagement_id)
        plan, changed = _safety_plan_write(engagement.client, texts, version, actor)
        audit_record(actor=actor, action="counselling.safety_plan_save", obj=plan,
                     details={"engagement": engagement.pk, "client": engagement.client_id,
                              "fields": changed})
    return plan


def client_safety_plan_save(*, client: Client, texts: dict[str, str],
                            version: str | None = None) -> SafetyPlan:
    """The client edits their own plan (they need no counselling for it)."""
    with transaction.atomic():
        plan, changed = _safety_plan_write(client, texts, version, None)
        audit_record(actor=None, action="counselling.safety_plan_save", obj=plan,
                     details=client_audit_details(client, fields=changed))
    return plan


def concern_add(*, actor: User, engagement_id: int, topic: str, text: str,
                shared_with_supervisor: bool = True) -> ConcernNote:
    """A worry in words: what the counsellor noticed and what they did. Never a score.
    Allowed after the counselling ended too (something said at the very end still counts)."""
    _choices([topic], ConcernTopic.values, field="topic", required=True)
    text = _text(text, field="text", limit=CONCERN_MAX, minimum=CONCERN_MIN)
    with transaction.atomic():
        engagement, profile = _team_engagement(actor, engagement_id, active=False)
        concern = ConcernNote.objects.create(
            engagement=engagement, author=profile, topic=topic, text=text,
            shared_with_supervisor=bool(shared_with_supervisor))
        # No topic: "self_harm" next to an engagement id is health data in an append-only log.
        audit_record(actor=actor, action="counselling.concern_add", obj=concern, details={
            "engagement": engagement.pk,
            "shared_with_supervisor": bool(shared_with_supervisor)})
    return concern


# --- invitations: tandem and warm hand-over --------------------------------------------------

def invitation_send(*, actor: User, engagement_id: int, kind: str, to_counsellor_id: int,
                    reason_for_client: str, note_for_colleague: str = "") -> Invitation:
    """Propose a colleague (a published counsellor of an organisation in the client's pool, not
    on the team yet). The colleague answers first; then the client decides."""
    _choices([kind], InvitationKind.values, field="kind", required=True)
    reason = _text(reason_for_client, field="reason_for_client", limit=REASON_MAX, minimum=10)
    note = _text(note_for_colleague, field="note_for_colleague", limit=COLLEAGUE_NOTE_MAX,
                 required=False)
    with transaction.atomic():
        engagement, profile = _team_engagement(actor, engagement_id)
        colleague = invitation_candidates(engagement).filter(pk=to_counsellor_id).first()
        if colleague is None:
            raise InvalidInput(_("Choose a colleague from the list."), field="to_counsellor")
        if Invitation.objects.filter(
                engagement=engagement, to_counsellor=colleague,
                status__in=[InvitationStatus.AWAITING_COLLEAGUE,
                            InvitationStatus.AWAITING_CLIENT]).exists():
            raise Conflict(_("This colleague has an open proposal for this counselling "
                             "already."), code="invitation_open", field="to_counsellor")
        invitation = Invitation.objects.create(
            engagement=engagement, kind=kind, from_counsellor=profile, to_counsellor=colleague,
            reason_for_client=reason, note_for_colleague=note)
        notice_add(kind=NoticeKind.COLLEAGUE_INVITE, user=colleague.user,
                   engagement_id=engagement.pk,
                   params={"name": profile.display_name, "invitation": invitation.pk},
                   url=reverse("counselling:home") + "#invitations")
        audit_record(actor=actor, action="counselling.invitation_send", obj=invitation,
                     details={"engagement": engagement.pk, "kind": kind,
                              "to_counsellor": colleague.pk})
    return invitation


def invitation_answer(*, actor: User, invitation_id: int, agree: bool,
                      decline_reason: str = "") -> Invitation:
    """The invited colleague agrees (the client is then asked) or declines with a reason
    (the inviting counsellor is told)."""
    require_capability(actor, Cap.COUNSEL)
    reason = "" if agree else _text(decline_reason, field="decline_reason", limit=REASON_MAX)
    engagement_id = (Invitation.objects.filter(pk=invitation_id, to_counsellor__user=actor)
                     .values_list("engagement_id", flat=True).first())
    if engagement_id is None:
        raise NotFound(_("There is no such invitation for you."))
    with transaction.atomic():
        # The engagement first, then the invitation: the order every writer here locks in.
        engagement = Engagement.objects.select_for_update().select_related("client").get(
            pk=engagement_id)
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        if invitation.status != InvitationStatus.AWAITING_COLLEAGUE:
            raise Conflict(_("This invitation was answered or withdrawn already."),
                           code="invitation_answered")
        if engagement.status != EngagementStatus.ACTIVE:
            raise Conflict(_("This counselling has ended."), code="engagement_ended")
        colleague = CounsellorProfile.objects.get(pk=invitation.to_counsellor_id)
        inviter = CounsellorProfile.objects.select_related("user").get(
            pk=invitation.from_counsellor_id)
        if agree:
            invitation.status = InvitationStatus.AWAITING_CLIENT
            invitation.client_asked_at = timezone.now()
            notice_add(kind=NoticeKind.INVITATION, client=engagement.client,
                       engagement_id=engagement.pk,
                       params={"name": inviter.display_name, "invitation": invitation.pk},
                       url=reverse("portal:invitation",
                                   kwargs={"invitation_id": invitation.pk}))
        else:
            invitation.status, invitation.decline_reason = InvitationStatus.DECLINED, reason
            invitation.answered_at = timezone.now()
        notice_add(kind=NoticeKind.INVITATION_ANSWER, user=inviter.user,
                   params={"name": colleague.display_name, "engagement": engagement.pk,
                           "answer": "colleague_agreed" if agree else "colleague_declined"},
                   url=_engagement_url(engagement))
        invitation.save(update_fields=["status", "decline_reason", "client_asked_at",
                                       "answered_at"])
        audit_record(actor=actor, action="counselling.invitation_answer", obj=invitation,
                     details={"engagement": engagement.pk, "agree": agree})
    return invitation


def invitation_client_answer(*, client: Client, invitation_id: int,
                             accept: bool) -> Invitation:
    """The client's choice. Tandem: the colleague joins. Hand-over: the colleague joins as
    lead and the former lead stays until they leave (warm hand-over). No: nothing changes.

    A yes is checked again with the colleague's profile locked: a colleague who is no longer
    a candidate, not accepting new clients, or at their caseload limit (active engagements
    they are on >= ``caseload_limit``; not checked when already on this team) is refused with
    ``Conflict``, and the proposal is then withdrawn (and stays so), so nobody asks again.
    Precondition: not inside an outer transaction (it would undo that withdrawal)."""
    # Until the colleague agreed, the proposal is not the client's to see.
    engagement_id = (Invitation.objects.filter(pk=invitation_id, engagement__client=client,
                                               client_asked_at__isnull=False)
                     .values_list("engagement_id", flat=True).first())
    if engagement_id is None:
        raise NotFound(_("There is no such proposal."))
    refused: Conflict | None = None
    with transaction.atomic():
        engagement = Engagement.objects.select_for_update().get(pk=engagement_id)
        engagement.client = client
        invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
        if invitation.status != InvitationStatus.AWAITING_CLIENT:
            raise Conflict(_("You answered this proposal already, or it was withdrawn."),
                           code="invitation_answered")
        if engagement.status != EngagementStatus.ACTIVE:
            raise Conflict(_("This counselling has ended."), code="engagement_ended")
        # Locked (after the engagement and the invitation): two clients saying yes at once
        # cannot both take the colleague's last place.
        colleague = (CounsellorProfile.objects.select_for_update(of=("self",))
                     .select_related("user").get(pk=invitation.to_counsellor_id))
        inviter = CounsellorProfile.objects.select_related("user").get(
            pk=invitation.from_counsellor_id)
        refused = _unavailable(engagement, colleague) if accept else None
        if refused is not None:
            status, answer = InvitationStatus.WITHDRAWN, "colleague_unavailable"
        elif accept:
            _join(engagement, colleague, lead=invitation.kind == InvitationKind.HANDOVER)
            status, answer = InvitationStatus.ACCEPTED, "client_accepted"
        else:
            status, answer = InvitationStatus.DECLINED, "client_declined"
        invitation.status, invitation.answered_at = status, timezone.now()
        invitation.save(update_fields=["status", "answered_at"])
        url = _engagement_url(engagement)
        notice_add(kind=NoticeKind.INVITATION_ANSWER, user=inviter.user, url=url, params={
            "name": colleague.display_name, "engagement": engagement.pk, "answer": answer})
        if refused is None:
            notice_add(kind=NoticeKind.INVITATION_ANSWER, user=colleague.user,
                       url=url if accept else "", params={
                           "name": inviter.display_name, "engagement": engagement.pk,
                           "answer": "client_accepted_you" if accept
                           else "client_declined_you"})
        details = client_audit_details(client, engagement=engagement.pk, accept=accept,
                                       kind=invitation.kind)
        if refused is not None:
            details["withdrawn"] = refused.code
        audit_record(actor=None, action="counselling.invitation_client_answer",
                     obj=invitation, details=details)
    if refused is not None:  # raised after the commit: the withdrawal stays
        raise refused
    return invitation


def _unavailable(engagement: Engagement, colleague: CounsellorProfile) -> Conflict | None:
    """Why ``colleague`` cannot join ``engagement`` now, or None. Precondition: the
    engagement and the colleague's profile are locked."""
    if not invitation_candidates(engagement, include_team=True).filter(
            pk=colleague.pk).exists():
        return Conflict(_("This counsellor cannot take part any more. Your counselling goes "
                          "on as it was."), code="colleague_unavailable")
    if EngagementMember.objects.filter(engagement=engagement, counsellor=colleague,
                                       left_at__isnull=True).exists():
        return None  # on the team already: no new client for them
    caseload = (EngagementMember.objects.filter(
        counsellor=colleague, left_at__isnull=True, engagement__status=EngagementStatus.ACTIVE)
        .values("engagement_id").distinct().count())
    if not colleague.accepting or caseload >= colleague.caseload_limit:
        return Conflict(_("This counsellor is not taking new clients now. Your counselling "
                          "goes on as it was."), code="colleague_full")
    return None


def _join(engagement: Engagement, counsellor: CounsellorProfile, *, lead: bool) -> None:
    """Add ``counsellor`` to the team (``lead``: as the only lead). Precondition: the
    engagement is locked."""
    members = list(EngagementMember.objects.select_for_update()
                   .filter(engagement=engagement, left_at__isnull=True))
    member = next((m for m in members if m.counsellor_id == counsellor.pk), None)
    if lead:
        EngagementMember.objects.filter(pk__in=[m.pk for m in members if m.lead]).update(
            lead=False)
    if member is None:
        EngagementMember.objects.create(engagement=engagement, counsellor=counsellor,
                                        lead=lead)
    elif lead:
        EngagementMember.objects.filter(pk=member.pk).update(lead=True)


def _withdraw_open(engagement: Engagement, by: CounsellorProfile | None = None) -> int:
    """Withdraw the open proposals of an engagement (or only those ``by`` sent)."""
    open_ones = Invitation.objects.filter(
        engagement=engagement, status__in=[InvitationStatus.AWAITING_COLLEAGUE,
                                           InvitationStatus.AWAITING_CLIENT])
    if by is not None:
        open_ones = open_ones.filter(from_counsellor=by)
    return open_ones.update(status=InvitationStatus.WITHDRAWN, answered_at=timezone.now())


# --- leaving and ending --------------------------------------------------------------------

def engagement_leave(*, actor: User, engagement_id: int) -> EngagementMember:
    """The actor leaves the team (after a hand-over, or when a tandem ends). Refused for the
    only counsellor: the client is never left without one. The actor's coming sessions of
    this engagement are cancelled (nobody could move them any more) and the client is told
    of each."""
    with transaction.atomic():
        engagement, profile = _team_engagement(actor, engagement_id)
        members = list(EngagementMember.objects.select_for_update()
                       .filter(engagement=engagement, left_at__isnull=True)
                       .order_by("joined_at", "id"))
        mine = next(m for m in members if m.counsellor_id == profile.pk)
        others = [m for m in members if m.pk != mine.pk]
        if not others:
            raise Conflict(_("You are the only counsellor of this client. Hand over to a "
                             "colleague first, or end the counselling together."),
                           code="only_counsellor")
        mine.left_at, mine.lead = timezone.now(), False
        mine.save(update_fields=["left_at", "lead"])
        if not any(m.lead for m in others):  # a tandem's lead left: the longest-serving leads
            EngagementMember.objects.filter(pk=others[0].pk).update(lead=True)
        withdrawn = _withdraw_open(engagement, by=profile)
        coming = list(Appointment.objects.select_for_update(of=("self",))
                      .select_related("counsellor")
                      .filter(engagement=engagement, counsellor=profile,
                              status=AppointmentStatus.BOOKED, starts_at__gt=timezone.now()))
        Appointment.objects.filter(pk__in=[a.pk for a in coming]).update(
            status=AppointmentStatus.CANCELLED, cancelled_by=Side.COUNSELLOR)
        _tell_cancelled(engagement, coming)
        chat_revoke(engagement.pk, user_id=actor.pk)  # their open chat closes on commit
        audit_record(actor=actor, action="counselling.engagement_leave", obj=engagement,
                     details={"member": mine.pk, "remaining": len(others),
                              "withdrawn_invitations": withdrawn,
                              "cancelled_appointments": [a.pk for a in coming]})
    return mine


def _tell_cancelled(engagement: Engagement, cancelled: list[Appointment]) -> None:
    """A CANCELLED notice to the client for each session. Precondition: ``counsellor``
    loaded."""
    for appointment in cancelled:
        notice_add(kind=NoticeKind.CANCELLED, client=engagement.client,
                   engagement_id=engagement.pk,
                   params={"name": appointment.counsellor.display_name,
                           "at": appointment.starts_at})


def _close(engagement: Engagement, by: str) -> tuple[list[Appointment], int]:
    """End the locked engagement: cancel its coming sessions, withdraw open proposals.
    Returns the cancelled sessions and the number of proposals withdrawn."""
    now = timezone.now()
    engagement.status, engagement.ended_at, engagement.ended_by = (
        EngagementStatus.ENDED, now, by)
    engagement.save(update_fields=["status", "ended_at", "ended_by"])
    coming = list(Appointment.objects.select_related("counsellor").filter(
        engagement=engagement, status=AppointmentStatus.BOOKED, starts_at__gt=now))
    Appointment.objects.filter(pk__in=[a.pk for a in coming]).update(
        status=AppointmentStatus.CANCELLED, cancelled_by=by)
    chat_revoke(engagement.pk)  # open chats on both sides close once this commits
    return coming, _withdraw_open(engagement)


def engagement_end(*, actor: User, engagement_id: int, client_agreed: bool) -> Engagement:
    """End the counselling, agreed with the client (the counsellor confirms they agreed).
    Coming sessions are cancelled and the client is told of each."""
    if not client_agreed:
        raise InvalidInput(_("End a counselling only when you and the client agreed on it. "
                             "Confirm that you did."), field="client_agreed")
    with transaction.atomic():
        engagement, profile = _team_engagement(actor, engagement_id)
        coming, withdrawn = _close(engagement, Side.COUNSELLOR)
        _tell_cancelled(engagement, coming)
        for member in _team_users(engagement, exclude=profile):
            notice_add(kind=NoticeKind.ENDED, user=member, url=_engagement_url(engagement),
                       params={"name": profile.display_name, "engagement": engagement.pk})
        audit_record(actor=actor, action="counselling.engagement_end", obj=engagement,
                     details={"by": Side.COUNSELLOR.value, "client": engagement.client_id,
                              "client_agreed": True,
                              "cancelled_appointments": [a.pk for a in coming],
                              "withdrawn_invitations": withdrawn})
    return engagement


def engagement_end_by_client(*, client: Client, engagement_id: int) -> Engagement:
    """The client stops, at any time and without giving a reason. The team is told."""
    with transaction.atomic():
        engagement = _client_engagement(client, engagement_id)
        coming, withdrawn = _close(engagement, Side.CLIENT)
        for member in _team_users(engagement):
            notice_add(kind=NoticeKind.ENDED, user=member, url=_engagement_url(engagement),
                       params={"engagement": engagement.pk})
        audit_record(actor=None, action="counselling.engagement_end", obj=engagement,
                     details=client_audit_details(
                         client, cancelled_appointments=[a.pk for a in coming],
                         withdrawn_invitations=withdrawn))
    return engagement


def _team_users(engagement: Engagement, exclude: CounsellorProfile | None = None) -> list[Any]:
    members = (EngagementMember.objects.filter(engagement=engagement, left_at__isnull=True)
               .select_related("counsellor__user"))
    return [m.counsellor.user for m in members
            if exclude is None or m.counsellor_id != exclude.pk]
