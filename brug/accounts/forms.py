"""Forms for signing in, the second factor and the profile. They parse input; services write.

Templates render fields with ``web/partials/field.html`` (its own labels, without a colon).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import User
from .services import BREAK_MINUTES_MAX, BREAK_MINUTES_MIN


class LoginForm(AuthenticationForm):
    """Django's form: it passes ``request`` to ``authenticate`` so django-axes can lock out."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The username or password is not right. Check both and try again; "
                           "after several wrong attempts, signing in is paused for a while."),
    }


class CodeForm(forms.Form):
    """A code from the authenticator app, or a backup code."""

    token = forms.CharField(
        label=_("Code"), max_length=32, strip=True,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your "
                    "backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none",
                                      "spellcheck": "false", "autofocus": True}))


class ConfirmDeviceForm(forms.Form):
    """The first code from a newly scanned app, and a name to recognise it by later."""

    token = forms.CharField(
        label=_("Code from the app"), max_length=12, strip=True,
        help_text=_("After scanning, the app shows a 6-digit code that changes every 30 "
                    "seconds."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*", "spellcheck": "false"}))
    name = forms.CharField(
        label=_("Name for this app (optional)"), max_length=64, required=False, strip=True,
        help_text=_("For example “work phone”, so you recognise it on your profile."))


class PreferencesForm(forms.Form):
    """The person's own settings. The form never saves: ``user_update_preferences`` does."""

    break_reminder_minutes = forms.IntegerField(
        label=_("Break reminder (minutes)"), min_value=BREAK_MINUTES_MIN,
        max_value=BREAK_MINUTES_MAX,
        help_text=format_lazy(_("After this many minutes of reviewing, Brug suggests a break "
                                "(between {low} and {high})."), low=BREAK_MINUTES_MIN,
                              high=BREAK_MINUTES_MAX),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}))

    @classmethod
    def for_user(cls, user: User, **kwargs: Any) -> PreferencesForm:
        return cls(initial={"break_reminder_minutes": user.break_reminder_minutes}, **kwargs)


class ProfilePasswordForm(PasswordChangeForm):
    """Django's password change form, on the profile page among other forms."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not the first thing on the page: focus stays where the person puts it.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
