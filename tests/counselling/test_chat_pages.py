"""The conversation pages (client portal and counsellor side), which work without JavaScript,
and the chat services behind them (notices, history, the next session)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.cache import cache
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from brug.accounts.models import Organisation
from brug.accounts.roles import Role
from brug.audit.models import AuditEntry
from brug.counselling.models import (
    Appointment,
    ChatMessage,
    Engagement,
    EngagementStatus,
    Notice,
    NoticeKind,
)
from brug.counselling.services_chat import chat_post, messages_mark_read
from brug.counselling.views_conversation import ChatForm
from brug.errors import InvalidInput

from ..factories import login, make_user
from .chat_helpers import (
    TIMEOUT,
    client_cookie,
    fresh_layer,
    open_socket,
    socket,
)
from .factories import make_client, make_counsellor, make_engagement, make_pool, portal_login

__all__ = ["fresh_layer"]


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()  # sending without JavaScript is rate limited per sender
    yield
    cache.clear()


@pytest.fixture
def team(org: Organisation) -> dict[str, Any]:
    pool = make_pool(org)
    client = make_client(pool, nickname="Robin")
    profile = make_counsellor(org, display_name="Sam")
    engagement = make_engagement(client, profile)
    return {"pool": pool, "client": client, "profile": profile, "engagement": engagement}


def _urls(engagement: Engagement) -> dict[str, str]:
    return {
        "portal": reverse("portal:conversation", args=[engagement.pk]),
        "portal_send": reverse("portal:conversation_send", args=[engagement.pk]),
        "staff": reverse("counselling:conversation", args=[engagement.pk]),
        "staff_send": reverse("counselling:conversation_send", args=[engagement.pk]),
    }


def _post(engagement: Engagement, **who: Any) -> ChatMessage:
    message, _ = chat_post(engagement_id=engagement.pk, text=who.pop("text", "Hello"),
                           ref=str(uuid.uuid4()), **who)
    return message


# --- the client's page -----------------------------------------------------------------------

@pytest.mark.django_db
def test_client_page_shows_the_history_and_a_form_that_works_without_javascript(
        team: dict[str, Any]) -> None:
    engagement = team["engagement"]
    _post(engagement, client=team["client"], text="<b>bold?</b> & more")
    _post(engagement, actor=team["profile"].user, text="Welcome, Robin.")
    http = portal_login(HttpClient(), team["client"])
    response = http.get(_urls(engagement)["portal"])
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "&lt;b&gt;bold?&lt;/b&gt; &amp; more" in html  # escaped, never markup
    assert "<b>bold?" not in html
    assert "Welcome, Robin." in html
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert f'data-ws-path="/ws/chat/{engagement.pk}/"' in html
    assert f'action="{_urls(engagement)["portal_send"]}"' in html
    assert 'name="ref"' in html and "<textarea" in html
    assert "counselling/chat.js" in html
    assert "<script>" not in html and " style=" not in html and "onclick" not in html
    assert "Your conversation with Sam" in html


@pytest.mark.django_db
def test_client_sends_without_javascript_and_a_resubmit_lands_once(
        team: dict[str, Any]) -> None:
    engagement = team["engagement"]
    urls = _urls(engagement)
    http = portal_login(HttpClient(), team["client"])
    ref = str(uuid.uuid4())
    for _ in range(2):  # the browser's "resend the form?"
        response = http.post(urls["portal_send"], {"text": "Can we talk on Friday?",
                                                   "ref": ref})
        assert response.status_code == 302
        assert response["Location"] == urls["portal"] + "#chat-form"
    stored = ChatMessage.objects.get(engagement=engagement)
    assert (stored.sender, stored.body, str(stored.client_ref)) == (
        "client", "Can we talk on Friday?", ref)
    assert "Can we talk on Friday?" in http.get(urls["portal"]).content.decode()


@pytest.mark.django_db
def test_client_send_errors_keep_the_text(team: dict[str, Any], settings: Any) -> None:
    settings.BRUG_CHAT_MAX_CHARS = 100
    engagement = team["engagement"]
    http = portal_login(HttpClient(), team["client"])
    url = _urls(engagement)["portal_send"]
    empty = http.post(url, {"text": "   ", "ref": str(uuid.uuid4())})
    assert empty.status_code == 400
    long_text = "word " * 30
    too_long = http.post(url, {"text": long_text, "ref": str(uuid.uuid4())})
    assert too_long.status_code == 400
    assert "field-error" in too_long.content.decode()
    assert long_text.strip() in too_long.content.decode()
    no_ref = http.post(url, {"text": "hello"})
    assert no_ref.status_code == 400
    assert not ChatMessage.objects.exists()


@pytest.mark.django_db
def test_another_client_gets_404_and_anonymous_visitors_sign_in(
        team: dict[str, Any]) -> None:
    engagement = team["engagement"]
    urls = _urls(engagement)
    stranger = portal_login(HttpClient(), make_client(team["pool"], nickname="Stranger"))
    assert stranger.get(urls["portal"]).status_code == 404
    response = stranger.post(urls["portal_send"], {"text": "hi", "ref": str(uuid.uuid4())})
    assert response.status_code == 404
    assert "not yours" in response.content.decode()
    anonymous = HttpClient().get(urls["portal"])
    assert anonymous.status_code == 302
    assert reverse("portal:signin") in anonymous["Location"]
    # A staff member on the team is not a client: the portal page sends them to sign in.
    staff = login(HttpClient(), team["profile"].user).get(urls["portal"])
    assert staff.status_code == 302
    assert not ChatMessage.objects.exists()


@pytest.mark.django_db
def test_an_ended_engagement_can_be_read_but_not_written(team: dict[str, Any]) -> None:
    engagement = team["engagement"]
    _post(engagement, client=team["client"], text="Thank you for everything.")
    Engagement.objects.filter(pk=engagement.pk).update(status=EngagementStatus.ENDED)
    urls = _urls(engagement)
    http = portal_login(HttpClient(), team["client"])
    html = http.get(urls["portal"]).content.decode()
    assert "Thank you for everything." in html
    assert "has ended" in html and "<textarea" not in html
    response = http.post(urls["portal_send"], {"text": "One more", "ref": str(uuid.uuid4())})
    assert response.status_code == 409
    assert ChatMessage.objects.count() == 1


# --- the counsellor's page -------------------------------------------------------------------

@pytest.mark.django_db
def test_counsellor_page_is_audited_and_sends_without_javascript(
        team: dict[str, Any]) -> None:
    engagement = team["engagement"]
    urls = _urls(engagement)
    _post(engagement, client=team["client"], text="I left the group last week.")
    http = login(HttpClient(), team["profile"].user)
    response = http.get(urls["staff"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Conversation with Robin" in html and "I left the group last week." in html
    entry = AuditEntry.objects.get(action="counselling.conversation_view")
    assert entry.actor == team["profile"].user
    assert entry.details == {"via": "page", "client": team["client"].pk}
    response = http.post(urls["staff_send"], {"text": "That took courage.",
                                              "ref": str(uuid.uuid4())})
    assert response.status_code == 302
    assert response["Location"] == urls["staff"] + "#chat-form"
    reply = ChatMessage.objects.get(sender="counsellor")
    assert (reply.body, reply.sender_counsellor) == ("That took courage.", team["profile"])


def test_the_chat_form_itself_refuses_an_over_long_message(settings: Any) -> None:
    settings.BRUG_CHAT_MAX_CHARS = 100  # read when the form is made, not at import
    form = ChatForm({"text": "x" * 101, "ref": str(uuid.uuid4())})
    assert not form.is_valid()
    assert form.errors["text"] == [
        "This message is too long (101 characters). Keep it to 100 characters at most, or "
        "send it in parts."]
    assert 'maxlength="100"' in str(form["text"])
    # A browser sends a new line as CRLF but counted it once against maxlength: so does the form.
    fits = ChatForm({"text": "x" * 49 + "\r\n" + "x" * 50, "ref": str(uuid.uuid4())})
    assert fits.is_valid() and fits.cleaned_data["text"] == "x" * 49 + "\n" + "x" * 50


@pytest.mark.django_db
def test_both_sides_refuse_an_over_long_message_with_the_text_kept(
        team: dict[str, Any], settings: Any) -> None:
    settings.BRUG_CHAT_MAX_CHARS = 100
    urls = _urls(team["engagement"])
    for http, url in ((portal_login(HttpClient(), team["client"]), urls["portal_send"]),
                      (login(HttpClient(), team["profile"].user), urls["staff_send"])):
        response = http.post(url, {"text": "y" * 120, "ref": str(uuid.uuid4())})
        assert response.status_code == 400, url
        html = response.content.decode()
        assert "too long (120 characters)" in html and "y" * 120 in html
    assert not ChatMessage.objects.exists()


@pytest.mark.django_db
def test_counsellors_not_on_the_team_get_404_other_roles_403(
        team: dict[str, Any], org: Organisation) -> None:
    urls = _urls(team["engagement"])
    colleague = login(HttpClient(), make_counsellor(org).user)
    assert colleague.get(urls["staff"]).status_code == 404
    response = colleague.post(urls["staff_send"], {"text": "hi", "ref": str(uuid.uuid4())})
    assert response.status_code == 404
    supervisor = login(HttpClient(), make_user(Role.SUPERVISOR, org))
    assert supervisor.get(urls["staff"]).status_code == 403
    response = supervisor.post(urls["staff_send"], {"text": "hi", "ref": str(uuid.uuid4())})
    assert response.status_code == 403
    assert not ChatMessage.objects.exists()
    assert not AuditEntry.objects.filter(action="counselling.conversation_view").exists()


@pytest.mark.django_db
def test_conversation_page_queries_do_not_grow_with_the_history(
        team: dict[str, Any], org: Organisation,
        django_assert_max_num_queries: Any) -> None:
    engagement = team["engagement"]
    second = make_counsellor(org, display_name="Kim")
    from brug.counselling.models import EngagementMember

    EngagementMember.objects.create(engagement=engagement, counsellor=second, lead=False)
    for i in range(30):
        _post(engagement, client=team["client"], text=f"c{i}")
        _post(engagement, actor=(team["profile"] if i % 2 else second).user, text=f"s{i}")
    client_http = portal_login(HttpClient(), team["client"])
    staff_http = login(HttpClient(), team["profile"].user)
    urls = _urls(engagement)
    with django_assert_max_num_queries(8):
        assert client_http.get(urls["portal"]).status_code == 200
    with django_assert_max_num_queries(19):  # 7 write the audit entry, 1 reads the time zone
        assert staff_http.get(urls["staff"]).status_code == 200


@pytest.mark.django_db
def test_the_next_session_is_shown_with_its_link_or_place(
        team: dict[str, Any], settings: Any) -> None:
    settings.BRUG_MEETING_URL = "https://meet.example.org/"
    engagement = team["engagement"]
    soon = timezone.now() + timedelta(days=1)
    Appointment.objects.create(engagement=engagement, counsellor=team["profile"],
                               starts_at=soon - timedelta(days=3),
                               ends_at=soon - timedelta(days=3, minutes=-50),
                               format="video", meeting_room="brug-past", booked_by="client")
    Appointment.objects.create(engagement=engagement, counsellor=team["profile"],
                               starts_at=soon, ends_at=soon + timedelta(minutes=50),
                               format="video", meeting_room="brug-room123",
                               booked_by="client")
    Appointment.objects.create(engagement=engagement, counsellor=team["profile"],
                               starts_at=soon + timedelta(days=7),
                               ends_at=soon + timedelta(days=7, minutes=50),
                               format="in_person", booked_by="client")
    urls = _urls(engagement)
    html = portal_login(HttpClient(), team["client"]).get(urls["portal"]).content.decode()
    assert 'href="https://meet.example.org/brug-room123"' in html
    assert "brug-past" not in html
    staff_html = login(HttpClient(), team["profile"].user).get(urls["staff"]).content.decode()
    assert 'href="https://meet.example.org/brug-room123"' in staff_html
    # Once the video session is cancelled, the in-person one is next, with its place.
    Appointment.objects.filter(meeting_room="brug-room123").update(status="cancelled")
    html = portal_login(HttpClient(), team["client"]).get(urls["portal"]).content.decode()
    assert "meet.example.org" not in html
    assert "Youth centre, Mechelen" in html


@pytest.mark.django_db
def test_no_next_session_no_section(team: dict[str, Any]) -> None:
    html = portal_login(HttpClient(), team["client"]).get(
        _urls(team["engagement"])["portal"]).content.decode()
    assert "Next session" not in html


# --- notices -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_message_notices_do_not_flood(team: dict[str, Any], org: Organisation) -> None:
    engagement = team["engagement"]
    from brug.counselling.models import EngagementMember

    second = make_counsellor(org, display_name="Kim")
    EngagementMember.objects.create(engagement=engagement, counsellor=second, lead=False)
    for i in range(3):
        _post(engagement, client=team["client"], text=f"secret {i}")
    staff_notices = Notice.objects.filter(kind=NoticeKind.MESSAGE, user__isnull=False)
    assert sorted(staff_notices.values_list("user_id", flat=True)) == sorted(
        [team["profile"].user_id, second.user_id])
    notice = staff_notices.get(user=team["profile"].user)
    assert notice.url == _urls(engagement)["staff"]
    assert notice.params == {"name": "Robin", "engagement": engagement.pk}
    assert not Notice.objects.filter(client=team["client"]).exists()
    # Reading the conversation marks the notice read; the next message brings a new one.
    login(HttpClient(), team["profile"].user).get(_urls(engagement)["staff"])
    assert staff_notices.filter(user=team["profile"].user, read_at__isnull=True).count() == 0
    _post(engagement, client=team["client"], text="secret 4")
    assert staff_notices.filter(user=team["profile"].user, read_at__isnull=True).count() == 1
    assert staff_notices.filter(user=second.user).count() == 1  # still unread: no second one
    # And the other way round.
    _post(engagement, actor=team["profile"].user, text="reply 1")
    _post(engagement, actor=second.user, text="reply 2")
    client_notices = Notice.objects.filter(client=team["client"], kind=NoticeKind.MESSAGE)
    assert client_notices.count() == 1
    assert client_notices.get().params == {"name": "Sam", "engagement": engagement.pk}
    assert client_notices.get().url == _urls(engagement)["portal"]
    assert messages_mark_read(engagement_id=engagement.pk, client=team["client"]) == 1


@pytest.mark.django_db
def test_chat_post_validates(team: dict[str, Any], settings: Any) -> None:
    settings.BRUG_CHAT_MAX_CHARS = 100
    engagement = team["engagement"]
    cases = [("", "empty"), ("\n \t", "empty"), ("x" * 101, "too_long"), (None, "invalid")]
    for text, code in cases:
        with pytest.raises(InvalidInput) as caught:
            chat_post(engagement_id=engagement.pk, client=team["client"], text=text,
                      ref=str(uuid.uuid4()))
        assert caught.value.code == code
    with pytest.raises(InvalidInput):
        chat_post(engagement_id=engagement.pk, client=team["client"], text="ok", ref="nope")
    message, created = chat_post(engagement_id=engagement.pk, client=team["client"],
                                 text="  a\r\nb  ", ref=str(uuid.uuid4()))
    assert created and message.body == "a\nb"
    with pytest.raises(ValueError):
        chat_post(engagement_id=engagement.pk, text="x", ref=str(uuid.uuid4()))


# --- the page's send reaches open sockets ----------------------------------------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fresh_layer")
def test_a_message_sent_without_javascript_reaches_open_sockets(
        team: dict[str, Any]) -> None:
    engagement = team["engagement"]
    cookie = client_cookie(team["client"])
    staff_http = login(HttpClient(), team["profile"].user)
    url = _urls(engagement)["staff_send"]

    async def scenario() -> dict[str, Any]:
        ws = socket(engagement.pk, cookie)
        await open_socket(ws)
        response = await sync_to_async(staff_http.post)(
            url, {"text": "Sent from a page without scripts", "ref": str(uuid.uuid4())})
        assert response.status_code == 302
        received: dict[str, Any] = await ws.receive_json_from(timeout=TIMEOUT)
        await ws.disconnect()
        return received

    received = async_to_sync(scenario)()
    assert (received["type"], received["sender"], received["name"], received["text"]) == (
        "message", "counsellor", "Sam", "Sent from a page without scripts")
