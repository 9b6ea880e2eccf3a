"""The approved user-task forms (``formkeys.FORM_KEYS``): a Django form and what submitting it
does. ``step_do`` is the one service behind every inbox task: it checks the step is the
actor's, applies the form through the domain services, then completes the engine task with the
variables the form produced — all in one transaction, with the process instance row locked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brug.accounts.models import User
from brug.audit.services import audit_record
from brug.errors import Conflict
from brug.partners.vocab import LifeDomain, Need
from brug.review.services import clean_reason

from . import services, workflow
from .models import (
    Case,
    CaseStatus,
    ConsentStatus,
    InstanceStatus,
    NoteKind,
    ProcessInstance,
    ProcessStep,
    ProtectiveFactor,
    Referral,
    ReferralOutcome,
    StepStatus,
)
from .selectors import access_step

Variables = dict[str, Any]


class AssessmentForm(forms.Form):
    needs = forms.MultipleChoiceField(label=gettext_lazy("Needs"), choices=Need.choices,
                                      widget=forms.CheckboxSelectMultiple, required=False)
    needs_notes = forms.CharField(label=gettext_lazy("Needs, in words"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    protective = forms.MultipleChoiceField(
        label=gettext_lazy("Protective factors"), choices=ProtectiveFactor.choices,
        widget=forms.CheckboxSelectMultiple, required=False)
    protective_notes = forms.CharField(label=gettext_lazy("Protective factors, in words"),
                                       required=False, widget=forms.Textarea(attrs={"rows": 3}))
    concerns = forms.CharField(label=gettext_lazy("Concerns"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))


class ConsentForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("What did the person say?"),
                               choices=ConsentStatus.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=gettext_lazy("How it was asked"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class OverrideForm(forms.Form):
    override = forms.TypedChoiceField(
        label=gettext_lazy("Go on without consent?"), widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        choices=[("no", gettext_lazy("No: close the case without a referral")),
                 ("yes", gettext_lazy("Yes: go on, for the reason below"))])
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(
        attrs={"rows": 3}))
    legal_ground = forms.CharField(label=gettext_lazy("Legal ground"), required=False)


class ConferenceForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision of the case conference"), widget=forms.RadioSelect,
        choices=[("refer", gettext_lazy("Refer to a partner")),
                 ("no_referral", gettext_lazy("No referral"))])
    participants = forms.CharField(label=gettext_lazy("Organisations present"),
                                   required=False)
    notes = forms.CharField(label=gettext_lazy("Notes (shared professional secrecy)"),
                            required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ChooseOfferForm(forms.Form):
    offer = forms.TypedChoiceField(label=gettext_lazy("Offer"), coerce=int,
                                   widget=forms.RadioSelect)
    summary = forms.CharField(
        label=gettext_lazy("What the partner needs to know"),
        help_text=gettext_lazy("The partner sees this and nothing else of the case file."),
        widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, offer_choices: list[tuple[int, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = offer_choices or []  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=gettext_lazy("Your answer"), widget=forms.RadioSelect,
                               choices=[("accepted", gettext_lazy("Accept")),
                                        ("declined", gettext_lazy("Decline"))])
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(
        attrs={"rows": 3}))


class EscalationForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("What now?"), widget=forms.RadioSelect,
        choices=[("wait", gettext_lazy("Wait for the partner's answer")),
                 ("withdraw", gettext_lazy("Withdraw the referral and choose another offer"))])
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(
        attrs={"rows": 2}))


class FirstContactForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("Date of first contact"),
                         widget=forms.DateInput(attrs={"type": "date"}))


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=ReferralOutcome.choices,
                                widget=forms.RadioSelect)
    domain = forms.ChoiceField(label=gettext_lazy("Life domain of re-inclusion"),
                               choices=[("", "—"), *LifeDomain.choices], required=False)
    note = forms.CharField(label=gettext_lazy("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why the case closes"),
                             widget=forms.Textarea(attrs={"rows": 3}))


# --- what each form does -------------------------------------------------------------------

def _referral(case: Case) -> Referral:
    referral = services.live_referral(case)
    if referral is None:
        raise Conflict(_("This case has no referral in progress."), code="no_referral")
    return referral


def _note(actor: User, case: Case, step: ProcessStep, kind: str, text: str,
          decision: str = "", participants: str = "") -> None:
    services.case_note_add(actor=actor, case_id=case.pk, kind=kind, text=text,
                           step_name=step.name, decision=decision, participants=participants)


def _assessment(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    services.assessment_record(actor=actor, case_id=case.pk, needs=d["needs"],
                               needs_notes=d["needs_notes"], protective=d["protective"],
                               protective_notes=d["protective_notes"], concerns=d["concerns"])
    return {"assessed": True}


def _consent(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    services.consent_record(actor=actor, case_id=case.pk, status=d["status"], note=d["note"])
    return {"consent": d["status"]}


def _override(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    if d["override"]:
        services.consent_override(actor=actor, case_id=case.pk, reason=d["reason"],
                                  legal_ground=d["legal_ground"])
    else:
        _note(actor, case, step, NoteKind.STEP, clean_reason(d["reason"]), "no_override")
    return {"override": bool(d["override"])}


def _conference(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    _note(actor, case, step, NoteKind.CONFERENCE, d["notes"], d["decision"], d["participants"])
    return {"conference_decision": d["decision"]}


def _choose_offer(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    reasons = d.get("_reasons", {}).get(d["offer"], [])
    referral = services.referral_send(actor=actor, case_id=case.pk, offer_id=d["offer"],
                                      summary=d["summary"], match_reasons=reasons)
    return {"referral_id": referral.pk}


def _answer(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    referral = _referral(case)
    services.referral_answer(actor=actor, referral_id=referral.pk,
                             accept=d["answer"] == "accepted", reason=d["reason"])
    return {"referral_answer": d["answer"]}


def _escalation(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    if d["decision"] == "withdraw":
        services.referral_withdraw(actor=actor, referral_id=_referral(case).pk,
                                   reason=d["reason"])
    else:
        _note(actor, case, step, NoteKind.STEP, clean_reason(d["reason"]), "wait")
    return {"escalation_decision": d["decision"]}


def _first_contact(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    on: date = d["on"]
    services.referral_first_contact(actor=actor, referral_id=_referral(case).pk, on=on)
    return {"first_contact": True}


def _outcome(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    services.referral_outcome(actor=actor, referral_id=_referral(case).pk,
                              outcome=d["outcome"], domain=d["domain"], note=d["note"])
    return {"outcome": d["outcome"]}


def _follow_up(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    _note(actor, case, step, NoteKind.FOLLOW_UP, d["note"])
    return {"follow_up_done": True}


def _close(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    # The process reaches its end right after this step: it is not stopped, it completes.
    services.case_close(actor=actor, case_id=case.pk, reason=d["reason"], stop_process=False)
    return {"closed": True}


def _done(actor: User, case: Case, step: ProcessStep, d: dict[str, Any]) -> Variables:
    _note(actor, case, step, NoteKind.STEP, d["note"])
    return {}


Apply = Callable[[User, Case, ProcessStep, dict[str, Any]], Variables]


@dataclass(frozen=True)
class TaskForm:
    form: type[forms.Form]
    apply: Apply


TASK_FORMS: dict[str, TaskForm] = {
    "assessment": TaskForm(AssessmentForm, _assessment),
    "consent": TaskForm(ConsentForm, _consent),
    "consent_override": TaskForm(OverrideForm, _override),
    "case_conference": TaskForm(ConferenceForm, _conference),
    "choose_offer": TaskForm(ChooseOfferForm, _choose_offer),
    "referral_answer": TaskForm(AnswerForm, _answer),
    "escalation": TaskForm(EscalationForm, _escalation),
    "first_contact": TaskForm(FirstContactForm, _first_contact),
    "outcome": TaskForm(OutcomeForm, _outcome),
    "follow_up": TaskForm(NoteForm, _follow_up),
    "close": TaskForm(CloseForm, _close),
    "done": TaskForm(NoteForm, _done),
}


def task_form(step: ProcessStep) -> TaskForm:
    return TASK_FORMS.get(step.form or "done", TASK_FORMS["done"])


def step_do(*, actor: User, step_id: int, data: dict[str, Any]) -> ProcessStep:
    """Do an inbox task: ``data`` is the form's cleaned data. Precondition: the step is open and
    meant for the actor's role in the actor's organisation (``access_step``)."""
    with transaction.atomic():
        step = access_step(actor=actor, id=step_id)
        instance = (ProcessInstance.objects.select_for_update(of=("self",))
                    .select_related("case", "definition").get(pk=step.instance_id))
        step.refresh_from_db()
        if step.status != StepStatus.OPEN:
            raise Conflict(_("Someone else has already done this task, or the process moved "
                             "on."), code="step_done")
        if instance.status != InstanceStatus.RUNNING:
            raise Conflict(_("This case's process is no longer running, so its tasks cannot "
                             "be done."), code="process_not_running")
        variables = task_form(step).apply(actor, instance.case, step, data)
        instance.case.refresh_from_db()
        workflow.step_complete(instance=instance, step=step, actor=actor, variables=variables)
        instance.refresh_from_db()
        if instance.case.status == CaseStatus.CLOSED and \
                instance.status == InstanceStatus.RUNNING:
            # A drawn process may go on after its "close" step: nothing is left to do there.
            workflow.instance_stop(instance=instance)
        audit_record(actor=actor, action="process.step", obj=instance.case,
                     organisation_id=actor.organisation_id,
                     details={"step": step.pk, "node": step.node_id, "form": step.form})
        step.refresh_from_db()
    return step

