"""The counsellor's side of a conversation: the page (history, the next session, a form) and
sending without JavaScript. ``chat.js`` upgrades the page to the WebSocket (``consumers``).

Opening the page is audited (a view of the client's conversation); only counsellors on the
engagement's team now see it, anyone else gets 404 (``access.access_engagement``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from brug.accounts.access import request_actor, require_capability
from brug.accounts.roles import Cap
from brug.errors import BrugError, InvalidInput

from . import ratelimit
from .consumers import FLOOD_MESSAGES, FLOOD_SECONDS
from .models import Engagement, EngagementStatus
from .services_chat import (
    chat_history,
    chat_post_and_announce,
    conversation_open,
    message_name,
    messages_mark_read,
    next_session,
    team_names,
)


class _MessageField(forms.CharField):
    def to_python(self, value: Any) -> str:
        # A browser counts a new line as one character against ``maxlength`` but sends it as
        # CRLF: count it once, as the service does.
        return str(super().to_python(value)).replace("\r\n", "\n")


class ChatForm(forms.Form):
    """One message; ``ref`` is fresh on every page, so sending the form twice stores once."""

    ref = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built here, not on the class: ``max_length`` sets the field's validator when the
        # field is made, and the limit is read from the settings of the moment.
        self.fields = {"text": _MessageField(
            label=_lazy("Your message"), max_length=settings.BRUG_CHAT_MAX_CHARS,
            error_messages={"max_length": _lazy(
                "This message is too long (%(show_value)d characters). Keep it to "
                "%(limit_value)d characters at most, or send it in parts.")},
            widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off",
                                         "data-chat-input": ""})), **self.fields}
        if not self.is_bound:
            self.initial["ref"] = uuid.uuid4()


def chat_form_error(form: ChatForm, error: BrugError) -> None:
    """A service refusal next to the text (a bad ref is a stale page, sending too fast is about
    the whole form: on top)."""
    form.add_error("text" if error.code in ("empty", "too_long") else None, error.message)


def chat_send_check(key: str) -> None:
    """Raises ``SlowDown`` past the socket's flood limit (``FLOOD_MESSAGES`` in
    ``FLOOD_SECONDS``) for the sender ``key``: sending without JavaScript is no way around it."""
    ratelimit.check(f"chat.send:{key}", FLOOD_MESSAGES, int(FLOOD_SECONDS),
                    _("You are sending very fast. Wait a few seconds, then send again."))


def conversation_context(engagement: Engagement, form: ChatForm, *, me: str,
                         send_url: str) -> dict[str, Any]:
    """What both conversation pages show. ``me``: "client" or "counsellor" (which side's
    messages are the reader's own). Precondition: access was checked."""
    messages = [{"id": m.pk, "ref": str(m.client_ref), "sender": m.sender,
                 "name": message_name(m), "text": m.body, "at": m.created_at}
                for m in chat_history(engagement)]
    return {"engagement": engagement, "messages": messages, "form": form, "me": me,
            "ended": engagement.status != EngagementStatus.ACTIVE,
            "next": next_session(engagement), "team": team_names(engagement),
            "ws_path": f"/ws/chat/{engagement.pk}/", "send_url": send_url,
            "max_chars": settings.BRUG_CHAT_MAX_CHARS}


def _page(request: HttpRequest, engagement: Engagement, form: ChatForm,
          status: int = 200) -> HttpResponse:
    context = conversation_context(
        engagement, form, me="counsellor",
        send_url=reverse("counselling:conversation_send", args=[engagement.pk]))
    context["nav"] = "counselling"
    return render(request, "counselling/conversation.html", context, status=status)


@never_cache
@login_required
@require_GET
def conversation(request: HttpRequest, engagement_id: int) -> HttpResponse:
    actor = request_actor(request)
    engagement = conversation_open(actor=actor, engagement_id=engagement_id, via="page")
    messages_mark_read(engagement_id=engagement.pk, user=actor)
    return _page(request, engagement, ChatForm())


@never_cache
@login_required
@require_POST
def conversation_send(request: HttpRequest, engagement_id: int) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.COUNSEL)
    form = ChatForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            chat_send_check(f"staff:{actor.pk}")
            chat_post_and_announce(engagement_id=engagement_id, actor=actor,
                                   text=form.cleaned_data["text"],
                                   ref=form.cleaned_data["ref"])
        except (InvalidInput, ratelimit.SlowDown) as error:
            chat_form_error(form, error)
            status = error.status
        else:
            return redirect(reverse("counselling:conversation", args=[engagement_id])
                            + "#chat-form")
    engagement = conversation_open(actor=actor, engagement_id=engagement_id, via="page")
    return _page(request, engagement, form, status=status)
