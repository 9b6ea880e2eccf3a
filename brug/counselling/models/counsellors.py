"""Counsellor profiles: what a client sees to choose."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..vocab import AgeBand, CounsellorKind, Gender


class CounsellorProfile(models.Model):
    """One per counsellor (a staff member with the counsellor role).

    ``display_name`` may be a first name or an alias: workers' safety comes first.
    ``languages``, ``formats`` and ``specialisms`` are lists of ``vocab`` codes.
    Availability is the counsellor's ``Slot`` rows, entered in ``time_zone``.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="counsellor_profile")
    display_name = models.CharField(_("name shown to clients"), max_length=60)
    kind = models.CharField(_("type"), max_length=20, choices=CounsellorKind.choices)
    age_band = models.CharField(_("age"), max_length=8, choices=AgeBand.choices)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices,
                              default=Gender.UNSAID)
    languages = models.JSONField(_("languages"), default=list)
    formats = models.JSONField(_("formats"), default=list)
    specialisms = models.JSONField(_("specialisms"), default=list, blank=True)
    introduction = models.TextField(_("short introduction"), max_length=800, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    place = models.CharField(_("where in-person sessions happen"), max_length=200, blank=True)
    caseload_limit = models.PositiveSmallIntegerField(_("caseload limit"), default=12)
    published = models.BooleanField(_("shown to clients"), default=False)
    accepting = models.BooleanField(_("accepting new clients"), default=True)
    ical_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name", "id"]
        verbose_name = _("counsellor profile")
        verbose_name_plural = _("counsellor profiles")

    def __str__(self) -> str:
        return self.display_name
