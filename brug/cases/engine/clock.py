"""The engine's clock: always timezone-aware UTC.

SpiffWorkflow's timers read ``datetime.now(timezone.utc)`` themselves; this module reads the
same clock so that Brug's own timer bookkeeping (``next_timer_at``) agrees with the engine's.
Tests and the demo move both together with ``time_machine``.
"""

from __future__ import annotations

import datetime
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def local_zone() -> datetime.tzinfo:
    """The zone for dates a process file writes without offset: the server's (Django sets TZ
    from TIME_ZONE), with its daylight-saving rules; UTC when unknown."""
    try:
        return ZoneInfo(os.environ.get("TZ") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.UTC
