"""Offers and agreements in the Django admin: read-only. Writes go through the services
(checks, audit), in the partners pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Agreement, Offer


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "kind", "region", "capacity", "active"]
    list_filter = ["kind", "active", "organisation"]
    list_select_related = ["organisation"]
    search_fields = ["name", "region"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["title", "organisation_a", "organisation_b", "starts_on", "expires_on",
                    "ended_at"]
    list_select_related = ["organisation_a", "organisation_b"]
    search_fields = ["title", "reference"]
