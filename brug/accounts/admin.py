"""Organisations and people, for administrators (``is_staff``) who passed the second factor.

Passwords go through Django's ``UserAdmin`` forms (hashed with the first hasher, argon2).
Every save writes an audit entry naming the changed fields, never their values.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Organisation, User
from .roles import Role
from .services import organisation_save_by_admin, user_reset_sign_in, user_save_by_admin


def is_administrator(request: HttpRequest) -> bool:
    """Superusers, and staff with the administrator role (no per-model permissions needed).

    Precondition: the second factor was passed (``RequireTwoFactorMiddleware``).
    """
    user = request.user
    return bool(user.is_active and (user.is_superuser or (
        user.is_staff and getattr(user, "role", "") == Role.ADMINISTRATOR)))


class AdministratorAccess:
    """Administrators manage organisations and people; nobody deletes them here (deactivate
    a person instead: decisions and audit entries keep naming them)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_administrator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_administrator(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_administrator(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(AdministratorAccess, admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "member_count", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=_("people"), ordering="member_total")
    def member_count(self, obj: Organisation) -> int:
        return int(getattr(obj, "member_total", 0))

    def save_model(self, request: HttpRequest, obj: Organisation, form: ModelForm[Organisation],
                   change: bool) -> None:
        organisation_save_by_admin(actor=cast(User, request.user), organisation=obj,
                                   created=not change, changed_fields=list(form.changed_data))


@admin.register(User)
class PersonAdmin(AdministratorAccess, UserAdmin):  # type: ignore[type-arg]
    list_display = ["username", "first_name", "last_name", "organisation", "role", "is_active",
                    "is_staff", "last_login"]
    list_filter = ["organisation", "role", "is_active", "is_staff"]
    list_select_related = ["organisation"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["username"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "email")}),
        (_("Organisation and role"), {"fields": ("organisation", "role",
                                                 "break_reminder_minutes")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                  "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2")}),
        (_("Organisation and role"), {"fields": ("first_name", "last_name", "organisation",
                                                 "role")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    actions = ["reset_sign_in"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Only a superuser changes a superuser: an administrator who could set a superuser's
        # password or reset their sign-in could sign in as them.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    @admin.action(description=_("Reset sign-in (new authenticator app, lift lockout)"))
    def reset_sign_in(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        if not is_administrator(request):
            return
        people = [person for person in queryset if self.has_change_permission(request, person)]
        for person in people:
            user_reset_sign_in(actor=cast(User, request.user), person=person)
        self.message_user(request, _("Sign-in reset for %(count)d people. They set up a new "
                                     "authenticator app at their next sign-in.")
                          % {"count": len(people)})

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # An administrator must not be able to hand out superuser rights (to themselves).
            fields += ["is_superuser", "groups", "user_permissions"]
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        user_save_by_admin(actor=cast(User, request.user), person=obj, created=not change,
                           changed_fields=list(form.changed_data))
