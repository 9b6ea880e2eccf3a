"""The client's care pages: goals, the safety plan, a proposal of a colleague, stopping.
A client sees only their own; the team's session and concern notes never appear here."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from brug.accounts.models import Organisation
from brug.audit.models import AuditEntry
from brug.counselling import services_work as services
from brug.counselling.models import (
    Client,
    CounsellingGoal,
    CounsellorProfile,
    Engagement,
    EngagementMember,
    EngagementStatus,
    Invitation,
    InvitationStatus,
    Notice,
    SafetyPlan,
)

from .factories import make_client, make_counsellor, make_engagement, make_pool, portal_login

pytestmark = pytest.mark.django_db
TEAM_NOTE = "Team only: seems to avoid the topic of the cousin"
CONCERN = "Team only: a worrying remark about the school"


@pytest.fixture
def lead(org: Organisation) -> CounsellorProfile:
    return make_counsellor(org, display_name="Noor")


@pytest.fixture
def person(org: Organisation) -> Client:
    return make_client(make_pool(org), nickname="bluebird")


@pytest.fixture
def engagement(person: Client, lead: CounsellorProfile) -> Engagement:
    return make_engagement(person, lead)


@pytest.fixture
def http(person: Client) -> HttpClient:
    return portal_login(HttpClient(), person)


def _portal(name: str, **kwargs: Any) -> str:
    return reverse(f"portal:{name}", kwargs=kwargs or None)


def _uncached(response: Any) -> None:
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def _proposal(org: Organisation, engagement: Engagement, lead: CounsellorProfile,
              kind: str = "tandem", agree: bool = True) -> Invitation:
    colleague = make_counsellor(org, display_name="Ahmed",
                                introduction="I left a group myself, years ago.")
    invitation = services.invitation_send(
        actor=lead.user, engagement_id=engagement.pk, kind=kind,
        to_counsellor_id=colleague.pk, reason_for_client="Ahmed knows what leaving is like.",
        note_for_colleague="Colleague only: client is wary.")
    if agree:
        services.invitation_answer(actor=colleague.user, invitation_id=invitation.pk,
                                   agree=True)
    return invitation


# --- goals -----------------------------------------------------------------------------------

def test_goals_show_reviews_but_never_session_or_concern_notes(
        http: HttpClient, lead: CounsellorProfile, engagement: Engagement) -> None:
    goal = services.goal_add(actor=lead.user, engagement_id=engagement.pk,
                             text="Stop going to the meetings")
    services.goal_review(actor=lead.user, goal_id=goal.pk, progress="a_little",
                         note="Went once instead of twice.")
    services.note_add(actor=lead.user, engagement_id=engagement.pk, text=TEAM_NOTE)
    services.concern_add(actor=lead.user, engagement_id=engagement.pk, topic="other",
                         text=CONCERN)
    response = http.get(_portal("goals", engagement_id=engagement.pk))
    assert response.status_code == 200
    _uncached(response)
    body = response.content.decode()
    assert "Stop going to the meetings" in body and "Went once instead of twice." in body
    assert "A little" in body
    for secret in (TEAM_NOTE, CONCERN, "Team only"):
        assert secret not in body
    assert 'style="' not in body and "<script>" not in body


def test_the_client_adds_a_goal_in_their_own_words(http: HttpClient,
                                                   engagement: Engagement,
                                                   person: Client) -> None:
    response = http.post(_portal("goals", engagement_id=engagement.pk),
                         {"text": "Tell my sister how I feel"})
    assert response.status_code == 302
    goal = CounsellingGoal.objects.get(engagement=engagement)
    assert (goal.text, goal.written_by) == ("Tell my sister how I feel", "client")
    response = http.post(_portal("goals", engagement_id=engagement.pk), {"text": " "})
    assert response.status_code == 400
    entry = AuditEntry.objects.get(action="counselling.goal_add")
    assert entry.details == {"by": "client", "client": person.pk,
                             "engagement": engagement.pk}


def test_another_client_gets_404_on_goals_and_stopping(
        engagement: Engagement, person: Client) -> None:
    stranger = portal_login(HttpClient(), make_client(person.pool))
    assert stranger.get(_portal("goals", engagement_id=engagement.pk)).status_code == 404
    assert stranger.post(_portal("engagement_end",
                                 engagement_id=engagement.pk)).status_code == 404
    engagement.refresh_from_db()
    assert engagement.status == EngagementStatus.ACTIVE


def test_pages_need_a_signed_in_client(engagement: Engagement, lead: CounsellorProfile) -> None:
    from ..factories import login

    for http in (HttpClient(), login(HttpClient(), lead.user)):  # staff are not clients
        response = http.get(_portal("goals", engagement_id=engagement.pk))
        assert response.status_code == 302
        assert response["Location"].startswith(_portal("signin"))
        assert http.get(_portal("safety_plan")).status_code == 302


# --- safety plan -----------------------------------------------------------------------------

def test_safety_plan_with_the_numbers_of_the_clients_country(
        http: HttpClient, person: Client) -> None:
    Client.objects.filter(pk=person.pk).update(country="FR")
    response = http.get(_portal("safety_plan"))
    assert response.status_code == 200
    _uncached(response)
    body = response.content.decode()
    assert "3114" in body and "call 112" in body
    response = http.post(_portal("safety_plan"), {"coping": "Go for a run", "version": ""})
    assert response.status_code == 302
    plan = SafetyPlan.objects.get(client=person)
    assert (plan.coping, plan.updated_by) == ("Go for a run", None)
    assert "Go for a run" in http.get(_portal("safety_plan")).content.decode()


def test_safety_plan_changed_by_the_counsellor_meanwhile_keeps_the_clients_text(
        http: HttpClient, lead: CounsellorProfile, engagement: Engagement,
        person: Client) -> None:
    http.post(_portal("safety_plan"), {"people": "Mum", "version": ""})
    stale = services.safety_plan_version(SafetyPlan.objects.get(client=person))
    services.safety_plan_save(actor=lead.user, engagement_id=engagement.pk,
                              texts={"people": "Mum, coach"})
    response = http.post(_portal("safety_plan"), {"people": "Mum and Lisa", "version": stale})
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed meanwhile" in body and "Mum and Lisa" in body
    assert SafetyPlan.objects.get(client=person).people == "Mum, coach"


# --- proposals -------------------------------------------------------------------------------

def test_a_proposal_is_shown_in_plain_words_and_the_client_says_yes(
        org: Organisation, http: HttpClient, lead: CounsellorProfile,
        engagement: Engagement, person: Client) -> None:
    invitation = _proposal(org, engagement, lead, kind="handover")
    notice = Notice.objects.get(client=person)
    response = http.get(notice.url)
    assert response.status_code == 200
    _uncached(response)
    body = response.content.decode()
    assert "Noor suggests that Ahmed becomes your counsellor" in body
    assert "Ahmed knows what leaving is like." in body
    assert "I left a group myself" in body
    assert "Colleague only" not in body  # the note for the colleague stays between them
    response = http.post(notice.url, {"answer": "yes"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED
    leads = dict(EngagementMember.objects.filter(engagement=engagement).values_list(
        "counsellor__display_name", "lead"))
    assert leads == {"Noor": False, "Ahmed": True}
    body = http.get(notice.url).content.decode()
    assert "You said yes to this proposal." in body and 'name="answer"' not in body


def test_the_client_says_no_and_nothing_changes(
        org: Organisation, http: HttpClient, lead: CounsellorProfile,
        engagement: Engagement) -> None:
    invitation = _proposal(org, engagement, lead)
    url = _portal("invitation", invitation_id=invitation.pk)
    assert "joins your conversations" in http.get(url).content.decode()
    assert http.post(url, {"answer": "no"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.DECLINED
    assert EngagementMember.objects.filter(engagement=engagement).count() == 1
    response = http.post(url, {"answer": "yes"}, follow=True)  # answered already
    assert "You answered this proposal already" in response.content.decode()
    assert EngagementMember.objects.filter(engagement=engagement).count() == 1


def test_a_yes_to_a_colleague_who_is_full_now_withdraws_the_proposal(
        org: Organisation, http: HttpClient, lead: CounsellorProfile,
        engagement: Engagement) -> None:
    invitation = _proposal(org, engagement, lead)
    CounsellorProfile.objects.filter(pk=invitation.to_counsellor_id).update(caseload_limit=0)
    url = _portal("invitation", invitation_id=invitation.pk)
    body = http.post(url, {"answer": "yes"}, follow=True).content.decode()
    assert "not taking new clients now" in body
    assert "This proposal was withdrawn." in body and 'name="answer"' not in body
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    assert EngagementMember.objects.filter(engagement=engagement).count() == 1


def test_a_proposal_is_hidden_until_the_colleague_agreed_and_from_other_clients(
        org: Organisation, http: HttpClient, lead: CounsellorProfile,
        engagement: Engagement, person: Client) -> None:
    waiting = _proposal(org, engagement, lead, agree=False)
    assert http.get(_portal("invitation", invitation_id=waiting.pk)).status_code == 404
    assert http.post(_portal("invitation", invitation_id=waiting.pk),
                     {"answer": "yes"}).status_code == 404
    services.invitation_answer(actor=waiting.to_counsellor.user, invitation_id=waiting.pk,
                               agree=True)
    stranger = portal_login(HttpClient(), make_client(person.pool))
    assert stranger.get(_portal("invitation", invitation_id=waiting.pk)).status_code == 404


# --- stopping --------------------------------------------------------------------------------

def test_the_client_stops_at_any_time(http: HttpClient, lead: CounsellorProfile,
                                      engagement: Engagement) -> None:
    assert "Stop this counselling" in http.get(
        _portal("goals", engagement_id=engagement.pk)).content.decode()
    response = http.post(_portal("engagement_end", engagement_id=engagement.pk))
    assert response.status_code == 200
    _uncached(response)
    assert "You can come back at any time" in response.content.decode()
    engagement.refresh_from_db()
    assert (engagement.status, engagement.ended_by) == (EngagementStatus.ENDED, "client")
    assert Notice.objects.filter(user=lead.user, kind="ended").exists()
    body = http.get(_portal("goals", engagement_id=engagement.pk)).content.decode()
    assert "This counselling has ended." in body and 'name="text"' not in body
    response = http.post(_portal("engagement_end", engagement_id=engagement.pk))
    assert response.status_code == 409  # the portal's own calm error page
    assert "This counselling has ended." in response.content.decode()


def test_no_portal_page_shows_the_teams_notes(
        org: Organisation, http: HttpClient, lead: CounsellorProfile,
        engagement: Engagement) -> None:
    services.note_add(actor=lead.user, engagement_id=engagement.pk, text=TEAM_NOTE)
    services.concern_add(actor=lead.user, engagement_id=engagement.pk, topic="self_harm",
                         text=CONCERN)
    invitation = _proposal(org, engagement, lead)
    pages = [_portal("goals", engagement_id=engagement.pk), _portal("safety_plan"),
             _portal("invitation", invitation_id=invitation.pk), _portal("emergency")]
    for url in pages:
        response = http.get(url)
        assert response.status_code == 200, url
        assert "Team only" not in response.content.decode(), url
