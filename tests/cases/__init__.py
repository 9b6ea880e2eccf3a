"""Tests of the cases app. Helpers shared by the engine tests (``test_engine_*.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"


def bpmn(body: str, *, process_id: str = "Process_Test", name: str = "Test process",
         after: str = "") -> bytes:
    """A BPMN 2.0 file whose one executable process holds ``body`` (XML of flow elements);
    ``after`` goes after the process (e.g. a second process)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:camunda="{CAMUNDA_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="Definitions_Test" '
        'targetNamespace="http://bpmn.io/schema/bpmn">\n'
        f'<bpmn:process id="{process_id}" name="{name}" isExecutable="true">\n{body}\n'
        f'</bpmn:process>{after}\n</bpmn:definitions>\n'
    ).encode()


def flow(source: str, target: str, condition: str | None = None, flow_id: str = "",
         name: str = "") -> str:
    """A sequence flow, optionally with a condition expression (text is XML-escaped)."""
    ident = flow_id or f"Flow_{source}_{target}"
    label = f' name="{name}"' if name else ""
    if condition is None:
        return f'<bpmn:sequenceFlow id="{ident}"{label} sourceRef="{source}" targetRef="{target}"/>'
    text = condition.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (f'<bpmn:sequenceFlow id="{ident}"{label} sourceRef="{source}" targetRef="{target}">'
            f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{text}'
            '</bpmn:conditionExpression></bpmn:sequenceFlow>')


def lanes(**members: list[str]) -> str:
    """A lane set: ``lanes(Lane_Worker=["Task_A"], Lane_Partner=["Task_B"])``."""
    body = "".join(
        f'<bpmn:lane id="{lane}" name="{lane.removeprefix("Lane_")}">'
        + "".join(f"<bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>" for ref in refs)
        + "</bpmn:lane>"
        for lane, refs in members.items())
    return f'<bpmn:laneSet id="LaneSet_1">{body}</bpmn:laneSet>'


# A small process that uses everything Brug runs: lanes, a form, an exclusive gateway with a
# default flow, an interrupting boundary timer of five working days, and an approved handler.
#
#   Start -> Assess (worker) -> Consent? --given--> Answer (partner) -> End_Accepted
#                                    \--default--> End_NoConsent
#   Answer + timer(working_days(5)) -> Remind (remind_partner) -> Wait_Again (worker) -> End_Late
REFERRAL = bpmn(
    lanes(Lane_Worker=["StartEvent_1", "Task_Assess", "Gateway_Consent", "Task_Wait_Again"],
          Lane_Partner=["Task_Answer"])
    + '<bpmn:startEvent id="StartEvent_1" name="Signal passed on"/>'
    + flow("StartEvent_1", "Task_Assess")
    + '<bpmn:userTask id="Task_Assess" name="Assess needs" camunda:formKey="brug:assessment"/>'
    + flow("Task_Assess", "Gateway_Consent")
    + '<bpmn:exclusiveGateway id="Gateway_Consent" name="Consent?" default="Flow_NoConsent"/>'
    + flow("Gateway_Consent", "Task_Answer", 'consent == "given"', name="given")
    + flow("Gateway_Consent", "End_NoConsent", flow_id="Flow_NoConsent")
    + '<bpmn:userTask id="Task_Answer" name="Answer the referral" '
      'camunda:formKey="brug:referral_answer"/>'
    + '<bpmn:boundaryEvent id="Timer_Answer" name="5 working days" attachedToRef="Task_Answer">'
      '<bpmn:timerEventDefinition><bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
      '${working_days(5)}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
    + flow("Task_Answer", "End_Accepted")
    + flow("Timer_Answer", "Task_Remind")
    + '<bpmn:serviceTask id="Task_Remind" name="Remind the partner" camunda:type="external" '
      'camunda:topic="remind_partner"/>'
    + flow("Task_Remind", "Task_Wait_Again")
    + '<bpmn:userTask id="Task_Wait_Again" name="Call the partner"/>'
    + flow("Task_Wait_Again", "End_Late")
    + '<bpmn:endEvent id="End_Accepted" name="Answered"/>'
    + '<bpmn:endEvent id="End_NoConsent" name="No consent"/>'
    + '<bpmn:endEvent id="End_Late" name="Answered late"/>',
    process_id="Process_Referral", name="Referral")

REFERRAL_METADATA: dict[str, Any] = {
    "key": "referral", "title": "Referral",
    "lanes": {"Lane_Worker": {"role": "prevention_worker", "organisation": "case"},
              "Lane_Partner": {"role": "partner_caseworker", "organisation": "partner"}},
}
