"""Rate limits on the portal's open doors (sign-up, sign-in) and on sending chat messages
without JavaScript: a calm 429, never a 500, and nothing stored past the limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse

from brug.accounts.models import Organisation
from brug.counselling.consumers import FLOOD_MESSAGES
from brug.counselling.models import ChatMessage, Client, Pool
from brug.counselling.portal_views_account import SIGNIN_LIMIT, SIGNUP_LIMIT
from brug.counselling.ratelimit import client_ip, hit

from ..factories import login
from .factories import (
    PASSPHRASE,
    make_client,
    make_counsellor,
    make_engagement,
    make_pool,
    portal_login,
)

# Whole windows of every size used here start at this moment, so a test never straddles two.
FROZEN = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
HOME = "/help/home/"


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def pool(org: Organisation) -> Pool:
    return make_pool(org)


def _from(address: str) -> HttpClient:
    return HttpClient(REMOTE_ADDR=address)


# --- the limiter ------------------------------------------------------------------------------

def test_hit_counts_per_key_in_fixed_windows() -> None:
    with time_machine.travel(FROZEN, tick=False) as traveller:
        assert [hit("a", 3, 60) for _ in range(4)] == [True, True, True, False]
        assert hit("b", 3, 60)  # another key has its own count
        assert not hit("a", 3, 60)
        traveller.shift(timedelta(seconds=60))  # the next window starts afresh
        assert hit("a", 3, 60)


def test_client_ip_trusts_forwarded_for_only_behind_a_proxy(settings: Any) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9",
                                   HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_ip(request) == "10.0.0.9"  # anyone can write that header
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client_ip(request) == "203.0.113.7"  # the entry our own proxy appended
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.9")) == "10.0.0.9"


# --- sign-up and sign-in ----------------------------------------------------------------------

def _signup(http: HttpClient, nickname: str) -> Any:
    return http.post(reverse("portal:signup"), {
        "nickname": nickname, "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE,
        "language": "en", "country": "BE", "contact_channel": ""})


@pytest.mark.usefixtures("pool")
def test_signup_is_limited_per_address() -> None:
    with time_machine.travel(FROZEN, tick=False):
        for i in range(SIGNUP_LIMIT):
            response = _signup(_from("10.0.0.1"), f"Walker {'abcdefghijk'[i]}")
            assert response["Location"] == HOME
        refused = _signup(_from("10.0.0.1"), "One Too Many")
        assert refused.status_code == 429
        html = refused.content.decode()
        assert "Please wait a while" in html and "no-store" in refused["Cache-Control"]
        assert not Client.objects.filter(nickname="One Too Many").exists()
        # Someone else, elsewhere, is not held up.
        assert _signup(_from("10.0.0.2"), "Somewhere Else")["Location"] == HOME
    assert Client.objects.count() == SIGNUP_LIMIT + 1


def test_signin_is_limited_per_address_on_top_of_the_nickname_pause(pool: Pool) -> None:
    person = make_client(pool, nickname="Sky Blue")
    url = reverse("portal:signin")
    with time_machine.travel(FROZEN, tick=False):
        http = _from("10.0.0.1")
        for i in range(SIGNIN_LIMIT):  # a different nickname each time: no nickname pauses
            response = http.post(url, {"nickname": f"guess{i}", "passphrase": "anything"})
            assert response.status_code == 400
        refused = http.post(url, {"nickname": "Sky Blue", "passphrase": PASSPHRASE})
        assert refused.status_code == 429
        assert "Please wait 15 minutes" in refused.content.decode()
        assert "brug_client_id" not in http.session
        person.refresh_from_db()
        assert person.failed_signins == 0  # refused before the passphrase was even looked at
        assert _from("10.0.0.2").post(url, {"nickname": "Sky Blue",
                                            "passphrase": PASSPHRASE})["Location"] == HOME
    with time_machine.travel(FROZEN + timedelta(minutes=15), tick=False):
        assert http.post(url, {"nickname": "Sky Blue",
                               "passphrase": PASSPHRASE})["Location"] == HOME


# --- sending without JavaScript ---------------------------------------------------------------

@pytest.mark.parametrize("side", ["portal", "staff"])
def test_sending_without_javascript_is_limited_like_the_socket(pool: Pool, org: Organisation,
                                                               side: str) -> None:
    profile = make_counsellor(org, display_name="Sam")
    engagement = make_engagement(make_client(pool), profile)
    with time_machine.travel(FROZEN, tick=False) as traveller:
        # Signed in at the frozen time, so the session is fresh there.
        if side == "portal":
            http = portal_login(HttpClient(), engagement.client)
            url = reverse("portal:conversation_send", args=[engagement.pk])
            page = reverse("portal:conversation", args=[engagement.pk])
        else:
            http = login(HttpClient(), profile.user)
            url = reverse("counselling:conversation_send", args=[engagement.pk])
            page = reverse("counselling:conversation", args=[engagement.pk])
        for i in range(FLOOD_MESSAGES):
            response = http.post(url, {"text": f"message {i}", "ref": str(uuid.uuid4())})
            assert response["Location"] == f"{page}#chat-form", i
        refused = http.post(url, {"text": "one more, kept", "ref": str(uuid.uuid4())})
        assert refused.status_code == 429
        html = refused.content.decode()
        assert "You are sending very fast" in html
        assert "one more, kept" in html  # the text waits in the form
        assert ChatMessage.objects.filter(engagement=engagement).count() == FLOOD_MESSAGES
        traveller.shift(timedelta(seconds=10))
        response = http.post(url, {"text": "later", "ref": str(uuid.uuid4())})
        assert response["Location"] == f"{page}#chat-form"
