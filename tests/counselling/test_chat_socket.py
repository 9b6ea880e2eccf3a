"""The chat over WebSockets, through the real ASGI application (origin check, sessions, auth).

Each test is a sync function running one async scenario; the database is transactional
because the consumer works in other threads.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.utils import timezone

from brug.accounts.models import Organisation
from brug.accounts.roles import Role
from brug.audit.models import AuditEntry
from brug.counselling import consumers
from brug.counselling.models import (
    ChatMessage,
    Client,
    CounsellorProfile,
    Engagement,
    EngagementMember,
    EngagementStatus,
)
from brug.counselling.services_chat import chat_post, chat_revoke

from ..factories import make_user
from .chat_helpers import (
    TIMEOUT,
    client_cookie,
    closed_with,
    fresh_layer,
    open_socket,
    refusal,
    socket,
    staff_cookie,
)
from .factories import make_client, make_counsellor, make_engagement, make_pool

__all__ = ["fresh_layer"]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_layer")]


@pytest.fixture
def team(org: Organisation) -> dict[str, Any]:
    pool = make_pool(org)
    client = make_client(pool, nickname="Robin")
    profile = make_counsellor(org, display_name="Sam")
    engagement = make_engagement(client, profile)
    return {"pool": pool, "client": client, "profile": profile, "engagement": engagement}


def _ref() -> str:
    return str(uuid.uuid4())


def _message(text: str, ref: str | None = None) -> dict[str, Any]:
    return {"type": "message", "text": text, "ref": ref or _ref()}


def test_client_and_counsellor_both_receive_each_message(team: dict[str, Any]) -> None:
    engagement: Engagement = team["engagement"]
    c_cookie = client_cookie(team["client"])
    s_cookie = staff_cookie(team["profile"].user)

    async def scenario() -> None:
        client_ws = socket(engagement.pk, c_cookie)
        staff_ws = socket(engagement.pk, s_cookie)
        assert await open_socket(client_ws) == []
        assert await open_socket(staff_ws) == []
        ref = _ref()
        await client_ws.send_json_to(_message("Hello, I am not sure where to start.", ref))
        to_client = await client_ws.receive_json_from(timeout=TIMEOUT)
        to_staff = await staff_ws.receive_json_from(timeout=TIMEOUT)
        assert to_client == to_staff
        assert set(to_client) == {"type", "id", "ref", "sender", "name", "text", "at"}
        assert to_client["type"] == "message"
        assert to_client["ref"] == ref
        assert to_client["sender"] == "client"
        assert to_client["name"] == "Robin"
        assert to_client["text"] == "Hello, I am not sure where to start."
        assert to_client["at"].endswith("Z")
        assert isinstance(to_client["id"], int)

        await staff_ws.send_json_to(_message("Start wherever you like."))
        reply_client = await client_ws.receive_json_from(timeout=TIMEOUT)
        reply_staff = await staff_ws.receive_json_from(timeout=TIMEOUT)
        assert reply_client == reply_staff
        assert (reply_client["sender"], reply_client["name"]) == ("counsellor", "Sam")
        assert reply_client["id"] > to_client["id"]
        await client_ws.disconnect()
        await staff_ws.disconnect()

    async_to_sync(scenario)()
    stored = list(ChatMessage.objects.filter(engagement=engagement).order_by("id"))
    assert [(m.sender, m.body) for m in stored] == [
        ("client", "Hello, I am not sure where to start."),
        ("counsellor", "Start wherever you like.")]
    assert stored[1].sender_counsellor == team["profile"]


def test_history_on_connect_is_the_last_messages_oldest_first(
        team: dict[str, Any], settings: Any) -> None:
    settings.BRUG_CHAT_HISTORY = 3
    engagement: Engagement = team["engagement"]
    for i in range(5):
        chat_post(engagement_id=engagement.pk, client=team["client"], text=f"Note {i}",
                  ref=_ref())
    chat_post(engagement_id=engagement.pk, actor=team["profile"].user, text="Reply",
              ref=_ref())
    cookie = client_cookie(team["client"])

    async def scenario() -> list[dict[str, Any]]:
        ws = socket(engagement.pk, cookie)
        history = await open_socket(ws)
        await ws.disconnect()
        return history

    history = async_to_sync(scenario)()
    assert [m["text"] for m in history] == ["Note 3", "Note 4", "Reply"]
    assert [m["name"] for m in history] == ["Robin", "Robin", "Sam"]
    assert history[0]["id"] < history[1]["id"] < history[2]["id"]


def test_refusal_codes(team: dict[str, Any], org: Organisation) -> None:
    engagement: Engagement = team["engagement"]
    stranger = make_client(team["pool"], nickname="Stranger")
    colleague = make_counsellor(org)  # same organisation, not on the team
    former = make_counsellor(org)
    EngagementMember.objects.create(engagement=engagement, counsellor=former, lead=False,
                                    left_at=timezone.now())
    worker = make_user(Role.PREVENTION_WORKER, org)
    cookies = {
        "nobody": None,
        "other client": client_cookie(stranger),
        "colleague not on the team": staff_cookie(colleague.user),
        "counsellor who left the team": staff_cookie(former.user),
        "prevention worker": staff_cookie(worker),
        "counsellor without second factor": staff_cookie(team["profile"].user,
                                                         verified=False),
    }

    own = client_cookie(team["client"])

    async def scenario() -> dict[str, int]:
        codes = {name: await refusal(socket(engagement.pk, cookie))
                 for name, cookie in cookies.items()}
        codes["no such engagement"] = await refusal(socket(engagement.pk + 1000, own))
        return codes

    codes = async_to_sync(scenario)()
    assert codes == {
        "nobody": 4401, "other client": 4404, "colleague not on the team": 4404,
        "counsellor who left the team": 4404, "prevention worker": 4404,
        "counsellor without second factor": 4401, "no such engagement": 4404}
    # Nothing was audited: nobody was let in.
    assert not AuditEntry.objects.filter(action="counselling.conversation_open").exists()


def test_a_foreign_origin_is_refused_before_anything(team: dict[str, Any]) -> None:
    cookie = client_cookie(team["client"])

    async def scenario() -> bool:
        ws = socket(team["engagement"].pk, cookie, origin=b"https://evil.example")
        connected, _ = await ws.connect(timeout=TIMEOUT)
        return bool(connected)

    assert async_to_sync(scenario)() is False


def test_an_ended_engagement_is_refused_with_4409(team: dict[str, Any]) -> None:
    engagement: Engagement = team["engagement"]
    Engagement.objects.filter(pk=engagement.pk).update(status=EngagementStatus.ENDED,
                                                       ended_at=timezone.now())
    c_cookie = client_cookie(team["client"])
    s_cookie = staff_cookie(team["profile"].user)

    async def scenario() -> tuple[int, int]:
        return (await refusal(socket(engagement.pk, c_cookie)),
                await refusal(socket(engagement.pk, s_cookie)))

    assert async_to_sync(scenario)() == (4409, 4409)


def test_staff_connecting_is_audited_without_content(team: dict[str, Any]) -> None:
    engagement: Engagement = team["engagement"]
    chat_post(engagement_id=engagement.pk, client=team["client"], text="Private words",
              ref=_ref())
    s_cookie = staff_cookie(team["profile"].user)
    c_cookie = client_cookie(team["client"])

    async def scenario() -> None:
        for cookie in (s_cookie, c_cookie):
            ws = socket(engagement.pk, cookie)
            await open_socket(ws)
            await ws.disconnect()

    async_to_sync(scenario)()
    entries = list(AuditEntry.objects.filter(action="counselling.conversation_open"))
    assert len(entries) == 1  # the counsellor; the client's own connection is not audited
    entry = entries[0]
    assert entry.actor == team["profile"].user
    assert entry.object_id == str(engagement.pk)
    assert entry.details == {"via": "socket", "client": team["client"].pk}
    assert "Private" not in json.dumps(entry.details) and "Robin" not in json.dumps(
        entry.details)


def test_a_resent_ref_is_stored_once_and_only_the_sender_hears_back(
        team: dict[str, Any]) -> None:
    engagement: Engagement = team["engagement"]
    c_cookie = client_cookie(team["client"])
    s_cookie = staff_cookie(team["profile"].user)

    async def scenario() -> None:
        client_ws = socket(engagement.pk, c_cookie)
        staff_ws = socket(engagement.pk, s_cookie)
        await open_socket(client_ws)
        await open_socket(staff_ws)
        ref = _ref()
        await client_ws.send_json_to(_message("Once only", ref))
        first = await client_ws.receive_json_from(timeout=TIMEOUT)
        assert (await staff_ws.receive_json_from(timeout=TIMEOUT))["id"] == first["id"]
        await client_ws.send_json_to(_message("Once only", ref))
        again = await client_ws.receive_json_from(timeout=TIMEOUT)
        assert again == {**first, "duplicate": True}
        assert await staff_ws.receive_nothing(timeout=0.3)
        # A reconnected page resends with the same ref: still one row.
        await client_ws.disconnect()
        client_ws = socket(engagement.pk, c_cookie)
        assert [m["id"] for m in await open_socket(client_ws)] == [first["id"]]
        await client_ws.send_json_to(_message("Once only", ref))
        assert (await client_ws.receive_json_from(timeout=TIMEOUT))["duplicate"] is True
        # The counsellor cannot take over the client's ref.
        await staff_ws.send_json_to(_message("Mine now", ref))
        error = await staff_ws.receive_json_from(timeout=TIMEOUT)
        assert (error["type"], error["code"], error["ref"]) == ("error", "invalid", ref)
        await client_ws.disconnect()
        await staff_ws.disconnect()

    async_to_sync(scenario)()
    assert ChatMessage.objects.filter(engagement=engagement).count() == 1


def test_bad_input_gives_an_error_and_the_socket_stays_open(
        team: dict[str, Any], settings: Any) -> None:
    settings.BRUG_CHAT_MAX_CHARS = 100
    engagement: Engagement = team["engagement"]
    cookie = client_cookie(team["client"])
    frames: list[tuple[str | bytes, str]] = [
        ("not json at all", "invalid"),
        ("[1, 2, 3]", "invalid"),
        ('"just a string"', "invalid"),
        (json.dumps({"type": "typing"}), "invalid"),
        (json.dumps({"text": "no type"}), "invalid"),
        (json.dumps({"type": "message", "text": "no ref"}), "invalid"),
        (json.dumps({"type": "message", "text": "bad ref", "ref": "12345"}), "invalid"),
        (json.dumps({"type": "message", "text": "ref a number", "ref": 7}), "invalid"),
        (json.dumps({"type": "message", "text": 42, "ref": _ref()}), "invalid"),
        (json.dumps({"type": "message", "ref": _ref()}), "invalid"),
        (json.dumps({"type": "message", "text": "", "ref": _ref()}), "empty"),
        (json.dumps({"type": "message", "text": " \n\t \u0000 ", "ref": _ref()}), "empty"),
        (json.dumps({"type": "message", "text": "x" * 101, "ref": _ref()}), "too_long"),
        (b"\x00\x01binary", "invalid"),
    ]

    async def scenario() -> None:
        ws = socket(engagement.pk, cookie)
        await open_socket(ws)
        for frame, code in frames:
            if isinstance(frame, bytes):
                await ws.send_to(bytes_data=frame)
            else:
                await ws.send_to(text_data=frame)
            reply = await ws.receive_json_from(timeout=TIMEOUT)
            assert reply["type"] == "error", frame
            assert reply["code"] == code, frame
            assert reply["message"], frame
        # Still open and working; exactly the limit is fine, control characters are dropped.
        ref = _ref()
        await ws.send_json_to(_message("y" * 99 + "\u0000z", ref))
        ok = await ws.receive_json_from(timeout=TIMEOUT)
        assert (ok["type"], ok["ref"], ok["text"]) == ("message", ref, "y" * 99 + "z")
        await ws.disconnect()

    async_to_sync(scenario)()
    assert ChatMessage.objects.filter(engagement=engagement).count() == 1


def test_too_long_error_names_the_limit(team: dict[str, Any], settings: Any) -> None:
    settings.BRUG_CHAT_MAX_CHARS = 120
    cookie = client_cookie(team["client"])

    async def scenario() -> dict[str, Any]:
        ws = socket(team["engagement"].pk, cookie)
        await open_socket(ws)
        ref = _ref()
        await ws.send_json_to(_message("a" * 121, ref))
        reply: dict[str, Any] = await ws.receive_json_from(timeout=TIMEOUT)
        await ws.disconnect()
        assert reply["ref"] == ref
        return reply

    reply = async_to_sync(scenario)()
    assert reply["code"] == "too_long"
    assert "120" in reply["message"]
    assert not ChatMessage.objects.exists()


def test_flooding_is_slowed_down(team: dict[str, Any]) -> None:
    engagement: Engagement = team["engagement"]
    cookie = client_cookie(team["client"])

    async def scenario() -> None:
        ws = socket(engagement.pk, cookie)
        await open_socket(ws)
        for i in range(consumers.FLOOD_MESSAGES):
            await ws.send_json_to(_message(f"m{i}"))
            assert (await ws.receive_json_from(timeout=TIMEOUT))["type"] == "message"
        await ws.send_json_to(_message("one too many"))
        reply = await ws.receive_json_from(timeout=TIMEOUT)
        assert (reply["type"], reply["code"]) == ("error", "slow_down")
        await ws.disconnect()

    async_to_sync(scenario)()
    assert ChatMessage.objects.filter(engagement=engagement).count() == consumers.FLOOD_MESSAGES


def test_ending_while_connected_refuses_later_sends(team: dict[str, Any]) -> None:
    engagement: Engagement = team["engagement"]
    cookie = client_cookie(team["client"])

    async def scenario() -> None:
        ws = socket(engagement.pk, cookie)
        await open_socket(ws)
        await database_sync_to_async(Engagement.objects.filter(pk=engagement.pk).update)(
            status=EngagementStatus.ENDED, ended_at=timezone.now())
        ref = _ref()
        await ws.send_json_to(_message("Are you there?", ref))
        reply = await ws.receive_json_from(timeout=TIMEOUT)
        assert (reply["type"], reply["code"], reply["ref"]) == ("error", "ended", ref)
        assert await closed_with(ws) == 4409

    async_to_sync(scenario)()
    assert not ChatMessage.objects.exists()


def test_a_counsellor_who_left_the_team_cannot_send(team: dict[str, Any]) -> None:
    engagement: Engagement = team["engagement"]
    cookie = staff_cookie(team["profile"].user)

    async def scenario() -> None:
        ws = socket(engagement.pk, cookie)
        await open_socket(ws)
        await database_sync_to_async(EngagementMember.objects.filter(
            engagement=engagement).update)(left_at=timezone.now())
        await ws.send_json_to(_message("Still here?"))
        reply = await ws.receive_json_from(timeout=TIMEOUT)
        assert (reply["type"], reply["code"]) == ("error", "not_on_team")
        assert await closed_with(ws) == 4404

    async_to_sync(scenario)()
    assert not ChatMessage.objects.exists()


def _second_counsellor(team: dict[str, Any], org: Organisation) -> CounsellorProfile:
    second = make_counsellor(org, display_name="Kim")
    EngagementMember.objects.create(engagement=team["engagement"], counsellor=second,
                                    lead=False)
    return second


def test_a_counsellor_who_left_stops_receiving_after_the_recheck(
        team: dict[str, Any], org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    """Need to know: a socket left open must not keep reading the client's new messages."""
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.0)
    engagement: Engagement = team["engagement"]
    second = _second_counsellor(team, org)
    c_cookie = client_cookie(team["client"])
    s_cookie = staff_cookie(second.user)

    async def scenario() -> None:
        client_ws = socket(engagement.pk, c_cookie)
        staff_ws = socket(engagement.pk, s_cookie)
        await open_socket(client_ws)
        await open_socket(staff_ws)
        await database_sync_to_async(EngagementMember.objects.filter(
            engagement=engagement, counsellor=second).update)(left_at=timezone.now())
        await client_ws.send_json_to(_message("Only for my current team"))
        assert (await client_ws.receive_json_from(timeout=TIMEOUT))["type"] == "message"
        reply = await staff_ws.receive_json_from(timeout=TIMEOUT)
        assert (reply["type"], reply["code"]) == ("error", "not_on_team")
        assert "Only for" not in json.dumps(reply)
        assert await closed_with(staff_ws) == 4404
        await client_ws.disconnect()

    async_to_sync(scenario)()


