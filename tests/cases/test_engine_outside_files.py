"""BPMN files made in outside modellers (not by this team): they import and run, or they are
rejected with a message naming the unsupported element. See fixtures/README.md for where each
file comes from."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from lxml import etree

from brug.cases.engine.metadata import LaneRole, check_metadata
from brug.cases.engine.parsing import ProcessFileError, ProcessModel, inspect
from brug.cases.engine.runtime import Run

from . import FIXTURES

UTC = datetime.UTC
FRIDAY = datetime.datetime(2026, 3, 6, 9, 0, tzinfo=UTC)

EXPORTERS = {
    "camunda_loanApproval.bpmn": ("Camunda Modeler", "4.7.0"),
    "camunda_loan-granting.bpmn": ("Camunda Modeler", "4.6.0"),
    "bpmn-server_timer-sample.bpmn": ("bpmn-js (https://demo.bpmn.io)", "6.5.1"),
    "bpmn-server_buy-used-car-with-lanes.bpmn": ("bpmn-js (https://demo.bpmn.io)", "6.5.1"),
    "bpmnjs_referral.bpmn": ("bpmn-js", "18.31.1"),
}
RUNNABLE_WITHOUT_LANES = ["camunda_loanApproval.bpmn", "bpmn-server_timer-sample.bpmn"]
REJECTED = ["camunda_loan-granting.bpmn", "bpmn-server_buy-used-car-with-lanes.bpmn"]


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def node_named(model: ProcessModel, name: str) -> str:
    matches = [n.id for n in model.nodes.values() if n.name == name]
    assert len(matches) == 1, (name, matches)
    return matches[0]


def complete_all_ready(run: Run, variables: dict[str, Any] | None = None) -> list[str]:
    done = []
    for task in run.ready():
        run.complete(task.task_id, variables or {})
        done.append(task.node.id)
    return done


def test_every_fixture_is_listed_with_its_exporter() -> None:
    files = sorted(p.name for p in FIXTURES.glob("*.bpmn"))
    assert files == sorted(EXPORTERS)
    readme = (FIXTURES / "README.md").read_text("utf-8")
    for name, (exporter, version) in EXPORTERS.items():
        root = etree.fromstring(read(name))
        assert (root.get("exporter"), root.get("exporterVersion")) == (exporter, version)
        assert name in readme


# --- files Brug runs -------------------------------------------------------------------------

@pytest.mark.parametrize("name", RUNNABLE_WITHOUT_LANES)
def test_laneless_file_cannot_get_roles_today(name: str) -> None:
    model = inspect(read(name))
    assert model.lanes == {}
    assert model.user_tasks
    with pytest.raises(ProcessFileError, match="is in no mapped lane"):
        check_metadata({"key": "outside", "title": "Outside file", "lanes": {}}, model)


@pytest.mark.parametrize("name", RUNNABLE_WITHOUT_LANES)
def test_laneless_file_maps_its_process(name: str) -> None:
    model = inspect(read(name))
    raw = {"key": "outside", "title": "Outside file", "default_lane": model.process_id,
           "lanes": {model.process_id: {"role": "prevention_worker", "organisation": "case"}}}
    meta = check_metadata(raw, model)
    assert meta.lane_for(model.user_tasks[0].lane) == LaneRole("prevention_worker", "case")


def test_camunda_modeler_loan_approval_runs() -> None:
    data = read("camunda_loanApproval.bpmn")
    model = inspect(data)
    assert model.process_id == "embeddedFormsQuickstart"
    task = model.nodes["UserTask_1"]
    assert (task.name, task.form) == ("Approve Request", "done")  # embedded: form -> generic
    run = Run.start(data, model)
    assert [t.node.id for t in run.ready()] == ["UserTask_1"]
    run = Run.restore(data, model, run.serialize())
    assert complete_all_ready(run, {"approved": True}) == ["UserTask_1"]
    assert run.is_completed
    assert [s.node.id for s in run.take_completed()] == ["UserTask_1", "EndEvent_1"]


def test_bpmn_io_timer_sample_runs() -> None:
    data = read("bpmn-server_timer-sample.bpmn")
    model = inspect(data)
    assert model.nodes["Activity_03i6maz"].kind == "user"      # a plain bpmn:task
    assert model.nodes["Event_timer"].kind == "timer"
    with time_machine.travel(FRIDAY, tick=False) as clock:
        run = Run.start(data, model)
        assert complete_all_ready(run) == ["Activity_03i6maz"]
        due = run.next_timer_at()
        assert due is not None
        assert FRIDAY + datetime.timedelta(seconds=2) <= due < FRIDAY + datetime.timedelta(
            seconds=3)                                               # PT2S
        run = Run.restore(data, model, run.serialize())
        run.fire_timers()
        assert not run.is_completed
        clock.shift(datetime.timedelta(seconds=3))
        run.fire_timers()
        assert run.is_completed
        assert [s.node.id for s in run.take_completed()] == ["Event_timer", "Event_end"]


# --- the file saved by bpmn-js 18.31.1 (lanes, forms, gateway, timer, handler) ------------------

REFERRAL = read("bpmnjs_referral.bpmn")
REFERRAL_MODEL = inspect(REFERRAL)


def referral_metadata() -> dict[str, Any]:
    by_name = {name: ident for ident, name in REFERRAL_MODEL.lanes.items()}
    return {"key": "bpmnjs_referral", "title": "Referral drawn in bpmn-js",
            "lanes": {by_name["Prevention worker"]: {"role": "prevention_worker",
                                                     "organisation": "case"},
                      by_name["Supervisor"]: {"role": "supervisor", "organisation": "case"}}}


def test_bpmn_js_file_is_described_and_mapped() -> None:
    model = REFERRAL_MODEL
    assert sorted(model.lanes.values()) == ["Prevention worker", "Supervisor"]
    ask = model.nodes[node_named(model, "Ask for consent")]
    assert ask.form == "consent"
    assert model.nodes[node_named(model, "Decide without consent")].form == "consent_override"
    assert model.nodes[node_named(model, "Tell the supervisor")].handler == "notify_supervisor"
    assert model.nodes[node_named(model, "5 working days")].kind == "timer"
    meta = check_metadata(referral_metadata(), model)
    assert meta.lane_for(ask.lane) == LaneRole("prevention_worker", "case")
    decide = model.nodes[node_named(model, "Decide without consent")]
    assert meta.lane_for(decide.lane) == LaneRole("supervisor", "case")


@pytest.mark.parametrize(("consent", "end"), [("given", "Referred"),
                                              ("refused", "Closed"),
                                              ("not_possible", "Closed")])
def test_bpmn_js_file_runs_each_gateway_path(consent: str, end: str) -> None:
    model = REFERRAL_MODEL
    with time_machine.travel(FRIDAY, tick=False):
        run = Run.start(REFERRAL, model)
        assert complete_all_ready(run, {"consent": consent}) == [
            node_named(model, "Ask for consent")]
        run = Run.restore(REFERRAL, model, run.serialize())
        complete_all_ready(run)
        assert run.is_completed
        assert run.take_completed()[-1].node.name == end


def test_bpmn_js_file_timer_escalates_after_five_working_days() -> None:
    model = REFERRAL_MODEL
    called: list[str] = []
    with time_machine.travel(FRIDAY, tick=False) as clock:
        run = Run.start(REFERRAL, model)
        complete_all_ready(run, {"consent": "given"})
        assert [t.node.name for t in run.ready()] == ["Refer to a partner"]
        due = run.next_timer_at()
        assert due is not None
        assert due.date() == datetime.date(2026, 3, 13)           # Friday + 5 working days
        clock.move_to(due + datetime.timedelta(minutes=1))
        run = Run.restore(REFERRAL, model, run.serialize(),
                          on_handler=lambda name, data: called.append(name))
        run.fire_timers()
        assert run.is_completed
        assert called == ["notify_supervisor"]
        assert run.variables["escalations"] == 1
        assert [s.node.name for s in run.take_completed()] == [
            "5 working days", "Tell the supervisor", "Escalated"]


# --- files Brug rejects ----------------------------------------------------------------------

def rejection(name: str) -> list[str]:
    with pytest.raises(ProcessFileError) as info:
        inspect(read(name))
    return info.value.problems


def test_camunda_loan_granting_is_rejected_naming_elements() -> None:
    found = "\n".join(rejection("camunda_loan-granting.bpmn"))
    for label in ("serviceTask 'Check credit score' (id Task_1lvjtd4)",
                  "serviceTask 'Grant loan' (id Task_0v4gadf)",
                  "serviceTask 'Reject loan request' (id Task_0j0sjlk)"):
        assert f"{label} must name an approved handler" in found
    assert "found 'creditScoreChecker'" in found
    assert "Unsupported element timeCycle" in found
    assert "Unsupported element multiInstanceLoopCharacteristics" in found
    assert "camunda:script " in found


def test_bpmn_io_used_car_is_rejected_naming_elements() -> None:
    found = rejection("bpmn-server_buy-used-car-with-lanes.bpmn")
    text = "\n".join(found)
    assert "sequenceFlow (id flow_gw1_repair): Expressions may not use Attribute." in found
    assert "sequenceFlow (id flow_gw1_clean): Expressions may not use Attribute." in found
    assert text.count("camunda:executionListener") == 2
    assert text.count("camunda:script") == 2


@pytest.mark.parametrize("name", REJECTED)
def test_every_rejection_line_names_an_element_of_the_file(name: str) -> None:
    ids = set(re.findall(rb'\bid="([^"]+)"', read(name)))
    for problem in rejection(name):
        named = re.findall(r"\(id ([^)]+)\)", problem)
        assert named and all(i.encode() in ids for i in named), problem
