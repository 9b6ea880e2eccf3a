"""The counsellor's care page (check-ins, exposure log) and supervision sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import Role
from brug.audit.models import AuditEntry
from brug.counselling.models import (
    ExposureEntry,
    Notice,
    NoticeKind,
    SupervisionSession,
    SupervisionStatus,
    WellbeingCheckin,
)
from brug.counselling.selectors_care import care_page
from brug.counselling.services_care import checkin_record, exposure_add, supervision_plan
from brug.errors import InvalidInput, NotAllowed

from ..factories import login, make_user
from .factories import make_counsellor

NOTE = "Slept badly after the session about the attack video."


def _in_days(days: int) -> str:
    """A datetime-local value ``days`` from now, in the site's zone (the supervisor's here)."""
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


# --- check-ins ------------------------------------------------------------------------------

def test_care_page_says_who_sees_what(client: HttpClient, counsellor: User) -> None:
    response = login(client, counsellor).get(reverse("counselling:care"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "never sees your private note" in body
    assert 'style="' not in body and "<script>" not in body
    assert 'name="feeling"' in body and 'name="wants_to_talk"' in body


def test_checkin_is_saved_with_a_sealed_note_and_a_content_free_audit_entry(
        client: HttpClient, counsellor: User) -> None:
    response = login(client, counsellor).post(reverse("counselling:checkin"), {
        "feeling": "strained", "wants_to_talk": "on", "note": NOTE})
    assert response.status_code == 302
    checkin = WellbeingCheckin.objects.get(counsellor=counsellor)
    assert (checkin.feeling, checkin.wants_to_talk, checkin.note) == ("strained", True, NOTE)
    raw = _raw("counselling_wellbeingcheckin", "note", checkin.pk)
    assert raw.startswith("gAAAAA") and "attack" not in raw
    entry = AuditEntry.objects.get(action="counselling.checkin")
    assert entry.details == {"with_note": True}
    assert "attack" not in str(entry.details) and "strained" not in str(entry.details)
    # The counsellor reads their own note back on the care page.
    page = client.get(reverse("counselling:care")).content.decode()
    assert "Slept badly" in page


def test_checkin_needs_a_feeling(client: HttpClient, counsellor: User) -> None:
    response = login(client, counsellor).post(reverse("counselling:checkin"),
                                              {"feeling": "fine?", "note": "x"})
    assert response.status_code == 400
    assert WellbeingCheckin.objects.count() == 0
    with pytest.raises(InvalidInput):
        checkin_record(actor=counsellor, feeling="great")


def test_a_supervisor_has_no_care_page_of_their_own(supervisor: User) -> None:
    with pytest.raises(NotAllowed):
        checkin_record(actor=supervisor, feeling="good")


# --- exposure -------------------------------------------------------------------------------

def test_exposure_minutes_are_bounded(client: HttpClient, counsellor: User) -> None:
    login(client, counsellor)
    for minutes in ("0", "601", "abc"):
        response = client.post(reverse("counselling:exposure_add"),
                               {"kind": "content", "minutes": minutes})
        assert response.status_code == 400, minutes
    assert client.post(reverse("counselling:exposure_add"),
                       {"kind": "sunshine", "minutes": "5"}).status_code == 400
    assert ExposureEntry.objects.count() == 0
    for minutes in ("1", "600"):
        assert client.post(reverse("counselling:exposure_add"),
                           {"kind": "content", "minutes": minutes}).status_code == 302
    assert sorted(ExposureEntry.objects.values_list("minutes", flat=True)) == [1, 600]
    with pytest.raises(InvalidInput):
        exposure_add(actor=counsellor, kind="content", minutes=601)


def test_exposure_chart_counts_the_last_fourteen_days_per_kind(client: HttpClient,
                                                                counsellor: User) -> None:
    now = timezone.now()
    exposure_add(actor=counsellor, kind="content", minutes=30)
    exposure_add(actor=counsellor, kind="content", minutes=15)
    exposure_add(actor=counsellor, kind="threat", minutes=10)
    old = exposure_add(actor=counsellor, kind="disclosure", minutes=200)
    ExposureEntry.objects.filter(pk=old.pk).update(at=now - timedelta(days=15))
    other = make_user(Role.COUNSELLOR, counsellor.organisation)
    exposure_add(actor=other, kind="content", minutes=500)  # someone else's

    page = care_page(actor=counsellor, now=now)
    totals = {row.kind: (row.minutes, row.share) for row in page.exposure}
    assert totals == {"session": (0, 0), "content": (45, 100), "disclosure": (0, 0),
                      "threat": (10, 20), "other": (0, 0)}
    assert page.exposure_total == 55

    body = login(client, counsellor).get(reverse("counselling:care")).content.decode()
    assert 'class="bar bar-w-100"' in body and 'class="bar bar-w-20"' in body
    assert "<td class=\"num\">55</td>" in body


# --- supervision sessions -------------------------------------------------------------------

@pytest.fixture
def session(counsellor: User, supervisor: User) -> SupervisionSession:
    return SupervisionSession.objects.create(counsellor=counsellor, supervisor=supervisor,
                                             scheduled_for=timezone.now() + timedelta(days=2))


def test_supervision_plan_notifies_the_counsellor_in_the_supervisors_zone(
        client: HttpClient, counsellor: User, supervisor: User) -> None:
    # The supervisor also counsels, in New York: the time they type is New York time.
    make_counsellor(supervisor.organisation, username="sv-profile")  # someone else's profile
    from brug.counselling.models import CounsellorProfile

    CounsellorProfile.objects.create(user=supervisor, display_name="Sam", kind="professional",
                                     age_band="36-50", languages=["en"], formats=["chat"],
                                     time_zone="America/New_York")
    day = (timezone.now() + timedelta(days=30)).date()
    response = login(client, supervisor).post(reverse("counselling:supervision_plan"), {
        "counsellor": counsellor.pk, "scheduled_for": f"{day.isoformat()}T10:00"})
    assert response.status_code == 302
    session = SupervisionSession.objects.get(counsellor=counsellor)
    in_new_york = datetime(day.year, day.month, day.day, 10, 0,
                           tzinfo=ZoneInfo("America/New_York"))
    assert session.scheduled_for == in_new_york.astimezone(UTC)
    assert (session.supervisor, session.status) == (supervisor, SupervisionStatus.PLANNED)
    notice = Notice.objects.get(user=counsellor)
    assert notice.kind == NoticeKind.SUPERVISION
    assert notice.url == reverse("counselling:supervision", kwargs={"session_id": session.pk})
    assert AuditEntry.objects.filter(action="counselling.supervision.plan",
                                     object_id=str(session.pk)).exists()


def test_supervision_plan_refuses_the_past_and_strangers(
        client: HttpClient, counsellor: User, supervisor: User, other_org: Organisation) -> None:
    login(client, supervisor)
    response = client.post(reverse("counselling:supervision_plan"), {
        "counsellor": counsellor.pk, "scheduled_for": "2001-01-15T10:00"})
    assert response.status_code == 400
    assert "in the future" in response.content.decode()
    stranger = make_user(Role.COUNSELLOR, other_org)
    response = client.post(reverse("counselling:supervision_plan"), {
        "counsellor": stranger.pk, "scheduled_for": _in_days(3)})
    assert response.status_code == 404
    colleague = make_user(Role.PREVENTION_WORKER, supervisor.organisation)
    response = client.post(reverse("counselling:supervision_plan"), {
        "counsellor": colleague.pk, "scheduled_for": _in_days(3)})
    assert response.status_code == 404
    assert SupervisionSession.objects.count() == 0 and Notice.objects.count() == 0


def test_supervision_plan_is_bounded_to_the_coming_year(
        client: HttpClient, supervisor: User) -> None:
    # A counsellor in Tokyo: the end of the calendar there is past year 9999, which no
    # datetime can hold, so such a date must never be stored.
    tokyo = make_counsellor(supervisor.organisation, time_zone="Asia/Tokyo").user
    login(client, supervisor)
    for when in ("9999-12-31T23:30", _in_days(366)):
        response = client.post(reverse("counselling:supervision_plan"), {
            "counsellor": tokyo.pk, "scheduled_for": when})
        assert response.status_code == 400, when
        assert "within the next 365 days" in response.content.decode()
    assert SupervisionSession.objects.count() == 0
    assert client.post(reverse("counselling:supervision_plan"), {
        "counsellor": tokyo.pk, "scheduled_for": _in_days(364)}).status_code == 302
    assert login(HttpClient(), tokyo).get(reverse("counselling:care")).status_code == 200
    # The service keeps the same bound for any caller.
    with pytest.raises(InvalidInput) as caught:
        supervision_plan(actor=supervisor, counsellor_id=tokyo.pk,
                         scheduled_for=timezone.now() + timedelta(days=366))
    assert caught.value.details["field"] == "scheduled_for"
    assert SupervisionSession.objects.count() == 1


def test_a_supervision_session_is_only_for_its_two_people(
        client: HttpClient, session: SupervisionSession, counsellor: User, supervisor: User,
        prevention_worker: User) -> None:
    url = reverse("counselling:supervision", kwargs={"session_id": session.pk})
    assert login(HttpClient(), supervisor).get(url).status_code == 200
    assert login(HttpClient(), counsellor).get(url).status_code == 200
    organisation = counsellor.organisation
    for other in (make_user(Role.SUPERVISOR, organisation),
                  make_user(Role.COUNSELLOR, organisation)):
        assert login(HttpClient(), other).get(url).status_code == 404
        assert login(HttpClient(), other).post(url, {"notes": "x", "status": "held"}
                                               ).status_code == 404
    assert login(HttpClient(), prevention_worker).get(url).status_code == 403
    assert AuditEntry.objects.filter(action="counselling.supervision.view").count() == 2


def test_supervision_notes_are_shared_and_held_sets_held_at(
        client: HttpClient, session: SupervisionSession, counsellor: User,
        supervisor: User) -> None:
    url = reverse("counselling:supervision", kwargs={"session_id": session.pk})
    response = login(client, supervisor).post(url, {"notes": "Boundaries with a hostile client.",
                                                    "status": "held"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SupervisionStatus.HELD and session.held_at is not None
    assert _raw("counselling_supervisionsession", "notes", session.pk).startswith("gAAAAA")
    # The counsellor reads the shared notes on their care page and can add to them.
    care = login(HttpClient(), counsellor).get(reverse("counselling:care")).content.decode()
    assert "Boundaries with a hostile client." in care
    response = login(HttpClient(), counsellor).post(url, {
        "notes": "Boundaries with a hostile client. Try the script.", "status": "held"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.notes.endswith("Try the script.")
    # Held stays held.
    response = login(client, supervisor).post(url, {"notes": session.notes,
                                                    "status": "cancelled"})
    assert response.status_code == 409
    session.refresh_from_db()
    assert session.status == SupervisionStatus.HELD
    entries = AuditEntry.objects.filter(action="counselling.supervision.update")
    assert entries.count() == 2
    assert all("hostile" not in str(e.details) for e in entries)


def test_cancelled_supervision_is_not_shown_on_the_care_page(
        client: HttpClient, session: SupervisionSession, counsellor: User,
        supervisor: User) -> None:
    url = reverse("counselling:supervision", kwargs={"session_id": session.pk})
    assert login(client, supervisor).post(url, {"notes": "", "status": "cancelled"}
                                          ).status_code == 302
    session.refresh_from_db()
    assert session.status == SupervisionStatus.CANCELLED and session.held_at is None
    page = care_page(actor=counsellor, now=timezone.now())
    assert page.sessions == []
