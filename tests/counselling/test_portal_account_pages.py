"""The client portal's dashboard, account page, privacy notice and look: content, query
counts, settings and preferences, contact channel, passphrase change, accessibility basics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import include, path, reverse
from django.utils import timezone

from brug.accounts.models import Organisation
from brug.audit.models import AuditEntry
from brug.counselling import portal_urls_account
from brug.counselling.models import (
    Appointment,
    Client,
    CounsellorProfile,
    Engagement,
    EngagementMember,
    Notice,
    Pool,
)
from brug.counselling.services_clients import (
    SIGNIN_FAILURES,
    client_authenticate,
    client_passphrase_change,
    client_preferences_set,
)
from brug.counselling.viewhelpers import portal_url
from brug.errors import InvalidInput

from .factories import (
    PASSPHRASE,
    make_client,
    make_counsellor,
    make_engagement,
    make_pool,
    portal_login,
)

HOME = "/help/home/"
ACCOUNT = "/help/account/"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()  # the sign-in rate limit counts per address, across tests otherwise
    yield
    cache.clear()


@pytest.fixture
def pool(org: Organisation) -> Pool:
    return make_pool(org, slug="exit")


@pytest.fixture
def person(pool: Pool) -> Client:
    return make_client(pool, nickname="Quiet River")


def _book(engagement: Engagement, profile: CounsellorProfile, *, days: float = 2,
          status: str = "booked", **extra: Any) -> Appointment:
    starts = timezone.now() + timedelta(days=days)
    return Appointment.objects.create(
        engagement=engagement, counsellor=profile, starts_at=starts,
        ends_at=starts + timedelta(minutes=50), format=extra.pop("format", "chat"),
        booked_by="client", status=status, **extra)


# --- dashboard -----------------------------------------------------------------------------

def test_dashboard_shows_sessions_notices_and_counsellors(client: HttpClient, pool: Pool,
                                                          person: Client,
                                                          org: Organisation) -> None:
    lead = make_counsellor(org, display_name="Amira")
    second = make_counsellor(org, display_name="Jonas")
    gone = make_counsellor(org, display_name="Former Colleague")
    engagement = make_engagement(person, lead, second)
    EngagementMember.objects.create(engagement=engagement, counsellor=gone, lead=False,
                                    left_at=timezone.now())
    ended = make_engagement(person, make_counsellor(org, display_name="Ended Karel"))
    Engagement.objects.filter(pk=ended.pk).update(status="ended")
    _book(engagement, lead, days=2, format="in_person", place="Youth centre, Mechelen")
    _book(engagement, lead, days=3, status="cancelled")
    _book(engagement, lead, days=-1)
    stranger = make_client(pool, nickname="Someone Else")
    _book(make_engagement(stranger, make_counsellor(org, display_name="Not Yours")),
          lead, days=1)
    Notice.objects.create(client=person, kind="message", params={"name": "Amira"},
                          url="/help/home/")
    Notice.objects.create(client=person, kind="booked", params={"name": "Jonas"},
                          url="https://evil.example/")
    Notice.objects.create(client=person, kind="cancelled", params={"name": "Jonas"},
                          url="/\\evil.example/")
    Notice.objects.create(client=stranger, kind="message", params={"name": "Nobody"})

    portal_login(client, person)
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Amira and Jonas" in html
    assert "Former Colleague" not in html and "Ended Karel" not in html
    assert "Not Yours" not in html and "Nobody" not in html
    assert html.count('class="appointment"') == 1
    assert "In person with Amira" in html and "Youth centre, Mechelen" in html
    assert "New message from Amira." in html
    assert "Session booked with Jonas" in html
    assert 'href="/help/home/">New message' in html and "evil.example" not in html
    # Shown once: the notices are read now.
    assert not Notice.objects.filter(client=person, read_at__isnull=True).exists()
    assert Notice.objects.filter(client=stranger, read_at__isnull=True).count() == 1
    assert "New message from Amira." not in client.get(HOME).content.decode()


def test_dashboard_links_only_pages_that_exist(client: HttpClient, person: Client,
                                               org: Organisation) -> None:
    engagement = make_engagement(person, make_counsellor(org))
    portal_login(client, person)
    html = client.get(HOME).content.decode()
    links = {"counsellors": portal_url("counsellors"), "safety_plan": portal_url("safety_plan"),
             "conversation": portal_url("conversation", engagement_id=engagement.pk)}
    for name, url in links.items():  # every page exists now: a missing link is a defect
        assert url, name
        assert f'href="{url}"' in html, name
    assert "Choose a counsellor" in html and "Open the conversation" in html
    assert "Open your safety plan" in html
    assert portal_url("no_such_page") == ""


def test_dashboard_query_count_does_not_grow(client: HttpClient, person: Client,
                                             org: Organisation,
                                             django_assert_max_num_queries: Any) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            lead, other = make_counsellor(org), make_counsellor(org)
            engagement = make_engagement(person, lead, other)
            _book(engagement, lead, days=1 + n)
            Notice.objects.create(client=person, kind="reminder",
                                  params={"name": "A", "at": timezone.now().isoformat()})

    portal_login(client, person)
    add(1)
    client.get(HOME)  # warm the session's last-seen write
    add(1)
    with django_assert_max_num_queries(8) as few:
        assert client.get(HOME).status_code == 200
    add(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(HOME).status_code == 200


# --- account -------------------------------------------------------------------------------

def test_account_page_shows_the_forms(client: HttpClient, person: Client) -> None:
    portal_login(client, person)
    html = client.get(ACCOUNT).content.decode()
    for url in ["portal:account_settings", "portal:account_preferences",
                "portal:account_contact", "portal:passphrase", "portal:delete"]:
        assert reverse(url) in html, url
    assert "Peer (someone your age)" in html and "Prefers not to say" not in html


def test_language_and_country_change(client: HttpClient, person: Client) -> None:
    portal_login(client, person)
    response = client.post("/help/account/settings/", {"language": "fr", "country": "LU"})
    assert response.status_code == 302 and response["Location"] == ACCOUNT
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    person.refresh_from_db()
    assert (person.language, person.country) == ("fr", "LU")
    assert client.post("/help/account/settings/",
                       {"language": "xx", "country": "LU"}).status_code == 400
    assert AuditEntry.objects.filter(action="counselling.client.settings").count() == 1


def test_preferences_are_the_clients_own_choices(client: HttpClient, person: Client) -> None:
    portal_login(client, person)
    response = client.post("/help/account/preferences/", {
        "prefers_kinds": ["former", "survivor"], "prefers_formats": ["chat"],
        "prefers_languages": ["nl", "ar"], "prefers_genders": ["woman"],
        "prefers_age_bands": ["18-25"], "prefers_specialisms": ["incel"]})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.prefers_kinds == ["former", "survivor"]
    assert person.prefers_languages == ["nl", "ar"]
    assert person.prefers_specialisms == ["incel"]
    html = client.get(ACCOUNT).content.decode()
    assert re.search(r'value="former"[^>]*checked', html)
    # Unknown codes are refused, by the form and by the service.
    bad = client.post("/help/account/preferences/", {"prefers_kinds": ["guru"]})
    assert bad.status_code == 400
    with pytest.raises(InvalidInput):
        client_preferences_set(client=person, preferences={"prefers_genders": ["unsaid"]})
    # Nothing ticked clears them.
    assert client.post("/help/account/preferences/", {}).status_code == 302
    person.refresh_from_db()
    assert person.prefers_kinds == [] and person.prefers_formats == []
    entry = AuditEntry.objects.filter(action="counselling.client.preferences").first()
    assert entry is not None and "former" not in str(entry.details)


def test_contact_channel_set_needs_consent_and_can_be_removed(client: HttpClient,
                                                              person: Client) -> None:
    portal_login(client, person)
    refused = client.post("/help/account/contact/", {"contact_channel": "Signal 0470"})
    assert refused.status_code == 400 and "tick the box" in refused.content.decode()
    person.refresh_from_db()
    assert person.contact_channel == ""
    response = client.post("/help/account/contact/", {"contact_channel": "Signal 0470",
                                                      "contact_consent": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.contact_channel == "Signal 0470" and person.contact_consent_at is not None
    assert "Signal 0470" in client.get(ACCOUNT).content.decode()
    assert client.post("/help/account/contact/remove/").status_code == 302
    person.refresh_from_db()
    assert person.contact_channel == "" and person.contact_consent_at is None
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"counselling.client.contact_set", "counselling.client.contact_remove"} <= actions
    assert not AuditEntry.objects.filter(details__icontains="0470").exists()


def test_passphrase_change_keeps_this_session_and_ends_others(client: HttpClient,
                                                              person: Client) -> None:
    other_device = portal_login(HttpClient(), person)
    portal_login(client, person)
    new = "a brand new quiet passphrase"
    wrong = client.post("/help/account/passphrase/", {
        "old_passphrase": "not it at all", "new_passphrase": new,
        "new_passphrase_again": new})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    weak = client.post("/help/account/passphrase/", {
        "old_passphrase": PASSPHRASE, "new_passphrase": "password123",
        "new_passphrase_again": "password123"})
    assert weak.status_code == 400
    response = client.post("/help/account/passphrase/", {
        "old_passphrase": PASSPHRASE, "new_passphrase": new, "new_passphrase_again": new})
    assert response.status_code == 302 and response["Location"] == ACCOUNT
    assert client.get(HOME).status_code == 200
    assert other_device.get(HOME).status_code == 302
    signin = HttpClient().post("/help/signin/", {"nickname": "Quiet River",
                                                 "passphrase": new})
    assert signin.status_code == 302


def _change(http: HttpClient, old: str) -> Any:
    new = "a brand new quiet passphrase"
    return http.post("/help/account/passphrase/", {
        "old_passphrase": old, "new_passphrase": new, "new_passphrase_again": new})


def test_passphrase_change_pauses_after_five_wrong_tries(client: HttpClient,
                                                         person: Client) -> None:
    """Someone at an unlocked screen cannot try passphrases here instead of at sign-in."""
    portal_login(client, person)
    for _ in range(SIGNIN_FAILURES - 1):
        assert _change(client, "a wrong guess").status_code == 400
    assert _change(client, PASSPHRASE).status_code == 302  # a success clears the count
    person.refresh_from_db()
    assert person.failed_signins == 0
    for _ in range(SIGNIN_FAILURES):
        assert _change(client, "a wrong guess").status_code == 400
    person.refresh_from_db()
    assert person.locked_until is not None and person.locked_until > timezone.now()
    before = person.passphrase
    paused = _change(client, "a brand new quiet passphrase")  # now even the right one
    assert paused.status_code == 400 and "pauses for 30 minutes" in paused.content.decode()
    person.refresh_from_db()
    assert person.passphrase == before
    with pytest.raises(InvalidInput):  # signing in pauses too: one count
        client_authenticate(nickname="Quiet River", passphrase="a brand new quiet passphrase")
    assert AuditEntry.objects.filter(action="counselling.client.signin_paused",
                                     details__via="passphrase").count() == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        client_passphrase_change(client=person, old_passphrase="a brand new quiet passphrase",
                                 new_passphrase="after the pause, a newer one")
    person.refresh_from_db()
    assert person.failed_signins == 0 and person.locked_until is None


# --- landing and privacy -------------------------------------------------------------------

def test_landing_explains_and_offers_sign_up(client: HttpClient, pool: Pool,
                                             person: Client) -> None:
    html = client.get("/help/").content.decode()
    assert "Former extremist" in html and "free" in html.lower() and "anonymous" in html
    assert 'href="/help/signup/"' in html and 'href="/help/signin/"' in html
    portal_login(client, person)
    response = client.get("/help/")
    assert response.status_code == 302 and response["Location"] == HOME


def test_privacy_notice_in_plain_words(client: HttpClient, db: None) -> None:
    html = client.get("/help/privacy/").content.decode()
    for words in ["encrypted", "Only the counsellors you talk with",
                  "do not see your messages", "No advertising",
                  f"{settings.BRUG_CLIENT_INACTIVE_DAYS} days", "Delete your account"]:
        assert words in html, words
    assert 'href="/help/privacy/"' in html  # also in the footer of every page


# --- the look: language switch, emergency link, no inline code, labels ---------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"https?://(?!www\.google\.com/search)", re.I), "an address on another site"),
]


def _check_page(html: str, url: str) -> None:
    for pattern, what in INLINE:
        assert not pattern.search(html), f"{what} on {url}"
    assert re.search(r'<html lang="(en|nl|fr)">', html), url
    assert "<h1>" in html, url
    for field_id in re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*'
                               r'\bid="([^"]+)"', html):
        assert f'for="{field_id}"' in html, f"no label for #{field_id} on {url}"


def test_portal_pages_have_no_inline_code_and_label_every_field(client: HttpClient,
                                                                 pool: Pool,
                                                                 person: Client) -> None:
    for url in ["/help/", "/help/signup/", "/help/signin/", "/help/privacy/"]:
        _check_page(client.get(url).content.decode(), url)
    invalid = client.post("/help/signup/", {"nickname": "a@b.c"}).content.decode()
    _check_page(invalid, "signup with errors")
    portal_login(client, person)
    for url in [HOME, ACCOUNT, "/help/account/passphrase/", "/help/account/delete/"]:
        _check_page(client.get(url).content.decode(), url)


def test_language_switch_is_in_the_header(client: HttpClient, db: None) -> None:
    html = client.get("/help/").content.decode()
    assert f'action="{reverse("set_language")}"' in html
    for code in ["en", "nl", "fr"]:
        assert f'value="{code}" lang="{code}"' in html
    response = client.post(reverse("set_language"), {"language": "nl", "next": "/help/"})
    assert response.status_code == 302
    assert client.get("/help/").content.decode().startswith("<!doctype html>\n<html lang=\"nl\">")


def _emergency(request: HttpRequest) -> HttpResponse:
    return HttpResponse("numbers")


# A URL configuration with an emergency page, for the link test below.
urlpatterns = [
    path("help/", include(([*portal_urls_account.urlpatterns,
                            path("emergency-test/", _emergency, name="emergency")], "portal"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("brug.accounts.urls")),  # the middleware reverses these
    path("admin/", admin.site.urls),
]


def test_emergency_link_appears_once_the_page_exists(client: HttpClient, db: None) -> None:
    with override_settings(ROOT_URLCONF=__name__):
        html = client.get("/help/").content.decode()
    assert 'href="/help/emergency-test/"' in html and "In danger right now?" in html
    existing = portal_url("emergency")
    html = client.get("/help/").content.decode()
    assert ("In danger right now?" in html) == bool(existing)
