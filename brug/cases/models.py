"""Case files, referrals and the BPMN process each case runs.

A case is about a person, named only by a pseudonymous label; what it holds is written by people
(needs, protective factors, concerns, goals). Nothing here is computed about the person: there
is no risk score, by design (DESIGN.md §3.1).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brug.accounts.models import Organisation
from brug.accounts.roles import Role
from brug.partners.models import Agreement, Offer
from brug.partners.vocab import LifeDomain
from brug.signals.models import Signal

USER = settings.AUTH_USER_MODEL


class ProcessDefinition(models.Model):
    """One version of a BPMN process (file + metadata). Running instances keep theirs."""

    key = models.CharField(_("key"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    process_id = models.CharField(max_length=200)
    bpmn = models.TextField()
    metadata = models.JSONField(default=dict)
    sha256 = models.CharField(max_length=64)
    shipped = models.BooleanField(default=False, help_text="Loaded from Brug's own files.")
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="process_key_version"),
            models.UniqueConstraint(fields=["key", "sha256"], name="process_key_sha"),
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class CaseOrigin(models.TextChoices):
    SIGNAL = "signal", _("A reviewed online signal")
    OBSERVATION = "observation", _("A worker's own observation")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Case(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="cases")
    subject_label = models.CharField(
        _("pseudonymous label"), max_length=60,
        help_text=_("A label for the person that is not their name, e.g. 'Client K-17'."))
    # The message author's keyed hash when the case comes from signals (never the handle).
    subject_pseudonym = models.CharField(max_length=64, blank=True, db_index=True)
    origin = models.CharField(_("origin"), max_length=16, choices=CaseOrigin.choices)
    observation = models.TextField(_("observation"), blank=True)
    signals = models.ManyToManyField(Signal, blank=True, related_name="cases")
    language = models.CharField(_("preferred language"), max_length=8, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="owned_cases",
                              verbose_name=_("case owner"))
    team: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        USER, blank=True, related_name="team_cases", verbose_name=_("team"))
    status = models.CharField(max_length=8, choices=CaseStatus.choices,
                              default=CaseStatus.OPEN)
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["organisation", "status", "opened_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"C-{self.pk:05d}" if self.pk else "C-new"


class ProtectiveFactor(models.TextChoices):
    FAMILY = "family", _("Supportive family or carer")
    TRUSTED_ADULT = "trusted_adult", _("A trusted adult")
    SCHOOL_WORK = "school_work", _("Attached to school or work")
    FRIENDS = "friends", _("Friends outside the milieu")
    LEISURE = "leisure", _("Hobbies, sport or a club")
    HELP_SEEKING = "help_seeking", _("Open to help")
    DOUBTS = "doubts", _("Voices doubts about the ideology")


class Assessment(models.Model):
    """A needs assessment written by people. The latest one counts; earlier ones stay."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assessments")
    needs = models.JSONField(_("needs"), default=list)
    needs_notes = models.TextField(_("needs, in words"), blank=True)
    protective = models.JSONField(_("protective factors"), default=list)
    protective_notes = models.TextField(_("protective factors, in words"), blank=True)
    concerns = models.TextField(_("concerns"), blank=True)
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Working on it")
    ACHIEVED = "achieved", _("Achieved")
    DROPPED = "dropped", _("Dropped")


class Goal(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(_("goal"))
    domain = models.CharField(_("life domain"), max_length=16, choices=LifeDomain.choices,
                              blank=True)
    agreed_with_person = models.BooleanField(_("agreed with the person"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=GoalStatus.choices,
                              default=GoalStatus.OPEN)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]


class ConsentStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    NOT_POSSIBLE = "not_possible", _("Not possible to ask")


class Consent(models.Model):
    """The person's consent to sharing and referral, as recorded (latest counts)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    status = models.CharField(_("consent"), max_length=16, choices=ConsentStatus.choices)
    note = models.TextField(_("how it was asked"), blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]


class ConsentOverride(models.Model):
    """A supervisor's decision to proceed without consent, with the reason (logged)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="overrides")
    supervisor = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    legal_ground = models.TextField(_("legal ground"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class NoteKind(models.TextChoices):
    CONFERENCE = "conference", _("Case conference")
    FOLLOW_UP = "follow_up", _("Follow-up")
    STEP = "step", _("Step note")


class CaseNote(models.Model):
    """What people wrote while doing a step: a case-conference record, a follow-up, a note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    kind = models.CharField(max_length=12, choices=NoteKind.choices)
    step_name = models.CharField(max_length=200, blank=True)
    decision = models.CharField(max_length=20, blank=True)
    participants = models.TextField(_("participants"), blank=True)
    text = models.TextField(_("note"), blank=True)
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Waiting for the partner")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ENDED = "ended", _("Outcome recorded")


class ReferralOutcome(models.TextChoices):
    ENGAGED = "engaged", _("Engaged")
    NOT_ENGAGED = "not_engaged", _("Not engaged")
    COMPLETED = "completed", _("Completed")
    DROPPED_OUT = "dropped_out", _("Dropped out")


class Referral(models.Model):
    """A case referred to one partner offer; the partner sees this and nothing else."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                related_name="referrals_received")
    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="referrals")
    summary = models.TextField(_("what the partner needs to know"))
    match_reasons = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=ReferralStatus.choices,
                              default=ReferralStatus.SENT)
    sent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    answered_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_reason = models.TextField(blank=True)
    withdraw_reason = models.TextField(blank=True)
    place_taken = models.BooleanField(default=False)
    first_contact_on = models.DateField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=ReferralOutcome.choices, blank=True)
    outcome_domain = models.CharField(max_length=16, choices=LifeDomain.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["partner", "status"])]
        constraints = [models.UniqueConstraint(
            fields=["case"], condition=Q(status__in=["sent", "accepted"]),
            name="one_live_referral_per_case")]


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped: the case was closed")
    ERROR = "error", _("Stopped by an error")


class ProcessInstance(models.Model):
    """The engine state of a case's process, saved after every step."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="process")
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT,
                                   related_name="instances")
    definition_sha256 = models.CharField(max_length=64)
    state = models.TextField()
    status = models.CharField(max_length=10, choices=InstanceStatus.choices,
                              default=InstanceStatus.RUNNING)
    error = models.TextField(blank=True)
    next_timer_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_timer_at"])]


class StepStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class ProcessStep(models.Model):
    """A step of a process instance: an inbox item while open, history once done."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE,
                                 related_name="steps")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    task_id = models.CharField(max_length=36)
    node_id = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12)  # user, service, timer, event, subprocess
    lane_id = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=32, choices=Role.choices, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+")
    form = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=StepStatus.choices)
    opened_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [models.Index(fields=["organisation", "role", "status", "opened_at"])]
        constraints = [models.UniqueConstraint(fields=["instance", "task_id"],
                                               name="step_task_once")]
