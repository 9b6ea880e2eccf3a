from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .viewhelpers import portal_url


def portal(request: HttpRequest) -> dict[str, Any]:
    """The quick-exit target and the emergency page, for the portal's base template.

    Runs for every page (staff ones too), so it does no query. ``emergency_url`` is "" while
    the emergency page is not installed: the link is then left out, never broken.
    """
    return {"quick_exit_url": settings.BRUG_QUICK_EXIT_URL,
            "emergency_url": portal_url("emergency")}
