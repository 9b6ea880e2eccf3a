"""Organisations and the people who work in them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import OrganisationType, Role, role_can


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=32, choices=OrganisationType.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A member of staff. Exactly one organisation and one role: access follows from both."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="members",
                                     verbose_name=_("organisation"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices,
                            default=Role.PREVENTION_WORKER)
    break_reminder_minutes = models.PositiveSmallIntegerField(
        _("break reminder (minutes)"), default=settings.BRUG_BREAK_REMINDER_MINUTES,
        help_text=_("After this many minutes of reviewing, Brug suggests a break."))

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def can(self, capability: str) -> bool:
        """Whether this person's role gives the capability (organisation scoping is separate)."""
        return bool(self.is_active and self.organisation_id and role_can(self.role, capability))

    @property
    def label(self) -> str:
        """How the person appears in audit entries and to colleagues."""
        return self.get_full_name() or self.username
