"""Signals in the Django admin: metadata only, read-only.

Administrators run the installation but read no content, so neither the message nor the
evidence (which quotes the message) is shown here; reviewing happens in the review pages.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Signal


@admin.register(Signal)
class SignalAdmin(admin.ModelAdmin[Signal]):
    list_display = ("id", "organisation", "source", "top_category", "status", "created_at")
    list_filter = ("status", "top_category")
    fields = ("organisation", "source", "lang", "priority", "top_category", "status",
              "recheck_on", "model_name", "model_version", "config_hash", "created_at")
    readonly_fields = fields
    list_select_related = ("organisation", "source")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Signal | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Signal | None = None) -> bool:
        return False
