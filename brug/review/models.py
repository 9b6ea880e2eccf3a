"""A reviewer's labels and decision on a signal, with the written reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from brug.signals.models import Signal


class Label(models.TextChoices):
    GENUINE_GRIEVANCE = "genuine_grievance", _("Genuine grievance")
    TROLLING = "trolling", _("Trolling")
    HATE_SPEECH = "hate_speech", _("Hate speech")
    EXTREMIST_NARRATIVE = "extremist_narrative", _("Extremist narrative")
    VIOLENT_INTENT = "violent_intent", _("Violent intent")
    COUNTER_SPEECH = "counter_speech", _("Counter speech")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


class Outcome(models.TextChoices):
    DISMISS = "dismiss", _("Dismiss")
    MONITOR = "monitor", _("Monitor (re-check on a date)")
    OUTREACH = "outreach", _("Offer outreach")
    REFER = "refer", _("Refer to a partner (opens a case)")
    URGENT = "urgent", _("Urgent (needs a second reviewer)")


class Decision(models.Model):
    """One human decision. A signal may collect several (a monitored one is re-checked)."""

    signal = models.ForeignKey(Signal, on_delete=models.CASCADE, related_name="decisions")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="decisions")
    labels = models.JSONField(default=list)
    outcome = models.CharField(_("decision"), max_length=16, choices=Outcome.choices)
    reason = models.TextField(_("reason"))
    recheck_on = models.DateField(_("re-check on"), null=True, blank=True)
    legal_ground = models.TextField(_("legal ground"), blank=True)
    # Urgent track (four eyes): a different reviewer confirms or rejects.
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="confirmations")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_reason = models.TextField(blank=True)
    confirmed = models.BooleanField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.outcome} on signal {self.signal_id}"
