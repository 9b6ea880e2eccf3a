"""The supervisor's overview: numbers about counsellors, never clients; its actions."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import Role
from brug.audit.models import AuditEntry
from brug.counselling.models import (
    Appointment,
    AppointmentStatus,
    ConcernNote,
    ConcernTopic,
    CounsellorProfile,
    EngagementStatus,
    ExposureEntry,
    Pool,
    SupervisionSession,
    SupervisionStatus,
    WellbeingCheckin,
)
from brug.counselling.selectors_care import supervision_overview
from brug.counselling.services_care import checkin_record, exposure_add

from ..factories import login, make_user
from .factories import make_client, make_counsellor, make_engagement, make_pool

MaxQueries = Callable[[int], AbstractContextManager[Any]]
NOTE = "I cried in the car after the call with sky-blue."
CONCERN = "The client spoke of a date and a place; I called the duty officer."


@pytest.fixture
def pool(org: Organisation) -> Pool:
    return make_pool(org)


def _held(profile: CounsellorProfile, engagement: Any, days_ago: float,
          status: str = AppointmentStatus.HELD) -> Appointment:
    starts = timezone.now() - timedelta(days=days_ago)
    return Appointment.objects.create(engagement=engagement, counsellor=profile,
                                      starts_at=starts, ends_at=starts + timedelta(minutes=50),
                                      format="chat", booked_by="client", status=status)


def _busy_counsellor(org: Organisation, pool: Pool, name: str, clients: int = 2,
                     **profile: Any) -> CounsellorProfile:
    """A counsellor with clients, sessions, exposure, a check-in and a shared concern."""
    counsellor = make_counsellor(org, username=name, **profile)
    for i in range(clients):
        engagement = make_engagement(make_client(pool, nickname=f"{name}-client-{i}"),
                                     counsellor)
        _held(counsellor, engagement, days_ago=2 + i)
    exposure_add(actor=counsellor.user, kind="content", minutes=25)
    checkin_record(actor=counsellor.user, feeling="strained", wants_to_talk=True, note=NOTE)
    ConcernNote.objects.create(engagement=engagement, author=counsellor,
                               topic=ConcernTopic.HARM_TO_OTHERS, text=CONCERN)
    return counsellor


# --- who may look ---------------------------------------------------------------------------

def test_a_counsellor_cannot_open_the_overview(client: HttpClient, counsellor: User) -> None:
    assert login(client, counsellor).get(reverse("counselling:overview")).status_code == 403


def test_another_organisations_supervisor_sees_none_of_ours(
        client: HttpClient, org: Organisation, other_org: Organisation, pool: Pool) -> None:
    ours = _busy_counsellor(org, pool, "ours")
    concern = ConcernNote.objects.get(author=ours)
    theirs = make_user(Role.SUPERVISOR, other_org)
    login(client, theirs)
    response = client.get(reverse("counselling:overview"))
    assert response.status_code == 200
    assert response.context["overview"].rows == []
    assert response.context["overview"].concerns == []
    assert ours.user.label not in response.content.decode()
    assert client.get(reverse("counselling:concern", kwargs={"concern_id": concern.pk})
                      ).status_code == 404
    later = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    for name, data in (("counselling:caseload", {"limit": "3"}),
                       ("counselling:publish", {"publish": "0"}),
                       ("counselling:supervision_plan", {"scheduled_for": later})):
        response = client.post(reverse(name), {"counsellor": ours.user_id, **data})
        assert response.status_code == 404, name
    ours.refresh_from_db()
    assert (ours.caseload_limit, ours.published) == (12, True)


# --- what the overview shows ----------------------------------------------------------------

def test_overview_numbers(client: HttpClient, org: Organisation, pool: Pool,
                          supervisor: User) -> None:
    busy = _busy_counsellor(org, pool, "busy", clients=3, caseload_limit=2)
    # Not counted: an ended engagement, a team member who left, an old and a missed session,
    # old exposure.
    ended = make_engagement(make_client(pool), busy)
    ended.status = EngagementStatus.ENDED
    ended.save()
    left = make_engagement(make_client(pool), busy)
    left.members.update(left_at=timezone.now())
    _held(busy, ended, days_ago=20)
    _held(busy, ended, days_ago=1, status=AppointmentStatus.MISSED)
    old = exposure_add(actor=busy.user, kind="threat", minutes=90)
    ExposureEntry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=20))
    # A tandem engagement counts for both counsellors.
    calm = make_counsellor(org, username="calm", published=False)
    make_engagement(make_client(pool), calm, busy)
    SupervisionSession.objects.create(counsellor=calm.user, supervisor=supervisor,
                                      scheduled_for=timezone.now() - timedelta(days=10),
                                      status=SupervisionStatus.HELD,
                                      held_at=timezone.now() - timedelta(days=10))
    planned = SupervisionSession.objects.create(
        counsellor=calm.user, supervisor=supervisor,
        scheduled_for=timezone.now() + timedelta(days=5))
    SupervisionSession.objects.create(counsellor=calm.user, supervisor=supervisor,
                                      scheduled_for=timezone.now() + timedelta(days=30))
    make_user(Role.COUNSELLOR, org, username="newcomer")  # no profile yet

    response = login(client, supervisor).get(reverse("counselling:overview"))
    assert response.status_code == 200
    rows = {row.user.username: row for row in response.context["overview"].rows}
    assert set(rows) == {"busy", "calm", "newcomer"}
    b, c, n = rows["busy"], rows["calm"], rows["newcomer"]
    assert (b.caseload, b.limit, b.over_limit) == (4, 2, True)
    assert (b.sessions_held, b.exposure_minutes) == (3, 25)
    assert (b.last_feeling, b.wants_to_talk, b.supervision_overdue) == ("strained", True, True)
    assert b.next_supervision is None and b.published
    assert (c.caseload, c.over_limit, c.sessions_held, c.exposure_minutes) == (1, False, 0, 0)
    assert (c.last_checkin_at, c.wants_to_talk, c.supervision_overdue) == (None, False, False)
    assert c.next_supervision == planned and not c.published
    assert (n.profile, n.caseload, n.limit, n.over_limit) == (None, 0, None, False)
    body = response.content.decode()
    assert "over the limit" in body and "Strained" in body
    assert 'style="' not in body and "<script>" not in body
    assert AuditEntry.objects.filter(action="counselling.overview.view",
                                     details__counsellors=3).exists()


def test_the_overview_never_shows_notes_or_clients(client: HttpClient, org: Organisation,
                                                    pool: Pool, supervisor: User) -> None:
    busy = _busy_counsellor(org, pool, "busy")
    response = login(client, supervisor).get(reverse("counselling:overview"))
    body = response.content.decode()
    assert "cried" not in body and "sky-blue" not in body  # the check-in's private note
    assert "busy-client" not in body                         # no client nickname anywhere
    assert "duty officer" not in body                        # concern text only on its page
    assert "Possible harm to others" in body and busy.user.label in body
    # Nothing on the page could hold a note: rows carry no check-in objects.
    row = response.context["overview"].rows[0]
    assert not any(isinstance(v, WellbeingCheckin) for v in vars(row).values())


def test_wants_to_talk_is_cleared_by_a_held_supervision(org: Organisation, pool: Pool,
                                                        supervisor: User) -> None:
    busy = _busy_counsellor(org, pool, "busy")
    WellbeingCheckin.objects.update(at=timezone.now() - timedelta(days=3))
    held = SupervisionSession.objects.create(
        counsellor=busy.user, supervisor=supervisor, status=SupervisionStatus.HELD,
        scheduled_for=timezone.now() - timedelta(days=1),
        held_at=timezone.now() - timedelta(days=1))
    row = supervision_overview(actor=supervisor, now=timezone.now()).rows[0]
    assert not row.wants_to_talk and not row.supervision_overdue
    checkin_record(actor=busy.user, feeling="okay", wants_to_talk=True)
    row = supervision_overview(actor=supervisor, now=timezone.now()).rows[0]
    assert row.wants_to_talk and row.feeling_label == "Okay"
    # Six weeks later without another supervision, the gap is flagged.
    assert held.held_at is not None
    row = supervision_overview(actor=supervisor, now=held.held_at + timedelta(days=43)).rows[0]
    assert row.supervision_overdue


def test_overview_queries_do_not_grow_with_counsellors(
        client: HttpClient, org: Organisation, pool: Pool, supervisor: User,
        django_assert_max_num_queries: MaxQueries) -> None:
    _busy_counsellor(org, pool, "first")
    login(client, supervisor)
    client.get(reverse("counselling:overview"))  # warm the session and the audit head
    with django_assert_max_num_queries(21) as one:  # +1: the counsellor time-zone middleware
        client.get(reverse("counselling:overview"))
    few = len(one.captured_queries)
    for i in range(5):
        counsellor = _busy_counsellor(org, pool, f"more{i}")
        SupervisionSession.objects.create(counsellor=counsellor.user, supervisor=supervisor,
                                          scheduled_for=timezone.now() + timedelta(days=i + 1))
    with django_assert_max_num_queries(few) as many:
        response = client.get(reverse("counselling:overview"))
    assert len(response.context["overview"].rows) == 6
    assert len(many.captured_queries) == few


# --- concern notes --------------------------------------------------------------------------

def test_a_shared_concern_is_readable_and_the_reading_audited(
        client: HttpClient, org: Organisation, pool: Pool, supervisor: User,
        counsellor: User) -> None:
    busy = _busy_counsellor(org, pool, "busy")
    concern = ConcernNote.objects.get(author=busy)
    kept = ConcernNote.objects.create(engagement=concern.engagement, author=busy,
                                      topic=ConcernTopic.OTHER, text="Team only.",
                                      shared_with_supervisor=False)
    login(client, supervisor)
    response = client.get(reverse("counselling:concern", kwargs={"concern_id": concern.pk}))
    assert response.status_code == 200
    body = response.content.decode()
    assert "duty officer" in body and "busy-client" not in body
    entry = AuditEntry.objects.get(action="counselling.concern.view")
    assert entry.object_id == str(concern.pk) and "duty" not in str(entry.details)
    # Not even the topic: "harm_to_others" next to an engagement id is health data.
    assert entry.details == {"engagement": concern.engagement_id}
    overview = client.get(reverse("counselling:overview")).context["overview"]
    assert [c.pk for c in overview.concerns] == [concern.pk]
    assert client.get(reverse("counselling:concern", kwargs={"concern_id": kept.pk})
                      ).status_code == 404
    assert login(HttpClient(), counsellor).get(
        reverse("counselling:concern", kwargs={"concern_id": concern.pk})).status_code == 403


# --- caseload and publishing ----------------------------------------------------------------

def test_caseload_limit_is_between_one_and_sixty(client: HttpClient, org: Organisation,
                                                 supervisor: User) -> None:
    profile = make_counsellor(org, username="limited")
    login(client, supervisor)
    url = reverse("counselling:caseload")
    for limit in ("0", "61", "", "ten"):
        response = client.post(url, {"counsellor": profile.user_id, "limit": limit})
        assert response.status_code == 400, limit
    profile.refresh_from_db()
    assert profile.caseload_limit == 12
    assert client.post(url, {"counsellor": profile.user_id, "limit": "60"}).status_code == 302
    profile.refresh_from_db()
    assert profile.caseload_limit == 60
    entry = AuditEntry.objects.get(action="counselling.caseload.set")
    assert entry.details == {"counsellor": profile.user_id, "from": 12, "to": 60}
    newcomer = make_user(Role.COUNSELLOR, org)
    response = client.post(url, {"counsellor": newcomer.pk, "limit": "5"})
    assert response.status_code == 409
    assert "has not written a counsellor profile" in response.content.decode()


def test_publishing_needs_languages_and_formats(client: HttpClient, org: Organisation,
                                                supervisor: User) -> None:
    incomplete = make_counsellor(org, username="incomplete", published=False, languages=[])
    no_format = make_counsellor(org, username="noformat", published=False, formats=[])
    ready = make_counsellor(org, username="ready", published=False)
    login(client, supervisor)
    url = reverse("counselling:publish")
    for profile in (incomplete, no_format):
        response = client.post(url, {"counsellor": profile.user_id, "publish": "1"})
        assert response.status_code == 409
        assert "at least one language" in response.content.decode()
        profile.refresh_from_db()
        assert not profile.published
    assert client.post(url, {"counsellor": ready.user_id, "publish": "1"}).status_code == 302
    ready.refresh_from_db()
    assert ready.published
    # Hiding is always possible, even for an incomplete profile.
    assert client.post(url, {"counsellor": incomplete.user_id, "publish": "0"}
                       ).status_code == 302
    assert client.post(url, {"counsellor": ready.user_id, "publish": "0"}).status_code == 302
    ready.refresh_from_db()
    assert not ready.published
    assert AuditEntry.objects.filter(action="counselling.profile.publish").count() == 2
    assert client.post(url, {"counsellor": ready.user_id, "publish": "maybe"}
                       ).status_code == 400
