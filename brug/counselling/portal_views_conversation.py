"""The client's side of a conversation: the page (history, the next session, a form) and
sending without JavaScript. ``chat.js`` upgrades the page to the WebSocket (``consumers``).

Only the client who owns the engagement sees it (404 for anyone else). Every view is
``never_cache``: after a quick exit, Back shows nothing of the conversation.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from brug.errors import InvalidInput

from .access import access_client_engagement
from .auth import client_required, request_client
from .models import Engagement
from .ratelimit import SlowDown
from .services_chat import chat_post_and_announce, messages_mark_read
from .views_conversation import ChatForm, chat_form_error, chat_send_check, conversation_context


def _page(request: HttpRequest, engagement: Engagement, form: ChatForm,
          status: int = 200) -> HttpResponse:
    return render(request, "counselling/portal/conversation.html",
                  conversation_context(
                      engagement, form, me="client",
                      send_url=reverse("portal:conversation_send", args=[engagement.pk])),
                  status=status)


@never_cache
@client_required
@require_GET
def conversation(request: HttpRequest, engagement_id: int) -> HttpResponse:
    client = request_client(request)
    engagement = access_client_engagement(client=client, engagement_id=engagement_id)
    messages_mark_read(engagement_id=engagement.pk, client=client)
    return _page(request, engagement, ChatForm())


@never_cache
@client_required
@require_POST
def conversation_send(request: HttpRequest, engagement_id: int) -> HttpResponse:
    client = request_client(request)
    form = ChatForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            chat_send_check(f"client:{client.pk}")
            chat_post_and_announce(engagement_id=engagement_id, client=client,
                                   text=form.cleaned_data["text"],
                                   ref=form.cleaned_data["ref"])
        except (InvalidInput, SlowDown) as error:
            chat_form_error(form, error)
            status = error.status
        else:
            return redirect(reverse("portal:conversation", args=[engagement_id])
                            + "#chat-form")
    engagement = access_client_engagement(client=client, engagement_id=engagement_id)
    return _page(request, engagement, form, status=status)
