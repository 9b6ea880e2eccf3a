"""Permission matrix lines of counselling part B: choosing, booking, schedule, calendar feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from brug.accounts.roles import Cap, Role
from brug.counselling.ical import ical_token_renew
from brug.counselling.models import Appointment

from ..counselling.factories import make_slot
from .matrix import CLIENT, PUBLIC, Page

TEAM_ONLY = frozenset({Role.COUNSELLOR})  # the matrix's counsellor is not on the team: 404


def extra_objects(objs: dict[str, Any]) -> dict[str, Any]:
    """A booked session of the matrix client (a free time a week ahead) and a feed token."""
    profile = objs["profile"]
    slot = make_slot(profile, (timezone.now() + timedelta(days=7)).replace(
        minute=0, second=0, microsecond=0))
    appointment = Appointment.objects.create(
        engagement=objs["engagement"], counsellor=profile, slot=slot,
        starts_at=slot.starts_at, ends_at=slot.ends_at, format="chat", booked_by="client")
    return {"booking_appointment": appointment,
            "ical_token": ical_token_renew(actor=profile.user)}


def _appointment(objs: dict[str, Any]) -> dict[str, Any]:
    return {"appointment_id": objs["booking_appointment"].pk}


PAGES = [
    Page("portal:counsellors", "get", CLIENT),
    Page("portal:counsellor", "get", CLIENT,
         lambda o: {"counsellor_id": o["profile"].pk}),
    Page("portal:suggest", "get", CLIENT),
    # The matrix client already counsels with this counsellor: choosing returns that one.
    Page("portal:choose", "post", CLIENT, data=lambda o: {"counsellor_id": o["profile"].pk}),
    Page("portal:book", "get", CLIENT, lambda o: {"engagement_id": o["engagement"].pk},
         org_object=True),
    Page("portal:appointment", "get", CLIENT, _appointment, org_object=True),
    Page("portal:reschedule", "get", CLIENT, _appointment, org_object=True),
    # Last of the client pages: it cancels the session the others show.
    Page("portal:cancel", "post", CLIENT, _appointment, org_object=True),
    Page("counselling:slots", "get", Cap.COUNSEL),
    Page("counselling:slot_remove", "post", Cap.COUNSEL,
         lambda o: {"slot_id": o["slot"].pk}, hidden_from=TEAM_ONLY),
    Page("counselling:appointments", "get", Cap.COUNSEL),
    Page("counselling:appointment_reschedule", "get", Cap.COUNSEL, _appointment,
         hidden_from=TEAM_ONLY),
    Page("counselling:appointment_cancel", "post", Cap.COUNSEL, _appointment,
         hidden_from=TEAM_ONLY),
    Page("counselling:appointment_mark", "post", Cap.COUNSEL, _appointment,
         data=lambda o: {"status": "held"}, hidden_from=TEAM_ONLY),
    Page("counselling:ical_token", "post", Cap.COUNSEL),
    Page("counselling:ical", "get", PUBLIC, lambda o: {"token": o["ical_token"]}),
]
