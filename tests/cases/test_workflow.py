"""The cases app's engine glue on the database: instances saved after every step, restored
after a "restart", timers fired by the periodic background job, a broken instance isolated."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.audit.models import AuditEntry
from brug.audit.services import audit_verify
from brug.cases import taskforms, workflow
from brug.cases.engine import parsing
from brug.cases.models import (
    Case,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    ProcessStep,
    Referral,
    StepStatus,
)
from brug.cases.services import case_open
from brug.cases.tasks import process_timers_due
from brug.partners.models import Offer
from tests.factories import run_jobs
from tests.partners.helpers import make_agreement, make_offer

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def offer(org: Organisation, partner_org: Organisation) -> Offer:
    make_agreement(org, partner_org, starts_on=datetime.date(2020, 1, 1),
                   expires_on=datetime.date(2100, 1, 1))
    return make_offer(partner_org, languages=["nl"], needs=["leisure"], capacity=2)


def _open(actor: User) -> Case:
    return case_open(actor=actor, subject_label="Client K-17",
                     observation="Shares recruitment videos at the youth centre.",
                     language="nl", region="Mechelen")


def _do(case: Case, form: str, actor: User, data: dict[str, Any]) -> ProcessStep:
    step = ProcessStep.objects.get(case=case, form=form, status=StepStatus.OPEN)
    return taskforms.step_do(actor=actor, step_id=step.pk, data=data)


def _to_partner(case: Case, worker: User, supervisor: User, offer: Offer) -> None:
    _do(case, "assessment", worker, {"needs": ["leisure"], "needs_notes": "", "protective": [],
                                     "protective_notes": "", "concerns": ""})
    _do(case, "consent", worker, {"status": "given", "note": "Asked in person."})
    _do(case, "case_conference", supervisor, {"decision": "refer", "participants": "LIVC-R",
                                              "notes": ""})
    _do(case, "choose_offer", worker, {"offer": offer.pk,
                                       "summary": "Needs a place to belong after school."})


def _open_forms(case: Case) -> list[tuple[str, str, int | None]]:
    return sorted((s.form, s.role, s.organisation_id)
                  for s in ProcessStep.objects.filter(case=case, status=StepStatus.OPEN))


def test_a_new_case_runs_the_latest_to_be_version_and_opens_the_first_task(
        prevention_worker: User, org: Organisation) -> None:
    case = _open(prevention_worker)
    instance = case.process
    definition = ProcessDefinition.objects.get(key="to_be")
    assert instance.definition == definition
    assert instance.definition_sha256 == definition.sha256 == parsing.inspect(
        definition.bpmn.encode()).sha256
    assert instance.status == InstanceStatus.RUNNING
    assert _open_forms(case) == [("assessment", "prevention_worker", org.pk)]
    done = list(ProcessStep.objects.filter(case=case, status=StepStatus.DONE)
                .values_list("node_id", flat=True))
    assert done == ["StartEvent_CaseOpened"]


def test_state_survives_a_restart_mid_process(
        prevention_worker: User, supervisor: User, partner_caseworker: User,
        offer: Offer, partner_org: Organisation) -> None:
    case = _open(prevention_worker)
    _to_partner(case, prevention_worker, supervisor, offer)
    revision = ProcessInstance.objects.get(case=case).revision
    # A restart: no cached specs, everything comes back from the database.
    parsing._SPECS.clear()
    assert _open_forms(case) == [("referral_answer", "partner_caseworker", partner_org.pk)]
    _do(case, "referral_answer", partner_caseworker, {"answer": "accepted",
                                                      "reason": "We have a place in March."})
    instance = ProcessInstance.objects.get(case=case)
    assert instance.revision == revision + 1
    assert _open_forms(case) == [("first_contact", "partner_caseworker", partner_org.pk)]


def test_full_path_completes_and_records_who_did_each_step(
        prevention_worker: User, supervisor: User, partner_caseworker: User,
        offer: Offer) -> None:
    case = _open(prevention_worker)
    _to_partner(case, prevention_worker, supervisor, offer)
    _do(case, "referral_answer", partner_caseworker, {"answer": "accepted",
                                                      "reason": "We have a place in March."})
    _do(case, "first_contact", partner_caseworker, {"on": timezone.localdate()})
    _do(case, "outcome", partner_caseworker, {"outcome": "completed", "domain": "leisure",
                                              "note": ""})
    _do(case, "follow_up", prevention_worker, {"note": "Goes to the club twice a week."})
    _do(case, "close", prevention_worker, {"reason": "Support in place, goals met."})
    instance = ProcessInstance.objects.get(case=case)
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.next_timer_at is None
    people = dict(ProcessStep.objects.filter(case=case, kind="user")
                  .values_list("form", "completed_by__username"))
    assert people["referral_answer"] == partner_caseworker.username
    assert people["case_conference"] == supervisor.username
    assert people["close"] == prevention_worker.username
    assert ProcessStep.objects.filter(case=case, status=StepStatus.OPEN).count() == 0
    assert Offer.objects.get(pk=offer.pk).capacity == 2  # taken on accept, given back


def test_no_answer_reminds_then_escalates_through_the_periodic_job(
        prevention_worker: User, supervisor: User, offer: Offer, org: Organisation,
        partner_org: Organisation, django_capture_on_commit_callbacks: Any) -> None:
    with time_machine.travel(MONDAY, tick=False) as clock:
        case = _open(prevention_worker)
        _to_partner(case, prevention_worker, supervisor, offer)
        instance = ProcessInstance.objects.get(case=case)
        # Five working days from Monday 09:00 is the next Monday 09:00.
        due = MONDAY + datetime.timedelta(days=7)
        assert due < instance.next_timer_at <= due + datetime.timedelta(milliseconds=1)

        clock.shift(datetime.timedelta(days=4))  # Friday: not yet
        with django_capture_on_commit_callbacks(execute=True):
            process_timers_due.enqueue()
        run_jobs()
        assert Referral.objects.get(case=case).reminders == 0

        clock.shift(datetime.timedelta(days=4))  # Tuesday after: first reminder
        with django_capture_on_commit_callbacks(execute=True):
            process_timers_due.enqueue()
        run_jobs()
        assert Referral.objects.get(case=case).reminders == 1
        assert _open_forms(case) == [("referral_answer", "partner_caseworker", partner_org.pk)]
        cancelled = ProcessStep.objects.filter(case=case, status=StepStatus.CANCELLED)
        assert [s.form for s in cancelled] == ["referral_answer"]

        clock.shift(datetime.timedelta(days=8))  # second timeout: reminder + supervisor
        with django_capture_on_commit_callbacks(execute=True):
            process_timers_due.enqueue()
        run_jobs()
        assert Referral.objects.get(case=case).reminders == 2
        assert ("escalation", "supervisor", org.pk) in _open_forms(case)
    assert AuditEntry.objects.filter(action="process.handler.remind_partner").count() == 2
    assert audit_verify().ok


def test_the_sweep_loads_only_due_instances_and_isolates_a_broken_one(
        prevention_worker: User, supervisor: User, offer: Offer,
        django_assert_max_num_queries: Any) -> None:
    offer.capacity = 5
    offer.save()
    with time_machine.travel(MONDAY, tick=False) as clock:
        cases = [_open(prevention_worker) for _ in range(3)]
        for case in cases:
            _to_partner(case, prevention_worker, supervisor, offer)
            Referral.objects.filter(case=case).update(status="declined")  # free the slot
        with django_assert_max_num_queries(1):
            assert workflow.timers_sweep().due == 0  # nothing due: one indexed query
        ProcessInstance.objects.filter(case=cases[0]).update(state="{broken")
        clock.shift(datetime.timedelta(days=8))
        result = workflow.timers_sweep()
    assert (result.due, result.advanced, result.failed) == (3, 2, 1)
    broken = ProcessInstance.objects.get(case=cases[0])
    assert broken.status == InstanceStatus.ERROR and "cannot be read" in broken.error
    assert ProcessInstance.objects.get(case=cases[1]).status == InstanceStatus.RUNNING


def test_a_new_version_leaves_running_cases_on_theirs(
        prevention_worker: User, administrator: User) -> None:
    case = _open(prevention_worker)
    first = case.process.definition
    folder = workflow.PROCESSES_DIR / "to_be"
    bpmn = (folder / "to_be.bpmn").read_bytes().replace(b'name="Assess needs"',
                                                          b'name="Assess the needs"')
    import json
    second = workflow.definition_store(
        bpmn=bpmn, metadata=json.loads((folder / "to_be.json").read_text()),
        actor=administrator)
    assert second.version == first.version + 1
    newer = _open(prevention_worker)
    assert newer.process.definition == second
    case.refresh_from_db()
    assert case.process.definition == first
    _do(case, "assessment", prevention_worker, {
        "needs": ["leisure"], "needs_notes": "", "protective": [], "protective_notes": "",
        "concerns": ""})
    assert _open_forms(case)[0][0] == "consent"