def test_chat_revoke_closes_the_sockets_at_once(
        team: dict[str, Any], org: Organisation) -> None:
    engagement: Engagement = team["engagement"]
    second = _second_counsellor(team, org)
    c_cookie = client_cookie(team["client"])
    lead_cookie = staff_cookie(team["profile"].user)
    second_cookie = staff_cookie(second.user)

    async def scenario() -> None:
        client_ws = socket(engagement.pk, c_cookie)
        lead_ws = socket(engagement.pk, lead_cookie)
        second_ws = socket(engagement.pk, second_cookie)
        for ws in (client_ws, lead_ws, second_ws):
            await open_socket(ws)
        # The second counsellor leaves: only their socket closes.
        await database_sync_to_async(chat_revoke)(engagement.pk, user_id=second.user_id)
        reply = await second_ws.receive_json_from(timeout=TIMEOUT)
        assert reply["code"] == "not_on_team"
        assert await closed_with(second_ws) == 4404
        assert await lead_ws.receive_nothing(timeout=0.2)
        assert await client_ws.receive_nothing(timeout=0.2)
        # The engagement ends: everyone's socket closes with 4409.
        await database_sync_to_async(chat_revoke)(engagement.pk)
        for ws in (client_ws, lead_ws):
            assert (await ws.receive_json_from(timeout=TIMEOUT))["code"] == "ended"
            assert await closed_with(ws) == 4409

    async_to_sync(scenario)()


