"""Counsellors see times in their own time zone on the counselling pages.

Free times are entered in the counsellor's zone (``CounsellorProfile.time_zone``); every other
counselling page (workspace, a client's page, the conversation's next session, notices) must
show the same clock, or a counsellor in another zone reads two different times for one session.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

PREFIX = "/counselling/"


class CounsellorTimeZoneMiddleware:
    """Activates the signed-in counsellor's zone for ``/counselling/`` pages (one small query,
    only there). Precondition: after ``AuthenticationMiddleware``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = self._zone(request) if request.path.startswith(PREFIX) else None
        if zone is None:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)

    @staticmethod
    def _zone(request: HttpRequest) -> ZoneInfo | None:
        from .models import CounsellorProfile

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        name = (CounsellorProfile.objects.filter(user_id=user.pk)
                .values_list("time_zone", flat=True).first())
        try:
            return ZoneInfo(name) if name else None
        except (ZoneInfoNotFoundError, ValueError):
            return None
