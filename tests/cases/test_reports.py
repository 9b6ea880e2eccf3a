"""The AS-IS vs TO-BE report: durations per step and end to end, per process version.

The report is a read model, so the cases, steps and referrals here are written directly with
known timestamps.
"""

from __future__ import annotations

import datetime
import itertools
import re
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brug.accounts.models import Organisation, User
from brug.cases import taskforms, workflow
from brug.cases.models import (
    Case,
    CaseOrigin,
    CaseStatus,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    ProcessStep,
    Referral,
    ReferralStatus,
    StepStatus,
)
from brug.cases.reports import (
    Figure,
    Report,
    percentile,
    process_report,
    report_chart,
)
from brug.cases.services import case_open
from brug.cases.workflow import definition_store
from brug.errors import NotAllowed
from brug.partners.models import Offer
from tests.factories import login, make_message, make_signal, make_source
from tests.partners.helpers import make_agreement, make_offer

from .test_processes_views import bpmn, metadata

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)
_task = itertools.count(1)
TO_BE = workflow.PROCESSES_DIR / "to_be" / "to_be.bpmn"


def at(days: float) -> datetime.datetime:
    return T0 + days * DAY


@pytest.fixture
def as_is() -> ProcessDefinition:
    return definition_store(bpmn=bpmn("Answer (as is)"), metadata=metadata("old_way", "As is"),
                            actor=None)


@pytest.fixture
def to_be() -> ProcessDefinition:
    return definition_store(bpmn=bpmn("Answer (to be)"), metadata=metadata("new_way", "To be"),
                            actor=None)


@pytest.fixture
def offer(partner_org: Organisation) -> Offer:
    return make_offer(partner_org)


def make_case(definition: ProcessDefinition, owner: User, *, opened: float = 0,
              origin: str = CaseOrigin.OBSERVATION, closed: bool = False) -> Case:
    assert owner.organisation is not None
    case = Case.objects.create(organisation=owner.organisation, subject_label="Client",
                               origin=origin, owner=owner,
                               status=CaseStatus.CLOSED if closed else CaseStatus.OPEN)
    Case.objects.filter(pk=case.pk).update(opened_at=at(opened))
    instance = ProcessInstance.objects.create(
        case=case, definition=definition, definition_sha256=definition.sha256, state="{}",
        status=InstanceStatus.COMPLETED if closed else InstanceStatus.RUNNING)
    ProcessInstance.objects.filter(pk=instance.pk).update(started_at=at(opened))
    return case


def step(case: Case, node_id: str, *, kind: str = "user", opened: float,
         done: float | None = None, status: str | None = None, name: str = "") -> ProcessStep:
    return ProcessStep.objects.create(
        instance=case.process, case=case, task_id=f"t{next(_task)}", node_id=node_id,
        name=name or node_id, kind=kind, role="prevention_worker" if kind == "user" else "",
        status=status or (StepStatus.DONE if done is not None else StepStatus.OPEN),
        opened_at=at(opened), completed_at=at(done) if done is not None else None)


def refer(case: Case, offer: Offer, *, status: str = ReferralStatus.ACCEPTED,
          answered: float | None = None, contact: float | None = None,
          outcome: float | None = None) -> Referral:
    return Referral.objects.create(
        case=case, offer=offer, partner=offer.organisation, summary="Needs a place to belong.",
        status=status, sent_by=case.owner,
        answered_at=at(answered) if answered is not None else None,
        first_contact_at=at(contact) if contact is not None else None,
        outcome_at=at(outcome) if outcome is not None else None)


def _do(case: Case, form: str, actor: User, data: dict[str, Any]) -> None:
    step = ProcessStep.objects.get(case=case, form=form, status=StepStatus.OPEN)
    taskforms.step_do(actor=actor, step_id=step.pk, data=data)


def versions(report: Report) -> dict[str, Any]:
    return {v.short_label: v for v in report.versions}


def milestone(report: Report, label: str, key: str) -> Any:
    return next(m for m in versions(report)[label].milestones if m.key == key)


# --- the figures -----------------------------------------------------------------------------