def test_messages_from_other_conversations_do_not_leak(team: dict[str, Any],
                                                        org: Organisation) -> None:
    other_client: Client = make_client(team["pool"], nickname="Other")
    other = make_engagement(other_client, team["profile"])
    mine = client_cookie(team["client"])
    theirs = client_cookie(other_client)

    async def scenario() -> None:
        ws_mine = socket(team["engagement"].pk, mine)
        ws_theirs = socket(other.pk, theirs)
        await open_socket(ws_mine)
        await open_socket(ws_theirs)
        await ws_theirs.send_json_to(_message("For my counsellor only"))
        assert (await ws_theirs.receive_json_from(timeout=TIMEOUT))["type"] == "message"
        assert await ws_mine.receive_nothing(timeout=0.3)
        await ws_mine.disconnect()
        await ws_theirs.disconnect()

    async_to_sync(scenario)()


def test_a_message_is_stored_sealed(team: dict[str, Any]) -> None:
    from brug.privacy.sealed import TOKEN_PREFIX, unseal_text

    from .chat_helpers import raw_column

    cookie = client_cookie(team["client"])
    text = "I still have the group's flyers at home."

    async def scenario() -> int:
        ws = socket(team["engagement"].pk, cookie)
        await open_socket(ws)
        await ws.send_json_to(_message(text))
        reply = await ws.receive_json_from(timeout=TIMEOUT)
        await ws.disconnect()
        return int(reply["id"])

    pk = async_to_sync(scenario)()
    raw = raw_column("counselling_chatmessage", "body", pk)
    assert raw.startswith(TOKEN_PREFIX)
    assert "flyers" not in raw
    assert unseal_text(raw) == text
    assert ChatMessage.objects.get(pk=pk).body == text


