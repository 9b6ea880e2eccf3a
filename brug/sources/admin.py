"""Sources in the Django admin: read-only. Writes go through the services (mandate guard,
audit), and messages (personal data) are not in the admin at all."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ImportRun, Source


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Source)
class SourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "kind", "is_active", "legal_basis",
                    "retention_days", "mandate_recorded_at"]
    list_filter = ["kind", "is_active", "organisation"]
    search_fields = ["name"]
    exclude = ["token_digest"]


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "source", "channel", "started_at", "rows_total", "rows_created",
                    "rows_duplicate", "rows_rejected"]
    list_filter = ["channel"]
    list_select_related = ["source"]
