"""Forms of the client portal's account pages. They parse input; ``services_clients`` enforces
the rules (nickname, passphrase strength, consent for a contact channel)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .services_clients import (
    CONTACT_MAX,
    COUNTRIES,
    NICKNAME_MAX,
    PASSPHRASE_MAX,
    PASSPHRASE_MIN,
)
from .vocab import AgeBand, CounsellorKind, Format, Gender, Language, Specialism

_NO_SPELLING = {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false"}


def _passphrase(label: Any, autocomplete: str, help_text: Any = "") -> forms.CharField:
    # strip=False: spaces are part of a passphrase.
    return forms.CharField(label=label, strip=False, max_length=PASSPHRASE_MAX,
                           help_text=help_text, widget=forms.PasswordInput(
                               attrs={"autocomplete": autocomplete, **_NO_SPELLING}))


def _at_least(extra: str) -> str:
    text = gettext("At least %(n)d characters.") % {"n": PASSPHRASE_MIN}
    return f"{text} {extra}" if extra else text


# Lazy: the help text is put together in the language of the request that shows it.
_at_least_lazy = lazy(_at_least, str)


def _passphrase_help(extra: Any = "") -> Any:
    return _at_least_lazy(extra)


def _language_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Language of these pages"), choices=settings.LANGUAGES)


def _country_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Country you live in"), choices=COUNTRIES,
                             help_text=_("Only to show you the right emergency numbers."))


def _contact_fields(required: bool) -> tuple[forms.CharField, forms.BooleanField]:
    channel = forms.CharField(
        label=_("A way to reach you"), required=required, max_length=CONTACT_MAX,
        help_text=_("For example “Signal +32 …”. Only if you want your counsellor to be able "
                    "to reach you outside this site."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}))
    consent = forms.BooleanField(
        label=_("I agree that this way to reach me is stored (encrypted). I can remove it at "
                "any time."), required=False)
    return channel, consent


class SignupForm(forms.Form):
    nickname = forms.CharField(
        label=_("Nickname"), max_length=NICKNAME_MAX,
        help_text=_("Not your real name, e-mail address or phone number. 3 to 40 letters, "
                    "digits, spaces, dots or dashes."),
        widget=forms.TextInput(attrs={"autocomplete": "username", **_NO_SPELLING}))
    passphrase = _passphrase(_("Passphrase"), "new-password",
                             _passphrase_help(_("A few words you will remember work well.")))
    passphrase_again = _passphrase(_("Passphrase again"), "new-password")
    language = _language_field()
    country = _country_field()
    contact_channel, contact_consent = _contact_fields(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("passphrase") and data.get("passphrase_again") is not None
                and data["passphrase"] != data["passphrase_again"]):
            self.add_error("passphrase_again", _("The two passphrases are not the same."))
        return data


class SigninForm(forms.Form):
    nickname = forms.CharField(
        label=_("Nickname"), max_length=NICKNAME_MAX * 2,
        widget=forms.TextInput(attrs={"autocomplete": "username", **_NO_SPELLING}))
    passphrase = _passphrase(_("Passphrase"), "current-password")


class SettingsForm(forms.Form):
    language = _language_field()
    country = _country_field()


def _choices(label: Any, choices: list[tuple[str, Any]]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=False,
                                     widget=forms.CheckboxSelectMultiple)


class PreferencesForm(forms.Form):
    """What the client would like in a counsellor: used to suggest, never to decide."""

    prefers_kinds = _choices(_("Kind of counsellor"), CounsellorKind.choices)
    prefers_formats = _choices(_("How you would like to talk"), Format.choices)
    prefers_languages = _choices(_("Languages you would like to talk in"), Language.choices)
    prefers_genders = _choices(_("Counsellor's gender"),
                               [c for c in Gender.choices if c[0] != Gender.UNSAID])
    prefers_age_bands = _choices(_("Counsellor's age"), AgeBand.choices)
    prefers_specialisms = _choices(_("Topics they know well"), Specialism.choices)


class ContactForm(forms.Form):
    contact_channel, contact_consent = _contact_fields(required=True)


class PassphraseForm(forms.Form):
    old_passphrase = _passphrase(_("Your current passphrase"), "current-password")
    new_passphrase = _passphrase(_("New passphrase"), "new-password", _passphrase_help())
    new_passphrase_again = _passphrase(_("New passphrase again"), "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("new_passphrase") and data.get("new_passphrase_again") is not None
                and data["new_passphrase"] != data["new_passphrase_again"]):
            self.add_error("new_passphrase_again", _("The two passphrases are not the same."))
        return data


class DeleteForm(forms.Form):
    passphrase = _passphrase(_("Your passphrase"), "current-password")
