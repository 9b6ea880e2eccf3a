"""The conversation of an engagement over a WebSocket: ``ws(s)://host/ws/chat/<engagement_id>/``.

Protocol (a benchmark and ``static/counselling/chat.js`` rely on it; keep it exactly):

* Who may connect: the signed-in client who owns the engagement, or a counsellor on its team
  now with a verified second factor. Otherwise the socket is accepted and closed at once with
  4401 (not signed in), 4404 (not yours, or no such engagement) or 4409 (the engagement ended).
  Staff connecting is audited (``counselling.conversation_open``).
* On connect the server sends ``{"type": "history", "messages": [msg, ...]}``, oldest first.
* The client sends ``{"type": "message", "text": "...", "ref": "<uuid4>"}``.
* Everyone on the conversation, the sender included, receives ``msg`` =
  ``{"type": "message", "id", "ref", "sender": "client"|"counsellor", "name", "text", "at"}``
  once it is stored. A resend of a stored ref goes back to the sender alone, with
  ``"duplicate": true``.
* Bad input never closes the socket: ``{"type": "error", "code", "message"}`` (plus ``"ref"``
  when the message had a valid one). Codes: ``invalid``, ``empty``, ``too_long``,
  ``slow_down`` (more than ``FLOOD_MESSAGES`` in ``FLOOD_SECONDS``), ``ended``,
  ``not_on_team``, ``not_found``, ``not_allowed``.
* When the engagement ends or the counsellor leaves the team, the socket gets an error and is
  closed (4409 or 4404): on the next post, on a ``chat_revoke`` event, or at the latest when
  a message arrives more than ``RECHECK_SECONDS`` after the last check.
* The session behind the socket is checked again on every post and at those re-checks: a
  client who signed out, left by quick exit, changed the passphrase elsewhere or deleted the
  account, or a counsellor who was deactivated, lost the role or signed out, is closed with
  4401 (``not_signed_in``). ``chat_recheck`` events (sign-out, quick exit, passphrase change)
  make every socket of a client check at once.
"""

from __future__ import annotations

import json
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from brug.accounts.roles import Cap
from brug.errors import BrugError

from .auth import client_from_session, staff_from_scope
from .models import Client, Engagement, EngagementMember, EngagementStatus
from .services_chat import (
    chat_group,
    chat_history,
    chat_post,
    conversation_open,
    message_payload,
    messages_mark_read,
)

CLOSE_NOT_SIGNED_IN = 4401
CLOSE_NOT_YOURS = 4404
CLOSE_ENDED = 4409
FLOOD_MESSAGES = 20
FLOOD_SECONDS = 10.0
RECHECK_SECONDS = 30.0


