"""The workspace services: who may write what, what is stored (sealed), what is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.audit.models import AuditEntry
from brug.counselling import services_work as services
from brug.counselling.models import (
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
from brug.counselling.selectors_work import invitation_candidates, work_notice_text
from brug.errors import Conflict, InvalidInput, NotAllowed, NotFound

from ..factories import make_org
from .factories import make_client, make_counsellor, make_engagement, make_pool, make_slot

pytestmark = pytest.mark.django_db
SECRET = "Wants to stop seeing the group from the gym"


@pytest.fixture
def lead(org: Organisation) -> CounsellorProfile:
    return make_counsellor(org, display_name="Noor")


@pytest.fixture
def person(org: Organisation) -> Client:
    return make_client(make_pool(org), nickname="bluebird")


@pytest.fixture
def engagement(person: Client, lead: CounsellorProfile) -> Engagement:
    return make_engagement(person, lead)


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def _audit(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("id")


# --- guardrail: no score ---------------------------------------------------------------------

def test_no_counselling_model_has_a_score_risk_or_rating_field() -> None:
    names = [(model.__name__, f.name) for model in apps.get_app_config("counselling").get_models()
             for f in model._meta.get_fields()]
    assert len(names) > 50
    assert [n for n in names if any(word in n[1].lower()
                                    for word in ("score", "risk", "rating"))] == []


# --- profile ---------------------------------------------------------------------------------

PROFILE = {"display_name": "Sam", "kind": "former", "age_band": "26-35", "gender": "unsaid",
           "languages": ["nl", "fr"], "formats": ["chat", "in_person"],
           "specialisms": ["far_right"], "introduction": "I walked out too.",
           "time_zone": "Europe/Brussels", "place": "Youth centre, Gent", "accepting": True}


def test_profile_is_created_unpublished_and_updated_with_changed_fields(
        counsellor: User) -> None:
    profile = services.profile_save(actor=counsellor, **PROFILE)
    assert (profile.published, profile.caseload_limit) == (False, 12)
    assert _audit("counselling.profile_save").details["created"] is True
    CounsellorProfile.objects.filter(pk=profile.pk).update(published=True, caseload_limit=5)
    again = services.profile_save(actor=counsellor, **{**PROFILE, "accepting": False,
                                                       "introduction": "Hello."})
    again.refresh_from_db()
    assert (again.pk, again.published, again.caseload_limit, again.accepting) == (
        profile.pk, True, 5, False)  # never publishes or sets the limit itself
    entry = _audit("counselling.profile_save")
    assert entry.details == {"created": False, "fields": ["accepting", "introduction"]}
    assert "Hello" not in str(entry.details)


@pytest.mark.parametrize(("change", "field"), [
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"display_name": "  "}, "display_name"),
    ({"languages": []}, "languages"),
    ({"languages": ["xx"]}, "languages"),
    ({"kind": "guru"}, "kind"),
    ({"introduction": "x" * 801}, "introduction"),
    ({"place": ""}, "place"),  # in person needs a place
    ({"formats": ["video"]}, "formats"),  # no meeting server configured
])
def test_profile_refuses_bad_input_naming_the_field(counsellor: User, change: dict[str, object],
                                                   field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.profile_save(actor=counsellor, **{**PROFILE, **change})  # type: ignore[arg-type]
    assert caught.value.details["field"] == field


@override_settings(BRUG_MEETING_URL="https://meet.example.org")
def test_video_is_offered_once_a_meeting_server_is_set(counsellor: User) -> None:
    profile = services.profile_save(actor=counsellor, **{**PROFILE, "formats": ["video"],
                                                         "place": ""})
    assert profile.formats == ["video"]


def test_only_counsellors_write_a_profile(supervisor: User) -> None:
    with pytest.raises(NotAllowed):
        services.profile_save(actor=supervisor, **PROFILE)


# --- goals -----------------------------------------------------------------------------------

def test_goal_in_the_clients_words_is_sealed_and_reviewed(
        engagement: Engagement, lead: CounsellorProfile) -> None:
    goal = services.goal_add(actor=lead.user, engagement_id=engagement.pk, text=SECRET,
                             review_every_days=14)
    assert goal.next_review_on == timezone.localdate() + timedelta(days=14)
    assert goal.written_by == "counsellor"
    raw = _raw("counselling_counsellinggoal", "text", goal.pk)
    assert raw.startswith("gAAAAA") and "gym" not in raw
    assert "gym" not in str(_audit("counselling.goal_add").details)
    CounsellingGoal.objects.filter(pk=goal.pk).update(next_review_on=timezone.localdate())
    review = services.goal_review(actor=lead.user, goal_id=goal.pk, progress="a_little",
                                  note="Went once less.")
    goal.refresh_from_db()
    assert (review.by, goal.status) == (lead, GoalStatus.OPEN)
    assert goal.next_review_on == timezone.localdate() + timedelta(days=14)
    services.goal_review(actor=lead.user, goal_id=goal.pk, progress="done",
                         close_as="achieved", outcome="Stopped going; new gym.")
    goal.refresh_from_db()
    assert (goal.status, goal.next_review_on, goal.outcome) == (
        GoalStatus.ACHIEVED, None, "Stopped going; new gym.")
    assert goal.closed_at is not None
    assert _audit("counselling.goal_review").details["closed_as"] == "achieved"
    with pytest.raises(Conflict):
        services.goal_review(actor=lead.user, goal_id=goal.pk, progress="good")


def test_closing_a_goal_needs_the_outcome_in_words(engagement: Engagement,
                                                   lead: CounsellorProfile) -> None:
    goal = services.goal_add(actor=lead.user, engagement_id=engagement.pk, text="Sleep")
    with pytest.raises(InvalidInput) as caught:
        services.goal_review(actor=lead.user, goal_id=goal.pk, progress="good",
                             close_as="let_go")
    assert caught.value.details["field"] == "outcome"
    with pytest.raises(InvalidInput):
        services.goal_add(actor=lead.user, engagement_id=engagement.pk, text="x",
                          review_every_days=1)
    assert GoalReview.objects.count() == 0


def test_the_client_writes_a_goal_in_their_own_words(engagement: Engagement,
                                                     person: Client) -> None:
    goal = services.client_goal_add(client=person, engagement_id=engagement.pk,
                                    text="Tell my brother")
    assert (goal.written_by, goal.review_every_days) == ("client", 28)
    entry = _audit("counselling.goal_add")
    assert entry.actor is None and entry.details["by"] == "client"
    other = make_client(person.pool)
    with pytest.raises(NotFound):
        services.client_goal_add(client=other, engagement_id=engagement.pk, text="Mine")


# --- access ----------------------------------------------------------------------------------

def test_a_colleague_of_the_same_organisation_not_on_the_team_gets_404(
        org: Organisation, engagement: Engagement) -> None:
    colleague = make_counsellor(org)
    with pytest.raises(NotFound):
        services.note_add(actor=colleague.user, engagement_id=engagement.pk, text="Hi")
    with pytest.raises(NotFound):
        services.goal_add(actor=colleague.user, engagement_id=engagement.pk, text="Hi")


def test_supervisors_cannot_write_in_an_engagement(supervisor: User,
                                                   engagement: Engagement) -> None:
    with pytest.raises(NotAllowed):
        services.concern_add(actor=supervisor, engagement_id=engagement.pk,
                             topic="other", text="Something I noticed today.")


def test_an_ended_counselling_takes_notes_and_concerns_but_no_goals(
        engagement: Engagement, lead: CounsellorProfile) -> None:
    Engagement.objects.filter(pk=engagement.pk).update(status=EngagementStatus.ENDED)
    with pytest.raises(Conflict):
        services.goal_add(actor=lead.user, engagement_id=engagement.pk, text="Later")
    services.note_add(actor=lead.user, engagement_id=engagement.pk, text="Last session.")
    services.concern_add(actor=lead.user, engagement_id=engagement.pk, topic="self_harm",
                         text="Said goodbye in a way that worried me.")


# --- notes, safety plan, concerns ------------------------------------------------------------

def test_session_note_is_sealed_and_tied_only_to_this_engagements_sessions(
        engagement: Engagement, lead: CounsellorProfile, person: Client) -> None:
    slot = make_slot(lead)
    appointment = Appointment.objects.create(
        engagement=engagement, counsellor=lead, slot=slot, starts_at=slot.starts_at,
        ends_at=slot.ends_at, format="chat", booked_by="client")
    note = services.note_add(actor=lead.user, engagement_id=engagement.pk, text=SECRET,
                             appointment_id=appointment.pk)
    assert note.appointment == appointment and note.author == lead
    assert "gym" not in _raw("counselling_sessionnote", "text", note.pk)
    assert _audit("counselling.note_add").details == {"engagement": engagement.pk,
                                                      "appointment": appointment.pk}
    other = make_engagement(make_client(person.pool), lead)
    with pytest.raises(InvalidInput):
        services.note_add(actor=lead.user, engagement_id=other.pk, text="x",
                          appointment_id=appointment.pk)


def test_safety_plan_is_written_together_and_refuses_a_silent_overwrite(
        engagement: Engagement, lead: CounsellorProfile, person: Client) -> None:
    plan = services.safety_plan_save(actor=lead.user, engagement_id=engagement.pk,
                                     texts={"people": "My aunt", "coping": "Walk"},
                                     version="")
    assert (plan.updated_by, plan.people) == (lead.user, "My aunt")
    assert _audit("counselling.safety_plan_save").details["fields"] == ["coping", "people"]
    seen = services.safety_plan_version(plan)
    mine = services.client_safety_plan_save(client=person, version=seen,
                                            texts={"people": "My aunt, my coach",
                                                   "coping": "Walk"})
    assert mine.updated_by is None
    assert _audit("counselling.safety_plan_save").details == {
        "by": "client", "client": person.pk, "fields": ["people"]}
    with pytest.raises(Conflict):  # the counsellor's form still carries the older version
        services.safety_plan_save(actor=lead.user, engagement_id=engagement.pk,
                                  texts={"people": "Aunt"}, version=seen)
    assert SafetyPlan.objects.get(client=person).people == "My aunt, my coach"
    assert "aunt" not in _raw("counselling_safetyplan", "people", plan.pk).lower()


def test_concern_is_words_with_a_topic_never_a_number(engagement: Engagement,
                                                      lead: CounsellorProfile) -> None:
    with pytest.raises(InvalidInput):
        services.concern_add(actor=lead.user, engagement_id=engagement.pk, topic="other",
                             text="7/10")
    concern = services.concern_add(actor=lead.user, engagement_id=engagement.pk,
                                   topic="harm_to_others", text=SECRET,
                                   shared_with_supervisor=False)
    assert concern.shared_with_supervisor is False
    details = _audit("counselling.concern_add").details
    # No topic: "harm_to_others" next to an engagement id is health data in the audit log.
    assert details == {"engagement": engagement.pk, "shared_with_supervisor": False}
    assert "harm" not in str(details)
    assert "gym" not in _raw("counselling_concernnote", "text", concern.pk)


# --- invitations -----------------------------------------------------------------------------

def _invite(engagement: Engagement, lead: CounsellorProfile, colleague: CounsellorProfile,
            kind: str = "tandem") -> Invitation:
    return services.invitation_send(
        actor=lead.user, engagement_id=engagement.pk, kind=kind, to_counsellor_id=colleague.pk,
        reason_for_client="Ahmed knows a lot about leaving a group.",
        note_for_colleague="Client is wary of new people.")


def test_candidates_are_published_counsellors_of_the_pool_not_on_the_team(
        org: Organisation, engagement: Engagement, lead: CounsellorProfile) -> None:
    partner = make_org("Exit Gent", OrganisationType.EXIT_PROGRAMME)
    engagement.client.pool.organisations.add(partner)
    in_pool = make_counsellor(partner)
    elsewhere = make_counsellor(make_org("Far away"))
    unpublished = make_counsellor(org, published=False)
    left = make_counsellor(org)
    left.user.is_active = False
    left.user.save()
    moved_on = make_counsellor(org)
    moved_on.user.role = Role.PREVENTION_WORKER
    moved_on.user.save()
    assert list(invitation_candidates(engagement)) == [in_pool]
    for profile in (lead, elsewhere, unpublished, left, moved_on):
        with pytest.raises(InvalidInput):
            _invite(engagement, lead, profile)


def test_tandem_colleague_agrees_client_accepts_and_joins_as_second(
        org: Organisation, engagement: Engagement, lead: CounsellorProfile,
        person: Client) -> None:
    colleague = make_counsellor(org, display_name="Ahmed")
    invitation = _invite(engagement, lead, colleague)
    assert invitation.status == InvitationStatus.AWAITING_COLLEAGUE
    notice = Notice.objects.get(user=colleague.user)
    assert notice.kind == NoticeKind.COLLEAGUE_INVITE
    assert "Noor asks you to join" in work_notice_text(notice)
    with pytest.raises(Conflict):  # one open proposal per colleague
        _invite(engagement, lead, colleague)
    with pytest.raises(NotFound):  # the client does not see it before the colleague agreed
        services.invitation_client_answer(client=person, invitation_id=invitation.pk,
                                          accept=True)
    with pytest.raises(NotFound):  # only the invited colleague answers
        services.invitation_answer(actor=lead.user, invitation_id=invitation.pk, agree=True)
    services.invitation_answer(actor=colleague.user, invitation_id=invitation.pk, agree=True)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.AWAITING_CLIENT
    client_notice = Notice.objects.get(client=person)
    assert client_notice.kind == NoticeKind.INVITATION
    assert client_notice.url.endswith(f"/proposals/{invitation.pk}/")
    services.invitation_client_answer(client=person, invitation_id=invitation.pk, accept=True)
    members = {m.counsellor: m.lead for m in EngagementMember.objects.filter(
        engagement=engagement, left_at__isnull=True)}
    assert members == {lead: True, colleague: False}
    told = Notice.objects.filter(kind=NoticeKind.INVITATION_ANSWER).order_by("id")
    assert [work_notice_text(n) for n in told][-2:] == [
        "The client said yes: Ahmed is now on the team.",
        "The client said yes to the proposal of Noor: you are now on the team."]
    entry = _audit("counselling.invitation_client_answer")
    assert entry.details == {"by": "client", "client": person.pk, "engagement": engagement.pk,
                             "accept": True, "kind": "tandem"}
    with pytest.raises(Conflict):
        services.invitation_client_answer(client=person, invitation_id=invitation.pk,
                                          accept=False)


def test_warm_handover_makes_the_colleague_lead_and_the_former_lead_then_leaves(
        org: Organisation, engagement: Engagement, lead: CounsellorProfile,
        person: Client) -> None:
    colleague = make_counsellor(org)
    invitation = _invite(engagement, lead, colleague, kind="handover")
    services.invitation_answer(actor=colleague.user, invitation_id=invitation.pk, agree=True)
    services.invitation_client_answer(client=person, invitation_id=invitation.pk, accept=True)
    active = EngagementMember.objects.filter(engagement=engagement, left_at__isnull=True)
    assert {m.counsellor: m.lead for m in active} == {lead: False, colleague: True}
    services.engagement_leave(actor=lead.user, engagement_id=engagement.pk)
    assert [m.counsellor for m in active.all()] == [colleague]
    with pytest.raises(NotFound):  # the former lead no longer opens it
        services.note_add(actor=lead.user, engagement_id=engagement.pk, text="x")
    with pytest.raises(Conflict) as caught:  # the last counsellor cannot leave
        services.engagement_leave(actor=colleague.user, engagement_id=engagement.pk)
    assert caught.value.code == "only_counsellor"


def test_colleague_declines_with_a_reason_and_the_client_never_sees_it(
        org: Organisation, engagement: Engagement, lead: CounsellorProfile,
        person: Client) -> None:
    colleague = make_counsellor(org, display_name="Ahmed")
    invitation = _invite(engagement, lead, colleague)
    with pytest.raises(InvalidInput):
        services.invitation_answer(actor=colleague.user, invitation_id=invitation.pk,
                                   agree=False)
    services.invitation_answer(actor=colleague.user, invitation_id=invitation.pk,
                               agree=False, decline_reason="My caseload is full.")
    invitation.refresh_from_db()
    assert (invitation.status, invitation.decline_reason) == (InvitationStatus.DECLINED,
                                                              "My caseload is full.")
    assert not Notice.objects.filter(client=person).exists()
    notice = Notice.objects.get(user=lead.user)
    assert work_notice_text(notice) == "Ahmed cannot take up your proposal."
    with pytest.raises(NotFound):
        services.invitation_client_answer(client=person, invitation_id=invitation.pk,
                                          accept=True)


def test_client_says_no_and_nothing_changes(org: Organisation, engagement: Engagement,
                                            lead: CounsellorProfile, person: Client) -> None:
    colleague = make_counsellor(org)
    invitation = _invite(engagement, lead, colleague, kind="handover")
    services.invitation_answer(actor=colleague.user, invitation_id=invitation.pk, agree=True)
    with pytest.raises(NotFound):  # another client cannot answer it
        services.invitation_client_answer(client=make_client(person.pool),
                                          invitation_id=invitation.pk, accept=True)
    services.invitation_client_answer(client=person, invitation_id=invitation.pk,
                                      accept=False)
    assert list(EngagementMember.objects.filter(engagement=engagement).values_list(
        "counsellor", "lead")) == [(lead.pk, True)]
    assert Notice.objects.filter(user=lead.user, kind=NoticeKind.INVITATION_ANSWER,
                                 params__answer="client_declined").exists()


def test_a_colleague_no_longer_available_is_not_added(
        org: Organisation, engagement: Engagement, lead: CounsellorProfile,
        person: Client) -> None:
    colleague = make_counsellor(org)
    invitation = _invite(engagement, lead, colleague)
    services.invitation_answer(actor=colleague.user, invitation_id=invitation.pk, agree=True)
    CounsellorProfile.objects.filter(pk=colleague.pk).update(published=False)
    with pytest.raises(Conflict) as caught:
        services.invitation_client_answer(client=person, invitation_id=invitation.pk,
                                          accept=True)
    assert caught.value.code == "colleague_unavailable"
    assert EngagementMember.objects.filter(engagement=engagement).count() == 1
    # Withdrawn (kept despite the refusal), so the client is not asked again.
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    assert invitation.answered_at is not None
    with pytest.raises(Conflict) as caught:
        services.invitation_client_answer(client=person, invitation_id=invitation.pk,
                                          accept=True)
    assert caught.value.code == "invitation_answered"
    told = Notice.objects.filter(user=lead.user, kind=NoticeKind.INVITATION_ANSWER).latest("id")
    assert told.params["answer"] == "colleague_unavailable"
    assert "cannot join any more" in work_notice_text(told)
    assert _audit("counselling.invitation_client_answer").details["withdrawn"] == (
        "colleague_unavailable")


@pytest.mark.parametrize("kind", ["tandem", "handover"])
@pytest.mark.parametrize("full", ["caseload", "not_accepting"])
def test_a_yes_respects_the_colleagues_caseload_limit_and_accepting(
        org: Organisation, engagement: Engagement, lead: CounsellorProfile,
        person: Client, kind: str, full: str) -> None:
    colleague = make_counsellor(org, caseload_limit=2)
    make_engagement(make_client(person.pool), colleague)
    invitation = _invite(engagement, lead, colleague, kind=kind)
    services.invitation_answer(actor=colleague.user, invitation_id=invitation.pk, agree=True)
    if full == "caseload":  # a second client meanwhile: at the limit now
        make_engagement(make_client(person.pool), colleague)
    else:
        CounsellorProfile.objects.filter(pk=colleague.pk).update(accepting=False)
    with pytest.raises(Conflict) as caught:
        services.invitation_client_answer(client=person, invitation_id=invitation.pk,
                                          accept=True)
    assert caught.value.code == "colleague_full"
    assert not EngagementMember.objects.filter(engagement=engagement,
                                               counsellor=colleague).exists()
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN


def test_a_yes_below_the_limit_joins_and_an_ended_counselling_does_not_count(
        org: Organisation, engagement: Engagement, lead: CounsellorProfile,
        person: Client) -> None:
    colleague = make_counsellor(org, caseload_limit=2)
    make_engagement(make_client(person.pool), colleague)
    Engagement.objects.filter(pk=make_engagement(make_client(person.pool), colleague).pk
                              ).update(status=EngagementStatus.ENDED)
    invitation = _invite(engagement, lead, colleague)
    services.invitation_answer(actor=colleague.user, invitation_id=invitation.pk, agree=True)
    services.invitation_client_answer(client=person, invitation_id=invitation.pk, accept=True)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    assert EngagementMember.objects.filter(engagement=engagement, counsellor=colleague,
                                           left_at__isnull=True).exists()


def test_leaving_a_tandem_as_lead_passes_the_lead_and_withdraws_my_proposals(
        org: Organisation, engagement: Engagement, lead: CounsellorProfile) -> None:
    second = make_counsellor(org)
    EngagementMember.objects.create(engagement=engagement, counsellor=second, lead=False)
    pending = _invite(engagement, lead, make_counsellor(org))
    services.engagement_leave(actor=lead.user, engagement_id=engagement.pk)
    assert EngagementMember.objects.get(engagement=engagement, left_at__isnull=True).lead
    pending.refresh_from_db()
    assert pending.status == InvitationStatus.WITHDRAWN


def test_leaving_cancels_my_coming_sessions_and_tells_the_client(
        org: Organisation, engagement: Engagement, lead: CounsellorProfile,
        person: Client) -> None:
    second = make_counsellor(org, display_name="Ahmed")
    EngagementMember.objects.create(engagement=engagement, counsellor=second, lead=False)
    mine, my_past = _booked(engagement, lead, 3), _booked(engagement, lead, -3)
    theirs = _booked(engagement, second, 4)
    elsewhere = _booked(make_engagement(make_client(person.pool), lead), lead, 5)
    services.engagement_leave(actor=lead.user, engagement_id=engagement.pk)
    status = dict(Appointment.objects.values_list("pk", "status"))
    assert status == {mine.pk: AppointmentStatus.CANCELLED, my_past.pk: "booked",
                      theirs.pk: "booked", elsewhere.pk: "booked"}
    assert Appointment.objects.get(pk=mine.pk).cancelled_by == "counsellor"
    notice = Notice.objects.get(client=person)
    assert (notice.kind, notice.params["name"], notice.engagement_id) == (
        NoticeKind.CANCELLED, "Noor", engagement.pk)
    assert _audit("counselling.engagement_leave").details["cancelled_appointments"] == [
        mine.pk]


# --- ending ----------------------------------------------------------------------------------

def _booked(engagement: Engagement, lead: CounsellorProfile, days: int) -> Appointment:
    starts = timezone.now() + timedelta(days=days)
    return Appointment.objects.create(engagement=engagement, counsellor=lead,
                                      starts_at=starts, ends_at=starts + timedelta(hours=1),
                                      format="chat", booked_by="client")


def test_counsellor_ends_only_with_the_clients_agreement_noted(
        org: Organisation, engagement: Engagement, lead: CounsellorProfile,
        person: Client) -> None:
    coming, past = _booked(engagement, lead, 3), _booked(engagement, lead, -3)
    pending = _invite(engagement, lead, make_counsellor(org))
    with pytest.raises(InvalidInput):
        services.engagement_end(actor=lead.user, engagement_id=engagement.pk,
                                client_agreed=False)
    services.engagement_end(actor=lead.user, engagement_id=engagement.pk, client_agreed=True)
    engagement.refresh_from_db()
    assert (engagement.status, engagement.ended_by) == (EngagementStatus.ENDED, "counsellor")
    coming.refresh_from_db()
    past.refresh_from_db()
    assert (coming.status, coming.cancelled_by) == (AppointmentStatus.CANCELLED, "counsellor")
    assert past.status == AppointmentStatus.BOOKED
    pending.refresh_from_db()
    assert pending.status == InvitationStatus.WITHDRAWN
    assert Notice.objects.get(client=person).kind == NoticeKind.CANCELLED
    assert _audit("counselling.engagement_end").details["cancelled_appointments"] == [
        coming.pk]
    with pytest.raises(Conflict):
        services.engagement_end(actor=lead.user, engagement_id=engagement.pk,
                                client_agreed=True)


def test_client_stops_at_any_time_and_the_team_is_told(
        engagement: Engagement, lead: CounsellorProfile, person: Client) -> None:
    _booked(engagement, lead, 2)
    services.engagement_end_by_client(client=person, engagement_id=engagement.pk)
    engagement.refresh_from_db()
    assert (engagement.status, engagement.ended_by) == (EngagementStatus.ENDED, "client")
    notice = Notice.objects.get(user=lead.user)
    assert work_notice_text(notice) == "A client ended their counselling with you."
    assert not Appointment.objects.filter(status=AppointmentStatus.BOOKED).exists()
    assert _audit("counselling.engagement_end").actor is None
    with pytest.raises(NotFound):
        services.engagement_end_by_client(client=make_client(person.pool),
                                          engagement_id=engagement.pk)


def test_nothing_written_here_reaches_the_audit_log(engagement: Engagement,
                                                    lead: CounsellorProfile) -> None:
    services.goal_add(actor=lead.user, engagement_id=engagement.pk, text=SECRET)
    services.note_add(actor=lead.user, engagement_id=engagement.pk, text=SECRET)
    services.concern_add(actor=lead.user, engagement_id=engagement.pk, topic="other",
                         text=SECRET)
    services.safety_plan_save(actor=lead.user, engagement_id=engagement.pk,
                              texts={"coping": SECRET})
    for entry in AuditEntry.objects.filter(action__startswith="counselling."):
        assert "gym" not in str(entry.details) and "bluebird" not in str(entry.details)
    assert SessionNote.objects.count() == ConcernNote.objects.count() == 1

