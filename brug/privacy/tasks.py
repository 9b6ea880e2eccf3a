"""Background jobs of the privacy app (run by `brug worker`; scheduled in brug/web/schedule.py)."""

from __future__ import annotations

from django.tasks import task

from .services import retention_purge


@task()
def retention_purge_job() -> dict[str, int]:
    """Runs the retention purge for every source; returns counts only (stored with the result)."""
    runs = retention_purge()
    return {"sources": len(runs),
            "messages_deleted": sum(run.messages_deleted for run in runs),
            "signals_deleted": sum(run.signals_deleted for run in runs)}