def in_thread[**P, R](function: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """``database_sync_to_async`` with its types (ORM calls run in a worker thread)."""
    return database_sync_to_async(function)  # type: ignore[no-any-return]


class ChatConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    engagement_id: int
    group: str | None = None
    client: Client | None = None
    user: Any = None  # the staff member (brug.accounts.models.User)
    checked_at: float = 0.0  # the team (staff) and the session, on the receiving path
    session_checked_at: float = 0.0  # the session, on the posting path
    notice_checked_at: float = -RECHECK_SECONDS - 1.0  # the reader's unread notice
    # Each socket's own period, between 3/4 of RECHECK_SECONDS and all of it: sockets opened
    # together (a server restart) would otherwise all re-check in the same second (measured:
    # the slowest second of the chat benchmark, every 30 s).
    recheck_every: float = RECHECK_SECONDS
    language: str = settings.LANGUAGE_CODE  # of the person on this socket, for error texts

    # --- connecting ----------------------------------------------------------------------

    async def connect(self) -> None:
        self.engagement_id = int(self.scope["url_route"]["kwargs"]["engagement_id"])
        self.recheck_every = RECHECK_SECONDS * random.uniform(0.75, 1.0)
        self.sent: deque[float] = deque()
        await self.accept()
        refusal = await self._admit()
        if refusal:
            await self.close(code=refusal)
            return
        self.group = chat_group(self.engagement_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.checked_at = self.session_checked_at = time.monotonic()
        # Read after joining the group: a message stored in between arrives twice at worst
        # (chat.js keeps one per id), never not at all.
        await self.send_json({"type": "history", "messages": await self._history()})

    @in_thread
    def _admit(self) -> int:
        """0 when the socket may stay, else its close code. Sets ``client`` or ``user``."""
        session = self.scope.get("session")
        client = client_from_session(session) if session is not None else None
        if client is not None:
            status = (Engagement.objects.filter(pk=self.engagement_id, client=client)
                      .values_list("status", flat=True).first())
            if status is None:
                return CLOSE_NOT_YOURS
            if status != EngagementStatus.ACTIVE:
                return CLOSE_ENDED
            self.client = client
            self.language = self._supported(client.language)
            messages_mark_read(engagement_id=self.engagement_id, client=client)
            return 0
        user = staff_from_scope(self.scope) if session is not None else None
        if user is None:
            return CLOSE_NOT_SIGNED_IN
        status = self._staff_status(user)
        if status is None:
            return CLOSE_NOT_YOURS
        if status != EngagementStatus.ACTIVE:
            return CLOSE_ENDED
        try:
            conversation_open(actor=user, engagement_id=self.engagement_id, via="socket")
        except BrugError:
            return CLOSE_NOT_YOURS
        self.user = user
        cookies = self.scope.get("cookies") or {}
        self.language = self._supported(cookies.get(settings.LANGUAGE_COOKIE_NAME, ""))
        messages_mark_read(engagement_id=self.engagement_id, user=user)
        return 0

    @staticmethod
    def _supported(code: str) -> str:
        try:
            return translation.get_supported_language_variant(code) if code else \
                settings.LANGUAGE_CODE
        except LookupError:
            return str(settings.LANGUAGE_CODE)

    def _still_signed_in(self) -> bool:
        """The socket's session still stands, read afresh from the session store (the scope's
        copy is from connect time), and still names this client or this active counsellor."""
        from brug.accounts.models import User

        session = self.scope.get("session")
        key = getattr(session, "session_key", None)
        if not key:
            return False
        data = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).load()
        if not data:
            return False  # flushed: signed out, quick exit, deleted
        if self.client is not None:
            fresh = client_from_session(data)
            return fresh is not None and fresh.pk == self.client.pk
        if self.user is None or str(data.get("_auth_user_id")) != str(self.user.pk):
            return False
        user = User.objects.filter(pk=self.user.pk, is_active=True).first()
        if user is None or staff_from_scope({"user": user, "session": data}) is None:
            return False
        self.user = user  # the role and organisation as they are now
        return True

    def _staff_status(self, user: Any) -> str | None:
        """The engagement's status when ``user`` is a counsellor on its team now, else None."""
        if not user.can(Cap.COUNSEL) or user.organisation_id is None:
            return None
        return (EngagementMember.objects
                .filter(engagement_id=self.engagement_id, counsellor__user=user,
                        left_at__isnull=True)
                .values_list("engagement__status", flat=True).first())

    @in_thread
    def _history(self) -> list[dict[str, Any]]:
        engagement = Engagement.objects.select_related("client").get(pk=self.engagement_id)
        return [message_payload(m) for m in chat_history(engagement)]

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    # --- receiving -----------------------------------------------------------------------

    async def receive(self, text_data: str | None = None,
                      bytes_data: bytes | None = None) -> None:
        """Parses one frame; never lets bad input close the socket."""
        if self.group is None:
            return  # refused or revoked: the close is on its way
        try:
            content = json.loads(text_data) if text_data is not None else None
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self._error("invalid", _("That could not be read. Reload the page and try "
                                           "again."))
            return
        if content.get("type") != "message":
            await self._error("invalid", _("Unknown request. Reload the page and try again."))
            return
        await self._post(content)

    async def _post(self, content: dict[str, Any]) -> None:
        ref = content.get("ref")
        ref_out = ref if isinstance(ref, str) and len(ref) <= 64 else None
        now = time.monotonic()
        while self.sent and now - self.sent[0] > FLOOD_SECONDS:
            self.sent.popleft()
        if len(self.sent) >= FLOOD_MESSAGES:
            await self._error("slow_down", _("You are sending very fast. Wait a few seconds, "
                                             "then send again."), ref_out)
            return
        self.sent.append(now)
        try:
            payload, created = await self._store(content.get("text"), ref)
        except BrugError as error:
            await self._error(error.code, error.message, ref_out)
            if error.code == "ended":
                await self._leave(CLOSE_ENDED)
            elif error.code in ("not_on_team", "not_found", "not_allowed"):
                await self._leave(CLOSE_NOT_YOURS)
            elif error.code == "not_signed_in":
                await self._leave(CLOSE_NOT_SIGNED_IN)
            return
        self.checked_at = now  # chat_post checked the right to post just now
        if created:
            await self.channel_layer.group_send(self.group, {"type": "chat.message",
                                                             "message": payload})
        else:
            await self.send_json({**payload, "duplicate": True})

    @in_thread
    def _store(self, text: Any, ref: Any) -> tuple[dict[str, Any], bool]:
        """One thread hop per message: check the session when due, store the message
        (committed on return), then shape it."""
        with translation.override(self.language):  # the services' refusals, in their words
            # The session is read afresh at most every RECHECK_SECONDS on this path (about a
            # millisecond per message otherwise, measured); sign-out, quick exit, passphrase
            # change and deletion send ``chat_recheck``/``chat_revoke`` and act at once.
            now = time.monotonic()
            if now - self.session_checked_at >= self.recheck_every:
                if not self._still_signed_in():
                    raise BrugError(str(_("You are signed out. Sign in again to go on.")),
                                    code="not_signed_in")
                self.session_checked_at = now
            # Whether the reader needs an "new message" notice: asked at most every
            # RECHECK_SECONDS per socket (the query behind it was most of a message's cost).
            notify = now - self.notice_checked_at >= self.recheck_every
            message, created = chat_post(engagement_id=self.engagement_id, text=text,
                                         ref=ref, client=self.client, actor=self.user,
                                         notify=notify)
            if notify:
                self.notice_checked_at = now
        return message_payload(message), created

    async def _error(self, code: str, message: Any, ref: str | None = None) -> None:
        with translation.override(self.language):
            text = str(message)  # lazy texts: in the language of the person on this socket
        reply: dict[str, Any] = {"type": "error", "code": code, "message": text}
        if ref is not None:
            reply["ref"] = ref
        await self.send_json(reply)

    async def _leave(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None
        await self.close(code=code)

    # --- group events --------------------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        """A stored message for everyone on the conversation."""
        if self.group is None:
            return
        if time.monotonic() - self.checked_at >= self.recheck_every and not await self._recheck():
            return  # a counsellor who left, an ended session: closed, never read on
        await self.send_json(event["message"])

    async def chat_recheck(self, event: dict[str, Any]) -> None:
        """Check this socket's session now (a client signed out, left or changed passphrase)."""
        if self.group is not None:
            await self._recheck()

    async def _recheck(self) -> bool:
        """Re-checks the session and, for staff, the team; closes the socket when either is
        gone. True when it stays."""
        signed_in, status = await in_thread(self._check_now)()
        if not signed_in:
            await self._error("not_signed_in", _("You are signed out. Sign in again to go on."))
            await self._leave(CLOSE_NOT_SIGNED_IN)
            return False
        if self.user is not None and status != EngagementStatus.ACTIVE:
            await self._revoked(status)
            return False
        self.checked_at = self.session_checked_at = time.monotonic()
        return True

    def _check_now(self) -> tuple[bool, str | None]:
        if not self._still_signed_in():
            return False, None
        return True, (self._staff_status(self.user) if self.user is not None else None)

    async def chat_revoke(self, event: dict[str, Any]) -> None:
        """The engagement ended (``user`` None) or the counsellor ``user`` left the team."""
        if self.group is None:
            return
        if event.get("user") is None:
            await self._revoked(EngagementStatus.ENDED)
        elif self.user is not None and event["user"] == self.user.pk:
            await self._revoked(None)

    async def _revoked(self, status: str | None) -> None:
        if status == EngagementStatus.ENDED:
            await self._error("ended", _("This counselling has ended: no new messages can be "
                                         "sent."))
            await self._leave(CLOSE_ENDED)
        else:
            await self._error("not_on_team", _("You are no longer on this client's team."))
            await self._leave(CLOSE_NOT_YOURS)
