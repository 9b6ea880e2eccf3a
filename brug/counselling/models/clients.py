"""Clients: anonymous people who asked for counselling, and the pool of counsellors they see."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from brug.accounts.models import Organisation
from brug.privacy.sealed import SealedTextField


class Pool(models.Model):
    """Organisations (exit programmes, partners) whose counsellors a client can choose from.

    A portal address names one pool (``/help/`` is the first one); organisations can share a pool.
    """

    slug = models.SlugField(_("address name"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    organisations = models.ManyToManyField(Organisation, related_name="counselling_pools",
                                           verbose_name=_("organisations"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("counselling pool")
        verbose_name_plural = _("counselling pools")

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    """An anonymous client: a nickname and a passphrase, nothing else required.

    ``nickname_key`` is the case-folded nickname (unique). The passphrase is hashed like staff
    passwords (argon2). The optional contact channel is sealed and kept only with consent.
    Preferences are the client's own choices for suggestions (never inferred).
    """

    nickname = models.CharField(_("nickname"), max_length=40)
    nickname_key = models.CharField(max_length=40, unique=True)
    passphrase = models.CharField(max_length=200)
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="clients")
    language = models.CharField(_("language"), max_length=8, default="en")
    country = models.CharField(_("country"), max_length=2, default="BE",
                               help_text=_("For the emergency numbers shown to you."))
    contact_channel = SealedTextField(_("contact channel"), blank=True, max_length=200)
    contact_consent_at = models.DateTimeField(null=True, blank=True)
    prefers_kinds = models.JSONField(default=list, blank=True)
    prefers_formats = models.JSONField(default=list, blank=True)
    prefers_languages = models.JSONField(default=list, blank=True)
    prefers_genders = models.JSONField(default=list, blank=True)
    prefers_age_bands = models.JSONField(default=list, blank=True)
    prefers_specialisms = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True, db_index=True)
    failed_signins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return self.nickname


class SafetyPlan(models.Model):
    """Written with the client: what helps when things get hard, and who to call."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="safety_plan")
    warning_signs = SealedTextField(_("warning signs"), blank=True, max_length=2000)
    coping = SealedTextField(_("what I can do myself"), blank=True, max_length=2000)
    people = SealedTextField(_("people I can call"), blank=True, max_length=2000)
    professionals = SealedTextField(_("professionals and services"), blank=True,
                                    max_length=2000)
    safe_places = SealedTextField(_("safe places"), blank=True, max_length=2000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("safety plan")
        verbose_name_plural = _("safety plans")


class NoticeKind(models.TextChoices):
    BOOKED = "booked", _("A session was booked")
    RESCHEDULED = "rescheduled", _("A session was moved")
    CANCELLED = "cancelled", _("A session was cancelled")
    REMINDER = "reminder", _("A session is coming up")
    INVITATION = "invitation", _("A counsellor suggests a colleague")
    MESSAGE = "message", _("A new chat message")
    SUPERVISION = "supervision", _("Supervision was planned")
    CHOSEN = "chosen", _("A client chose you")
    COLLEAGUE_INVITE = "colleague_invite", _("A colleague asks you to join a counselling")
    INVITATION_ANSWER = "invitation_answer", _("A proposal of a colleague was answered")
    ENDED = "ended", _("A counselling ended")


class Notice(models.Model):
    """An in-app notice for a client or a staff member; nothing leaves the platform.

    Text is rendered from ``kind`` and ``params`` in the reader's language. ``params`` never
    holds message content (times, names of counsellors, ids).
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="notices")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="counselling_notices")
    # The engagement a notice is about: deleting the client (or the engagement) takes the
    # counsellors' notices about them along, nickname included.
    engagement = models.ForeignKey("counselling.Engagement", on_delete=models.CASCADE,
                                   null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "read_at"]),
                   models.Index(fields=["user", "read_at"])]
        constraints = [models.CheckConstraint(
            condition=models.Q(client__isnull=False) | models.Q(user__isnull=False),
            name="notice_has_recipient")]
