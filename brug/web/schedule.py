"""Periodic jobs that `brug worker` puts on the queue, and the claim that keeps them on time.

Each job is a ``django.tasks`` task named by its dotted path and imported only when due, so a
task another part of Brug has not written yet (or that fails to import) is logged and skipped,
never fatal. Several worker processes and restarts share the ``PeriodicJobState`` table: the
process whose compare-and-set on ``last_enqueued_at`` succeeds enqueues; the others do not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import PeriodicJobState

logger = logging.getLogger("brug.worker")

HOUR = 60 * 60


@dataclass(frozen=True)
class PeriodicJob:
    path: str  # dotted path of a django.tasks task taking no arguments
    every: int  # seconds between two enqueues

    def load(self) -> Task[Any, Any] | None:
        """The task, or None (logged) when it cannot be imported or is not a task."""
        try:
            obj = import_string(self.path)
        except ImportError as exc:
            logger.warning("periodic job %s is not available: %s", self.path, exc)
            return None
        except Exception:  # a broken module must not stop the scheduler
            logger.exception("periodic job %s failed to import", self.path)
            return None
        if not isinstance(obj, Task):
            logger.error("periodic job %s is not a task (decorate it with @task)", self.path)
            return None
        return obj


def periodic_jobs() -> list[PeriodicJob]:
    """The schedule. Read at every tick, so settings changes (and tests) take effect."""
    return [
        PeriodicJob("brug.sources.tasks.feeds_poll_due", settings.BRUG_FEED_POLL_SECONDS),
        PeriodicJob("brug.privacy.tasks.retention_purge_job", settings.BRUG_PURGE_SECONDS),
        PeriodicJob("brug.signals.tasks.monitoring_recheck_due", HOUR),
        PeriodicJob("brug.cases.tasks.process_timers_due", settings.BRUG_TIMER_SWEEP_SECONDS),
        PeriodicJob("brug.counselling.tasks.appointment_reminders_due",
                    settings.BRUG_REMINDER_SWEEP_SECONDS),
    ]


def claim(job: PeriodicJob, now: datetime) -> bool:
    """Atomically marks ``job`` as enqueued at ``now`` if its period has passed.

    One UPDATE with the period in its WHERE clause: of several processes racing, exactly one
    sees a changed row (PostgreSQL re-checks the condition after the row lock; SQLite
    serialises writers). Call inside the transaction that also enqueues the job.
    """
    PeriodicJobState.objects.get_or_create(path=job.path)
    due = Q(last_enqueued_at__isnull=True) | Q(last_enqueued_at__lte=now - timedelta(
        seconds=job.every))
    return PeriodicJobState.objects.filter(due, path=job.path).update(
        last_enqueued_at=now) == 1


def _still_queued(task: Task[Any, Any]) -> bool:
    """A previous run is still waiting on the queue (busy workers): do not pile up another."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(task_path=task.module_path).exists()


def enqueue_due(now: datetime | None = None) -> list[str]:
    """Enqueues every periodic job whose period has passed; returns the paths enqueued.

    A job that cannot be loaded or enqueued is logged and skipped; the others go on.
    """
    now = now or timezone.now()
    enqueued = []
    for job in periodic_jobs():
        task = job.load()
        if task is None:
            continue
        try:
            with transaction.atomic():
                if _still_queued(task) or not claim(job, now):
                    continue
                task.enqueue()
        except Exception:
            logger.exception("could not enqueue periodic job %s", job.path)
            continue
        logger.info("enqueued periodic job %s", job.path)
        enqueued.append(job.path)
    return enqueued
