"""What partner organisations offer, and the agreements that let a referral reach them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brug.accounts.models import Organisation
from brug.accounts.roles import Role

from .vocab import OfferKind


class Offer(models.Model):
    """A service a partner organisation offers, with its open places."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="offers", verbose_name=_("organisation"))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OfferKind.choices)
    description = models.TextField(_("description"), blank=True)
    needs = models.JSONField(_("needs met"), default=list,
                             help_text=_("Which needs this offer meets (see the needs list)."))
    languages = models.JSONField(_("languages"), default=list,
                                 help_text=_("Language codes the offer works in, e.g. nl, fr."))
    region = models.CharField(_("region"), max_length=100,
                              help_text=_("Town or region served, e.g. Mechelen."))
    eligibility = models.TextField(_("eligibility"), blank=True,
                                   help_text=_("Who can be referred (age, situation)."))
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("open places"), default=0)
    receiving_role = models.CharField(_("role that receives referrals"), max_length=32,
                                      choices=Role.choices,
                                      default=Role.PARTNER_CASEWORKER)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class Agreement(models.Model):
    """A data-sharing agreement between two organisations (either direction).

    No referral crosses organisations unless one is valid on the day it is sent.
    """

    organisation_a = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                       related_name="agreements_a")
    organisation_b = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                       related_name="agreements_b")
    title = models.CharField(_("title"), max_length=200)
    legal_basis = models.TextField(_("legal basis"))
    scope = models.TextField(_("scope"),
                             help_text=_("Which data may be shared, for what purpose."))
    reference = models.CharField(_("document reference"), max_length=200, blank=True)
    starts_on = models.DateField(_("valid from"))
    expires_on = models.DateField(_("expires on"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-expires_on"]
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")
        constraints = [
            models.CheckConstraint(condition=~Q(organisation_a=models.F("organisation_b")),
                                   name="agreement_two_parties"),
            models.CheckConstraint(condition=Q(expires_on__gte=models.F("starts_on")),
                                   name="agreement_period"),
        ]

    def __str__(self) -> str:
        return self.title

    def valid_on(self, day: datetime.date) -> bool:
        return self.ended_at is None and self.starts_on <= day <= self.expires_on