def test_the_client_ending_the_counselling_closes_the_open_chats_at_once(
        team: dict[str, Any]) -> None:
    """engagement_end_by_client (the work part's service) revokes the sockets on commit."""
    from brug.counselling.services_work import engagement_end_by_client

    engagement: Engagement = team["engagement"]
    c_cookie = client_cookie(team["client"])
    staff = staff_cookie(team["profile"].user)

    async def scenario() -> None:
        client_ws = socket(engagement.pk, c_cookie)
        staff_ws = socket(engagement.pk, staff)
        for ws in (client_ws, staff_ws):
            await open_socket(ws)
        await database_sync_to_async(engagement_end_by_client)(client=team["client"],
                                                               engagement_id=engagement.pk)
        for ws in (client_ws, staff_ws):
            assert (await ws.receive_json_from(timeout=TIMEOUT))["code"] == "ended"
            assert await closed_with(ws) == 4409

    async_to_sync(scenario)()


def test_a_changed_passphrase_closes_the_sockets_of_the_old_sessions(
        team: dict[str, Any]) -> None:
    """The passphrase change ends every other session: their sockets stop reading at once."""
    from brug.counselling.services_clients import client_passphrase_change

    from .factories import PASSPHRASE

    engagement: Engagement = team["engagement"]
    old_session = client_cookie(team["client"])
    staff = staff_cookie(team["profile"].user)

    async def scenario() -> None:
        client_ws = socket(engagement.pk, old_session)
        staff_ws = socket(engagement.pk, staff)
        for ws in (client_ws, staff_ws):
            await open_socket(ws)
        await database_sync_to_async(client_passphrase_change)(
            client=team["client"], old_passphrase=PASSPHRASE,
            new_passphrase="a brand new passphrase 77")
        reply = await client_ws.receive_json_from(timeout=TIMEOUT)
        assert reply["code"] == "not_signed_in"
        assert await closed_with(client_ws) == 4401
        await staff_ws.send_json_to(_message("Only for the real client"))
        assert (await staff_ws.receive_json_from(timeout=TIMEOUT))["type"] == "message"
        assert await client_ws.receive_nothing(timeout=0.2)
        await staff_ws.disconnect()

    async_to_sync(scenario)()


