"""The counsellor's calendar feed: a secret address, sessions in UTC, no client data at all."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from brug.accounts.models import Organisation
from brug.audit.models import AuditEntry
from brug.counselling.ical import ical_token_renew
from brug.counselling.models import (
    Appointment,
    AppointmentStatus,
    CounsellorProfile,
    Engagement,
)
from brug.counselling.services_scheduling import appointment_book, appointment_cancel
from brug.errors import Conflict

from ..factories import login
from .factories import make_client, make_counsellor, make_engagement, make_pool, make_slot

pytestmark = pytest.mark.django_db
NICKNAME = "Nightingale-77"


@pytest.fixture
def profile(org: Organisation) -> CounsellorProfile:
    return make_counsellor(org, display_name="Ann", place="Youth centre, Mechelen")


@pytest.fixture
def engagement(org: Organisation, profile: CounsellorProfile) -> Engagement:
    return make_engagement(make_client(make_pool(org), nickname=NICKNAME), profile)


def _at(days: float) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)


def _book(engagement: Engagement, starts_at: datetime, fmt: str = "chat") -> Appointment:
    profile = engagement.members.get().counsellor
    slot = make_slot(profile, starts_at, formats=[fmt])
    return appointment_book(client=engagement.client, engagement_id=engagement.pk,
                            slot_id=slot.pk, format=fmt)


def _feed(token: str) -> Calendar:
    response = HttpClient().get(reverse("counselling:ical", kwargs={"token": token}))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def test_the_feed_lists_sessions_without_any_client_data(
        profile: CounsellorProfile, engagement: Engagement) -> None:
    chat = _book(engagement, _at(2))
    in_person = _book(engagement, _at(3), "in_person")
    cancelled = _book(engagement, _at(4))
    appointment_cancel(client=engagement.client, appointment_id=cancelled.pk,
                       reason=f"{NICKNAME} is ill")
    old = Appointment.objects.create(
        engagement=engagement, counsellor=profile, starts_at=_at(-40), ends_at=_at(-40),
        format="chat", booked_by="client", status=AppointmentStatus.HELD)
    token = ical_token_renew(actor=profile.user)
    raw = HttpClient().get(reverse("counselling:ical", kwargs={"token": token})).content
    assert NICKNAME.encode() not in raw and b"ill" not in raw
    events = {str(e["UID"]): e for e in _feed(token).walk("VEVENT")}
    # The session of 40 days ago is left out (30 days back is enough).
    assert set(events) == {f"brug-appointment-{a.pk}@brug"
                           for a in (chat, in_person, cancelled)}
    assert f"brug-appointment-{old.pk}@brug" not in events
    first = events[f"brug-appointment-{chat.pk}@brug"]
    assert str(first["SUMMARY"]) == "Brug session (chat)"
    assert first.decoded("DTSTART") == chat.starts_at.astimezone(UTC)
    assert first.decoded("DTSTART").tzinfo is not None
    assert first.decoded("DTSTART").utcoffset() == timedelta(0)
    assert first.decoded("DTEND") == chat.ends_at
    assert str(first["STATUS"]) == "CONFIRMED"
    assert str(first["URL"]) == "http://testserver/counselling/sessions/"
    meeting = events[f"brug-appointment-{in_person.pk}@brug"]
    assert str(meeting["SUMMARY"]) == "Brug session (in person)"
    assert str(meeting["LOCATION"]) == "Youth centre, Mechelen"
    assert str(events[f"brug-appointment-{cancelled.pk}@brug"]["STATUS"]) == "CANCELLED"
    for event in events.values():
        assert set(event) <= {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS",
                              "SEQUENCE", "URL", "LOCATION"}


def test_the_uid_is_stable_across_fetches(profile: CounsellorProfile,
                                          engagement: Engagement) -> None:
    _book(engagement, _at(2))
    token = ical_token_renew(actor=profile.user)
    uids = [[str(e["UID"]) for e in _feed(token).walk("VEVENT")] for _ in range(2)]
    assert uids[0] == uids[1] and len(uids[0]) == 1


def test_a_wrong_or_old_token_is_404(profile: CounsellorProfile) -> None:
    first = ical_token_renew(actor=profile.user)
    profile.refresh_from_db()
    old_hash = profile.ical_token_hash
    assert old_hash == hashlib.sha256(first.encode()).hexdigest()
    second = ical_token_renew(actor=profile.user)
    profile.refresh_from_db()
    # Only the SHA-256 of the new token is kept; the old one is gone.
    assert profile.ical_token_hash == hashlib.sha256(second.encode()).hexdigest()
    assert profile.ical_token_hash != old_hash
    http = HttpClient()
    assert http.get(reverse("counselling:ical", kwargs={"token": first})).status_code == 404
    assert http.get(reverse("counselling:ical", kwargs={"token": "x" * 43})).status_code == 404
    assert http.get(reverse("counselling:ical", kwargs={"token": second})).status_code == 200
    assert AuditEntry.objects.filter(action="counselling.ical_token").count() == 2


def test_a_counsellor_who_left_loses_the_feed(profile: CounsellorProfile) -> None:
    token = ical_token_renew(actor=profile.user)
    profile.user.is_active = False
    profile.user.save()
    response = HttpClient().get(reverse("counselling:ical", kwargs={"token": token}))
    assert response.status_code == 404


def test_the_feed_follows_the_team(org: Organisation, profile: CounsellorProfile,
                                   engagement: Engagement) -> None:
    _book(engagement, _at(2))
    colleague = make_counsellor(org)
    token = ical_token_renew(actor=colleague.user)
    assert _feed(token).walk("VEVENT") == []
    engagement.members.create(counsellor=colleague, lead=False)
    assert len(_feed(token).walk("VEVENT")) == 1


def test_the_address_is_shown_once_on_the_page(profile: CounsellorProfile) -> None:
    staff = login(HttpClient(), profile.user)
    response = staff.post(reverse("counselling:ical_token"))
    assert response.status_code == 200
    match = re.search(r'value="(http://testserver/counselling/ical/([^"]+)\.ics)"',
                      response.text)
    assert match is not None
    profile.refresh_from_db()
    assert profile.ical_token_hash == hashlib.sha256(match.group(2).encode()).hexdigest()
    assert match.group(2) not in staff.get(reverse("counselling:appointments")).text
    assert HttpClient().get(match.group(1)).status_code == 200


def test_without_a_profile_there_is_no_feed(counsellor: object) -> None:
    from brug.accounts.models import User

    assert isinstance(counsellor, User)
    with pytest.raises(Conflict):
        ical_token_renew(actor=counsellor)
