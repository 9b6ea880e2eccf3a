"""Choosing a counsellor: filters, suggestions with reasons, and who can be chosen at all."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from brug.accounts.models import Organisation
from brug.accounts.roles import Role
from brug.counselling.matching import Choice, counsellors_for, suggestions
from brug.counselling.models import Client, CounsellorProfile, EngagementStatus, Pool
from brug.counselling.selectors_work import invitation_candidates
from brug.counselling.services_scheduling import engagement_start
from brug.errors import Conflict

from ..factories import make_org
from .factories import make_client, make_counsellor, make_engagement, make_pool, make_slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(org: Organisation) -> Pool:
    return make_pool(org)


@pytest.fixture
def client_(pool: Pool) -> Client:
    return make_client(pool)


def _names(choices: list[Choice]) -> list[str]:
    return [c.profile.display_name for c in choices]


def test_only_published_profiles_of_the_clients_pool_are_listed(
        org: Organisation, other_org: Organisation, pool: Pool, client_: Client) -> None:
    make_counsellor(org, display_name="Ann")
    make_counsellor(org, display_name="Hidden", published=False)
    make_counsellor(other_org, display_name="Elsewhere")
    assert _names(counsellors_for(client_)) == ["Ann"]
    # Sharing the pool with another organisation makes its counsellors choosable too.
    pool.organisations.add(other_org)
    assert _names(counsellors_for(client_)) == ["Ann", "Elsewhere"]


def test_an_inactive_counsellor_account_is_not_listed(org: Organisation,
                                                      client_: Client) -> None:
    gone = make_counsellor(org, display_name="Gone")
    gone.user.is_active = False
    gone.user.save()
    assert counsellors_for(client_) == []


@pytest.mark.parametrize("change", ["role", "inactive"])
def test_a_counsellor_who_lost_the_role_or_left_is_nowhere_choosable(
        change: str, org: Organisation, client_: Client) -> None:
    """Listed, suggested, chosen and proposed as a colleague all follow one rule."""
    ann = make_counsellor(org, display_name="Ann")
    gone = make_counsellor(org, display_name="Gone")
    engagement = make_engagement(client_, ann)
    assert _names(counsellors_for(client_)) == ["Ann", "Gone"]
    assert list(invitation_candidates(engagement)) == [gone]
    if change == "role":  # moved to supervision: the published profile row stays
        gone.user.role = Role.SUPERVISOR
    else:
        gone.user.is_active = False
    gone.user.save()
    assert _names(counsellors_for(client_)) == ["Ann"]
    assert _names(suggestions(client_)) == ["Ann"]
    assert list(invitation_candidates(engagement)) == []
    with pytest.raises(Conflict) as error:
        engagement_start(client=make_client(client_.pool), counsellor_id=gone.pk)
    assert error.value.code == "not_choosable"


def test_filters_narrow_within_and_across_kinds_of_wish(org: Organisation,
                                                        client_: Client) -> None:
    make_counsellor(org, display_name="Ann", languages=["nl"], kind="former",
                    specialisms=["conspiracy"], gender="woman", age_band="26-35")
    make_counsellor(org, display_name="Bob", languages=["fr", "en"], kind="professional",
                    specialisms=["far_right"], gender="man", age_band="51+")
    make_counsellor(org, display_name="Cem", languages=["tr", "nl"], kind="peer",
                    specialisms=["jihadism"], gender="man", age_band="18-25")
    assert _names(counsellors_for(client_, languages=["nl"])) == ["Ann", "Cem"]
    assert _names(counsellors_for(client_, languages=["fr", "tr"])) == ["Bob", "Cem"]
    assert _names(counsellors_for(client_, languages=["nl"], genders=["man"])) == ["Cem"]
    assert _names(counsellors_for(client_, kinds=["former", "peer"])) == ["Ann", "Cem"]
    assert _names(counsellors_for(client_, specialisms=["far_right"])) == ["Bob"]
    assert _names(counsellors_for(client_, age_bands=["18-25", "51+"])) == ["Bob", "Cem"]
    assert counsellors_for(client_, languages=["so"]) == []


def test_voice_and_video_count_only_with_a_meeting_service(
        org: Organisation, client_: Client, settings: Any) -> None:
    make_counsellor(org, display_name="Vid", formats=["video", "chat"])
    make_counsellor(org, display_name="Txt", formats=["chat"])
    settings.BRUG_MEETING_URL = ""
    assert counsellors_for(client_, formats=["video"]) == []
    assert _names(counsellors_for(client_, formats=["chat"])) == ["Txt", "Vid"]
    settings.BRUG_MEETING_URL = "https://meet.example.org"
    assert _names(counsellors_for(client_, formats=["video"])) == ["Vid"]


def test_full_or_not_accepting_counsellors_are_listed_but_not_open(
        org: Organisation, pool: Pool, client_: Client) -> None:
    full = make_counsellor(org, display_name="Full", caseload_limit=1)
    make_engagement(make_client(pool), full)
    make_counsellor(org, display_name="Resting", accepting=False)
    make_counsellor(org, display_name="Zed")
    listed = counsellors_for(client_)
    # Open ones first, then those not taking new clients (both by name).
    assert [(c.profile.display_name, c.open) for c in listed] == [
        ("Zed", True), ("Full", False), ("Resting", False)]
    assert _names(suggestions(client_)) == ["Zed"]


def test_only_active_engagements_and_memberships_count_towards_the_caseload(
        org: Organisation, pool: Pool, client_: Client) -> None:
    profile = make_counsellor(org, display_name="Ann", caseload_limit=2)
    ended = make_engagement(make_client(pool), profile)
    ended.status = EngagementStatus.ENDED
    ended.save()
    left = make_engagement(make_client(pool), profile)
    left.members.update(left_at=timezone.now())
    make_engagement(make_client(pool), profile)
    assert counsellors_for(client_)[0].open is True
    make_engagement(make_client(pool), profile)
    assert counsellors_for(client_)[0].open is False


def test_suggestions_explain_what_fits_and_what_does_not(
        org: Organisation, client_: Client, settings: Any) -> None:
    settings.BRUG_MEETING_URL = "https://meet.example.org"
    ann = make_counsellor(org, display_name="Ann", languages=["nl"], kind="former",
                          formats=["video", "chat"], specialisms=["conspiracy"])
    make_slot(ann, timezone.now() + timedelta(days=2))
    make_counsellor(org, display_name="Bob", languages=["fr"], kind="professional",
                    formats=["chat"], specialisms=["far_right"])
    client_.prefers_languages = ["nl"]
    client_.prefers_kinds = ["former"]
    client_.prefers_formats = ["video"]
    client_.prefers_specialisms = ["conspiracy"]
    client_.save()
    first, second = suggestions(client_)
    assert first.profile == ann
    assert first.good == ["Speaks Dutch", "Former extremist, as you asked", "Offers video",
                          "Knows about conspiracy narratives", "Has a free time this week"]
    assert first.bad == []
    assert first.next_slot is not None
    assert second.profile.display_name == "Bob"
    assert second.good == []
    assert second.bad == ["Does not speak Dutch",
                          "Professional counsellor, not the type you asked for",
                          "Does not offer video",
                          "Does not list Conspiracy narratives among their subjects",
                          "No free time this week"]
    assert second.reasons == second.good + second.bad


def test_suggestions_rank_by_wishes_met_then_the_soonest_free_time(
        org: Organisation, client_: Client) -> None:
    now = timezone.now()
    later = make_counsellor(org, display_name="Later", languages=["nl"])
    make_slot(later, now + timedelta(days=5))
    sooner = make_counsellor(org, display_name="Sooner", languages=["nl"])
    make_slot(sooner, now + timedelta(days=1))
    make_counsellor(org, display_name="Other language", languages=["fr"])
    make_counsellor(org, display_name="No times", languages=["nl"])
    client_.prefers_languages = ["nl"]
    client_.save()
    assert _names(suggestions(client_)) == ["Sooner", "Later", "No times"]
    assert _names(suggestions(client_, limit=5))[-1] == "Other language"


def test_a_booked_or_past_slot_is_not_the_next_free_time(org: Organisation,
                                                         client_: Client) -> None:
    from brug.counselling.models import Appointment

    ann = make_counsellor(org, display_name="Ann")
    past = make_slot(ann, timezone.now() - timedelta(hours=3))
    taken = make_slot(ann, timezone.now() + timedelta(days=1))
    free = make_slot(ann, timezone.now() + timedelta(days=9))
    engagement = make_engagement(make_client(client_.pool), ann)
    Appointment.objects.create(engagement=engagement, counsellor=ann, slot=taken,
                               starts_at=taken.starts_at, ends_at=taken.ends_at,
                               format="chat", booked_by="client")
    choice = counsellors_for(client_)[0]
    assert choice.next_slot == free and past != free
    # Nine days away is not "this week".
    assert "No free time this week" in suggestions(client_)[0].bad


def test_no_preferences_means_no_reasons_but_still_suggestions(
        org: Organisation, client_: Client) -> None:
    make_counsellor(org, display_name="Ann")
    (choice,) = suggestions(client_)
    assert choice.reasons == ["No free time this week"]


def test_the_list_takes_a_fixed_number_of_queries(
        org: Organisation, client_: Client,
        django_assert_max_num_queries: Any) -> None:
    for i in range(12):
        profile = make_counsellor(org, display_name=f"C{i:02d}", caseload_limit=3)
        make_slot(profile, timezone.now() + timedelta(days=1 + i))
        make_engagement(make_client(client_.pool), profile)
    with django_assert_max_num_queries(2):
        listed = counsellors_for(client_, languages=["nl"])
    assert len(listed) == 12
    with django_assert_max_num_queries(2):
        assert len(suggestions(client_, limit=10)) == 10


def test_matching_ranks_counsellors_and_stores_nothing_about_the_client(
        org: Organisation, client_: Client) -> None:
    make_counsellor(org, display_name="Ann")
    before = {f.name: getattr(client_, f.name) for f in Client._meta.concrete_fields}
    suggestions(client_)
    counsellors_for(client_, languages=["nl"])
    client_.refresh_from_db()
    assert {f.name: getattr(client_, f.name) for f in Client._meta.concrete_fields} == before
    assert not any("score" in f.name or "risk" in f.name
                   for f in [*Client._meta.get_fields(), *CounsellorProfile._meta.get_fields()])


def test_other_organisation_outside_the_pool_cannot_be_suggested(
        org: Organisation, client_: Client) -> None:
    make_counsellor(make_org("Elsewhere exit"), display_name="Far away")
    assert suggestions(client_) == []


def test_misses_of_several_wishes_are_named_together(org: Organisation,
                                                     client_: Client) -> None:
    make_counsellor(org, display_name="Ann", languages=["en"], specialisms=["family"])
    client_.prefers_languages = ["nl", "fr"]
    client_.prefers_specialisms = ["incel", "jihadism"]
    client_.save()
    (choice,) = suggestions(client_)
    assert choice.bad[:2] == ["Speaks none of: Dutch, French",
                              "Lists none of these subjects: Incel and misogynist movements, "
                              "Jihadism"]
    assert choice.fits == 0
