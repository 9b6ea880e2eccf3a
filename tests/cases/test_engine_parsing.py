"""Importing a BPMN file: what Brug accepts, and rejections that name the element."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from brug.cases.engine import parsing
from brug.cases.engine.parsing import ProcessFileError, inspect
from brug.cases.engine.runtime import Run

from . import REFERRAL, bpmn, flow

SIMPLE = (
    '<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Task_A")
    + '<bpmn:userTask id="Task_A" name="Do it"/>' + flow("Task_A", "EndEvent_1")
    + '<bpmn:endEvent id="EndEvent_1"/>'
)


def problems(data: bytes) -> list[str]:
    with pytest.raises(ProcessFileError) as info:
        inspect(data)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def only_problem(data: bytes) -> str:
    found = problems(data)
    assert len(found) == 1, found
    return found[0]


# --- what is accepted ----------------------------------------------------------------------

def test_accepted_file_is_described() -> None:
    model = inspect(REFERRAL)
    assert model.process_id == "Process_Referral"
    assert model.name == "Referral"
    assert model.lanes == {"Lane_Worker": "Worker", "Lane_Partner": "Partner"}
    assert len(model.sha256) == 64
    nodes = model.nodes
    assert nodes["Task_Assess"].kind == "user"
    assert nodes["Task_Assess"].form == "assessment"
    assert nodes["Task_Assess"].lane == "Lane_Worker"
    assert nodes["Task_Answer"].lane == "Lane_Partner"
    assert nodes["Task_Wait_Again"].form == "done"         # no form key: the generic form
    assert nodes["Task_Remind"].kind == "service"
    assert nodes["Task_Remind"].handler == "remind_partner"
    assert nodes["Timer_Answer"].kind == "timer"
    assert nodes["Gateway_Consent"].kind == "gateway"
    assert nodes["End_Late"].name == "Answered late"
    assert [n.id for n in model.user_tasks] == ["Task_Assess", "Task_Answer", "Task_Wait_Again"]


def test_foreign_form_keys_get_the_generic_form() -> None:
    model = inspect(bpmn(SIMPLE.replace('name="Do it"',
                                        'name="Do it" camunda:formKey="embedded:app:x.html"')))
    assert model.nodes["Task_A"].form == "done"


def test_embedded_subprocess_manual_and_plain_tasks_parallel_gateway() -> None:
    body = (
        '<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Split")
        + '<bpmn:parallelGateway id="Split"/>' + flow("Split", "Manual") + flow("Split", "Sub")
        + '<bpmn:manualTask id="Manual" name="Phone"/>' + flow("Manual", "Join")
        + '<bpmn:subProcess id="Sub" name="Inner">'
        + '<bpmn:startEvent id="Sub_Start"/>' + flow("Sub_Start", "Plain")
        + '<bpmn:task id="Plain" name="Plain task"/>' + flow("Plain", "Sub_End")
        + '<bpmn:endEvent id="Sub_End"/></bpmn:subProcess>' + flow("Sub", "Join")
        + '<bpmn:parallelGateway id="Join"/>' + flow("Join", "EndEvent_1")
        + '<bpmn:endEvent id="EndEvent_1"/>'
        + '<bpmn:textAnnotation id="Note"><bpmn:text>a note</bpmn:text></bpmn:textAnnotation>'
        + '<bpmn:association id="Assoc" sourceRef="Manual" targetRef="Note"/>'
    )
    model = inspect(bpmn(body))
    assert {n.id for n in model.user_tasks} == {"Manual", "Plain"}
    assert model.nodes["Sub"].kind == "subprocess"


# --- rejections name the element -------------------------------------------------------------

@pytest.mark.parametrize(("body", "expected"), [
    ('<bpmn:scriptTask id="Script_1" name="Compute score" scriptFormat="python">'
     "<bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>",
     "scriptTask 'Compute score' (id Script_1)"),
    ('<bpmn:businessRuleTask id="Rule_1" name="Decide risk" camunda:decisionRef="risk"/>',
     "businessRuleTask 'Decide risk' (id Rule_1)"),
    ('<bpmn:callActivity id="Call_1" name="Run other file" calledElement="other"/>',
     "callActivity 'Run other file' (id Call_1)"),
    ('<bpmn:sendTask id="Send_1" name="Mail the partner"/>',
     "sendTask 'Mail the partner' (id Send_1)"),
    ('<bpmn:receiveTask id="Receive_1" name="Wait for mail"/>',
     "receiveTask 'Wait for mail' (id Receive_1)"),
    ('<bpmn:eventBasedGateway id="Race_1" name="Whichever first"/>',
     "eventBasedGateway 'Whichever first' (id Race_1)"),
])
def test_unsupported_activities_are_named(body: str, expected: str) -> None:
    found = problems(bpmn(body))
    assert any(expected in p and "Unsupported element" in p for p in found), found


@pytest.mark.parametrize(("definition", "tag"), [
    ("messageEventDefinition", "message"), ("signalEventDefinition", "signal"),
    ("errorEventDefinition", "error"), ("escalationEventDefinition", "escalation"),
    ("conditionalEventDefinition", "conditional"),
])
def test_non_timer_events_are_named(definition: str, tag: str) -> None:
    body = (f'<bpmn:intermediateCatchEvent id="Catch_1" name="Wait for {tag}">'
            f'<bpmn:{definition} id="Def_1"/></bpmn:intermediateCatchEvent>'
            f'<bpmn:endEvent id="End_1" name="Fail"><bpmn:{definition}/></bpmn:endEvent>')
    found = problems(bpmn(body))
    assert any(f"{definition} (id Def_1) in intermediateCatchEvent 'Wait for {tag}' "
               "(id Catch_1)" in p for p in found), found
    assert any("in endEvent 'Fail' (id End_1): only timer events" in p for p in found), found


def test_boundary_message_event_is_named() -> None:
    body = ('<bpmn:userTask id="Task_A" name="Wait"/>'
            '<bpmn:boundaryEvent id="Msg_1" name="Partner writes" attachedToRef="Task_A">'
            "<bpmn:messageEventDefinition/></bpmn:boundaryEvent>")
    found = problems(bpmn(body))
    assert any("boundaryEvent 'Partner writes' (id Msg_1)" in p for p in found), found


def test_time_cycle_is_refused() -> None:
    body = ('<bpmn:startEvent id="Start_Daily" name="Every morning"><bpmn:timerEventDefinition>'
            "<bpmn:timeCycle>R/PT24H</bpmn:timeCycle></bpmn:timerEventDefinition>"
            "</bpmn:startEvent>")
    assert "repeating timers are not supported" in only_problem(bpmn(body))


def test_multi_instance_is_refused() -> None:
    body = ('<bpmn:userTask id="Task_Each" name="Call each parent">'
            "<bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>")
    assert "multi-instance activities are not supported" in only_problem(bpmn(body))


@pytest.mark.parametrize(("body", "owner"), [
    ('<bpmn:startEvent id="Start_Daily" name="Every morning"><bpmn:timerEventDefinition>'
     "<bpmn:timeCycle>R/PT24H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>",
     "Start_Daily"),
    ('<bpmn:userTask id="Task_Each" name="Call each parent">'
     "<bpmn:multiInstanceLoopCharacteristics/></bpmn:userTask>", "Task_Each"),
    ('<bpmn:userTask id="Task_Again" name="Try again">'
     "<bpmn:standardLoopCharacteristics/></bpmn:userTask>", "Task_Again"),
])
def test_refused_inner_element_names_its_owner(body: str, owner: str) -> None:
    assert f"(id {owner})" in only_problem(bpmn(body))


@pytest.mark.parametrize("attribute", ["class", "delegateExpression", "expression"])
def test_service_task_with_java_or_expression_is_refused(attribute: str) -> None:
    body = f'<bpmn:serviceTask id="Service_1" name="Call Java" camunda:{attribute}="com.x.Y"/>'
    found = problems(bpmn(body))
    assert f"serviceTask 'Call Java' (id Service_1) uses camunda:{attribute}" in found[0]
    assert "found None" in found[1]


def test_service_task_with_unknown_topic_is_refused() -> None:
    body = ('<bpmn:serviceTask id="Service_1" name="Wipe disk" camunda:type="external" '
            'camunda:topic="rm_rf"/>')
    message = only_problem(bpmn(body))
    assert "serviceTask 'Wipe disk' (id Service_1)" in message
    assert "found 'rm_rf'" in message
    assert "remind_partner" in message     # says which handlers exist


@pytest.mark.parametrize("extension", [
    '<camunda:executionListener event="start" class="com.x.Listener"/>',
    '<camunda:taskListener event="create"><camunda:script scriptFormat="groovy">1'
    "</camunda:script></camunda:taskListener>",
    '<camunda:inputOutput><camunda:inputParameter name="x"><camunda:script '
    'scriptFormat="javascript">1</camunda:script></camunda:inputParameter></camunda:inputOutput>',
    "<camunda:connector><camunda:connectorId>http-connector</camunda:connectorId>"
    "</camunda:connector>",
])
def test_camunda_scripts_and_listeners_are_refused(extension: str) -> None:
    body = (f'<bpmn:userTask id="Task_Listen" name="Listen">'
            f"<bpmn:extensionElements>{extension}</bpmn:extensionElements></bpmn:userTask>")
    found = problems(bpmn(body))
    assert all("Brug runs no scripts or listeners from files" in p for p in found), found


@pytest.mark.parametrize("extension", [
    '<camunda:executionListener event="start" class="com.x.Listener"/>',
    '<camunda:inputOutput><camunda:inputParameter name="x"><camunda:script '
    'scriptFormat="javascript">1</camunda:script></camunda:inputParameter></camunda:inputOutput>',
])
def test_camunda_refusal_names_the_task(extension: str) -> None:
    body = (f'<bpmn:userTask id="Task_Listen" name="Listen">'
            f"<bpmn:extensionElements>{extension}</bpmn:extensionElements></bpmn:userTask>")
    assert all("userTask 'Listen' (id Task_Listen)" in p for p in problems(bpmn(body)))


def test_unknown_brug_form_key_is_refused() -> None:
    body = '<bpmn:userTask id="Task_Form" name="Fill in" camunda:formKey="brug:no_such_form"/>'
    assert only_problem(bpmn(body)) == ("userTask 'Fill in' (id Task_Form) asks for the unknown "
                                        "form 'brug:no_such_form'.")


@pytest.mark.parametrize("reserved", ["Start", "End"])
def test_reserved_ids_are_refused(reserved: str) -> None:
    message = only_problem(bpmn(f'<bpmn:task id="{reserved}" name="Oops"/>'))
    assert f"task 'Oops' (id {reserved})" in message
    assert "reserved" in message
    assert "id other than" in only_problem(bpmn("", process_id=reserved))


def test_bad_condition_and_timer_values_are_named() -> None:
    body = (SIMPLE + flow("Task_A", "EndEvent_1", "consent.lower() == 'yes'", flow_id="Flow_Bad",
                          name="yes")
            + '<bpmn:intermediateCatchEvent id="Wait_1" name="Wait"><bpmn:timerEventDefinition>'
              "<bpmn:timeDuration>__import__('os')</bpmn:timeDuration>"
              "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
            + '<bpmn:intermediateCatchEvent id="Wait_2" name="Empty"><bpmn:timerEventDefinition>'
              "<bpmn:timeDate> </bpmn:timeDate></bpmn:timerEventDefinition>"
              "</bpmn:intermediateCatchEvent>")
    found = problems(bpmn(body))
    assert found[0].startswith("sequenceFlow 'yes' (id Flow_Bad): ")
    assert "Only these functions may be called" in found[0]
    assert found[1].startswith("intermediateCatchEvent 'Wait' (id Wait_1): ")
    assert found[2] == "intermediateCatchEvent 'Empty' (id Wait_2): the timer has no value."


def test_several_problems_are_all_reported() -> None:
    body = ('<bpmn:scriptTask id="Script_1" name="Score"/>'
            '<bpmn:callActivity id="Call_1" name="Other"/>'
            '<bpmn:serviceTask id="Service_1" name="Java" camunda:class="x.Y"/>'
            '<bpmn:userTask id="Task_Form" name="Form" camunda:formKey="brug:nope"/>'
            '<bpmn:intermediateCatchEvent id="Msg_1" name="Mail">'
            "<bpmn:messageEventDefinition/></bpmn:intermediateCatchEvent>"
            '<bpmn:task id="End" name="Reserved"/>')
    found = problems(bpmn(body))
    text = "\n".join(found)
    for ident in ("Script_1", "Call_1", "Service_1", "Task_Form", "Msg_1", "(id End)"):
        assert ident in text, ident
    assert len(found) >= 6


# --- the file itself -------------------------------------------------------------------------

def test_bad_xml_is_refused() -> None:
    assert only_problem(b"<bpmn:definitions").startswith("The file is not well-formed XML")
    assert only_problem(b"").startswith("The file is not well-formed XML")
    assert only_problem(bpmn(SIMPLE)[:-30]).startswith("The file is not well-formed XML")


def test_xml_that_is_not_bpmn_is_refused() -> None:
    for data in (b"<html><body/></html>", b'<definitions xmlns="urn:other"/>'):
        assert only_problem(data) == ("This is not a BPMN 2.0 file (no bpmn:definitions "
                                      "element).")


def test_file_over_the_size_limit_is_refused() -> None:
    padding = "<!--" + "x" * parsing.MAX_BPMN_BYTES + "-->"
    assert only_problem(bpmn(SIMPLE + padding)) == "The file is larger than 2048 KB."
    just_under = bpmn(SIMPLE)
    assert len(just_under) < parsing.MAX_BPMN_BYTES
    inspect(just_under)


def test_two_executable_processes_are_refused() -> None:
    data = bpmn(SIMPLE, after='<bpmn:process id="Process_Two" isExecutable="true"/>')
    assert only_problem(data).endswith("found 2.")
    # A second pool that is not executable (a partner drawn for context) is fine.
    inspect(bpmn(SIMPLE, after='<bpmn:process id="Process_Two" isExecutable="false"/>'))


def test_no_executable_process_is_refused() -> None:
    data = bpmn(SIMPLE).replace(b'isExecutable="true"', b'isExecutable="false"')
    assert "found 0." in only_problem(data)


def test_non_executable_process_message_names_the_process() -> None:
    data = bpmn(SIMPLE).replace(b'isExecutable="true"', b'isExecutable="false"')
    assert "Process_Test" in only_problem(data)


BOMB_DTD = (
    '<!DOCTYPE bpmn:definitions [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + "]>"
)


@pytest.mark.parametrize("where", ["attribute", "text"])
def test_entity_bomb_is_not_expanded(where: str) -> None:
    inner = ('<bpmn:userTask id="Task_A" name="&i;"/>' if where == "attribute" else
             '<bpmn:userTask id="Task_A"><bpmn:documentation>&i;</bpmn:documentation>'
             "</bpmn:userTask>")
    data = bpmn(inner).replace(b"<bpmn:definitions", BOMB_DTD.encode() + b"\n<bpmn:definitions",
                               1)
    started = time.monotonic()
    try:
        model = inspect(data)
    except ProcessFileError as exc:
        assert "not well-formed" in str(exc)
    else:  # accepted only if nothing was expanded
        assert len(model.nodes["Task_A"].name) < 100
    assert time.monotonic() - started < 2


def xxe_file(tmp_path: Path, body: str) -> tuple[bytes, str]:
    """A BPMN file declaring ``&secret;`` as an external entity: a local file with a secret."""
    secret = "secret-7f3a9c"
    target = tmp_path / "secret.txt"
    target.write_text(secret, "utf-8")
    dtd = f'<!DOCTYPE d [<!ENTITY secret SYSTEM "{target.as_uri()}">]>\n'
    return dtd.encode() + bpmn(body).split(b"?>", 1)[1], secret


def test_external_entity_in_attribute_is_not_resolved(tmp_path: Path) -> None:
    data, secret = xxe_file(tmp_path, '<bpmn:userTask id="Task_A" name="&secret;"/>')
    try:
        model = inspect(data)
    except ProcessFileError as exc:
        assert "not well-formed" in str(exc)
        assert secret not in str(exc)
    else:
        assert secret not in model.nodes["Task_A"].name


def test_external_entity_in_text_is_not_resolved(tmp_path: Path) -> None:
    body = ('<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Task_A")
            + '<bpmn:userTask id="Task_A" name="A"><bpmn:documentation>&secret;'
              "</bpmn:documentation></bpmn:userTask>")
    data, secret = xxe_file(tmp_path, body)
    try:
        model = inspect(data)
    except ProcessFileError as exc:
        assert secret not in str(exc)
        return
    spec, _subprocesses = parsing.build_spec(data, model)
    assert secret not in (spec.task_specs["Task_A"].documentation or "")
    assert secret not in Run.start(data, model).serialize()
