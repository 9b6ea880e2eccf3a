"""Forms of the review pages. They parse input; the services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from brug.detection.langid import SUPPORTED
from brug.signals.models import Category

from .models import Label, Outcome
from .selectors import AGES, QueueFilters
from .services import REASON_MIN_CHARS

LANGUAGE_NAMES = {"nl": _("Dutch"), "fr": _("French"), "en": _("English"), "de": _("German"),
                  "und": _("Unknown")}
AGE_CHOICES = [("", _("Any age")), ("today", _("Today")), ("7d", _("Last 7 days")),
               ("30d", _("Last 30 days")), ("older", _("Older than 30 days"))]
assert {a for a, _label in AGE_CHOICES if a} == set(AGES)


class QueueFilterForm(forms.Form):
    """GET filters of the queue. Invalid values are ignored, never an error page."""

    source = forms.TypedChoiceField(label=_("Source"), required=False, coerce=int,
                                    empty_value=None)
    lang = forms.ChoiceField(label=_("Language"), required=False, choices=[
        ("", _("Any language")), *[(c, LANGUAGE_NAMES[c]) for c in (*SUPPORTED, "und")]])
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("Any category")), *Category.choices])
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGE_CHOICES)

    def __init__(self, *args: Any, sources: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["source"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Any source")), *sources]

    def filters(self) -> QueueFilters:
        """The valid part of the input (an invalid field counts as not filtered: Django leaves
        a field that fails validation out of ``cleaned_data``)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return QueueFilters(source=data.get("source"), lang=data.get("lang", ""),
                            category=data.get("category", ""), age=data.get("age", ""))


class DecisionForm(forms.Form):
    labels = forms.MultipleChoiceField(
        label=_("Labels"), choices=Label.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("What the message is. At least one."))
    outcome = forms.ChoiceField(label=_("Decision"), choices=Outcome.choices,
                                widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"), min_length=REASON_MIN_CHARS, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required, at least 10 characters. Write why, so a colleague can follow."))
    recheck_on = forms.DateField(
        label=_("Re-check on"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Only for monitoring: a date in the future."))
    legal_ground = forms.CharField(
        label=_("Legal ground"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only for the urgent track: the legal ground that allows it."))


class ConfirmForm(forms.Form):
    """The second reviewer's answer. The decision is the one named in the address."""

    confirm = forms.TypedChoiceField(
        label=_("Your answer"), widget=forms.RadioSelect,
        choices=[("yes", _("Confirm the urgent track")), ("no", _("Reject: back to the queue"))],
        coerce=lambda v: v == "yes")
    reason = forms.CharField(
        label=_("Your reason"), min_length=REASON_MIN_CHARS, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required, at least 10 characters."))
