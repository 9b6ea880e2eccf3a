"""The conversation of an engagement: storing chat messages, reading them back, notices.

Used by the WebSocket consumer (``consumers``) and by the pages that work without JavaScript.
``chat_post`` is on the hot path of every message, so it stays small: one query for the sender's
right to post, one INSERT, and (rarely) one query plus one INSERT for a notice. There is no
audit entry per message: the audit chain serialises its writers and a message is the parties'
own conversation; what is audited is staff opening a conversation (``conversation_open``).
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import Conflict, InvalidInput, NotFound

from .access import access_engagement
from .meetings import meeting_url
from .models import (
    Appointment,
    AppointmentStatus,
    ChatMessage,
    Client,
    CounsellorProfile,
    Engagement,
    EngagementMember,
    EngagementStatus,
    Notice,
    NoticeKind,
)
from .vocab import Format, Side

if TYPE_CHECKING:
    from brug.accounts.models import User


def chat_group(engagement_id: int) -> str:
    """The channel-layer group of one conversation (every socket on it)."""
    return f"chat.{engagement_id}"


# --- checking what was sent ----------------------------------------------------------------

# Control characters other than newline and tab are dropped: PostgreSQL refuses NUL in text and
# the others only ever hide or garble what the other side sees.
_KEEP = {"\n", "\t"}


def clean_text(text: Any) -> str:
    """The message as it will be stored. Raises ``InvalidInput`` (code ``invalid``, ``empty``
    or ``too_long``) with a sentence for the sender."""
    if not isinstance(text, str):
        raise InvalidInput(_("A message must be text."), code="invalid")
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    cleaned = "".join(c for c in lines if c in _KEEP or unicodedata.category(c) != "Cc").strip()
    if not cleaned:
        raise InvalidInput(_("Write something before sending."), code="empty")
    limit = settings.BRUG_CHAT_MAX_CHARS
    if len(cleaned) > limit:
        raise InvalidInput(
            _("This message is too long (%(count)d characters). Keep it to %(limit)d "
              "characters at most, or send it in parts.")
            % {"count": len(cleaned), "limit": limit}, code="too_long")
    return cleaned


def clean_ref(ref: Any) -> uuid.UUID:
    """The sender's reference for a message (a UUID it chose, so a resend lands once)."""
    if isinstance(ref, uuid.UUID):
        return ref
    if isinstance(ref, str):
        try:
            return uuid.UUID(ref)
        except ValueError:
            pass
    raise InvalidInput(_("This message could not be sent (it had no valid reference). Reload "
                         "the page and try again."), code="invalid")


# --- posting -----------------------------------------------------------------------------

def _refused_ended() -> Conflict:
    return Conflict(_("This counselling has ended: no new messages can be sent."),
                    code="ended")


def _sender_client(client: Client, engagement_id: int,
                   notify: bool = True) -> tuple[Engagement, list[int]]:
    """The engagement (the client's own, active) and the counsellors' user ids to notify:
    those on the team without an unread message notice for this conversation. One query when
    nobody needs a notice (the usual case in a lively conversation), two otherwise; without
    ``notify`` one plain query."""
    if not notify:
        found = Engagement.objects.filter(pk=engagement_id, client=client).first()
        if found is None:
            raise NotFound(_("This conversation does not exist or is not yours."))
        if found.status != EngagementStatus.ACTIVE:
            raise _refused_ended()
        found.client = client
        return found, []
    url = reverse("counselling:conversation", args=[engagement_id])
    unread = Notice.objects.filter(user_id=OuterRef("counsellor__user_id"),
                                   kind=NoticeKind.MESSAGE, read_at__isnull=True, url=url)
    waiting = EngagementMember.objects.filter(engagement_id=engagement_id,
                                              left_at__isnull=True).filter(~Exists(unread))
    engagement = (Engagement.objects.filter(pk=engagement_id, client=client)
                  .annotate(someone_to_notify=Exists(waiting.filter(
                      engagement_id=OuterRef("pk")))).first())
    if engagement is None:
        raise NotFound(_("This conversation does not exist or is not yours."))
    if engagement.status != EngagementStatus.ACTIVE:
        raise _refused_ended()
    engagement.client = client
    to_notify: list[int] = []
    if engagement.someone_to_notify:
        to_notify = list(waiting.values_list("counsellor__user_id", flat=True))
    return engagement, to_notify


