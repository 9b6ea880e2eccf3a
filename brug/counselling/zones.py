"""The time zones times are entered and read in: the site's, and a counsellor's."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils.translation import gettext as _

from brug.errors import InvalidInput

if TYPE_CHECKING:
    from .models import CounsellorProfile


def site_zone() -> ZoneInfo:
    """The service's time zone (``settings.TIME_ZONE``): clients read times in it."""
    return ZoneInfo(settings.TIME_ZONE)


def counsellor_zone(profile: CounsellorProfile | None, *, strict: bool = False) -> ZoneInfo:
    """The zone a counsellor enters and reads times in: their profile's, else the site's.

    A profile naming an unknown zone falls back to the site's too, unless ``strict``: then it
    is refused (``InvalidInput`` on ``time_zone``), for writes that must not guess the zone.
    """
    if profile is None:
        return site_zone()
    try:
        return ZoneInfo(profile.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        if strict:
            raise InvalidInput(_("Your profile's time zone is not known. Correct it in your "
                                 "profile first."), field="time_zone") from None
        return site_zone()
