"""The client portal's account part: anonymous sign-up, sign-in with lockout, quick exit and
deleting the account (services and views, through real requests)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.audit.models import AuditEntry
from brug.counselling.auth import SESSION_CLIENT
from brug.counselling.models import (
    Appointment,
    ChatMessage,
    Client,
    CounsellingGoal,
    Engagement,
    EngagementMember,
    Notice,
    Pool,
    SafetyPlan,
)
from brug.counselling.services_clients import (
    SIGNIN_FAILURES,
    client_authenticate,
    client_signup,
)
from brug.errors import Conflict, InvalidInput

from ..factories import login
from .factories import (
    PASSPHRASE,
    make_client,
    make_counsellor,
    make_engagement,
    make_pool,
    make_slot,
    portal_login,
)

SIGNUP = "/help/signup/"
SIGNIN = "/help/signin/"
HOME = "/help/home/"
STATIC = Path(__file__).resolve().parents[2] / "brug" / "counselling" / "static" / "counselling"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()  # the sign-up and sign-in rate limits count per address, across tests
    yield
    cache.clear()


@pytest.fixture
def pool(org: Organisation) -> Pool:
    return make_pool(org, slug="exit")


def _signup_data(**extra: Any) -> dict[str, Any]:
    data = {"nickname": "Quiet River", "passphrase": PASSPHRASE,
            "passphrase_again": PASSPHRASE, "language": "en", "country": "BE",
            "contact_channel": ""}
    data.update(extra)
    return data


def _signed_in_client_id(http: HttpClient) -> Any:
    return http.session.get(SESSION_CLIENT)


def _raw_contact(client_id: int) -> str:
    table = Client._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT contact_channel FROM {table} WHERE id = %s", [client_id])
        return str(cursor.fetchone()[0])


# --- sign-up -------------------------------------------------------------------------------

def test_signup_creates_an_anonymous_client_and_signs_in(client: HttpClient,
                                                         pool: Pool) -> None:
    response = client.post(SIGNUP, _signup_data(language="nl", country="NL"))
    assert response.status_code == 302
    assert response["Location"] == HOME
    assert "no-store" in response["Cache-Control"]
    created = Client.objects.get()
    assert created.nickname == "Quiet River" and created.nickname_key == "quiet river"
    assert created.pool == pool and created.language == "nl" and created.country == "NL"
    assert created.passphrase != PASSPHRASE and check_password(PASSPHRASE, created.passphrase)
    assert created.contact_channel == "" and created.contact_consent_at is None
    assert _signed_in_client_id(client) == created.pk
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    assert client.get(HOME).status_code == 200
    entry = AuditEntry.objects.get(action="counselling.client.signup")
    assert entry.actor is None and entry.details["by"] == "client"
    assert "Quiet" not in str(entry.details) and "River" not in entry.actor_label


def test_signup_form_says_there_is_no_recovery_and_links_privacy(client: HttpClient,
                                                                  pool: Pool) -> None:
    html = client.get(SIGNUP).content.decode()
    assert "no way to get a forgotten passphrase back" in html
    assert reverse("portal:privacy") in html
    assert 'type="email"' not in html and "tel" not in html


def test_signup_uses_the_pool_named_in_the_address(client: HttpClient, org: Organisation,
                                                   pool: Pool) -> None:
    second = make_pool(org, slug="families")
    response = client.post(f"{SIGNUP}?pool=families", _signup_data())
    assert response.status_code == 302
    assert Client.objects.get().pool == second
    assert client.get("/help/?pool=nowhere").status_code == 302  # signed in: to the start
    response = HttpClient().get(f"{SIGNUP}?pool=nowhere")
    assert response.status_code == 404
    assert "does not lead to a counselling service" in response.content.decode()


def test_signup_without_any_pool_is_a_calm_page(client: HttpClient, db: None) -> None:
    response = client.get(SIGNUP)
    assert response.status_code == 200
    assert "not open here yet" in response.content.decode()
    assert client.post(SIGNUP, _signup_data()).status_code == 200
    assert not Client.objects.exists()
    landing = client.get("/help/").content.decode()
    assert "not open here yet" in landing and SIGNUP not in landing


def test_nickname_is_unique_whatever_the_case(client: HttpClient, pool: Pool) -> None:
    make_client(pool, nickname="Quiet River")
    response = client.post(SIGNUP, _signup_data(nickname="QUIET   river"))
    assert response.status_code == 409
    assert "already in use" in response.content.decode()
    assert Client.objects.count() == 1
    with pytest.raises(Conflict):
        client_signup(pool=pool, nickname="quiet river", passphrase=PASSPHRASE,
                      language="en", country="BE")


@pytest.mark.parametrize("nickname", [
    "anna@example.org", "anna.peeters.gmail.com", "anna at gmail dot com", "0470 12 34 56",
    "+32470123456", "call 0470123456"])
def test_identifying_nicknames_are_refused_kindly(client: HttpClient, pool: Pool,
                                                  nickname: str) -> None:
    response = client.post(SIGNUP, _signup_data(nickname=nickname))
    assert response.status_code == 400
    assert "Please choose a nickname that does not identify you" in response.content.decode()
    assert not Client.objects.exists()


@pytest.mark.parametrize(("nickname", "ok"), [
    ("Zoë-21", True), ("sun_set.bird", True), ("ab", False), ("x" * 41, False),
    ("bad<tag>", False), ("Nour", True)])
def test_nickname_length_and_characters(pool: Pool, nickname: str, ok: bool) -> None:
    if ok:
        assert client_signup(pool=pool, nickname=nickname, passphrase=PASSPHRASE,
                             language="en", country="BE").pk
    else:
        with pytest.raises(InvalidInput) as error:
            client_signup(pool=pool, nickname=nickname, passphrase=PASSPHRASE,
                          language="en", country="BE")
        assert error.value.details["field"] == "nickname"


@pytest.mark.parametrize(("passphrase", "again", "fragment"), [
    ("short one", "short one", "at least 10 characters"),
    ("password123", "password123", "too common"),
    (PASSPHRASE, PASSPHRASE + "x", "not the same"),
])
def test_weak_or_mismatched_passphrases_are_refused(client: HttpClient, pool: Pool,
                                                    passphrase: str, again: str,
                                                    fragment: str) -> None:
    response = client.post(SIGNUP, _signup_data(passphrase=passphrase,
                                                passphrase_again=again))
    assert response.status_code == 400
    assert fragment in response.content.decode()
    assert not Client.objects.exists()


def test_contact_channel_without_consent_is_refused_not_dropped(client: HttpClient,
                                                                pool: Pool) -> None:
    response = client.post(SIGNUP, _signup_data(contact_channel="Signal +32 470 00 00 00"))
    assert response.status_code == 400
    assert "tick the box" in response.content.decode()
    assert not Client.objects.exists()


def test_contact_channel_with_consent_is_sealed_at_rest(client: HttpClient,
                                                        pool: Pool) -> None:
    channel = "Signal +32 470 99 88 77"
    before = timezone.now()
    response = client.post(SIGNUP, _signup_data(contact_channel=channel,
                                                contact_consent="on"))
    assert response.status_code == 302
    created = Client.objects.get()
    assert created.contact_channel == channel
    assert created.contact_consent_at is not None and created.contact_consent_at >= before
    raw = _raw_contact(created.pk)
    assert raw.startswith("gAAAAA") and "470" not in raw and "Signal" not in raw
    entry = AuditEntry.objects.get(action="counselling.client.signup")
    assert "470" not in str(entry.details)


# --- sign-in -------------------------------------------------------------------------------

def test_signin_with_nickname_and_passphrase(client: HttpClient, pool: Pool) -> None:
    person = make_client(pool, nickname="Sky Blue", language="fr")
    response = client.post(SIGNIN, {"nickname": "sky blue", "passphrase": PASSPHRASE})
    assert response.status_code == 302 and response["Location"] == HOME
    assert _signed_in_client_id(client) == person.pk
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_unknown_nickname_and_wrong_passphrase_get_the_same_answer(client: HttpClient,
                                                                   pool: Pool) -> None:
    make_client(pool, nickname="Sky Blue")
    wrong = client.post(SIGNIN, {"nickname": "Sky Blue", "passphrase": "not the right one"})
    unknown = client.post(SIGNIN, {"nickname": "Nobody Here", "passphrase": PASSPHRASE})
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert _signed_in_client_id(client) is None


def test_signin_pauses_after_five_failures(client: HttpClient, pool: Pool) -> None:
    person = make_client(pool, nickname="Sky Blue")
    for _ in range(SIGNIN_FAILURES):
        response = client.post(SIGNIN, {"nickname": "Sky Blue", "passphrase": "wrong guess"})
        assert response.status_code == 400
    person.refresh_from_db()
    assert person.locked_until is not None
    assert person.locked_until > timezone.now() + timedelta(minutes=29)
    # Now even the right passphrase is refused, with the same sentence.
    response = client.post(SIGNIN, {"nickname": "Sky Blue", "passphrase": PASSPHRASE})
    assert response.status_code == 400 and _signed_in_client_id(client) is None
    assert AuditEntry.objects.filter(action="counselling.client.signin_paused",
                                     object_id=str(person.pk)).count() == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert client_authenticate(nickname="Sky Blue", passphrase=PASSPHRASE) == person
    person.refresh_from_db()
    assert person.failed_signins == 0 and person.locked_until is None


def test_a_success_clears_the_failure_count(pool: Pool) -> None:
    person = make_client(pool, nickname="Sky Blue")
    for _ in range(SIGNIN_FAILURES - 1):
        with pytest.raises(InvalidInput):
            client_authenticate(nickname="Sky Blue", passphrase="wrong guess")
    client_authenticate(nickname="Sky Blue", passphrase=PASSPHRASE)
    person.refresh_from_db()
    assert person.failed_signins == 0
    with pytest.raises(InvalidInput):
        client_authenticate(nickname="Sky Blue", passphrase="wrong guess")
    person.refresh_from_db()
    assert person.failed_signins == 1 and person.locked_until is None


@pytest.mark.parametrize(("next_url", "expected"), [
    ("/help/account/", "/help/account/"),
    ("https://evil.example/help/", HOME),
    ("//evil.example/help/", HOME),
    ("/counselling/", HOME),
    ("/accounts/login/", HOME),
])
def test_signin_keeps_only_safe_portal_next_urls(client: HttpClient, pool: Pool,
                                                 next_url: str, expected: str) -> None:
    make_client(pool, nickname="Sky Blue")
    response = client.post(SIGNIN, {"nickname": "Sky Blue", "passphrase": PASSPHRASE,
                                    "next": next_url})
    assert response.status_code == 302 and response["Location"] == expected


def test_client_pages_send_anonymous_visitors_to_signin_with_next(client: HttpClient,
                                                                  pool: Pool) -> None:
    response = client.get("/help/account/")
    assert response.status_code == 302
    assert response["Location"] == f"{SIGNIN}?next=%2Fhelp%2Faccount%2F"
    html = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/help/account/"' in html


def test_staff_are_not_clients(client: HttpClient, counsellor: User, pool: Pool) -> None:
    login(client, counsellor)
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(SIGNIN)
    landing = client.get("/help/")
    assert landing.status_code == 200 and SIGNUP in landing.content.decode()
    assert client.post("/help/signout/").status_code == 302


def test_signout_ends_the_session(client: HttpClient, pool: Pool) -> None:
    portal_login(client, make_client(pool))
    response = client.post("/help/signout/")
    assert response.status_code == 302 and response["Location"] == "/help/"
    assert _signed_in_client_id(client) is None
    assert client.get(HOME).status_code == 302
    assert client.get("/help/signout/").status_code == 405


# --- quick exit ----------------------------------------------------------------------------

def test_quick_exit_ends_the_session_and_leaves(client: HttpClient, pool: Pool) -> None:
    portal_login(client, make_client(pool))
    assert client.get(HOME).status_code == 200
    response = client.post("/help/exit/")
    assert response.status_code == 302
    assert response["Location"] == settings.BRUG_QUICK_EXIT_URL
    assert "no-store" in response["Cache-Control"]
    assert _signed_in_client_id(client) is None
    assert client.get(HOME).status_code == 302


def test_quick_exit_is_post_only_and_works_even_with_a_stale_csrf_token(pool: Pool) -> None:
    """The page has already left when the beacon arrives: a missing or stale token must not
    leave the session open (a forged exit only signs someone out)."""
    http = HttpClient(enforce_csrf_checks=True)
    portal_login(http, make_client(pool))
    assert http.get("/help/exit/").status_code == 405
    assert _signed_in_client_id(http) is not None
    response = http.post("/help/exit/", {"csrfmiddlewaretoken": "stale"})
    assert response.status_code == 302 and _signed_in_client_id(http) is None
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'


def test_every_page_has_the_quick_exit_and_no_store(client: HttpClient, pool: Pool) -> None:
    for url in ["/help/", SIGNUP, SIGNIN, "/help/privacy/"]:
        response = HttpClient().get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        html = response.content.decode()
        assert 'id="quick-exit"' in html and 'action="/help/exit/"' in html, url
        assert f'data-exit-url="{settings.BRUG_QUICK_EXIT_URL}"' in html, url
        assert 'class="skip-link" href="#main"' in html, url
    portal_login(client, make_client(pool))
    for url in [HOME, "/help/account/", "/help/account/passphrase/", "/help/account/delete/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert 'id="quick-exit"' in response.content.decode(), url


def test_portal_js_leaves_on_double_escape_with_a_beacon() -> None:
    script = (STATIC / "portal.js").read_text()
    for needle in ['"Escape"', "ESCAPE_WINDOW_MS = 1000", "navigator.sendBeacon",
                   "new FormData(form)", "location.replace(target)", "body.hidden = true",
                   'addEventListener("submit", quickExit)', "pageshow"]:
        assert needle in script, needle
    css = (STATIC / "portal.css").read_text()
    assert "html.exiting body" in css and ":focus-visible" in css
    assert "http" not in css  # nothing from another site


# --- deleting the account ------------------------------------------------------------------

def _full_client(pool: Pool, org: Organisation) -> tuple[Client, Engagement]:
    person = make_client(pool, nickname="Leaving Soon")
    profile = make_counsellor(org)
    engagement = make_engagement(person, profile)
    slot = make_slot(profile)
    Appointment.objects.create(engagement=engagement, counsellor=profile, slot=slot,
                               starts_at=slot.starts_at, ends_at=slot.ends_at, format="chat",
                               booked_by="client")
    ChatMessage.objects.create(engagement=engagement, sender="client", body="Hello there")
    CounsellingGoal.objects.create(engagement=engagement, text="Sleep better",
                                   written_by="client")
    SafetyPlan.objects.create(client=person, coping="Walk the dog")
    Notice.objects.create(client=person, kind="booked", params={"name": "X"})
    return person, engagement


def test_delete_needs_the_passphrase(client: HttpClient, pool: Pool,
                                     org: Organisation) -> None:
    person, _engagement = _full_client(pool, org)
    portal_login(client, person)
    page = client.get("/help/account/delete/")
    assert page.status_code == 200 and "for good" in page.content.decode()
    response = client.post("/help/account/delete/", {"passphrase": "not my passphrase"})
    assert response.status_code == 400
    assert Client.objects.filter(pk=person.pk).exists()
    assert _signed_in_client_id(client) == person.pk


def test_delete_pauses_after_five_wrong_passphrases(client: HttpClient, pool: Pool,
                                                    org: Organisation) -> None:
    person, _engagement = _full_client(pool, org)
    portal_login(client, person)
    for _ in range(SIGNIN_FAILURES - 1):
        assert client.post("/help/account/delete/", {"passphrase": "guess"}).status_code == 400
    person.refresh_from_db()
    assert person.failed_signins == SIGNIN_FAILURES - 1
    client.post("/help/account/delete/", {"passphrase": "guess"})
    person.refresh_from_db()
    assert person.locked_until is not None and person.failed_signins == 0
    # Paused: even the right passphrase deletes nothing, and signing in waits as well.
    response = client.post("/help/account/delete/", {"passphrase": PASSPHRASE})
    assert response.status_code == 400
    assert "pauses for 30 minutes" in response.content.decode()
    assert Client.objects.filter(pk=person.pk).exists()
    assert HttpClient().post(SIGNIN, {"nickname": person.nickname,
                                      "passphrase": PASSPHRASE}).status_code == 400
    assert AuditEntry.objects.filter(action="counselling.client.signin_paused",
                                     details__via="delete").count() == 1


def test_delete_removes_everything_and_ends_the_session(client: HttpClient, pool: Pool,
                                                        org: Organisation) -> None:
    person, engagement = _full_client(pool, org)
    other = make_client(pool, nickname="Staying")
    make_engagement(other, make_counsellor(org))
    second = HttpClient()
    portal_login(second, person)
    portal_login(client, person)
    response = client.post("/help/account/delete/", {"passphrase": PASSPHRASE})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your account is deleted" in html and "/help/signout/" not in html
    assert "no-store" in response["Cache-Control"]
    assert not Client.objects.filter(pk=person.pk).exists()
    for model in (Engagement, EngagementMember, Appointment, ChatMessage, CounsellingGoal):
        assert not model.objects.filter(**(
            {"pk": engagement.pk} if model is Engagement else {"engagement": engagement.pk})
        ).exists(), model.__name__
    assert not SafetyPlan.objects.filter(client=person.pk).exists()
    assert not Notice.objects.filter(client=person.pk).exists()
    assert Client.objects.filter(pk=other.pk).exists()
    assert Engagement.objects.filter(client=other).count() == 1
    # This session and any other of the client's are over.
    assert _signed_in_client_id(client) is None
    assert client.get(HOME).status_code == 302
    assert second.get(HOME).status_code == 302
    entry = AuditEntry.objects.get(action="counselling.client.delete")
    assert entry.actor is None and entry.details == {"by": "client", "engagements": 1}
    assert "Leaving" not in str(entry.details) and "Leaving" not in entry.actor_label
    assert "Leaving" not in entry.reason


def test_the_client_session_cookie_ends_with_the_browser(pool: Pool) -> None:
    """A shared or watched device: closing the browser signs the client out."""
    from .factories import PASSPHRASE

    client = make_client(pool, nickname="Heron")
    http = HttpClient()
    response = http.post(SIGNIN, {"nickname": "Heron", "passphrase": PASSPHRASE})
    assert response.status_code == 302 and _signed_in_client_id(http) == client.pk
    cookie = response.cookies["sessionid"]
    assert not cookie["max-age"] and not cookie["expires"]


def test_deleting_the_account_leaves_no_notice_naming_the_client(org: Organisation,
                                                                  pool: Pool) -> None:
    """Counsellors' notices (chosen, new message, booked) carry the nickname: they go too."""
    import json

    from brug.counselling.models import Notice
    from brug.counselling.services_chat import chat_post
    from brug.counselling.services_clients import client_delete
    from brug.counselling.services_scheduling import appointment_book, engagement_start

    from .factories import PASSPHRASE, make_counsellor, make_slot

    client = make_client(pool, nickname="SecretRaven")
    profile = make_counsellor(org)
    engagement = engagement_start(client=client, counsellor_id=profile.pk)
    chat_post(engagement_id=engagement.pk, client=client, text="Hello",
              ref="5f2b0c1e-8a4d-4c3b-9a71-2f6d0e9b1c11")
    appointment_book(client=client, engagement_id=engagement.pk,
                     slot_id=make_slot(profile).pk, format="chat")
    naming = [n for n in Notice.objects.all() if "SecretRaven" in json.dumps(n.params)]
    assert len(naming) >= 3  # the test sees what it claims to remove

    client_delete(client=client, passphrase=PASSPHRASE)

    assert [n.params for n in Notice.objects.all()
            if "SecretRaven" in json.dumps(n.params)] == []