def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([10, 20, 30, 40, 50], 90) == pytest.approx(46.0)
    assert percentile([2, 4, 9], 90) == pytest.approx(8.0)
    assert percentile([7], 90) == 7
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert Figure.of([]) == Figure(0, None, None)
    assert Figure.of([1, 2, 3]).small and not Figure.of([1, 2, 3, 4, 5]).small


# --- end to end --------------------------------------------------------------------------------

def test_end_to_end_medians_and_p90_per_version(
        prevention_worker: User, as_is: ProcessDefinition, to_be: ProcessDefinition,
        offer: Offer) -> None:
    # AS-IS: five cases, first contact after 10, 20, 30, 40 and 50 days.
    for days in (10, 20, 30, 40, 50):
        case = make_case(as_is, prevention_worker, opened=0, closed=True)
        refer(case, offer, status=ReferralStatus.ENDED, answered=days / 2, contact=days,
              outcome=days + 30)
    # ... and one still open that has not got that far.
    make_case(as_is, prevention_worker, opened=1)
    # TO-BE: three cases, first contact after 2, 4 and 9 days.
    for days in (2, 4, 9):
        case = make_case(to_be, prevention_worker, opened=3)
        refer(case, offer, answered=3 + days / 2, contact=3 + days)

    report = process_report(actor=prevention_worker)

    assert [v.short_label for v in report.versions] == ["NEW-WAY v1", "OLD-WAY v1"]
    old = milestone(report, "OLD-WAY v1", "first_contact")
    assert (old.figure.n, old.figure.median, old.figure.p90) == (5, 30, pytest.approx(46.0))
    assert not old.figure.small
    assert (old.open_without, old.closed_without) == (1, 0)
    accepted = milestone(report, "OLD-WAY v1", "accepted").figure
    assert (accepted.n, accepted.median, accepted.p90) == (5, 15, pytest.approx(23.0))
    outcome = milestone(report, "OLD-WAY v1", "outcome").figure
    assert (outcome.n, outcome.median) == (5, 60)
    new = milestone(report, "NEW-WAY v1", "first_contact").figure
    assert (new.n, new.median, new.p90) == (3, 4, pytest.approx(8.0))
    assert new.small
    new_outcome = milestone(report, "NEW-WAY v1", "outcome")
    assert (new_outcome.figure.n, new_outcome.open_without) == (0, 3)
    assert (versions(report)["OLD-WAY v1"].cases, versions(report)["OLD-WAY v1"].open_cases) \
        == (6, 1)


def test_a_case_from_signals_starts_at_its_earliest_signal(
        prevention_worker: User, to_be: ProcessDefinition, offer: Offer,
        org: Organisation) -> None:
    source = make_source(org)
    case = make_case(to_be, prevention_worker, opened=10, origin=CaseOrigin.SIGNAL)
    for days in (7, 4):  # arrived 3 and 6 days before the case was opened
        case.signals.add(make_signal(make_message(source), created_at=at(days)))
    refer(case, offer, answered=12, contact=14)
    # A case from an observation starts when it was opened, even with a signal linked later.
    later = make_case(to_be, prevention_worker, opened=10)
    later.signals.add(make_signal(make_message(source), created_at=at(0)))
    refer(later, offer, answered=12, contact=14)

    figure = milestone(process_report(actor=prevention_worker), "NEW-WAY v1",
                       "first_contact").figure
    # 14 - 4 = 10 days from the earliest signal; 14 - 10 = 4 days from opening.
    assert (figure.n, figure.median, figure.p90) == (2, 7, pytest.approx(9.4))


def test_only_accepted_referrals_count_as_accepted(
        prevention_worker: User, to_be: ProcessDefinition, offer: Offer) -> None:
    declined = make_case(to_be, prevention_worker)
    refer(declined, offer, status=ReferralStatus.DECLINED, answered=1)
    second_try = make_case(to_be, prevention_worker)
    refer(second_try, offer, status=ReferralStatus.DECLINED, answered=1)
    refer(second_try, offer, status=ReferralStatus.WITHDRAWN, answered=6)  # accepted, withdrawn
    figure = milestone(process_report(actor=prevention_worker), "NEW-WAY v1", "accepted")
    assert (figure.figure.n, figure.figure.median, figure.open_without) == (1, 6, 1)


