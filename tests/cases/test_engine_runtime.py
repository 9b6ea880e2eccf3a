"""Running an instance: start, complete, save and restore, timers, handlers, and errors."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
import time_machine
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from brug.cases.engine.parsing import ProcessFileError, inspect
from brug.cases.engine.runtime import ProcessRunError, Run

from . import REFERRAL, bpmn, flow

UTC = datetime.UTC
MONDAY = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FRIDAY = datetime.datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
MODEL = inspect(REFERRAL)


def ready_ids(run: Run) -> list[str]:
    return sorted(t.node.id for t in run.ready())


def task_id(run: Run, node_id: str) -> str:
    matches = [t.task_id for t in run.ready() if t.node.id == node_id]
    assert len(matches) == 1, ready_ids(run)
    return matches[0]


def assert_due(due: datetime.datetime | None, expected: datetime.datetime) -> None:
    """The announced moment is the expected one (the engine may add a microsecond: timers
    fire once the clock is strictly past their moment)."""
    assert due is not None
    assert expected <= due <= expected + datetime.timedelta(seconds=1), due


def reload(run: Run, **kwargs: Any) -> Run:
    """What the platform does between two requests: save, then restore in a fresh Run."""
    return Run.restore(REFERRAL, MODEL, run.serialize(), **kwargs)


def test_start_complete_save_restore_continue() -> None:
    with time_machine.travel(MONDAY, tick=False):
        run = Run.start(REFERRAL, MODEL, {"case_ref": "C-1"})
        assert ready_ids(run) == ["Task_Assess"]
        assert [s.node.id for s in run.take_completed()] == ["StartEvent_1"]
        assess_id = task_id(run, "Task_Assess")

        restored = reload(run)
        assert task_id(restored, "Task_Assess") == assess_id          # ids are stable
        assert restored.variables["case_ref"] == "C-1"

        step = restored.complete(assess_id, {"assessed": True, "consent": "given"})
        assert (step.node.id, step.at) == ("Task_Assess", MONDAY)
        assert [s.node.id for s in restored.take_completed()] == ["Task_Assess"]
        assert restored.take_completed() == []                         # each step reported once
        answer_id = task_id(restored, "Task_Answer")

        again = reload(restored)
        assert task_id(again, "Task_Answer") == answer_id
        assert again.variables == {"case_ref": "C-1", "assessed": True, "consent": "given"}
        again.complete(answer_id, {"referral_answer": "accepted"})
        assert again.is_completed
        assert again.ready() == []
        assert [s.node.id for s in again.take_completed()] == ["Task_Answer", "End_Accepted"]
        assert again.variables["referral_answer"] == "accepted"

        finished = reload(again)
        assert finished.is_completed
        assert finished.variables["consent"] == "given"
        assert finished.next_timer_at() is None


def test_default_flow_when_no_condition_matches() -> None:
    with time_machine.travel(MONDAY, tick=False):
        run = Run.start(REFERRAL, MODEL)
        run.complete(task_id(run, "Task_Assess"), {"consent": "refused"})
        assert run.is_completed
        assert [s.node.id for s in run.take_completed()][-1] == "End_NoConsent"


def test_start_variables_reach_the_gateway() -> None:
    with time_machine.travel(MONDAY, tick=False):
        run = Run.start(REFERRAL, MODEL, {"consent": "given"})
        run.complete(task_id(run, "Task_Assess"))
        assert ready_ids(run) == ["Task_Answer"]


def test_boundary_timer_interrupts_the_task_and_runs_the_handler() -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def hook(name: str, data: dict[str, Any]) -> None:
        calls.append((name, dict(data)))

    with time_machine.travel(MONDAY, tick=False) as clock:
        run = Run.start(REFERRAL, MODEL)
        assert run.next_timer_at() is None
        clock.move_to(FRIDAY)                       # assessed on a Friday morning
        run.complete(task_id(run, "Task_Assess"), {"consent": "given"})
        run.take_completed()
        due = run.next_timer_at()
        assert due is not None
        assert_due(due, datetime.datetime(2026, 3, 13, 9, 0, tzinfo=UTC))  # 5 working days

        run = reload(run, on_handler=hook)
        assert run.next_timer_at() == due           # the moment survives a restore
        clock.move_to(due - datetime.timedelta(minutes=1))
        run.fire_timers()
        assert ready_ids(run) == ["Task_Answer"]    # not yet
        assert calls == []

        clock.move_to(due + datetime.timedelta(minutes=1))
        run = reload(run, on_handler=hook)
        run.fire_timers()
        assert ready_ids(run) == ["Task_Wait_Again"]   # the answer task was cancelled
        steps = [s.node.id for s in run.take_completed()]
        assert steps == ["Timer_Answer", "Task_Remind"]
        assert "Task_Answer" not in steps
        assert run.engine.handlers_called == ["remind_partner"]
        assert calls == [("remind_partner", calls[0][1])]
        assert calls[0][1]["reminders"] == 1
        assert run.variables["reminders"] == 1
        assert run.next_timer_at() is None

        answered_late = reload(run)
        answered_late.complete(task_id(answered_late, "Task_Wait_Again"))
        assert answered_late.is_completed
        assert answered_late.variables["reminders"] == 1


def test_timer_from_a_friday_skips_the_weekend() -> None:
    body = ('<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Wait_1")
            + '<bpmn:intermediateCatchEvent id="Wait_1" name="Next working day">'
              "<bpmn:timerEventDefinition><bpmn:timeDate>${working_days(1)}</bpmn:timeDate>"
              "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
            + flow("Wait_1", "End_1") + '<bpmn:endEvent id="End_1"/>')
    data = bpmn(body)
    model = inspect(data)
    with time_machine.travel(FRIDAY, tick=False) as clock:
        run = Run.start(data, model)
        assert_due(run.next_timer_at(), datetime.datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
        clock.move_to(datetime.datetime(2026, 3, 8, 23, 0, tzinfo=UTC))   # Sunday night
        run.fire_timers()
        assert not run.is_completed
        clock.move_to(datetime.datetime(2026, 3, 9, 9, 1, tzinfo=UTC))
        run.fire_timers()
        assert run.is_completed


def test_exclusive_gateway_without_match_or_default_names_the_gateway() -> None:
    body = ('<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Task_A")
            + '<bpmn:userTask id="Task_A" name="Ask"/>' + flow("Task_A", "Gateway_Open")
            + '<bpmn:exclusiveGateway id="Gateway_Open" name="Open?"/>'
            + flow("Gateway_Open", "End_Yes", 'answer == "yes"')
            + flow("Gateway_Open", "End_No", 'answer == "no"')
            + '<bpmn:endEvent id="End_Yes"/><bpmn:endEvent id="End_No"/>')
    data = bpmn(body)
    model = inspect(data)
    run = Run.start(data, model)
    with pytest.raises(ProcessRunError, match="Gateway_Open"):
        run.complete(task_id(run, "Task_A"), {"answer": "maybe"})


def test_exclusive_gateway_error_names_the_gateway_by_name() -> None:
    body = ('<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Gateway_Open")
            + '<bpmn:exclusiveGateway id="Gateway_Open" name="Open?"/>'
            + flow("Gateway_Open", "End_Yes", 'answer == "yes"')
            + '<bpmn:endEvent id="End_Yes"/>')
    data = bpmn(body)
    with pytest.raises(ProcessRunError, match=r"Open\? \(id Gateway_Open\)"):
        Run.start(data, inspect(data))


def test_completing_a_task_that_no_longer_waits() -> None:
    with time_machine.travel(MONDAY, tick=False):
        run = Run.start(REFERRAL, MODEL)
        assess_id = task_id(run, "Task_Assess")
        stale = reload(run)
        run.complete(assess_id, {"consent": "given"})
        with pytest.raises(ProcessRunError, match="no longer waiting"):
            run.complete(assess_id, {"consent": "given"})
        with pytest.raises(ProcessRunError, match="no longer waiting"):
            run.complete("00000000-0000-0000-0000-000000000000")
        # Another request saved a newer state meanwhile: completing in a stale copy works on the
        # copy only; the platform guards with its own row lock.
        assert ready_ids(stale) == ["Task_Assess"]


@pytest.mark.parametrize("state", ["", "not json", "{}", '{"spec": 1}', "[]"])
def test_corrupt_saved_state(state: str) -> None:
    with pytest.raises(ProcessRunError, match="cannot be read"):
        Run.restore(REFERRAL, MODEL, state)


def test_truncated_saved_state() -> None:
    state = Run.start(REFERRAL, MODEL).serialize()
    with pytest.raises(ProcessRunError, match="cannot be read"):
        Run.restore(REFERRAL, MODEL, state[: len(state) // 2])


def _damaged(state: str) -> str:
    data = json.loads(state)
    data["tasks"] = 5
    return json.dumps(data)


@pytest.mark.parametrize("damage", ["null", '"text"', "damaged"])
def test_corrupt_saved_state_of_the_wrong_shape(damage: str) -> None:
    state = _damaged(Run.start(REFERRAL, MODEL).serialize()) if damage == "damaged" else damage
    with pytest.raises(ProcessRunError, match="cannot be read"):
        Run.restore(REFERRAL, MODEL, state)


@pytest.mark.parametrize(("kind", "value"), [("timeDuration", "${working_days(2)}"),
                                             ("timeDate", "P5D")])
def test_timer_value_of_the_wrong_kind(kind: str, value: str) -> None:
    body = ('<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Wait_1")
            + '<bpmn:intermediateCatchEvent id="Wait_1" name="Wait">'
              f"<bpmn:timerEventDefinition><bpmn:{kind}>{value}</bpmn:{kind}>"
              "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
            + flow("Wait_1", "End_1") + '<bpmn:endEvent id="End_1"/>')
    data = bpmn(body)
    try:
        model = inspect(data)
    except ProcessFileError as exc:      # best: refused at import, naming the event
        assert "intermediateCatchEvent 'Wait' (id Wait_1)" in str(exc)
        return
    with pytest.raises(ProcessRunError):  # at least: the run fails as the instance's error
        Run.start(data, model)


def test_next_timer_at_agrees_with_the_engine_for_a_date_without_offset(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spiff_timer, "LOCALTZ", datetime.timezone(datetime.timedelta(hours=1)))
    body = ('<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Wait_1")
            + '<bpmn:intermediateCatchEvent id="Wait_1" name="On 1 December">'
              "<bpmn:timerEventDefinition><bpmn:timeDate>2026-12-01T09:00:00</bpmn:timeDate>"
              "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
            + flow("Wait_1", "End_1") + '<bpmn:endEvent id="End_1"/>')
    data = bpmn(body)
    model = inspect(data)
    with time_machine.travel(datetime.datetime(2026, 11, 30, tzinfo=UTC), tick=False) as clock:
        run = Run.start(data, model)
        due = run.next_timer_at()
        assert due is not None
        clock.move_to(due - datetime.timedelta(minutes=30))
        run.fire_timers()
        assert not run.is_completed, "the engine fired before the announced moment"
        clock.move_to(due + datetime.timedelta(seconds=1))
        run.fire_timers()
        assert run.is_completed, "the engine did not fire at the announced moment"
