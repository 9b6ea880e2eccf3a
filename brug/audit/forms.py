"""The audit log's filter form (GET). Bad values become form errors, never a crash."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import AuditFilters


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    person = forms.ChoiceField(label=_("Person"), required=False)
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (inclusive)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)

    def __init__(self, *args: Any, actions: list[str], object_types: list[str],
                 people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        any_choice = ("", _("Any"))
        self.fields["action"].choices = [any_choice, *((a, a) for a in actions)]  # type: ignore[attr-defined]
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            any_choice, *((t, t) for t in object_types)]
        self.fields["person"].choices = [any_choice, *people]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filters(self) -> AuditFilters:
        """The filters to apply; none when the form is invalid (its errors are shown, and Django
        marks the fields ``aria-invalid`` and links them to their error text)."""
        if not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        return AuditFilters(
            action=data.get("action") or "", person=data.get("person") or "",
            date_from=data.get("date_from"), date_to=data.get("date_to"),
            object_type=data.get("object_type") or "",
            object_id=(data.get("object_id") or "").strip())
