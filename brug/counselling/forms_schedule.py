"""Forms of choosing, booking and the counsellor's schedule. They parse input; the services
(``services_scheduling``) enforce the rules."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AppointmentStatus
from .services_scheduling import (
    CANCEL_REASON_MAX,
    REPEAT_WEEKS_MAX,
    SLOT_DAYS_AHEAD,
    SLOT_MINUTES,
    slot_day_problem,
)
from .vocab import AgeBand, CounsellorKind, Format, Gender, Language, Specialism


def _many(label: Any, choices: Any, help_text: Any = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, choices=choices, required=False,
                                     widget=forms.CheckboxSelectMultiple, help_text=help_text)


class WishesForm(forms.Form):
    """What the client looks for in a counsellor: filters on the list, or stored preferences
    for suggestions. Every field is optional: nothing ticked means "no preference"."""

    languages = _many(_("Language"), Language.choices)
    formats = _many(_("How you want to talk"), Format.choices)
    kinds = _many(_("Type of counsellor"), CounsellorKind.choices,
                  _("Some counsellors have lived through extremism themselves."))
    specialisms = _many(_("Knows about"), Specialism.choices)
    genders = _many(_("Gender"), [c for c in Gender.choices if c[0] != Gender.UNSAID])
    age_bands = _many(_("Age"), AgeBand.choices)

    def __init__(self, *args: Any, meeting_service: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not meeting_service:  # voice and video cannot happen here: do not offer them
            field = self.fields["formats"]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = [(Format.CHAT.value, Format.CHAT.label),
                             (Format.IN_PERSON.value, Format.IN_PERSON.label)]

    def wishes(self) -> dict[str, list[str]]:
        """The valid choices by field; invalid input counts as no preference."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: list(data.get(name) or []) for name in self.fields}


class ChooseForm(forms.Form):
    counsellor_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class BookForm(forms.Form):
    """One free time and a way to talk. Choices come from the view (the engagement's slots)."""

    slot_id = forms.TypedChoiceField(label=_("Time"), coerce=int, widget=forms.RadioSelect)
    format = forms.ChoiceField(label=_("How you want to talk"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, slots: list[tuple[int, str]],
                 formats: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        slot_field = self.fields["slot_id"]
        format_field = self.fields["format"]
        assert isinstance(slot_field, forms.ChoiceField)
        assert isinstance(format_field, forms.ChoiceField)
        slot_field.choices = slots
        format_field.choices = formats
        if len(formats) == 1:
            format_field.initial = formats[0][0]


class RescheduleForm(forms.Form):
    slot_id = forms.TypedChoiceField(label=_("New time"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args: Any, slots: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["slot_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = slots


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=CANCEL_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("You do not have to say why. The other side sees what you write."))


class SlotForm(forms.Form):
    """A free time, in the counsellor's own time zone, optionally repeated weekly."""

    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Start time"),
                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    minutes = forms.TypedChoiceField(label=_("Length"), coerce=int, initial=50)
    formats = forms.MultipleChoiceField(label=_("Formats"), widget=forms.CheckboxSelectMultiple)
    repeat_weeks = forms.IntegerField(
        label=_("Repeat weekly for"), min_value=0, max_value=REPEAT_WEEKS_MAX, initial=0,
        help_text=_("Number of further weeks, 0 to 12. 0 means only this date."))

    def __init__(self, *args: Any, formats: list[str], zone: ZoneInfo | None = None,
                 **kwargs: Any) -> None:
        """``zone``: the counsellor's time zone, where "today" is (the current one if None)."""
        super().__init__(*args, **kwargs)
        self.zone = zone
        field = self.fields["formats"]
        assert isinstance(field, forms.MultipleChoiceField)
        names = dict(Format.choices)
        field.choices = [(f, names.get(f, f)) for f in formats]
        field.initial = formats[:1]
        minutes = self.fields["minutes"]
        assert isinstance(minutes, forms.ChoiceField)
        # Built per form, in the language of the request (at import it would stay English).
        minutes.choices = [(m, _("%(n)d minutes") % {"n": m}) for m in SLOT_MINUTES]
        today = timezone.localdate(timezone=zone)
        self.fields["day"].widget.attrs.update({
            "min": today.isoformat(),
            "max": (today + timedelta(days=SLOT_DAYS_AHEAD)).isoformat()})

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        problem = slot_day_problem(day, self.zone)
        if problem is not None:
            raise forms.ValidationError(problem, code="day_range")
        return day


class MarkForm(forms.Form):
    status = forms.ChoiceField(choices=[(AppointmentStatus.HELD, _("Held")),
                                        (AppointmentStatus.MISSED, _("Missed"))])
