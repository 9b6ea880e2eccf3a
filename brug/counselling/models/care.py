"""Care for the counsellors: check-ins, supervision and the exposure log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from brug.privacy.sealed import SealedTextField


class Feeling(models.TextChoices):
    GOOD = "good", _("Good")
    OKAY = "okay", _("Okay")
    STRAINED = "strained", _("Strained")
    OVERWHELMED = "overwhelmed", _("Overwhelmed")


class WellbeingCheckin(models.Model):
    """How a counsellor is doing. The supervisor sees the feeling and "wants to talk", never
    the private note."""

    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="wellbeing_checkins")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    feeling = models.CharField(max_length=12, choices=Feeling.choices)
    wants_to_talk = models.BooleanField(default=False)
    note = SealedTextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-at", "-id"]


class SupervisionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class SupervisionSession(models.Model):
    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="supervision_sessions")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="supervision_given")
    scheduled_for = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=SupervisionStatus.choices,
                              default=SupervisionStatus.PLANNED)
    notes = SealedTextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]


class ExposureKind(models.TextChoices):
    SESSION = "session", _("Counselling session")
    CONTENT = "content", _("Extremist or violent content")
    DISCLOSURE = "disclosure", _("A distressing disclosure")
    THREAT = "threat", _("A threat or hostility towards me")
    OTHER = "other", _("Other")


class ExposureEntry(models.Model):
    """What a counsellor was exposed to, in minutes: counted for care, never for performance."""

    counsellor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="exposure_entries")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=12, choices=ExposureKind.choices)
    minutes = models.PositiveSmallIntegerField()
    appointment = models.ForeignKey("counselling.Appointment", on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
