"""What the web app keeps itself: when each periodic job was last put on the queue."""

from __future__ import annotations

from django.db import models


class PeriodicJobState(models.Model):
    """One row per periodic job (its task's dotted path).

    ``brug worker`` processes share this table: a job is enqueued only by the process whose
    compare-and-set on ``last_enqueued_at`` succeeds, so restarts and several workers do not
    run a job more often than its period.
    """

    path = models.CharField(max_length=200, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.path