def test_a_signed_out_session_cannot_post_on_a_socket_left_open(
        team: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A session ended without an event (say, expired in the store): the next post after
    RECHECK_SECONDS reads it afresh and is refused."""
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.0)
    engagement: Engagement = team["engagement"]
    cookie = client_cookie(team["client"])

    async def scenario() -> None:
        ws = socket(engagement.pk, cookie)
        await open_socket(ws)
        # The session ends elsewhere (another tab's quick exit deletes it from the store).
        from django.contrib.sessions.models import Session

        await database_sync_to_async(Session.objects.filter(session_key=cookie).delete)()
        await ws.send_json_to(_message("sent by a stale session"))
        reply = await ws.receive_json_from(timeout=TIMEOUT)
        assert reply["code"] == "not_signed_in"
        assert await closed_with(ws) == 4401

    async_to_sync(scenario)()
    assert not ChatMessage.objects.exists()


def test_a_deactivated_counsellor_can_neither_post_nor_keep_reading(
        team: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.0)
    engagement: Engagement = team["engagement"]
    c_cookie = client_cookie(team["client"])
    s_cookie = staff_cookie(team["profile"].user)
    user = team["profile"].user

    async def scenario() -> None:
        client_ws = socket(engagement.pk, c_cookie)
        staff_ws = socket(engagement.pk, s_cookie)
        for ws in (client_ws, staff_ws):
            await open_socket(ws)
        await database_sync_to_async(type(user).objects.filter(pk=user.pk).update)(
            is_active=False)
        await client_ws.send_json_to(_message("Are you still there?"))
        assert (await client_ws.receive_json_from(timeout=TIMEOUT))["type"] == "message"
        reply = await staff_ws.receive_json_from(timeout=TIMEOUT)
        assert reply["code"] == "not_signed_in" and "still there" not in json.dumps(reply)
        assert await closed_with(staff_ws) == 4401
        await client_ws.disconnect()

    async_to_sync(scenario)()


def test_errors_speak_the_language_of_the_person_on_the_socket(team: dict[str, Any]) -> None:
    """A Dutch-speaking client's refusals come in Dutch (sockets have no LocaleMiddleware)."""
    from django.utils import translation

    team["client"].language = "nl"
    team["client"].save(update_fields=["language"])
    engagement: Engagement = team["engagement"]
    cookie = client_cookie(team["client"])
    with translation.override("nl"):
        empty = translation.gettext("Write something before sending.")
        unknown = translation.gettext("Unknown request. Reload the page and try again.")
    assert empty != "Write something before sending."  # the catalogue has it

    async def scenario() -> None:
        ws = socket(engagement.pk, cookie)
        await open_socket(ws)
        await ws.send_json_to(_message("   "))
        assert (await ws.receive_json_from(timeout=TIMEOUT))["message"] == empty
        await ws.send_json_to({"type": "typing"})
        assert (await ws.receive_json_from(timeout=TIMEOUT))["message"] == unknown
        await ws.disconnect()

    async_to_sync(scenario)()
