"""Background jobs for cases: the periodic BPMN timer sweep."""

from __future__ import annotations

from django.tasks import task


@task()
def process_timers_due() -> dict[str, int]:
    """Fire the BPMN timers that are due (reminders, escalations, waits)."""
    from .workflow import timers_sweep

    result = timers_sweep()
    return {"due": result.due, "advanced": result.advanced, "failed": result.failed}
