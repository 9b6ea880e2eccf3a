"""What the retention job leaves behind: counts, never content."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from brug.sources.models import Source


class PurgeRun(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    source = models.ForeignKey(Source, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    source_name = models.CharField(max_length=200)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    messages_deleted = models.PositiveIntegerField(default=0)
    signals_deleted = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at"]