def test_cases_of_another_organisation_are_not_counted(
        prevention_worker: User, outsider: User, to_be: ProcessDefinition,
        offer: Offer) -> None:
    ours = make_case(to_be, prevention_worker)
    refer(ours, offer, contact=3)
    step(ours, "Task_Assess", opened=0, done=1)
    theirs = make_case(to_be, outsider)
    refer(theirs, offer, contact=300)
    step(theirs, "Task_Assess", opened=0, done=100)

    report = process_report(actor=prevention_worker)
    version = versions(report)["NEW-WAY v1"]
    assert version.cases == 1
    assert milestone(report, "NEW-WAY v1", "first_contact").figure.median == 3
    assert [(s.node_id, s.done, s.figure.median) for s in version.steps] == \
        [("Task_Assess", 1, 1)]
    assert versions(process_report(actor=outsider))["NEW-WAY v1"].cases == 1


def test_the_report_needs_process_view(partner_caseworker: User) -> None:
    with pytest.raises(NotAllowed):
        process_report(actor=partner_caseworker)


# --- per step ----------------------------------------------------------------------------------

def test_step_durations_and_timer_waits(prevention_worker: User,
                                         to_be: ProcessDefinition) -> None:
    for days in (1, 2, 3):
        case = make_case(to_be, prevention_worker)
        step(case, "Task_Assess", opened=0, done=days, name="Assess the needs")
        # The timer was reached when the answer step opened; it fired 5 days later.
        step(case, "Task_Answer", opened=days, status=StepStatus.CANCELLED, done=days + 5)
        step(case, "Timer_NoAnswer", kind="timer", opened=days + 5, done=days + 5,
             name="Five days")
    waiting = make_case(to_be, prevention_worker)
    step(waiting, "Task_Assess", opened=0, name="Assess the needs")

    steps = {s.node_id: s for s in versions(process_report(actor=prevention_worker))
             ["NEW-WAY v1"].steps}
    assess = steps["Task_Assess"]
    assert (assess.done, assess.open, assess.figure.n) == (3, 1, 3)
    assert (assess.figure.median, assess.figure.p90) == (2, pytest.approx(2.8))
    assert assess.role_label == "Prevention worker / analyst"
    answer = steps["Task_Answer"]  # cancelled by the timer: no duration of the step
    assert (answer.done, answer.open, answer.figure.n) == (0, 0, 0)
    timer = steps["Timer_NoAnswer"]
    assert (timer.kind, timer.done, timer.figure.median, timer.figure.p90) == \
        ("timer", 3, 5, 5)
    assert list(steps) == ["Task_Assess", "Task_Answer", "Timer_NoAnswer"]


# --- bounded queries, the page, the chart ------------------------------------------------------

def _some_cases(definition: ProcessDefinition, owner: User, offer: Offer, count: int) -> None:
    for index in range(count):
        case = make_case(definition, owner, opened=index)
        step(case, "Task_Assess", opened=index, done=index + 1)
        refer(case, offer, answered=index + 2, contact=index + 3)


def test_queries_do_not_grow_with_the_number_of_cases(
        client: Client, prevention_worker: User, as_is: ProcessDefinition,
        to_be: ProcessDefinition, offer: Offer,
        django_assert_max_num_queries: Any) -> None:
    _some_cases(as_is, prevention_worker, offer, 2)
    with django_assert_max_num_queries(4):
        process_report(actor=prevention_worker)
    login(client, prevention_worker)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("cases:report")).status_code == 200
    _some_cases(as_is, prevention_worker, offer, 15)
    _some_cases(to_be, prevention_worker, offer, 15)
    with django_assert_max_num_queries(4):
        process_report(actor=prevention_worker)
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse("cases:report")).status_code == 200


