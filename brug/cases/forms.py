"""Forms of the case pages that are not inbox tasks (those are in ``taskforms``): opening a
case, consent, goals and the case team. They parse input; the services enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from brug.partners.vocab import LifeDomain
from brug.review.services import REASON_MIN_CHARS

from .models import ConsentStatus, GoalStatus
from .services import LABEL_MAX

LANGUAGE_CHOICES = [("", _("Not known")), ("nl", _("Dutch")), ("fr", _("French")),
                    ("en", _("English")), ("de", _("German"))]
STATUS_CHOICES = [("open", _("Open cases")), ("closed", _("Closed cases")),
                  ("all", _("All cases"))]


class CaseFilterForm(forms.Form):
    """GET filters of the case list. Invalid values count as not filtered."""

    status = forms.ChoiceField(label=_("Show"), choices=STATUS_CHOICES, required=False)
    mine = forms.BooleanField(label=_("Only cases I own or work on"), required=False)

    def values(self) -> tuple[str | None, bool]:
        """(status filter or None for all, mine)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        status = data.get("status") or "open"
        return (None if status == "all" else status), bool(data.get("mine"))


class CaseOpenForm(forms.Form):
    """A case from the worker's own observation (cases from signals open from a decision)."""

    subject_label = forms.CharField(
        label=_("Pseudonymous label"), max_length=LABEL_MAX,
        help_text=_("A label for the person that is not their name, e.g. “Client K-17”."))
    observation = forms.CharField(
        label=_("What you observed"), min_length=10, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Facts, in your own words: what, when, where. At least 10 characters."))
    language = forms.ChoiceField(label=_("Preferred language"), choices=LANGUAGE_CHOICES,
                                 required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False,
                             help_text=_("Town or region, e.g. Mechelen."))
    age = forms.IntegerField(label=_("Age"), min_value=10, max_value=99, required=False)
    process_key = forms.ChoiceField(
        label=_("Process"),
        help_text=_("The way of working this case follows; its steps appear in the inboxes."))

    def __init__(self, *args: Any, processes: list[tuple[str, str]], default: str,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["process_key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = processes
        field.initial = default


class CaseConsentForm(forms.Form):
    """What the person said when asked for consent to sharing and referral."""

    status = forms.ChoiceField(label=_("What did the person say?"),
                               choices=ConsentStatus.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("How it was asked"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class CaseOverrideForm(forms.Form):
    """A supervisor goes on without consent, for a written reason (logged)."""

    reason = forms.CharField(
        label=_("Reason to go on without consent"), min_length=REASON_MIN_CHARS,
        max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required, at least 10 characters. It is logged with your name."))
    legal_ground = forms.CharField(label=_("Legal ground"), required=False, max_length=2000)


class GoalForm(forms.Form):
    text = forms.CharField(label=_("Goal"), min_length=3, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    domain = forms.ChoiceField(label=_("Life domain"), required=False,
                               choices=[("", _("None")), *LifeDomain.choices])
    agreed_with_person = forms.BooleanField(label=_("Agreed with the person"), required=False)


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)


class TeamForm(forms.Form):
    owner = forms.TypedChoiceField(label=_("Case owner"), coerce=int)
    members = forms.TypedMultipleChoiceField(label=_("Team"), coerce=int, required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, colleagues: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("owner", "members"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = colleagues


class CaseCloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the case closes"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Closing withdraws a referral in progress and stops the case's process; "
                    "its open tasks leave the inboxes."))