def _sender_counsellor(actor: User, engagement_id: int,
                       notify: bool = True) -> tuple[EngagementMember, bool]:
    """The actor's active membership (with engagement, client and profile) and whether the
    client needs a notice (never without ``notify``). Membership is checked on every post: a
    counsellor who left the team, or whose engagement ended, while connected is refused from
    the next message on."""
    require_capability(actor, Cap.COUNSEL, _("Only counsellors write in conversations."))
    members = (EngagementMember.objects
               .select_related("engagement", "engagement__client", "counsellor")
               .filter(engagement_id=engagement_id, counsellor__user=actor,
                       left_at__isnull=True))
    if notify:
        url = reverse("portal:conversation", args=[engagement_id])
        unread = Notice.objects.filter(client_id=OuterRef("engagement__client_id"),
                                       kind=NoticeKind.MESSAGE, read_at__isnull=True, url=url)
        members = members.annotate(client_has_unread=Exists(unread))
    member = members.first()
    if member is None:
        raise NotFound(_("You are no longer on this client's team, so you cannot write in "
                         "this conversation."), code="not_on_team")
    if member.engagement.status != EngagementStatus.ACTIVE:
        raise _refused_ended()
    return member, notify and not getattr(member, "client_has_unread", True)


def chat_post(*, engagement_id: int, text: Any, ref: Any, client: Client | None = None,
              actor: User | None = None, notify: bool = True) -> tuple[ChatMessage, bool]:
    """Stores one message from ``client`` or from the counsellor ``actor`` (exactly one).

    Returns ``(message, created)``: ``created`` is False when this ref was stored before for
    this engagement by the same sender (a resend after a lost connection); nothing is stored
    twice. Raises ``InvalidInput`` (bad text or ref, or a ref another sender used),
    ``NotAllowed`` (a staff member without the counsellor role), ``NotFound`` (not the
    sender's conversation, or no longer on its team) and ``Conflict``
    (the engagement ended). Broadcasting is the caller's job, after this returns (committed).
    ``notify=False`` skips looking for an unread notice of the reader (a socket asks at most
    every ``RECHECK_SECONDS``: one notice tells the reader there is news, more add nothing).
    """
    if (client is None) == (actor is None):
        raise ValueError("chat_post needs exactly one of client and actor")
    body = clean_text(text)
    client_ref = clean_ref(ref)
    try:
        with transaction.atomic():
            if client is not None:
                engagement, to_notify = _sender_client(client, engagement_id, notify)
                message = ChatMessage(engagement=engagement, sender=Side.CLIENT, body=body,
                                      client_ref=client_ref)
                message.save(force_insert=True)
                if to_notify:
                    url = reverse("counselling:conversation", args=[engagement_id])
                    Notice.objects.bulk_create([
                        Notice(user_id=user_id, kind=NoticeKind.MESSAGE, url=url,
                               engagement_id=engagement_id,
                               params={"name": client.nickname, "engagement": engagement_id})
                        for user_id in to_notify])
            else:
                assert actor is not None
                member, notify_client = _sender_counsellor(actor, engagement_id, notify)
                message = ChatMessage(engagement=member.engagement, sender=Side.COUNSELLOR,
                                      sender_counsellor=member.counsellor, body=body,
                                      client_ref=client_ref)
                message.save(force_insert=True)
                if notify_client:
                    Notice.objects.create(
                        client_id=member.engagement.client_id, kind=NoticeKind.MESSAGE,
                        engagement_id=engagement_id,
                        url=reverse("portal:conversation", args=[engagement_id]),
                        params={"name": member.counsellor.display_name,
                                "engagement": engagement_id})
    except IntegrityError:
        # chat_message_once: this ref is stored already (a resend, or two sockets racing).
        stored = (ChatMessage.objects.select_related("sender_counsellor", "engagement__client")
                  .filter(engagement_id=engagement_id, client_ref=client_ref).first())
        if stored is None:
            raise
        same_sender = (stored.sender == Side.CLIENT and client is not None) or (
            stored.sender == Side.COUNSELLOR and actor is not None
            and stored.sender_counsellor is not None
            and stored.sender_counsellor.user_id == actor.pk)
        if not same_sender:
            raise InvalidInput(_("This message could not be sent (its reference was already "
                                 "used). Reload the page and try again."),
                               code="invalid") from None
        return stored, False
    return message, True


def chat_post_and_announce(*, engagement_id: int, text: Any, ref: Any,
                           client: Client | None = None,
                           actor: User | None = None) -> tuple[ChatMessage, bool]:
    """``chat_post`` for the pages without JavaScript: also sends a new message to every
    socket on the conversation once it is committed."""
    message, created = chat_post(engagement_id=engagement_id, text=text, ref=ref,
                                 client=client, actor=actor)
    if created:
        payload = message_payload(message)
        transaction.on_commit(lambda: chat_broadcast(engagement_id, payload))
    return message, created


