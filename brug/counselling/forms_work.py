"""Forms of the counsellor workspace and of the client's care pages. They parse input and
give labels and hints; the services (``services_work``) enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .emergency import emergency_data
from .models import ConcernTopic, GoalProgress, GoalStatus, InvitationKind
from .services_work import (
    CONCERN_MAX,
    GOAL_MAX,
    NOTE_MAX,
    OUTCOME_MAX,
    REASON_MAX,
    REVIEW_DAYS_DEFAULT,
    REVIEW_DAYS_MAX,
    REVIEW_DAYS_MIN,
    REVIEW_NOTE_MAX,
    SAFETY_MAX,
    time_zones,
)
from .vocab import MEETING_FORMATS, AgeBand, CounsellorKind, Format, Gender, Language, Specialism

CHECKS = forms.CheckboxSelectMultiple
NO_SCORE_HINT = _("Describe what you noticed and what you did. Never a score or a rating.")


def _area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class _OnePage(forms.Form):
    """A form shown next to others on one page: its ids get a prefix (``id_<id_prefix>_x``)
    so that two forms' "text" fields never share an id (labels would point to the wrong
    field)."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if self.id_prefix:
            kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Name shown to clients"), max_length=60,
        help_text=_("A first name or an alias: your own safety comes first."))
    kind = forms.ChoiceField(label=_("Type"), choices=CounsellorKind.choices)
    age_band = forms.ChoiceField(label=_("Age"), choices=AgeBand.choices)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices,
                               initial=Gender.UNSAID)
    languages = forms.MultipleChoiceField(label=_("Languages you counsel in"),
                                          choices=Language.choices, widget=CHECKS)
    formats = forms.MultipleChoiceField(label=_("Ways of talking you offer"),
                                        choices=Format.choices, widget=CHECKS)
    specialisms = forms.MultipleChoiceField(label=_("What you know most about"),
                                            choices=Specialism.choices, widget=CHECKS,
                                            required=False)
    introduction = forms.CharField(
        label=_("Short introduction"), max_length=800, required=False, widget=_area(5),
        help_text=_("A few sentences to the client, in plain words (at most 800 characters)."))
    time_zone = forms.ChoiceField(label=_("Time zone"),
                                  help_text=_("Your free times are entered in this zone."))
    place = forms.CharField(
        label=_("Where in-person sessions happen"), max_length=200, required=False,
        help_text=_("A public place or an office, never your home address."))
    accepting = forms.BooleanField(label=_("I am accepting new clients"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = self.fields["time_zone"]
        assert isinstance(zone, forms.ChoiceField)
        zone.choices = [(z, z) for z in sorted(time_zones())]
        if not settings.BRUG_MEETING_URL:  # no meeting server: no voice or video to offer
            formats = self.fields["formats"]
            assert isinstance(formats, forms.MultipleChoiceField)
            formats.choices = [c for c in Format.choices if c[0] not in MEETING_FORMATS]


class GoalForm(_OnePage):
    id_prefix = "goal"

    text = forms.CharField(label=_("The goal, in the client's words"), max_length=GOAL_MAX,
                           widget=_area())
    review_every_days = forms.IntegerField(
        label=_("Look at it together every … days"), min_value=REVIEW_DAYS_MIN,
        max_value=REVIEW_DAYS_MAX, initial=REVIEW_DAYS_DEFAULT)


CLOSE_CHOICES = [("", _("Keep working on it")),
                 *[(v, label) for v, label in GoalStatus.choices if v != GoalStatus.OPEN]]


class GoalReviewForm(forms.Form):
    progress = forms.ChoiceField(label=_("How is it going?"), choices=GoalProgress.choices,
                                 widget=forms.RadioSelect)
    note = forms.CharField(label=_("What you talked about"), max_length=REVIEW_NOTE_MAX,
                           required=False, widget=_area(2),
                           help_text=_("The client reads this on their goals page."))
    close_as = forms.ChoiceField(label=_("The goal from now on"), choices=CLOSE_CHOICES,
                                 required=False)
    outcome = forms.CharField(
        label=_("What came of it, in words"), max_length=OUTCOME_MAX, required=False,
        widget=_area(2), help_text=_("Needed when the goal is closed."))


class NoteForm(_OnePage):
    id_prefix = "note"

    text = forms.CharField(label=_("Session note"), max_length=NOTE_MAX, widget=_area(5),
                           help_text=_("For the counselling team only: the client and "
                                       "supervisors never see it."))
    appointment = forms.TypedChoiceField(label=_("About the session"), coerce=int,
                                         required=False, empty_value=None)

    def __init__(self, *args: Any, appointments: list[tuple[int, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["appointment"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Not about one session")), *(appointments or [])]


class SafetyPlanForm(_OnePage):
    id_prefix = "plan"

    warning_signs = forms.CharField(
        label=_("Warning signs"), max_length=SAFETY_MAX, required=False, widget=_area(),
        help_text=_("Thoughts, feelings or situations that tell things are getting hard."))
    coping = forms.CharField(
        label=_("What I can do myself"), max_length=SAFETY_MAX, required=False,
        widget=_area(), help_text=_("Things that help to calm down or take my mind off it."))
    people = forms.CharField(
        label=_("People I can call"), max_length=SAFETY_MAX, required=False, widget=_area(),
        help_text=_("Friends or family who help, and how to reach them."))
    professionals = forms.CharField(
        label=_("Professionals and services"), max_length=SAFETY_MAX, required=False,
        widget=_area(), help_text=_("A doctor, a helpline, your counsellor."))
    safe_places = forms.CharField(
        label=_("Safe places"), max_length=SAFETY_MAX, required=False, widget=_area(),
        help_text=_("Places where I feel safe and can go."))
    version = forms.CharField(required=False, widget=forms.HiddenInput)


class ConcernForm(_OnePage):
    id_prefix = "concern"

    topic = forms.ChoiceField(label=_("What worries you"), choices=ConcernTopic.choices,
                              widget=forms.RadioSelect)
    text = forms.CharField(label=_("What you noticed and what you did"),
                           max_length=CONCERN_MAX, widget=_area(4), help_text=NO_SCORE_HINT)
    shared_with_supervisor = forms.BooleanField(
        label=_("Share this note with my supervisor"), required=False, initial=True)


class InviteForm(_OnePage):
    id_prefix = "invite"

    kind = forms.ChoiceField(label=_("What you propose"), choices=InvitationKind.choices,
                             widget=forms.RadioSelect)
    to_counsellor = forms.TypedChoiceField(label=_("Colleague"), coerce=int)
    reason_for_client = forms.CharField(
        label=_("Why, in words for the client"), max_length=REASON_MAX, widget=_area(),
        help_text=_("The client reads this and decides. Plain words, no jargon."))
    note_for_colleague = forms.CharField(
        label=_("Note for your colleague"), max_length=2000, required=False, widget=_area(),
        help_text=_("Your colleague sees this note, never the file, until the client "
                    "agrees."))

    def __init__(self, *args: Any, colleagues: list[tuple[int, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_counsellor"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose a colleague")), *(colleagues or [])]


class InvitationAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"), widget=forms.RadioSelect,
        choices=[("agree", _("I agree; the client is asked next")),
                 ("decline", _("I cannot take this up"))])
    decline_reason = forms.CharField(
        label=_("Why not (for your colleague)"), max_length=REASON_MAX, required=False,
        widget=_area(2))


class EndForm(_OnePage):
    id_prefix = "end"

    client_agreed = forms.BooleanField(
        label=_("The client and I agreed to end this counselling"), required=False)


# --- the client's side -----------------------------------------------------------------------

class ClientGoalForm(forms.Form):
    text = forms.CharField(label=_("Your goal, in your own words"), max_length=GOAL_MAX,
                           widget=_area(),
                           help_text=_("Something you want to reach. Your counsellor looks "
                                       "at it with you."))


class ClientAnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("Your choice"), widget=forms.RadioSelect,
                               choices=[("yes", _("Yes, that is fine with me")),
                                        ("no", _("No, I would rather not"))])


class CountryForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["country"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = emergency_data().choices()

    def code(self, default: str) -> str:
        """The chosen country, or ``default`` when none (or an unknown one) was chosen."""
        if self.is_bound and self.is_valid() and self.cleaned_data["country"]:
            return str(self.cleaned_data["country"])
        return default
