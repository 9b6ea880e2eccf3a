"""Forms for offers and agreements. They only parse input; the services check and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from brug.accounts.roles import Role

from .matching import language_name
from .selectors import OfferFilters
from .services import (
    MAX_AGE,
    MAX_CAPACITY,
    OFFER_LANGUAGES,
    REASON_MIN_CHARS,
    RECEIVING_ROLES,
)
from .vocab import Need, OfferKind


def _language_choices() -> list[tuple[str, str]]:
    """Built per form, so the names follow the active language."""
    return [(code, language_name(code)) for code in OFFER_LANGUAGES]


class OfferForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *OfferKind.choices])
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    needs = forms.MultipleChoiceField(
        label=_("Needs met"), choices=Need.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("Which needs this offer meets. Matching compares them with a person's "
                    "needs assessment."))
    languages = forms.MultipleChoiceField(label=_("Languages"),
                                          widget=forms.CheckboxSelectMultiple)
    region = forms.CharField(label=_("Region"), max_length=100,
                             help_text=_("Town or region served, e.g. Mechelen."))
    eligibility = forms.CharField(
        label=_("Eligibility"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who can be referred (age, situation). No names or cases here."))
    min_age = forms.IntegerField(label=_("Minimum age"), required=False, min_value=0,
                                 max_value=MAX_AGE)
    max_age = forms.IntegerField(label=_("Maximum age"), required=False, min_value=0,
                                 max_value=MAX_AGE)
    capacity = forms.IntegerField(
        label=_("Open places"), min_value=0, max_value=MAX_CAPACITY, initial=0,
        help_text=_("How many people the offer can take on now. Brug counts down when a "
                    "referral is accepted and up when it ends."))
    receiving_role = forms.ChoiceField(
        label=_("Role that receives referrals"), initial=Role.PARTNER_CASEWORKER,
        help_text=_("People of your organisation with this role see referrals to this "
                    "offer."))
    active = forms.BooleanField(
        label=_("Takes referrals"), required=False, initial=True,
        help_text=_("Switched off, the offer is no longer listed or proposed."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        languages = self.fields["languages"]
        assert isinstance(languages, forms.MultipleChoiceField)
        languages.choices = _language_choices()
        roles = dict(Role.choices)
        receiving = self.fields["receiving_role"]
        assert isinstance(receiving, forms.ChoiceField)
        receiving.choices = [(r, roles[r]) for r in RECEIVING_ROLES]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("max_age", _("The maximum age cannot be below the minimum age."))
        return data


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Open places"), min_value=0, max_value=MAX_CAPACITY)


class OfferFilterForm(forms.Form):
    """GET filters of the offers list. Invalid values are ignored, never an error page."""

    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("Any kind")), *OfferKind.choices])
    need = forms.ChoiceField(label=_("Need"), required=False,
                             choices=[("", _("Any need")), *Need.choices])
    language = forms.ChoiceField(label=_("Language"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args: Any, regions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = [("", _("Any language")), *_language_choices()]
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = [("", _("Any region")), *[(r, r) for r in regions]]

    def filters(self) -> OfferFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return OfferFilters(kind=data.get("kind", ""), need=data.get("need", ""),
                            language=data.get("language", ""), region=data.get("region", ""))


class AgreementForm(forms.Form):
    other_organisation = forms.TypedChoiceField(
        label=_("Other organisation"), coerce=int, empty_value=None,
        help_text=_("The organisation your organisation shares data with."))
    title = forms.CharField(label=_("Title"), max_length=200)
    legal_basis = forms.CharField(label=_("Legal basis"),
                                  widget=forms.Textarea(attrs={"rows": 2}))
    scope = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Which data may be shared, for what purpose."))
    reference = forms.CharField(label=_("Document reference"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("Valid from"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Expires on"),
                                 widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, organisations: list[tuple[int, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        other = self.fields["other_organisation"]
        assert isinstance(other, forms.TypedChoiceField)
        other.choices = [("", "—"), *organisations]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, expires = data.get("starts_on"), data.get("expires_on")
        if starts and expires and expires < starts:
            self.add_error("expires_on", _("The agreement cannot expire before it starts."))
        return data


class EndAgreementForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), min_length=REASON_MIN_CHARS, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the agreement ends before it expires (at least 10 characters)."))
