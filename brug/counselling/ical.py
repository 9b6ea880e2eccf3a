"""A counsellor's sessions as an iCalendar feed, for their own calendar app.

Calendar apps cannot sign in, so the feed's address carries a secret token; only its SHA-256 is
stored (``CounsellorProfile.ical_token_hash``) and the token is shown once when made. Calendars
sync to third-party clouds, so an event holds no client data at all: no nickname, no engagement,
no meeting link; only "Brug session (chat)", the time, the counsellor's own place for in-person
sessions and a link back into Brug.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from icalendar import Calendar, Event

from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import NotFound

from .access import counsellor_profile_of
from .models import Appointment, AppointmentStatus, CounsellorProfile
from .vocab import Format

if TYPE_CHECKING:
    from brug.accounts.models import User

PAST_DAYS = 30
MAX_EVENTS = 1000
TOKEN_MAX_CHARS = 100
FORMAT_WORDS: dict[str, Promise] = {
    Format.CHAT: _lazy("chat"),
    Format.VOICE: _lazy("voice call"),
    Format.VIDEO: _lazy("video call"),
    Format.IN_PERSON: _lazy("in person"),
}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def ical_token_renew(*, actor: User) -> str:
    """A new feed token for the actor's profile; the previous address stops working.

    Returns the token: the only time it exists in clear, so show it at once.
    """
    profile = counsellor_profile_of(actor)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CounsellorProfile.objects.filter(pk=profile.pk).update(ical_token_hash=_digest(token))
        audit_record(actor=actor, action="counselling.ical_token", obj=profile,
                     details={"renewed": True})
    return token


def profile_for_token(token: str) -> CounsellorProfile:
    """The profile whose feed ``token`` opens; 404 for any other (or a counsellor who left)."""
    if not token or len(token) > TOKEN_MAX_CHARS:
        raise NotFound(_("There is no such calendar."))
    profile = (CounsellorProfile.objects.select_related("user")
               .filter(ical_token_hash=_digest(token)).first())
    if profile is None or not profile.user.is_active or not profile.user.can(Cap.COUNSEL):
        raise NotFound(_("There is no such calendar."))
    return profile


def feed_appointments(profile: CounsellorProfile) -> QuerySet[Appointment]:
    """Sessions on the profile's engagements from ``PAST_DAYS`` ago on, cancelled included."""
    since = timezone.now() - timedelta(days=PAST_DAYS)
    ids = Appointment.objects.filter(
        engagement__members__counsellor=profile, engagement__members__left_at__isnull=True,
        starts_at__gte=since).values("pk")
    return Appointment.objects.filter(pk__in=ids).order_by("starts_at", "id")[:MAX_EVENTS]


def feed(profile: CounsellorProfile, *, link: str) -> bytes:
    """The iCalendar document. ``link``: the absolute address of the appointments page."""
    calendar = Calendar()
    calendar.add("prodid", "-//Brug//Counselling sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Brug sessions"))
    stamp = timezone.now().astimezone(UTC)
    for appointment in feed_appointments(profile):
        event = Event()
        # Stable per appointment, so an update (a cancellation) replaces the same event.
        event.add("uid", f"brug-appointment-{appointment.pk}@brug")
        event.add("dtstamp", stamp)
        event.add("dtstart", appointment.starts_at.astimezone(UTC))
        event.add("dtend", appointment.ends_at.astimezone(UTC))
        words = FORMAT_WORDS.get(appointment.format, appointment.format)
        event.add("summary", _("Brug session (%(format)s)") % {"format": words})
        cancelled = appointment.status == AppointmentStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("sequence", 1 if cancelled else 0)
        event.add("url", link)
        if appointment.format == Format.IN_PERSON and appointment.place:
            event.add("location", appointment.place)  # the counsellor's own place
        calendar.add_component(event)
    return bytes(calendar.to_ical())
