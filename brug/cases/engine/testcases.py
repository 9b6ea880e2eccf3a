"""JSON test cases that walk a process's paths, run without a database.

``<process folder>/tests/<case>.json``::

    {"name": "consent given, partner accepts",
     "variables": {"reminders": 0},
     "steps": [
        {"do": "Task_Assess", "set": {"assessed": true}},
        {"wait": "P6D"},                 # move the clock on, let due timers fire
        {"ready": ["Task_Answer"]}       # exactly these user tasks wait now
     ],
     "end": "EndEvent_Closed",           # the end event reached, or null: still running
     "visited": ["Task_Assess", "Task_Answer"],   # in this order (others may come between)
     "handlers": ["remind_partner"]}             # handler calls, in order (optional)

Every step saves the instance and restores it before going on, as the platform does.
Run: ``python -m brug.cases.engine.testcases brug/cases/processes/to_be``.
"""

from __future__ import annotations

import datetime
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import time_machine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import clock
from .metadata import Metadata, check_metadata
from .parsing import ProcessModel, inspect
from .runtime import ProcessRunError, Run


@dataclass
class CaseResult:
    name: str
    path: Path
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def load_folder(folder: Path) -> tuple[bytes, ProcessModel, Metadata]:
    name = folder.name
    bpmn = (folder / f"{name}.bpmn").read_bytes()
    model = inspect(bpmn)
    meta = check_metadata(json.loads((folder / f"{name}.json").read_text("utf-8")), model)
    return bpmn, model, meta


def run_case(bpmn: bytes, model: ProcessModel, case: dict[str, Any], path: Path) -> CaseResult:
    result = CaseResult(str(case.get("name") or path.stem), path)
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)  # a Monday
    with time_machine.travel(start, tick=False) as traveller:
        try:
            _walk(bpmn, model, case, result, traveller)
        except ProcessRunError as exc:
            result.failures.append(f"engine error: {exc}")
    return result


def _walk(bpmn: bytes, model: ProcessModel, case: dict[str, Any], result: CaseResult,
          traveller: Any) -> None:
    run = Run.start(bpmn, model, dict(case.get("variables") or {}))
    visited = [s.node.id for s in run.take_completed()]
    handlers: list[str] = list(run.engine.handlers_called)
    for number, step in enumerate(case.get("steps") or [], start=1):
        run = Run.restore(bpmn, model, run.serialize())
        ready = sorted(t.node.id for t in run.ready())
        if "do" in step:
            match = [t for t in run.ready() if t.node.id == step["do"]]
            if not match:
                result.failures.append(f"step {number}: {step['do']} is not waiting; "
                                       f"waiting: {ready}")
                return
            run.complete(match[0].task_id, dict(step.get("set") or {}))
        elif "wait" in step:
            parsed = TimerEventDefinition.parse_iso_duration(str(step["wait"]))
            delta = TimerEventDefinition.get_timedelta_from_start(parsed, clock.now())
            # SpiffWorkflow fires a timer once the clock is strictly past its moment.
            traveller.shift(delta + datetime.timedelta(microseconds=1))
            run.fire_timers()
        elif "ready" in step:
            if sorted(step["ready"]) != ready:
                result.failures.append(f"step {number}: expected waiting {sorted(step['ready'])}"
                                       f", found {ready}")
        else:
            result.failures.append(f"step {number}: unknown step {step!r}")
            return
        visited += [s.node.id for s in run.take_completed()]
        handlers += run.engine.handlers_called
    run = Run.restore(bpmn, model, run.serialize())
    _check_end(run, case, visited, handlers, result)


def _check_end(run: Run, case: dict[str, Any], visited: list[str], handlers: list[str],
               result: CaseResult) -> None:
    end = case.get("end")
    ends = [v for v in visited if model_kind(run.model, v) == "endEvent"]
    if end is None:
        if run.is_completed:
            result.failures.append(f"expected the process to be running; it ended at {ends}")
    elif not run.is_completed:
        waiting = sorted(t.node.id for t in run.ready())
        result.failures.append(f"expected end {end}; still running, waiting: {waiting}")
    elif end not in ends:
        result.failures.append(f"expected end {end}; ended at {ends}")
    position = 0
    for wanted in case.get("visited") or []:
        try:
            position = visited.index(wanted, position) + 1
        except ValueError:
            result.failures.append(f"expected to visit {wanted} (in order); visited {visited}")
            break
    if "handlers" in case and list(case["handlers"]) != handlers:
        result.failures.append(f"expected handlers {case['handlers']}, called {handlers}")


def model_kind(model: ProcessModel, node_id: str) -> str:
    node = model.nodes.get(node_id)
    return node.tag if node else ""


def run_folder(folder: Path) -> list[CaseResult]:
    bpmn, model, _meta = load_folder(folder)
    results = []
    for path in sorted((folder / "tests").glob("*.json")):
        case = json.loads(path.read_text("utf-8"))
        results.append(run_case(bpmn, model, case, path))
    return results


def main(argv: list[str]) -> int:
    failed = 0
    for arg in argv:
        for result in run_folder(Path(arg)):
            print(("ok   " if result.ok else "FAIL ") + f"{result.path.name}: {result.name}")
            for failure in result.failures:
                print(f"     {failure}")
            failed += not result.ok
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