def test_report_page_shows_tables_and_a_chart_without_personal_data(
        client: Client, prevention_worker: User, as_is: ProcessDefinition,
        to_be: ProcessDefinition, offer: Offer) -> None:
    for days in (10, 20, 30, 40, 50):
        case = make_case(as_is, prevention_worker)
        refer(case, offer, answered=days / 2, contact=days)
        step(case, "Task_Assess", opened=0, done=2.24, name="Assess the needs")
    case = make_case(to_be, prevention_worker)
    Case.objects.filter(pk=case.pk).update(subject_label="Client Z-99")
    refer(case, offer, answered=1, contact=2.5)
    login(client, prevention_worker)
    response = client.get(reverse("cases:report"))
    html = response.content.decode()
    assert response.status_code == 200
    # table: one decimal, n beside each figure, few cases marked
    assert "46.0" in html and "30.0" in html and "2.5" in html and "2.2" in html
    assert re.search(r'<td class="num">1 <span class="tag tag-warning"', html)
    # chart: inline SVG with a title and description, one bar per version and milestone
    assert '<svg class="report-svg"' in html and 'role="img"' in html
    assert html.count('class="report-bar ') == 4  # (first contact, accepted) × 2 versions
    assert "<title>As is: median 30.0 days, 90th percentile 46.0 days, n = 5</title>" in html
    assert "style=" not in html.split("<main", 1)[1]  # the CSP forbids inline styles
    # about the process, never about a person
    assert "Client Z-99" not in html and "Client" not in html.split("<main", 1)[1]


def test_report_numbers_are_localised(client: Client, prevention_worker: User,
                                      to_be: ProcessDefinition, offer: Offer) -> None:
    refer(make_case(to_be, prevention_worker), offer, contact=2.5)
    login(client, prevention_worker)
    html = client.get(reverse("cases:report"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "2,5" in html
    assert 'width="470.0"' in html  # SVG geometry stays in dots whatever the language


def test_empty_report(client: Client, supervisor: User) -> None:
    assert report_chart(process_report(actor=supervisor)) is None
    login(client, supervisor)
    html = client.get(reverse("cases:report")).content.decode()
    assert "no cases with a process yet" in html


@pytest.mark.skipif(not TO_BE.exists(), reason="the shipped to_be process is not there yet")
def test_a_case_run_on_the_shipped_process_is_measured(
        prevention_worker: User, supervisor: User, partner_caseworker: User, org: Organisation,
        partner_org: Organisation, offer: Offer) -> None:
    """The real path: steps and referral timestamps written by the services, not by hand."""
    monday = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(monday, tick=False) as clock:
        make_agreement(org, partner_org)
        signal = make_signal(make_message(make_source(org)), created_at=monday - 2 * DAY)
        case = case_open(actor=prevention_worker, subject_label="Client K-5",
                         origin=CaseOrigin.SIGNAL, signal_ids=[signal.pk])
        clock.shift(DAY)
        _do(case, "assessment", prevention_worker, {
            "needs": ["leisure"], "needs_notes": "", "protective": [], "protective_notes": "",
            "concerns": ""})
        _do(case, "consent", prevention_worker, {"status": "given", "note": "Asked in person."})
        _do(case, "case_conference", supervisor, {"decision": "refer", "participants": "LIVC-R",
                                                  "notes": ""})
        _do(case, "choose_offer", prevention_worker, {
            "offer": offer.pk, "summary": "Needs a place to belong after school."})
        clock.shift(2 * DAY)
        _do(case, "referral_answer", partner_caseworker, {"answer": "accepted",
                                                          "reason": "We have a place."})
        clock.shift(3 * DAY)
        _do(case, "first_contact", partner_caseworker, {"on": (monday + 6 * DAY).date()})

    report = process_report(actor=supervisor)
    label = f"TO-BE v{case.process.definition.version}"
    # Start: the signal, two days before the case was opened.
    assert milestone(report, label, "accepted").figure.median == pytest.approx(5.0)
    assert milestone(report, label, "first_contact").figure.median == pytest.approx(8.0)
    assert milestone(report, label, "outcome").open_without == 1
    steps = {s.node_id: s for s in versions(report)[label].steps}
    assess = steps["Task_AssessNeeds"]
    assert (assess.done, assess.figure.n, assess.figure.median) == (1, 1, pytest.approx(1.0))
    answering = [s for s in steps.values() if s.role == "partner_caseworker" and s.done]
    assert [s.figure.median for s in answering] == [pytest.approx(2.0), pytest.approx(3.0)]
