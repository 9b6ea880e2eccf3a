"""What a second read of the engine glue found: hidden elements, loops, timer values."""

from __future__ import annotations

import pytest

from brug.cases.engine.parsing import ProcessFileError, inspect
from brug.cases.engine.runtime import MAX_ENGINE_STEPS, ProcessRunError, Run

from . import bpmn, flow


def _problems(data: bytes) -> list[str]:
    with pytest.raises(ProcessFileError) as refused:
        inspect(data)
    return refused.value.problems


def test_flow_elements_hidden_in_extension_elements_are_refused() -> None:
    hidden = bpmn(
        '<bpmn:startEvent id="S"/><bpmn:endEvent id="E"/>' + flow("S", "E") +
        '<bpmn:extensionElements><bpmn:scriptTask id="Hidden" name="Sneaky">'
        '<bpmn:script>open("/tmp/x", "w")</bpmn:script></bpmn:scriptTask>'
        '</bpmn:extensionElements>')
    assert any("scriptTask 'Sneaky' (id Hidden) is inside extensionElements" in p
               for p in _problems(hidden))


def test_a_loop_without_a_person_or_a_timer_stops_with_a_clear_error() -> None:
    loop = bpmn(
        '<bpmn:startEvent id="S"/>'
        '<bpmn:exclusiveGateway id="G" default="Back"/>'
        '<bpmn:serviceTask id="T" name="Remind" camunda:type="external" '
        'camunda:topic="remind_partner"/>'
        '<bpmn:endEvent id="E"/>'
        + flow("S", "G") + flow("G", "E", 'reminders == -1') + flow("G", "T", flow_id="Back")
        + flow("T", "G"))
    model = inspect(loop)
    with pytest.raises(ProcessRunError, match=f"More than {MAX_ENGINE_STEPS} automatic steps"):
        Run.start(loop, model, {"reminders": 0})


@pytest.mark.parametrize(("value", "says"), [
    ("R/P1D", "Div"), ("P99999999D", "longer than 3650 days"),
    ("2026-13-45", "not a valid ISO 8601"),
])
def test_timer_values_that_could_not_run_are_refused_at_import(value: str, says: str) -> None:
    tag = "timeDate" if value[:1].isdigit() else "timeDuration"
    data = bpmn(
        '<bpmn:startEvent id="S"/><bpmn:intermediateCatchEvent id="W" name="Wait">'
        f'<bpmn:timerEventDefinition><bpmn:{tag}>{value}</bpmn:{tag}>'
        '</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:endEvent id="E"/>'
        + flow("S", "W") + flow("W", "E"))
    found = _problems(data)
    assert any(says in p and "(id W)" in p for p in found), found


def test_states_are_saved_without_the_spec_and_old_full_states_still_restore() -> None:
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
    from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

    from brug.cases.engine.parsing import BrugServiceTask
    from brug.cases.workflow import PROCESSES_DIR

    data = (PROCESSES_DIR / "to_be" / "to_be.bpmn").read_bytes()
    model = inspect(data)
    run = Run.start(data, model, {"reminders": 0})
    slim = run.serialize()
    assert '"brug_spec"' in slim and "Task_AnswerReferral" not in slim.split('"tasks"')[0]
    config = dict(CAMUNDA_CONFIG)
    config[BrugServiceTask] = BpmnTaskSpecConverter
    full = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config)).serialize_json(
        run.workflow)
    assert len(full) > 2 * len(slim)
    for state in (slim, full):
        restored = Run.restore(data, model, state)
        assert [t.node.id for t in restored.ready()] == ["Task_AssessNeeds"]
    other = bpmn('<bpmn:startEvent id="S"/><bpmn:userTask id="U"/><bpmn:endEvent id="E"/>'
                 + flow("S", "U") + flow("U", "E"), process_id="Other")
    with pytest.raises(ProcessRunError, match="another process"):
        Run.restore(other, inspect(other), slim)
