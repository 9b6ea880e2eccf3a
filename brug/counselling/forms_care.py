"""Forms of the care and supervision pages. They parse input; ``services_care`` keeps the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ExposureKind, Feeling, SupervisionStatus
from .services_care import (
    CASELOAD_LIMITS,
    CHECKIN_NOTE_MAX,
    EXPOSURE_MINUTES,
    SUPERVISION_AHEAD,
    SUPERVISION_NOTES_MAX,
)


class CheckinForm(forms.Form):
    feeling = forms.ChoiceField(label=_("How are you doing?"), choices=Feeling.choices,
                                widget=forms.RadioSelect)
    wants_to_talk = forms.BooleanField(label=_("I would like to talk to my supervisor"),
                                       required=False)
    note = forms.CharField(
        label=_("Private note"), required=False, max_length=CHECKIN_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only you can read this note. Your supervisor sees how you are doing and "
                    "whether you would like to talk, never the note."))


class ExposureForm(forms.Form):
    kind = forms.ChoiceField(label=_("What were you exposed to?"), choices=ExposureKind.choices)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=EXPOSURE_MINUTES[0],
                                 max_value=EXPOSURE_MINUTES[1],
                                 help_text=_("Between 1 and 600 minutes."))


class CounsellorForm(forms.Form):
    """Names a counsellor by user id; the service checks they are the supervisor's."""

    counsellor = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CaseloadForm(CounsellorForm):
    limit = forms.IntegerField(label=_("Caseload limit"), min_value=CASELOAD_LIMITS[0],
                               max_value=CASELOAD_LIMITS[1],
                               help_text=_("Between 1 and 60 clients."))


class PublishForm(CounsellorForm):
    publish = forms.TypedChoiceField(choices=[("1", _("Show to clients")),
                                              ("0", _("Hide from clients"))],
                                     coerce=lambda value: value == "1")


class SupervisionPlanForm(forms.Form):
    """A date and time read in the supervisor's zone (``zone``), not the server's."""

    counsellor = forms.TypedChoiceField(label=_("Counsellor"), coerce=int)
    scheduled_for = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args: Any, counsellors: list[tuple[int, str]], zone: ZoneInfo,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        field = self.fields["counsellor"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Choose a counsellor")), *counsellors]
        self.fields["scheduled_for"].help_text = _("In your time zone, %(zone)s.") % {
            "zone": zone.key}

    def clean_scheduled_for(self) -> datetime:
        # The service refuses it too; here the supervisor gets the sentence next to the field
        # before anything else is looked up.
        value: datetime = self.cleaned_data["scheduled_for"]
        now = timezone.now()
        if value < now:
            raise forms.ValidationError(_("Choose a time in the future."))
        if value > now + SUPERVISION_AHEAD:
            raise forms.ValidationError(_("Choose a time within the next %(days)d days."),
                                        params={"days": SUPERVISION_AHEAD.days})
        return value

    def full_clean(self) -> None:
        # DateTimeField makes a naive input aware in the current zone: make that the
        # supervisor's own for the length of the cleaning.
        with timezone.override(self.zone):
            super().full_clean()


class SupervisionForm(forms.Form):
    notes = forms.CharField(
        label=_("Shared notes"), required=False, max_length=SUPERVISION_NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Seen by you and the other person in this supervision, no one else. Write "
                    "about the work and how it affects you, not about clients by name."))
    status = forms.ChoiceField(label=_("Session"), choices=SupervisionStatus.choices,
                               widget=forms.RadioSelect)