def _group_send(engagement_ids: list[int], event: dict[str, Any]) -> None:
    """Sends ``event`` to every socket on these conversations, from sync code."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is not None:
        for engagement_id in engagement_ids:
            async_to_sync(layer.group_send)(chat_group(engagement_id), event)


def chat_broadcast(engagement_id: int, payload: dict[str, Any]) -> None:
    """Sends one stored message to every socket on the conversation (from sync code)."""
    _group_send([engagement_id], {"type": "chat.message", "message": payload})


def chat_revoke(engagement_id: int, *, user_id: int | None = None) -> None:
    """Closes open sockets on a conversation once the current transaction commits: the
    counsellor ``user_id`` left the team, or (``user_id`` None) the engagement ended.

    For the services that end engagements or change teams; sockets also re-check membership
    on every post and every ``RECHECK_SECONDS`` while receiving (``consumers``).
    """
    transaction.on_commit(lambda: _group_send([engagement_id],
                                              {"type": "chat.revoke", "user": user_id}))


def chat_recheck_client(client_id: int) -> None:
    """Makes every open socket on the client's conversations check its session at once (after
    the current transaction commits): for sign-out, quick exit and a passphrase change, so a
    socket of an ended session stops at once instead of at its next re-check."""
    engagement_ids = list(Engagement.objects.filter(client_id=client_id)
                          .values_list("pk", flat=True))
    transaction.on_commit(lambda: _group_send(engagement_ids, {"type": "chat.recheck"}))


# --- reading -----------------------------------------------------------------------------

def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def message_name(message: ChatMessage) -> str:
    """Who wrote it, as the conversation shows it: the counsellor's display name or the
    client's nickname. Precondition: ``sender_counsellor`` and ``engagement.client`` loaded."""
    if message.sender == Side.COUNSELLOR:
        counsellor = message.sender_counsellor
        return counsellor.display_name if counsellor is not None else _("Counsellor")
    if message.sender == Side.CLIENT:
        return message.engagement.client.nickname
    return "Brug"


def message_payload(message: ChatMessage) -> dict[str, Any]:
    """A message as the WebSocket protocol sends it (see ``consumers``)."""
    return {"type": "message", "id": message.pk, "ref": str(message.client_ref),
            "sender": message.sender, "name": message_name(message), "text": message.body,
            "at": _iso(message.created_at)}


def chat_history(engagement: Engagement, limit: int | None = None) -> list[ChatMessage]:
    """The last ``limit`` (default ``BRUG_CHAT_HISTORY``) messages, oldest first.

    Precondition: the caller has access to ``engagement`` (an ``access_*`` getter).
    """
    limit = settings.BRUG_CHAT_HISTORY if limit is None else limit
    newest = list(ChatMessage.objects.filter(engagement=engagement)
                  .select_related("sender_counsellor").order_by("-created_at", "-id")[:limit])
    for message in newest:
        message.engagement = engagement  # its client is loaded once, by the access getter
    newest.reverse()
    return newest


def messages_mark_read(*, engagement_id: int, client: Client | None = None,
                       user: User | None = None) -> int:
    """Marks the reader's unread message notices of this conversation read (they opened it)."""
    if client is not None:
        url = reverse("portal:conversation", args=[engagement_id])
        notices = Notice.objects.filter(client=client)
    else:
        url = reverse("counselling:conversation", args=[engagement_id])
        notices = Notice.objects.filter(user=user)
    return notices.filter(kind=NoticeKind.MESSAGE, url=url, read_at__isnull=True).update(
        read_at=timezone.now())


# --- staff opening a conversation (audited) ---------------------------------------------

def conversation_open(*, actor: User, engagement_id: int, via: str) -> Engagement:
    """The engagement for a counsellor on its team, audited as a view of the client's
    conversation (``via``: "page" or "socket"). Raises like ``access_engagement``."""
    with transaction.atomic():
        engagement = access_engagement(actor=actor, engagement_id=engagement_id)
        audit_record(actor=actor,
                     action=("counselling.conversation_open" if via == "socket"
                             else "counselling.conversation_view"),
                     obj=engagement, details={"via": via, "client": engagement.client_id})
    return engagement


# --- the next session, shown above the conversation --------------------------------------

@dataclass(frozen=True)
class NextSession:
    appointment: Appointment
    meeting_url: str      # voice and video, when the installation has a meeting service
    place: str            # in person

    @property
    def is_chat(self) -> bool:
        return self.appointment.format == Format.CHAT


def next_session(engagement: Engagement) -> NextSession | None:
    """The next booked session of the engagement that has not ended yet, if any."""
    appointment = (Appointment.objects.select_related("counsellor")
                   .filter(engagement=engagement, status=AppointmentStatus.BOOKED,
                           ends_at__gt=timezone.now()).order_by("starts_at", "id").first())
    if appointment is None:
        return None
    in_person = appointment.format == Format.IN_PERSON
    return NextSession(appointment=appointment, meeting_url=meeting_url(appointment),
                       place=(appointment.place or appointment.counsellor.place)
                       if in_person else "")


def team_names(engagement: Engagement) -> list[str]:
    """Display names of the counsellors on the team now, the lead first."""
    return list(CounsellorProfile.objects.filter(
        memberships__engagement=engagement, memberships__left_at__isnull=True)
        .order_by("-memberships__lead", "memberships__joined_at")
        .values_list("display_name", flat=True))
