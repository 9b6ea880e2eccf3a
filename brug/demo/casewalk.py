"""Walking one demo case through its process (for ``brug.demo.cases``).

A case is opened with ``case_open`` and moved on only by what people do in their inbox
(``taskforms.step_do``, the one service behind every task) and by the timer sweep the worker
runs (``workflow.timers_sweep``), while ``time_machine`` moves the clock between the steps: so
every timestamp the services write (case, steps, referral, audit entry) lies where it would
have in real life. People act in office hours; timers fire when due.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import time_machine
from django.db import transaction
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.cases import services as cases
from brug.cases import taskforms, workflow
from brug.cases.models import (
    Assessment,
    Case,
    GoalStatus,
    InstanceStatus,
    ProcessInstance,
    ProcessStep,
    StepStatus,
)
from brug.errors import Conflict
from brug.partners.matching import offers_propose
from brug.partners.models import Offer
from brug.partners.vocab import LifeDomain, OfferKind

from . import casedata as text
from .casedata import Story

TO_BE, AS_IS = "to_be", "as_is"

# How long people take for each step, in days (uniform between the two). AS-IS: an e-mail to
# the case table, its next meeting (the process's 14-day timer, sometimes the one after),
# phoning partners, slow answers. TO-BE: the same people, with an inbox and reminders.
PACE: dict[str, dict[str, tuple[float, float]]] = {
    TO_BE: {"assessment": (0.1, 1.5), "consent": (0.2, 1.5), "consent_override": (0.2, 1.5),
            "case_conference": (0.5, 3), "choose_offer": (0.1, 1), "referral_answer": (0.2, 3),
            "escalation": (0.2, 1.5), "first_contact": (0.5, 3), "follow_up": (1, 10),
            "close": (0.1, 3)},
    AS_IS: {"done": (0.5, 5), "case_conference": (0.05, 0.3), "postponed": (14, 14.3),
            "choose_offer": (2, 12), "referral_answer": (5, 28), "first_contact": (5, 20),
            "close": (1, 20)},
}
# From first contact to the recorded outcome: engagement shows early, completion takes months.
OUTCOME_PACE = {"completed": (30, 65), "engaged": (14, 35), "dropped_out": (10, 40),
                "not_engaged": (3, 15)}
KIND_DOMAIN: dict[str, str] = {
    OfferKind.YOUTH_WORK: LifeDomain.LEISURE, OfferKind.MENTORING: LifeDomain.LEISURE,
    OfferKind.JOB_COACHING: LifeDomain.WORK, OfferKind.HOUSING: LifeDomain.HOUSING,
    OfferKind.FAMILY_SUPPORT: LifeDomain.FAMILY, OfferKind.SCHOOL_REINTEGRATION: LifeDomain.SCHOOL,
    OfferKind.MENTAL_HEALTH: LifeDomain.HEALTH}


# --- the moving clock -------------------------------------------------------------------------

def office(moment: datetime, rng: random.Random) -> datetime:
    """The same moment if it falls in office hours, else the next working morning."""
    local = timezone.localtime(moment)
    if local.hour >= 17:
        local = (local + timedelta(days=1)).replace(hour=9, minute=rng.randrange(60))
    elif local.hour < 9:
        local = local.replace(hour=9, minute=rng.randrange(60))
    while local.weekday() >= 5:
        local += timedelta(days=1)
    return local


def office_before(moment: datetime, rng: random.Random) -> datetime:
    """The same moment if it falls in office hours, else the last working afternoon before."""
    local = timezone.localtime(moment)
    if local.hour < 9:
        local = (local - timedelta(days=1)).replace(hour=16, minute=rng.randrange(60))
    elif local.hour >= 17:
        local = local.replace(hour=16, minute=rng.randrange(60))
    while local.weekday() >= 5:
        local -= timedelta(days=1)
    return local


class Pace:
    """Moves the travelling clock between the steps of one case, only ever forward and never
    past ``limit`` (the real now, less a margin). History takes how long each step took from
    the plan's ``delays``; an open case of today gives each step its age instead (``ages``,
    days ago)."""

    def __init__(self, traveller: Any, rng: random.Random, limit: datetime,
                 plan: Plan) -> None:
        self.traveller, self.rng, self.limit = traveller, rng, limit
        self.delays = {name: list(values) for name, values in plan.delays.items()}
        self.ages = plan.ages
        self.clamped = False

    def to(self, moment: datetime) -> None:
        if moment > self.limit:
            moment, self.clamped = self.limit, True
        if moment > timezone.now():
            self.traveller.move_to(moment)

    def step(self, name: str, before: datetime | None = None) -> None:
        """Move on to when a person does step ``name`` (in office hours), at least a few
        minutes after the last thing that happened, and before ``before`` if given (a timer
        that must not fire first)."""
        now = timezone.now()
        soonest = office(now + timedelta(minutes=self.rng.randrange(5, 40)), self.rng)
        if self.ages is not None:
            age = self.ages.get(name)
            target = soonest if age is None else office_before(
                self.limit - timedelta(days=age), self.rng)
        else:
            drawn = self.delays.get(name) or [0.5]
            days = drawn.pop(0) if len(drawn) > 1 else drawn[0]
            target = office(now + timedelta(days=days), self.rng)
            margin = timedelta(minutes=self.rng.randrange(20, 120))
            if before is not None and target > before - margin:
                target = office_before(before - margin, self.rng)
        self.to(max(target, soonest))

    def fire(self, case: Case) -> None:
        """Let the case's next timer come due and run the sweep, as the worker does."""
        due = ProcessInstance.objects.get(case=case).next_timer_at
        if due is None:
            raise Conflict(f"Demo case {case.subject_label} waits for no timer.")
        self.to(due + timedelta(minutes=self.rng.randrange(1, 4)))
        workflow.timers_sweep()


