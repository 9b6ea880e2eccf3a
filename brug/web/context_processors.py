from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from brug.accounts.roles import Cap


def brug(request: HttpRequest) -> dict[str, Any]:
    """Capabilities for navigation (``can.queue_view`` etc.) and the worker-care counters."""
    user = getattr(request, "user", None)
    can = {}
    if user is not None and user.is_authenticated:
        can = {name.lower(): user.can(value) for name, value in vars(Cap).items()
               if name.isupper()}
    session = getattr(request, "session", None)
    return {
        "can": can,
        "exposure_count": session.get("brug_exposure", 0) if session is not None else 0,
    }
