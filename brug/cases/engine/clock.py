"""The engine's clock: always timezone-aware UTC.

SpiffWorkflow's timers read ``datetime.now(timezone.utc)`` themselves; this module reads the
same clock so that Brug's own timer bookkeeping (``next_timer_at``) agrees with the engine's.
Tests and the demo move both together with ``time_machine``.
"""

from __future__ import annotations

import datetime


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
