from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    """The quick-exit target, for the portal's base template."""
    return {"quick_exit_url": settings.BRUG_QUICK_EXIT_URL}
