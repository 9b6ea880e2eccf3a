"""The append-only, hash-chained audit log.

Each entry's ``digest`` covers its own fields and the previous entry's digest, so changing or
removing any entry breaks every later link (``brug audit verify``). Entries hold no message
content: only who, what, when, why and the object's type and id.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", db_constraint=False)
    # Copied so the entry stays readable (and verifiable) if the account is removed.
    actor_label = models.CharField(_("who"), max_length=200)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(_("what"), max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.TextField(_("why"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    previous = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit entries are append-only")


class AuditHead(models.Model):
    """One row: the chain's last digest. Locking it serialises appends on PostgreSQL."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    digest = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)
