"""Counselling retention: inactive client accounts and old care records are deleted."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client as HttpClient
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.audit.models import AuditEntry
from brug.counselling import retention
from brug.counselling.models import (
    Appointment,
    ChatMessage,
    Client,
    ConcernNote,
    CounsellingGoal,
    CounsellorProfile,
    Engagement,
    EngagementMember,
    ExposureEntry,
    GoalReview,
    Invitation,
    Notice,
    Pool,
    SafetyPlan,
    SessionNote,
    Slot,
    WellbeingCheckin,
)
from brug.counselling.retention import clients_purge_inactive
from brug.privacy.services import retention_purge

from ..factories import login
from .factories import make_client, make_counsellor, make_engagement, make_pool, make_slot

NOW = timezone.make_aware(datetime(2030, 6, 1, 12, 0))


@pytest.fixture
def pool(org: Organisation) -> Pool:
    return make_pool(org)


@pytest.fixture
def profile(org: Organisation) -> CounsellorProfile:
    return make_counsellor(org, username="keeper")


def _seen(client: Client, days_ago: float) -> Client:
    Client.objects.filter(pk=client.pk).update(last_seen_at=NOW - timedelta(days=days_ago))
    return client


def _with_history(client: Client, profile: CounsellorProfile,
                  colleague: CounsellorProfile) -> Engagement:
    """Everything a client's counselling can hold."""
    engagement = make_engagement(client, profile)
    slot = make_slot(profile)
    appointment = Appointment.objects.create(
        engagement=engagement, counsellor=profile, slot=slot, starts_at=slot.starts_at,
        ends_at=slot.ends_at, format="chat", booked_by="client")
    ChatMessage.objects.create(engagement=engagement, sender="client", body="hello")
    goal = CounsellingGoal.objects.create(engagement=engagement, text="Sleep", written_by="client")
    GoalReview.objects.create(goal=goal, by=profile, progress="a_little", note="Better")
    SessionNote.objects.create(engagement=engagement, appointment=appointment, author=profile,
                               text="Talked about school.")
    ConcernNote.objects.create(engagement=engagement, author=profile, topic="other",
                               text="Worry")
    Invitation.objects.create(engagement=engagement, kind="tandem", from_counsellor=profile,
                              to_counsellor=colleague, reason_for_client="Two voices")
    SafetyPlan.objects.create(client=client, coping="Walk")
    Notice.objects.create(client=client, kind="booked", params={})
    ExposureEntry.objects.create(counsellor=profile.user, kind="session", minutes=50,
                                 appointment=appointment)
    return engagement


def test_inactive_clients_go_with_all_their_data_and_active_ones_stay(
        pool: Pool, profile: CounsellorProfile, org: Organisation) -> None:
    colleague = make_counsellor(org, username="colleague")
    gone = _seen(make_client(pool, "gone"), days_ago=366)
    also_gone = _seen(make_client(pool, "also-gone"), days_ago=800)
    stays = _seen(make_client(pool, "stays"), days_ago=364)
    _with_history(gone, profile, colleague)
    _with_history(also_gone, profile, colleague)
    kept_engagement = _with_history(stays, profile, colleague)

    ExposureEntry.objects.update(at=NOW - timedelta(days=1))  # recent: not a care-record purge

    assert clients_purge_inactive(now=NOW) == 2

    assert list(Client.objects.values_list("nickname", flat=True)) == ["stays"]
    assert list(Engagement.objects.values_list("pk", flat=True)) == [kept_engagement.pk]
    for model in (EngagementMember, Appointment, ChatMessage, CounsellingGoal, GoalReview,
                  SessionNote, ConcernNote, Invitation, SafetyPlan, Notice):
        assert model.objects.count() == 1, model.__name__
    # The counsellors, their slots and their own exposure log stay (the link is cleared).
    assert CounsellorProfile.objects.count() == 2 and Slot.objects.count() == 3
    assert ExposureEntry.objects.count() == 3
    assert ExposureEntry.objects.filter(appointment__isnull=True).count() == 2
    entry = AuditEntry.objects.get(action="counselling.retention.purge")
    assert entry.details["clients_deleted"] == 2 and entry.actor is None
    assert entry.organisation_id is None
    assert "gone" not in str(entry.details)


def test_dry_run_counts_and_deletes_nothing(pool: Pool) -> None:
    _seen(make_client(pool), days_ago=400)
    _seen(make_client(pool), days_ago=10)
    assert clients_purge_inactive(now=NOW, dry_run=True) == 1
    assert Client.objects.count() == 2
    assert not AuditEntry.objects.exists()