# --- one case -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Team:
    workers: tuple[User, ...]
    supervisor: User
    partners: dict[int, User]


@dataclass
class Plan:
    """One demo case: who it is about (pseudonymously), its path and how it is paced."""

    label: str
    process: str
    story: Story
    language: str
    region: str
    age: int
    path: str
    seed: int
    start: datetime = field(default_factory=timezone.now)
    outcome: str = "completed"
    delays: dict[str, list[float]] = field(default_factory=dict)  # days each step takes
    stop: str = ""                 # an open case stops before this step ("" runs to the end)
    ages: dict[str, float] | None = None
    partner: str = ""              # an open case's preferred partner (an OrganisationType)


def _do(case: Case, form: str, actor: User, data: dict[str, Any]) -> None:
    step = (ProcessStep.objects.filter(case=case, form=form, status=StepStatus.OPEN)
            .order_by("opened_at", "id").first())
    if step is None:
        raise Conflict(f"Demo case {case.subject_label}: no open step “{form}”.")
    taskforms.step_do(actor=actor, step_id=step.pk, data=data)


def _choose(case: Case, plan: Plan, rng: random.Random, excluded: set[int],
            organisations: dict[str, Organisation]) -> tuple[Offer, list[str]]:
    """The offer the worker picks among Brug's referable proposals: TO-BE the best one (or the
    preferred partner's), AS-IS one of a few the worker happens to know."""
    assessment = Assessment.objects.filter(case=case).order_by("-created_at", "-id").first()
    needs = list(assessment.needs) if assessment else []
    proposals = []
    for wanted in (needs, []):
        proposals = [p for p in offers_propose(
            from_org_id=case.organisation_id, needs=wanted, language=case.language,
            region=case.region, age=case.age) if p.referable and p.offer.pk not in excluded]
        if proposals:
            break
    if not proposals:
        raise Conflict(f"Demo case {case.subject_label}: no offer can take a referral.")
    if plan.partner:
        preferred = [p for p in proposals
                     if p.offer.organisation_id == organisations[plan.partner].pk]
        proposals = preferred or proposals
    pick = proposals[0] if plan.process == TO_BE else rng.choice(proposals[:4])
    return pick.offer, list(pick.reasons)


