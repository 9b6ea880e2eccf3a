"""Sources (with their recorded mandate) and the messages they bring in."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brug.accounts.models import Organisation


class SourceKind(models.TextChoices):
    UPLOAD = "upload", _("File upload (CSV or JSONL)")
    FEED = "feed", _("RSS/Atom feed")
    PUSH = "push", _("HTTP push API")


class LegalBasis(models.TextChoices):
    PUBLIC_TASK = "public_task", _("Task in the public interest (GDPR art. 6(1)(e))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (GDPR art. 6(1)(c))")
    CONSENT = "consent", _("Consent (GDPR art. 6(1)(a))")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest (GDPR art. 6(1)(f))")


class Source(models.Model):
    """Where messages come from. Cannot be activated before its mandate is recorded."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="sources")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    description = models.TextField(_("description"), blank=True)
    # The mandate: all four must be recorded before the source can be switched on.
    legal_basis = models.CharField(_("legal basis"), max_length=32, choices=LegalBasis.choices,
                                   blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    retention_days = models.PositiveIntegerField(
        _("retention period (days)"), null=True, blank=True,
        help_text=_("Unreviewed and dismissed messages are deleted after this many days."))
    dpia_reference = models.CharField(_("DPIA reference"), max_length=200, blank=True)
    mandate_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                            null=True, blank=True, related_name="+")
    mandate_recorded_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    # Feed sources
    feed_url = models.URLField(_("feed address"), blank=True, max_length=1000)
    feed_last_polled_at = models.DateTimeField(null=True, blank=True)
    feed_last_error = models.TextField(blank=True)
    # Push sources: only a SHA-256 of the token is kept; the token is shown once.
    token_digest = models.CharField(max_length=64, blank=True, db_index=True)
    token_hint = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"],
                                               name="source_name_unique_per_org")]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.name

    @property
    def missing_mandate(self) -> list[str]:
        """Names of the mandate fields still empty (empty list: the mandate is complete)."""
        missing = []
        if not self.legal_basis:
            missing.append("legal_basis")
        if not self.purpose.strip():
            missing.append("purpose")
        if not self.retention_days:
            missing.append("retention_days")
        if not self.dpia_reference.strip():
            missing.append("dpia_reference")
        return missing

    @property
    def retention(self) -> timedelta | None:
        return timedelta(days=self.retention_days) if self.retention_days else None


class Message(models.Model):
    """One online message. The author is a keyed hash; the raw handle is encrypted."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="messages")
    external_id = models.CharField(max_length=200)
    text = models.TextField()
    lang = models.CharField(max_length=8, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    author_pseudonym = models.CharField(max_length=64, blank=True, db_index=True)
    author_sealed = models.BinaryField(null=True, blank=True, editable=False)
    posted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    score_error = models.CharField(max_length=300, blank=True)
    # The ingestion that brought it in: the import report counts how many are scored yet.
    import_run = models.ForeignKey("ImportRun", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="messages")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"],
                                               name="message_external_id_unique")]
        indexes = [models.Index(fields=["source", "author_pseudonym", "posted_at"]),
                   models.Index(fields=["scored_at"])]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.external_id}"

    @property
    def when(self):  # type: ignore[no-untyped-def]
        return self.posted_at or self.received_at


class ImportRun(models.Model):
    """One ingestion (an upload, a feed poll, a push request) and its row-by-row report."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="imports")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=16, choices=SourceKind.choices)
    filename = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    # [{"row": 7, "error": "text is empty"}, ...] - never the row's content.
    errors = models.JSONField(default=list, blank=True)
    fatal_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
