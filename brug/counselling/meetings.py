"""Voice and video sessions happen on an outside meeting service (``BRUG_MEETING_URL``, e.g. a
self-hosted Jitsi); Brug only names an unguessable room per appointment.

Without the setting there is no voice or video: ``vocab.MEETING_FORMATS`` are then not offered.
"""

from __future__ import annotations

import secrets

from django.conf import settings

from .models import Appointment
from .vocab import MEETING_FORMATS

ROOM_PREFIX = "brug-"


def new_room() -> str:
    """A fresh room name: 16 random bytes, so nobody can guess another session's room."""
    return ROOM_PREFIX + secrets.token_urlsafe(16)


def needs_room(format: str) -> bool:
    return format in MEETING_FORMATS


def meeting_url(appointment: Appointment) -> str:
    """The link to the appointment's room, or "" (no room, or no meeting service set)."""
    base = settings.BRUG_MEETING_URL
    if not base or not appointment.meeting_room:
        return ""
    return f"{base.rstrip('/')}/{appointment.meeting_room}"
