"""Client sign-in state, kept apart from staff accounts.

A client is not a Django ``User``: the session holds the client's id and a keyed hash of the
passphrase hash (like Django's session auth hash), so deleting the account or changing the
passphrase ends every open session. Staff checks for WebSockets live here as well, because a
consumer has no middleware to run the second-factor check.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import Client

SESSION_CLIENT = "brug_client_id"
SESSION_HASH = "brug_client_hash"
SEEN_EVERY = timedelta(minutes=10)  # last_seen_at is written at most this often


def client_session_hash(client: Client) -> str:
    return salted_hmac("brug.counselling.client", client.passphrase,
                       algorithm="sha256").hexdigest()


def client_login(request: HttpRequest, client: Client) -> None:
    """Starts a fresh session for ``client`` (a new session key: no fixation). The cookie ends
    with the browser (expiry 0): on a shared or watched device, closing the browser signs the
    client out; the server side still expires after ``SESSION_COOKIE_AGE``."""
    request.session.flush()
    request.session[SESSION_CLIENT] = client.pk
    request.session[SESSION_HASH] = client_session_hash(client)
    request.session.set_expiry(0)


def client_logout(request: HttpRequest) -> None:
    """Ends the session; the client's open chat sockets check theirs at once and close."""
    from .services_chat import chat_recheck_client

    client_id = request.session.get(SESSION_CLIENT)
    request.session.flush()
    if client_id:
        chat_recheck_client(int(client_id))


def client_from_session(session: Any) -> Client | None:
    """The signed-in client of a session (a request's or a WebSocket scope's), or None.

    Also refreshes ``last_seen_at`` (at most every ``SEEN_EVERY``): inactive accounts expire.
    """
    client_id = session.get(SESSION_CLIENT)
    if not client_id:
        return None
    client = Client.objects.select_related("pool").filter(pk=client_id).first()
    if client is None or not hmac.compare_digest(str(session.get(SESSION_HASH, "")),
                                                 client_session_hash(client)):
        return None
    now = timezone.now()
    if now - client.last_seen_at > SEEN_EVERY:
        Client.objects.filter(pk=client.pk).update(last_seen_at=now)
        client.last_seen_at = now
    return client


def request_client(request: HttpRequest) -> Client:
    """The signed-in client of a request. Precondition: the view is behind ``client_required``."""
    client = getattr(request, "client", None)
    assert isinstance(client, Client)
    return client


def client_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Portal views for signed-in clients; others go to the portal's sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client = client_from_session(request.session)
        if client is None:
            target = reverse("portal:signin")
            if request.method == "GET":
                target = f"{target}?{urlencode({'next': request.get_full_path()})}"
            return HttpResponseRedirect(target)
        request.client = client  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def staff_from_scope(scope: dict[str, Any]) -> Any:
    """The signed-in, second-factor-verified staff member of a WebSocket scope, or None.

    Mirrors ``RequireTwoFactorMiddleware``: with ``BRUG_REQUIRE_2FA`` on, the session must name
    a confirmed device of this user (django-otp's ``otp_device_id``). Call from a thread (ORM).
    """
    from django_otp.models import Device

    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if not settings.BRUG_REQUIRE_2FA:
        return user
    persistent_id = scope["session"].get("otp_device_id")
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    if device is None or device.user_id != user.pk or not device.confirmed:
        return None
    return user
