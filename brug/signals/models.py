"""A signal: one message the detector flagged, waiting for (or carrying) a human decision.

Signals belong to messages, never to people: there is no per-author score anywhere.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from brug.accounts.models import Organisation
from brug.sources.models import Message, Source

# Review order: the most serious category first. Modifiers never create a signal on their own.
FLAG_CATEGORIES = ["violent_intent", "hate_speech", "extremist_narrative", "alienation"]
PRIORITY = {name: rank for rank, name in enumerate(FLAG_CATEGORIES)}


def most_serious(flags: list[str]) -> str | None:
    """The flag that decides a signal's place in the queue (``None``: no flag makes a signal;
    modifiers such as counter speech never do)."""
    flagged = [c for c in flags if c in PRIORITY]
    return min(flagged, key=PRIORITY.__getitem__) if flagged else None


class Category(models.TextChoices):
    VIOLENT_INTENT = "violent_intent", _("Violent intent")
    HATE_SPEECH = "hate_speech", _("Hate speech")
    EXTREMIST_NARRATIVE = "extremist_narrative", _("Extremist narrative")
    ALIENATION = "alienation", _("Alienation")


class SignalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MONITORING = "monitoring", _("Monitoring")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Urgent: awaiting second reviewer")
    DECIDED = "decided", _("Decided")


class Signal(models.Model):
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="signal")
    # Copied from the message for scoping and queue filters without joins.
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE,
                                     related_name="signals")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="signals")
    lang = models.CharField(max_length=8, blank=True)
    priority = models.PositiveSmallIntegerField(db_index=True)
    top_category = models.CharField(max_length=32, choices=Category.choices)
    flags = models.JSONField(default=list)
    scores = models.JSONField(default=dict)
    evidence = models.JSONField(default=list)
    modifiers = models.JSONField(default=list, blank=True)
    # What produced it: model name and version, component versions, config hash.
    model_name = models.CharField(max_length=100)
    model_version = models.CharField(max_length=32)
    components = models.JSONField(default=dict)
    config_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=24, choices=SignalStatus.choices,
                              default=SignalStatus.OPEN)
    recheck_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "status", "priority", "created_at"],
                         name="signal_queue_idx"),
            # Queue filters on language or source keep the queue's order in the index, so a
            # rare language does not walk every open signal (benchmarks/README.md).
            models.Index(fields=["organisation", "status", "lang", "priority", "created_at"],
                         name="signal_queue_lang_idx"),
            models.Index(fields=["organisation", "status", "source", "priority", "created_at"],
                         name="signal_queue_source_idx"),
        ]

    def __str__(self) -> str:
        return f"signal {self.pk} ({self.top_category})"


class SignalFlag(models.Model):
    """One flagged category of a signal, so the queue can filter on any of them by index."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="flag_rows")
    category = models.CharField(max_length=32, choices=Category.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["signal", "category"],
                                               name="signal_flag_unique")]
        indexes = [models.Index(fields=["category", "signal"])]