def _close(case: Case, worker: User, pace: Pace, reason: str) -> None:
    pace.step("close")
    _do(case, "close", worker, {"reason": text.CLOSE_REASONS[reason]})


def _finish(case: Case, plan: Plan, team: Team, pace: Pace, rng: random.Random,
            offer: Offer, partner: User) -> None:
    """From an accepted referral to the outcome (and, TO-BE, follow-up and closing)."""
    worker, outcome = case.owner, plan.outcome
    if plan.stop == "first_contact":
        return
    pace.step("first_contact")
    _do(case, "first_contact", partner, {"on": timezone.localdate()})
    pace.step("outcome")
    reinclusion = outcome in ("completed", "engaged")
    _do(case, "outcome", partner, {
        "outcome": outcome, "note": text.OUTCOME_NOTES[outcome],
        "domain": KIND_DOMAIN.get(offer.kind, LifeDomain.LEISURE) if reinclusion else ""})
    if plan.process == AS_IS:
        return
    pace.step("follow_up")
    for goal in case.goals.all():
        status = (GoalStatus.ACHIEVED if outcome == "completed" else GoalStatus.DROPPED
                  if not reinclusion else None)
        if status is not None:
            cases.goal_update(actor=worker, goal_id=goal.pk, status=status)
    _do(case, "follow_up", worker, {"note": text.FOLLOW_UP_NOTES[outcome]})
    _close(case, worker, pace, "referred")


def _assessment(plan: Plan) -> dict[str, Any]:
    story = plan.story
    return {"needs": list(story.needs), "needs_notes": story.needs_notes,
            "protective": list(story.protective), "protective_notes": story.protective_notes,
            "concerns": story.concerns}


def _walk_to_be(case: Case, plan: Plan, team: Team, pace: Pace, rng: random.Random,
                organisations: dict[str, Organisation]) -> None:
    worker, supervisor, story, path = case.owner, team.supervisor, plan.story, plan.path
    if plan.stop == "assessment":
        return
    pace.step("assessment")
    _do(case, "assessment", worker, _assessment(plan))
    for number, (goal, domain) in enumerate(story.goals):
        cases.goal_add(actor=worker, case_id=case.pk, text=goal, domain=domain,
                       agreed_with_person=number == 0 or rng.random() < 0.8)
    if plan.stop == "consent":
        return
    pace.step("consent")
    consent = {"override_yes": "refused", "override_no": "not_possible"}.get(path, "given")
    _do(case, "consent", worker, {"status": consent, "note": text.CONSENT_NOTES[consent]})
    if consent != "given":
        pace.step("consent_override")
        go_on = path == "override_yes"
        _do(case, "consent_override", supervisor, {
            "override": go_on, "reason": text.OVERRIDE_REASON if go_on
            else text.NO_OVERRIDE_REASON, "legal_ground": text.OVERRIDE_GROUND if go_on else ""})
        if not go_on:
            _close(case, worker, pace, "no_consent")
            return
    if plan.stop == "case_conference":
        return
    pace.step("case_conference")
    refer = path != "no_referral"
    _do(case, "case_conference", supervisor, {
        "decision": "refer" if refer else "no_referral", "participants": text.PARTICIPANTS,
        "notes": text.CONFERENCE_REFER if refer else text.CONFERENCE_NONE})
    if not refer:
        _close(case, worker, pace, "no_referral")
        return
    excluded: set[int] = set()
    declines = 1 if path == "decline_second" else 0
    while True:
        if plan.stop == "choose_offer":
            return
        pace.step("choose_offer")
        offer, reasons = _choose(case, plan, rng, excluded, organisations)
        _do(case, "choose_offer", worker, {
            "offer": offer.pk, "summary": story.summary.format(age=plan.age),
            "_reasons": {offer.pk: reasons}})
        partner = team.partners[offer.organisation_id]
        if plan.stop == "referral_answer":
            return
        if path.startswith("remind"):
            pace.fire(case)                      # five working days: the first reminder
            if path.startswith("remind_twice"):
                pace.fire(case)                  # again: the supervisor follows up
                pace.step("escalation")
                wait = path == "remind_twice_wait"
                _do(case, "escalation", supervisor, {
                    "decision": "wait" if wait else "withdraw",
                    "reason": text.WAIT_REASON if wait else text.WITHDRAW_REASON})
                path = "standard"
                if not wait:
                    excluded.add(offer.pk)
                    continue
        pace.step("referral_answer", before=ProcessInstance.objects.get(case=case)
                  .next_timer_at)
        if declines:
            declines -= 1
            excluded.add(offer.pk)
            _do(case, "referral_answer", partner, {
                "answer": "declined", "reason": rng.choice(text.DECLINE_REASONS)})
            continue
        _do(case, "referral_answer", partner, {
            "answer": "accepted", "reason": rng.choice(text.ACCEPT_REASONS)})
        _finish(case, plan, team, pace, rng, offer, partner)
        return


