"""The pages of choosing and booking (client portal) and of the schedule (counsellors)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django import forms
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone, translation

from brug.accounts.models import Organisation, User
from brug.audit.models import AuditEntry
from brug.counselling.forms_schedule import SlotForm
from brug.counselling.models import (
    Appointment,
    AppointmentStatus,
    Client,
    CounsellorProfile,
    Engagement,
    ExposureEntry,
    Notice,
    NoticeKind,
    Pool,
    Slot,
)

from ..factories import login
from .factories import (
    make_client,
    make_counsellor,
    make_engagement,
    make_pool,
    make_slot,
    portal_login,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(org: Organisation) -> Pool:
    return make_pool(org)


@pytest.fixture
def client_(pool: Pool) -> Client:
    return make_client(pool, nickname="river")


@pytest.fixture
def profile(org: Organisation) -> CounsellorProfile:
    return make_counsellor(org, display_name="Ann", formats=["chat", "video", "in_person"],
                           introduction="I listen first.", languages=["nl", "so"])


@pytest.fixture
def engagement(client_: Client, profile: CounsellorProfile) -> Engagement:
    return make_engagement(client_, profile)


@pytest.fixture
def portal(client_: Client) -> HttpClient:
    return portal_login(HttpClient(), client_)


@pytest.fixture
def staff(profile: CounsellorProfile) -> HttpClient:
    return login(HttpClient(), profile.user)


def _soon(days: int = 2) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


def _book(client_: Client, engagement: Engagement, slot: Slot, fmt: str = "chat") -> Any:
    from brug.counselling.services_scheduling import appointment_book

    return appointment_book(client=client_, engagement_id=engagement.pk, slot_id=slot.pk,
                            format=fmt)


# --- client portal --------------------------------------------------------------------------------

def test_the_counsellor_list_filters_and_takes_few_queries(
        org: Organisation, portal: HttpClient, client_: Client,
        django_assert_max_num_queries: Any) -> None:
    for i in range(10):
        made = make_counsellor(org, display_name=f"Nl {i}", languages=["nl"])
        make_slot(made, _soon(i + 1))
    make_counsellor(org, display_name="Franz", languages=["de"])
    url = reverse("portal:counsellors")
    with django_assert_max_num_queries(5):
        response = portal.get(url, {"languages": ["de"]})
    assert response.status_code == 200
    assert "Franz" in response.text and "Nl 3" not in response.text
    assert response["Cache-Control"].startswith("max-age=0")
    with django_assert_max_num_queries(5):
        response = portal.get(url)
    assert response.text.count('name="counsellor_id"') == 11


def test_without_a_meeting_service_video_is_not_a_filter(portal: HttpClient,
                                                         settings: Any) -> None:
    settings.BRUG_MEETING_URL = ""
    assert 'value="video"' not in portal.get(reverse("portal:counsellors")).text
    settings.BRUG_MEETING_URL = "https://meet.example.org"
    assert 'value="video"' in portal.get(reverse("portal:counsellors")).text


def test_the_profile_page_shows_the_profile_and_free_times(
        org: Organisation, portal: HttpClient, profile: CounsellorProfile) -> None:
    make_slot(profile, _soon(3), formats=["chat", "video"])
    response = portal.get(reverse("portal:counsellor", args=[profile.pk]))
    assert response.status_code == 200
    text = response.text
    assert "I listen first." in text and "Dutch, Somali" in text and "Far right" in text
    assert "Europe/Brussels" in text and f'value="{profile.pk}"' in text
    hidden = make_counsellor(org, published=False)
    assert portal.get(reverse("portal:counsellor", args=[hidden.pk])).status_code == 404


def test_suggest_saves_the_wishes_and_explains(
        org: Organisation, portal: HttpClient, client_: Client) -> None:
    make_counsellor(org, display_name="Ann", kind="former", languages=["nl"])
    url = reverse("portal:suggest")
    response = portal.post(url, {"languages": ["nl"], "kinds": ["former"]})
    assert response.status_code == 302
    client_.refresh_from_db()
    assert (client_.prefers_languages, client_.prefers_kinds) == (["nl"], ["former"])
    page = portal.get(url).text
    assert "Speaks Dutch" in page and "Former extremist, as you asked" in page
    assert re.search(r'name="languages" value="nl"[^>]*checked', page)
    assert not re.search(r'name="languages" value="fr"[^>]*checked', page)
    assert portal.post(url, {"languages": ["xx"]}).status_code == 400


def test_choosing_leads_to_booking(org: Organisation, portal: HttpClient, client_: Client,
                                   profile: CounsellorProfile) -> None:
    response = portal.post(reverse("portal:choose"), {"counsellor_id": profile.pk})
    engagement = Engagement.objects.get(client=client_)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:book", args=[engagement.pk])
    full = make_counsellor(org, accepting=False)
    response = portal.post(reverse("portal:choose"), {"counsellor_id": full.pk})
    assert response.status_code == 409
    assert "not taking new clients" in response.text
    assert portal.post(reverse("portal:choose"), {"counsellor_id": "x"}).status_code == 404


def test_booking_a_video_session_shows_the_meeting_link(
        portal: HttpClient, client_: Client, profile: CounsellorProfile,
        engagement: Engagement, settings: Any) -> None:
    settings.BRUG_MEETING_URL = "https://meet.example.org"
    slot = make_slot(profile, _soon(), formats=["video"])
    url = reverse("portal:book", args=[engagement.pk])
    page = portal.get(url)
    assert page.status_code == 200 and f'value="{slot.pk}"' in page.text
    assert "Europe/Brussels" in page.text
    response = portal.post(url, {"slot_id": slot.pk, "format": "video"})
    appointment = Appointment.objects.get()
    assert response["Location"] == reverse("portal:appointment", args=[appointment.pk])
    page = portal.get(response["Location"]).text
    assert f"https://meet.example.org/{appointment.meeting_room}" in page
    assert "Your session is booked." in page
    assert Notice.objects.filter(user=profile.user, kind=NoticeKind.BOOKED).exists()


def test_a_taken_time_is_explained_on_the_form(
        pool: Pool, portal: HttpClient, client_: Client, profile: CounsellorProfile,
        engagement: Engagement) -> None:
    slot = make_slot(profile, _soon())
    url = reverse("portal:book", args=[engagement.pk])
    page = portal.get(url)  # the client sees the time as free ...
    assert f'value="{slot.pk}"' in page.text
    other = make_client(pool)
    _book(other, make_engagement(other, profile), slot)  # ... someone else is faster
    response = portal.post(url, {"slot_id": slot.pk, "format": "chat"})
    # The time is no longer a choice: the form says so rather than failing.
    assert response.status_code == 400
    assert Appointment.objects.filter(engagement=engagement).count() == 0


def test_voice_is_refused_without_the_meeting_service(
        portal: HttpClient, profile: CounsellorProfile, engagement: Engagement,
        settings: Any) -> None:
    settings.BRUG_MEETING_URL = ""
    slot = make_slot(profile, _soon(), formats=["chat", "video"])
    response = portal.post(reverse("portal:book", args=[engagement.pk]),
                           {"slot_id": slot.pk, "format": "video"})
    assert response.status_code == 400 and not Appointment.objects.exists()


def test_the_client_moves_and_cancels(portal: HttpClient, client_: Client,
                                      profile: CounsellorProfile,
                                      engagement: Engagement) -> None:
    appointment = _book(client_, engagement, make_slot(profile, _soon()))
    target = make_slot(profile, _soon(4))
    make_slot(profile, _soon(5), formats=["in_person"])  # other format: not offered
    url = reverse("portal:reschedule", args=[appointment.pk])
    page = portal.get(url).text
    assert f'value="{target.pk}"' in page and page.count('name="slot_id"') == 1
    response = portal.post(url, {"slot_id": target.pk})
    new = Appointment.objects.get(status=AppointmentStatus.BOOKED)
    assert response["Location"] == reverse("portal:appointment", args=[new.pk])
    assert new.rescheduled_from_id == appointment.pk
    response = portal.post(reverse("portal:cancel", args=[new.pk]), {"reason": "Ill"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.status == AppointmentStatus.CANCELLED and new.cancel_reason == "Ill"
    assert list(Notice.objects.filter(user=profile.user).values_list("kind", flat=True)
                .order_by("id")) == [NoticeKind.BOOKED, NoticeKind.RESCHEDULED,
                                     NoticeKind.CANCELLED]
    # A cancelled session cannot be moved any more.
    assert portal.get(reverse("portal:reschedule", args=[new.pk])).status_code == 409


def test_another_clients_pages_are_404(pool: Pool, client_: Client,
                                       profile: CounsellorProfile,
                                       engagement: Engagement) -> None:
    appointment = _book(client_, engagement, make_slot(profile, _soon()))
    stranger = portal_login(HttpClient(), make_client(pool))
    assert stranger.get(reverse("portal:book", args=[engagement.pk])).status_code == 404
    for name in ("portal:appointment", "portal:reschedule"):
        assert stranger.get(reverse(name, args=[appointment.pk])).status_code == 404
    assert stranger.post(reverse("portal:cancel", args=[appointment.pk])).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_portal_pages_need_a_signed_in_client(profile: CounsellorProfile) -> None:
    response = HttpClient().get(reverse("portal:counsellors"))
    assert response.status_code == 302 and reverse("portal:signin") in response["Location"]
    # A staff session is not a client session.
    staff = login(HttpClient(), profile.user)
    assert staff.get(reverse("portal:counsellors")).status_code == 302


# --- counsellor pages -----------------------------------------------------------------------------

@time_machine.travel(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
def test_a_counsellor_adds_free_times_in_their_own_zone(
        org: Organisation) -> None:
    london = make_counsellor(org, time_zone="Europe/London", formats=["chat", "voice"])
    staff = login(HttpClient(), london.user)
    url = reverse("counselling:slots")
    response = staff.post(url, {"day": "2026-01-20", "start": "10:00", "minutes": "50",
                                "formats": ["chat"], "repeat_weeks": "1"})
    assert response.status_code == 302
    assert [s.starts_at for s in Slot.objects.order_by("starts_at")] == [
        datetime(2026, 1, 20, 10, 0, tzinfo=UTC), datetime(2026, 1, 27, 10, 0, tzinfo=UTC)]
    page = staff.get(url).text
    assert "Europe/London" in page and "10:00–10:50" in page
    clash = staff.post(url, {"day": "2026-01-20", "start": "10:30", "minutes": "30",
                             "formats": ["chat"], "repeat_weeks": "0"})
    assert clash.status_code == 409 and "overlaps" in clash.text
    wrong = staff.post(url, {"day": "2026-01-21", "start": "10:30", "minutes": "30",
                             "formats": ["video"], "repeat_weeks": "0"})
    assert wrong.status_code == 400 and Slot.objects.count() == 2


@time_machine.travel(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
@pytest.mark.parametrize(("day", "start"), [("9999-12-31", "23:30"), ("0001-01-01", "00:00"),
                                            ("2027-01-06", "10:00")])
def test_a_date_outside_the_coming_year_is_a_400_with_a_message(
        staff: HttpClient, day: str, start: str) -> None:
    response = staff.post(reverse("counselling:slots"), {
        "day": day, "start": start, "minutes": "90", "formats": ["chat"],
        "repeat_weeks": "0"})
    assert response.status_code == 400
    assert "Pick a date from today up to one year ahead." in response.text
    assert not Slot.objects.exists()
    # The date picker offers the same range.
    assert 'min="2026-01-05"' in response.text and 'max="2027-01-05"' in response.text


def test_the_slot_lengths_are_in_the_language_of_the_request(
        profile: CounsellorProfile) -> None:
    def lengths() -> dict[Any, Any]:
        field = SlotForm(formats=["chat"]).fields["minutes"]
        assert isinstance(field, forms.ChoiceField)
        return dict(field.choices)

    with translation.override("nl"):
        nl = lengths()
    with translation.override("en"):
        en = lengths()
    assert (nl[50], en[50]) == ("50 minuten", "50 minutes")


def test_the_slot_list_takes_few_queries(profile: CounsellorProfile, staff: HttpClient,
                                         django_assert_max_num_queries: Any) -> None:
    for day in range(1, 30):
        make_slot(profile, _soon(day))
    with django_assert_max_num_queries(7):
        response = staff.get(reverse("counselling:slots"))
    assert response.status_code == 200 and response.text.count("/remove/") == 29


def test_removing_a_free_time(profile: CounsellorProfile, staff: HttpClient,
                              client_: Client, engagement: Engagement) -> None:
    free = make_slot(profile, _soon(2))
    booked = make_slot(profile, _soon(3))
    _book(client_, engagement, booked)
    assert staff.post(reverse("counselling:slot_remove", args=[free.pk])).status_code == 302
    assert staff.post(reverse("counselling:slot_remove", args=[booked.pk])).status_code == 409
    assert list(Slot.objects.all()) == [booked]


def test_a_counsellor_without_a_profile_is_told_to_write_one(counsellor: User) -> None:
    staff = login(HttpClient(), counsellor)
    page = staff.get(reverse("counselling:slots"))
    assert page.status_code == 200 and "Write your counsellor profile first" in page.text
    response = staff.post(reverse("counselling:slots"), {})
    assert response.status_code == 409


def test_the_sessions_page_lists_and_audits(
        pool: Pool, profile: CounsellorProfile, staff: HttpClient, client_: Client,
        engagement: Engagement, django_assert_max_num_queries: Any) -> None:
    for i in range(8):
        other = make_client(pool, nickname=f"client{i}")
        _book(other, make_engagement(other, profile), make_slot(profile, _soon(i + 1)))
    _book(client_, engagement, make_slot(profile, _soon(20)))
    with django_assert_max_num_queries(12):  # +1: the counsellor time-zone middleware
        response = staff.get(reverse("counselling:appointments"))
    assert response.status_code == 200
    assert "river" in response.text and "client7" in response.text
    entry = AuditEntry.objects.filter(action="counselling.appointments.view").get()
    assert entry.actor == profile.user and entry.details == {"upcoming": 9, "recent": 0}


def test_the_counsellor_cancels_moves_and_marks(
        profile: CounsellorProfile, staff: HttpClient, client_: Client,
        engagement: Engagement) -> None:
    first = _book(client_, engagement, make_slot(profile, _soon(2)))
    second = _book(client_, engagement, make_slot(profile, _soon(3)))
    target = make_slot(profile, _soon(4))
    page = staff.get(reverse("counselling:appointment_reschedule", args=[first.pk]))
    assert page.status_code == 200 and f'value="{target.pk}"' in page.text
    response = staff.post(reverse("counselling:appointment_reschedule", args=[first.pk]),
                          {"slot_id": target.pk})
    assert response.status_code == 302
    moved = Appointment.objects.get(rescheduled_from=first)
    response = staff.post(reverse("counselling:appointment_cancel", args=[second.pk]),
                          {"reason": ""})
    assert response.status_code == 302
    assert list(Notice.objects.filter(client=client_).values_list("kind", flat=True)
                .order_by("id")) == [NoticeKind.RESCHEDULED, NoticeKind.CANCELLED]
    with time_machine.travel(moved.ends_at + timedelta(hours=1)):
        later = login(HttpClient(), profile.user)  # days later: a fresh sign-in
        response = later.post(reverse("counselling:appointment_mark", args=[moved.pk]),
                              {"status": "held"})
    assert response.status_code == 302
    assert ExposureEntry.objects.get().appointment == moved


def test_a_counsellor_not_on_the_team_gets_404(
        org: Organisation, profile: CounsellorProfile, client_: Client,
        engagement: Engagement) -> None:
    appointment = _book(client_, engagement, make_slot(profile, _soon()))
    other = login(HttpClient(), make_counsellor(org).user)
    assert other.get(reverse("counselling:appointment_reschedule",
                             args=[appointment.pk])).status_code == 404
    for name in ("counselling:appointment_cancel", "counselling:appointment_mark"):
        assert other.post(reverse(name, args=[appointment.pk]),
                          {"status": "held"}).status_code == 404
    assert "river" not in other.get(reverse("counselling:appointments")).text


def test_a_cancel_reason_is_shown_to_the_other_side_only(
        profile: CounsellorProfile, staff: HttpClient, portal: HttpClient, client_: Client,
        engagement: Engagement) -> None:
    by_client = _book(client_, engagement, make_slot(profile, _soon(2)))
    by_counsellor = _book(client_, engagement, make_slot(profile, _soon(3)))
    portal.post(reverse("portal:cancel", args=[by_client.pk]), {"reason": "Exam week"})
    staff.post(reverse("counselling:appointment_cancel", args=[by_counsellor.pk]),
               {"reason": "I am on sick leave"})
    assert "Exam week" in staff.get(reverse("counselling:appointments")).text
    assert "I am on sick leave" in portal.get(
        reverse("portal:appointment", args=[by_counsellor.pk])).text
    assert "Exam week" not in portal.get(
        reverse("portal:appointment", args=[by_client.pk])).text
