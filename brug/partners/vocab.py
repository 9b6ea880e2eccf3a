"""Shared words for needs, offers and re-inclusion, used by partners and cases alike."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LifeDomain(models.TextChoices):
    """Where re-inclusion happens (the closed-loop outcome of a referral)."""

    SCHOOL = "school", _("School")
    WORK = "work", _("Work")
    HOUSING = "housing", _("Housing")
    LEISURE = "leisure", _("Leisure")
    FAMILY = "family", _("Family")
    HEALTH = "health", _("Health")


class Need(models.TextChoices):
    """What a person may need, as written down by people in a needs assessment.

    An offer lists the needs it meets; matching compares the two lists. These are needs, not
    risk factors: nothing here is scored.
    """

    SCHOOL = "school", _("Education and school")
    WORK = "work", _("Work and income")
    HOUSING = "housing", _("Housing")
    LEISURE = "leisure", _("Leisure and belonging")
    FAMILY = "family", _("Family support")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    EXIT = "exit", _("Leaving an extremist group or milieu")
    IDENTITY = "identity", _("Identity, meaning and questions of faith")
    SOCIAL = "social", _("Social contacts and trusted adults")


class OfferKind(models.TextChoices):
    YOUTH_WORK = "youth_work", _("Youth-work drop-in")
    SCHOOL_REINTEGRATION = "school_reintegration", _("School reintegration")
    JOB_COACHING = "job_coaching", _("Job coaching")
    HOUSING = "housing", _("Housing support")
    FAMILY_SUPPORT = "family_support", _("Family support")
    MENTAL_HEALTH = "mental_health", _("Mental-health care")
    EXIT_COUNSELLING = "exit_counselling", _("Exit counselling")
    MENTORING = "mentoring", _("Mentoring")
    OTHER = "other", _("Other")
