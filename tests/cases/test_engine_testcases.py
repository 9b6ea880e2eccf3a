"""The JSON test-case runner that walks a process's paths without a database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brug.cases.engine import testcases
from brug.cases.engine.parsing import inspect

from . import REFERRAL, REFERRAL_METADATA, bpmn, flow

MODEL = inspect(REFERRAL)

ACCEPTED: dict[str, Any] = {
    "name": "consent given, partner accepts",
    "variables": {"reminders": 0},
    "steps": [
        {"ready": ["Task_Assess"]},
        {"do": "Task_Assess", "set": {"assessed": True, "consent": "given"}},
        {"ready": ["Task_Answer"]},
        {"do": "Task_Answer", "set": {"referral_answer": "accepted"}},
    ],
    "end": "End_Accepted",
    "visited": ["Task_Assess", "Task_Answer", "End_Accepted"],
    "handlers": [],
}

LATE: dict[str, Any] = {
    "name": "no answer in five working days: a reminder",
    "steps": [
        {"do": "Task_Assess", "set": {"consent": "given"}},
        {"wait": "P4D"},
        {"ready": ["Task_Answer"]},
        {"wait": "P5D"},
        {"ready": ["Task_Wait_Again"]},
        {"do": "Task_Wait_Again"},
    ],
    "end": "End_Late",
    "visited": ["Task_Assess", "Timer_Answer", "Task_Remind", "Task_Wait_Again", "End_Late"],
    "handlers": ["remind_partner"],
}


def run(case: dict[str, Any]) -> testcases.CaseResult:
    return testcases.run_case(REFERRAL, MODEL, case, Path("case.json"))


@pytest.mark.parametrize("case", [ACCEPTED, LATE], ids=["accepted", "late"])
def test_passing_case(case: dict[str, Any]) -> None:
    result = run(case)
    assert result.failures == []
    assert result.ok
    assert result.name == case["name"]


def test_wrong_visited_fails() -> None:
    result = run({**ACCEPTED, "visited": ["Task_Answer", "Task_Assess"]})  # wrong order
    assert not result.ok
    assert result.failures == [
        "expected to visit Task_Assess (in order); visited ['StartEvent_1', 'Task_Assess', "
        "'Task_Answer', 'End_Accepted']"]
    assert not run({**ACCEPTED, "visited": ["Task_Remind"]}).ok


@pytest.mark.parametrize(("change", "failure"), [
    ({"end": "End_NoConsent"}, "expected end End_NoConsent; ended at ['End_Accepted']"),
    ({"end": None}, "expected the process to be running; it ended at ['End_Accepted']"),
    ({"handlers": ["remind_partner"]}, "expected handlers ['remind_partner'], called []"),
    ({"steps": [{"do": "Task_Answer"}]}, "step 1: Task_Answer is not waiting; waiting: "
                                         "['Task_Assess']"),
    ({"steps": [{"ready": ["Task_Answer"]}]}, "step 1: expected waiting ['Task_Answer'], found "
                                              "['Task_Assess']"),
    ({"steps": [{"jump": "x"}]}, "step 1: unknown step {'jump': 'x'}"),
])
def test_other_mismatches_fail(change: dict[str, Any], failure: str) -> None:
    result = run({**ACCEPTED, **change})
    assert failure in result.failures


def test_engine_errors_are_failures_not_crashes() -> None:
    data = bpmn('<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Task_A")
                + '<bpmn:userTask id="Task_A"/>' + flow("Task_A", "Gateway_1")
                + '<bpmn:exclusiveGateway id="Gateway_1"/>'
                + flow("Gateway_1", "End_1", "ok") + '<bpmn:endEvent id="End_1"/>')
    result = testcases.run_case(data, inspect(data), {"steps": [{"do": "Task_A"}]},
                                Path("x.json"))
    assert len(result.failures) == 1
    assert result.failures[0].startswith("engine error: ")
    assert "Gateway_1" in result.failures[0]


def test_waiting_exactly_the_timer_duration_fires_it() -> None:
    data = bpmn(
        '<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Task_A")
        + '<bpmn:userTask id="Task_A" name="Answer"/>' + flow("Task_A", "End_Answered")
        + '<bpmn:boundaryEvent id="Timer_1" attachedToRef="Task_A"><bpmn:timerEventDefinition>'
          "<bpmn:timeDuration>P5D</bpmn:timeDuration></bpmn:timerEventDefinition>"
          "</bpmn:boundaryEvent>"
        + flow("Timer_1", "End_Late") + '<bpmn:endEvent id="End_Answered"/>'
        + '<bpmn:endEvent id="End_Late"/>')
    case = {"steps": [{"wait": "P5D"}], "end": "End_Late"}
    assert testcases.run_case(data, inspect(data), case, Path("x.json")).failures == []


def test_run_folder_and_main(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "referral"
    (folder / "tests").mkdir(parents=True)
    (folder / "referral.bpmn").write_bytes(REFERRAL)
    (folder / "referral.json").write_text(json.dumps(REFERRAL_METADATA), "utf-8")
    (folder / "tests" / "a_accepted.json").write_text(json.dumps(ACCEPTED), "utf-8")
    (folder / "tests" / "b_late.json").write_text(json.dumps(LATE), "utf-8")
    results = testcases.run_folder(folder)
    assert [(r.path.name, r.ok) for r in results] == [("a_accepted.json", True),
                                                      ("b_late.json", True)]
    assert testcases.main([str(folder)]) == 0
    assert "ok   a_accepted.json: consent given, partner accepts" in capsys.readouterr().out

    bad = {**ACCEPTED, "name": "wrong", "visited": ["Task_Remind"]}
    (folder / "tests" / "c_wrong.json").write_text(json.dumps(bad), "utf-8")
    assert testcases.main([str(folder)]) == 1
    out = capsys.readouterr().out
    assert "FAIL c_wrong.json: wrong" in out
    assert "expected to visit Task_Remind" in out