def _walk_as_is(case: Case, plan: Plan, team: Team, pace: Pace, rng: random.Random,
                organisations: dict[str, Organisation]) -> None:
    """Today's path: the worker writes the worry down and e-mails the case table, which
    discusses it at its next meeting; the worker then phones a partner they know."""
    worker, supervisor, path = case.owner, team.supervisor, plan.path
    cases.assessment_record(actor=worker, case_id=case.pk, **_assessment(plan))
    pace.step("done")
    _do(case, "done", worker, {"note": text.EMAIL_NOTE})
    if plan.stop == "case_conference":
        return                                   # waiting for the next meeting
    pace.fire(case)                              # the case table meets
    pace.step("postponed" if path == "postponed" else "case_conference")
    refer = path != "no_referral"
    _do(case, "case_conference", supervisor, {
        "decision": "refer" if refer else "no_referral",
        "participants": text.TABLE_PARTICIPANTS,
        "notes": text.TABLE_REFER if refer else text.TABLE_NONE})
    if refer:
        pace.step("choose_offer")
        # Brug refuses a referral without recorded consent, whatever the process says.
        cases.consent_record(actor=worker, case_id=case.pk, status="given",
                             note=text.PHONE_CONSENT_NOTE)
        offer, _reasons = _choose(case, plan, rng, set(), organisations)
        _do(case, "choose_offer", worker, {
            "offer": offer.pk, "summary": plan.story.summary.format(age=plan.age)})
        if plan.stop == "referral_answer":
            return                               # nobody chases the partner
        partner = team.partners[offer.organisation_id]
        pace.step("referral_answer")
        accept = path != "declined_stop"
        _do(case, "referral_answer", partner, {
            "answer": "accepted" if accept else "declined",
            "reason": rng.choice(text.ACCEPT_REASONS if accept else text.DECLINE_REASONS)})
        if accept:
            _finish(case, plan, team, pace, rng, offer, partner)
    # Nothing in the old way closes the file; the worker does when tidying the case list.
    pace.step("close")
    cases.case_close(actor=worker, case_id=case.pk, reason=text.CLOSE_REASONS["as_is"])


def walk(plan: Plan, team: Team, organisations: dict[str, Organisation],
         limit: datetime) -> tuple[Case, bool]:
    """Open the plan's case at ``plan.start`` and walk it (to the end, or to ``plan.stop``) in
    one transaction, never past ``limit``. Returns the case and whether the clock had to stop
    at ``limit`` (the plan's steps did not fit before today)."""
    rng = random.Random(plan.seed)
    worker = team.workers[plan.seed % len(team.workers)]
    with transaction.atomic(), time_machine.travel(plan.start, tick=False) as traveller:
        pace = Pace(traveller, rng, limit, plan)
        case = cases.case_open(actor=worker, subject_label=plan.label,
                               observation=plan.story.observation, language=plan.language,
                               region=plan.region, age=plan.age, process_key=plan.process)
        steps = _walk_to_be if plan.process == TO_BE else _walk_as_is
        steps(case, plan, team, pace, rng, organisations)
        if not plan.stop and ProcessInstance.objects.get(case=case).status != \
                InstanceStatus.COMPLETED:
            raise Conflict(f"Demo case {plan.label} did not complete its process.")
    return case, pace.clamped