def test_nothing_due_writes_no_audit_entry(pool: Pool) -> None:
    _seen(make_client(pool), days_ago=1)
    assert clients_purge_inactive(now=NOW) == 0
    assert not AuditEntry.objects.filter(action="counselling.retention.purge").exists()


@override_settings(BRUG_CLIENT_INACTIVE_DAYS=30)
def test_the_period_comes_from_the_setting_and_batches_cover_everyone(
        pool: Pool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "BATCH", 2)
    for _ in range(5):
        _seen(make_client(pool), days_ago=31)
    _seen(make_client(pool, "recent"), days_ago=29)
    assert clients_purge_inactive(now=NOW) == 5
    assert list(Client.objects.values_list("nickname", flat=True)) == ["recent"]
    assert AuditEntry.objects.get(action="counselling.retention.purge").details[
        "inactive_days"] == 30


def test_care_records_older_than_two_years_go(counsellor: User) -> None:
    old_checkin = WellbeingCheckin.objects.create(counsellor=counsellor, feeling="okay")
    new_checkin = WellbeingCheckin.objects.create(counsellor=counsellor, feeling="good")
    old_entry = ExposureEntry.objects.create(counsellor=counsellor, kind="content", minutes=5)
    new_entry = ExposureEntry.objects.create(counsellor=counsellor, kind="content", minutes=6)
    WellbeingCheckin.objects.filter(pk=old_checkin.pk).update(at=NOW - timedelta(days=731))
    WellbeingCheckin.objects.filter(pk=new_checkin.pk).update(at=NOW - timedelta(days=729))
    ExposureEntry.objects.filter(pk=old_entry.pk).update(at=NOW - timedelta(days=731))
    ExposureEntry.objects.filter(pk=new_entry.pk).update(at=NOW - timedelta(days=729))
    assert retention.care_records_due(NOW) == (1, 1)

    assert clients_purge_inactive(now=NOW) == 0

    assert list(WellbeingCheckin.objects.values_list("pk", flat=True)) == [new_checkin.pk]
    assert list(ExposureEntry.objects.values_list("pk", flat=True)) == [new_entry.pk]
    details = AuditEntry.objects.get(action="counselling.retention.purge").details
    assert (details["checkins_deleted"], details["exposure_entries_deleted"]) == (1, 1)


def test_the_retention_purge_runs_the_client_purge(pool: Pool) -> None:
    _seen(make_client(pool, "old"), days_ago=500)
    make_client(pool, "fresh")
    # A real run: "now" is the present, so the old client is measured from today.
    Client.objects.filter(nickname="old").update(
        last_seen_at=timezone.now() - timedelta(days=500))
    retention_purge()
    assert list(Client.objects.values_list("nickname", flat=True)) == ["fresh"]


def test_purge_dry_run_command_counts_clients_and_care_records(pool: Pool,
                                                                counsellor: User) -> None:
    Client.objects.filter(pk=make_client(pool).pk).update(
        last_seen_at=timezone.now() - timedelta(days=400))
    checkin = WellbeingCheckin.objects.create(counsellor=counsellor, feeling="okay")
    WellbeingCheckin.objects.filter(pk=checkin.pk).update(
        at=timezone.now() - timedelta(days=800))
    out = StringIO()
    call_command("purge", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "dry run: 1 counselling client accounts were not used for 365 days" in text
    assert "dry run: 1 check-ins and 0 exposure entries" in text
    assert Client.objects.count() == 1 and WellbeingCheckin.objects.count() == 1


def test_the_dpo_sees_how_many_client_accounts_are_due(
        client: HttpClient, dpo: User, pool: Pool, other_org: Organisation) -> None:
    login(client, dpo)
    for days in (400, 500, 10):
        Client.objects.filter(pk=make_client(pool).pk).update(
            last_seen_at=timezone.now() - timedelta(days=days))
    elsewhere = make_pool(other_org)
    Client.objects.filter(pk=make_client(elsewhere).pk).update(
        last_seen_at=timezone.now() - timedelta(days=400))
    response = client.get(reverse("privacy:retention"))
    assert response.status_code == 200
    assert response.context["clients_due"] == 2
    body = " ".join(response.content.decode().split())
    assert "2 client accounts of your organisation's counselling are due" in body.replace(
        "&#x27;", "'")


def test_the_dpo_of_an_organisation_without_counselling_sees_no_section(
        client: HttpClient, dpo: User) -> None:
    response = login(client, dpo).get(reverse("privacy:retention"))
    assert response.context["clients_due"] is None
    assert "Online counselling" not in response.content.decode()
