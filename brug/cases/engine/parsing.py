"""Reading a BPMN 2.0 file into a checked process model and a SpiffWorkflow spec.

Import is strict and explains itself: anything Brug cannot run safely is rejected with a
message naming the element (its tag, id and name), e.g. script tasks, business-rule tasks or
message events. What is accepted: start/end events, user/manual/plain tasks, service tasks with
an approved handler, exclusive/parallel/inclusive gateways, timer catch and boundary events
(date or duration), embedded sub-processes, lanes, annotations and diagram layout.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS, CamundaTaskParser

from . import expressions
from .formkeys import form_key
from .handlers import HANDLERS

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_BPMN_BYTES = 2 * 1024 * 1024

# Flow elements Brug runs, by local name, and what kind of step each is.
FLOW_KINDS = {
    "startEvent": "event", "endEvent": "event", "intermediateCatchEvent": "timer",
    "boundaryEvent": "timer", "userTask": "user", "manualTask": "user", "task": "user",
    "serviceTask": "service", "exclusiveGateway": "gateway", "parallelGateway": "gateway",
    "inclusiveGateway": "gateway", "subProcess": "subprocess",
}
# Other elements that may appear inside a process and carry no behaviour.
PASSIVE = {
    "sequenceFlow", "laneSet", "lane", "childLaneSet", "flowNodeRef", "incoming", "outgoing",
    "documentation", "extensionElements", "textAnnotation", "text", "association", "group",
    "conditionExpression", "timerEventDefinition", "timeDate", "timeDuration", "dataObject",
    "dataObjectReference", "dataInputAssociation", "dataOutputAssociation", "sourceRef",
    "targetRef", "property", "ioSpecification", "inputSet", "outputSet",
    "script",  # only inside a scriptTask, which is reported itself
}
WHY = {
    "scriptTask": "Brug runs no script text from process files; use a service task with an "
                  "approved handler (camunda:topic).",
    "businessRuleTask": "decision tables (DMN) are not supported.",
    "callActivity": "calling another process file is not supported; draw it as an embedded "
                    "sub-process.",
    "timeCycle": "repeating timers are not supported; use a duration or a date.",
    "multiInstanceLoopCharacteristics": "multi-instance activities are not supported.",
    "standardLoopCharacteristics": "loop activities are not supported; draw the loop with "
                                   "a gateway.",
}
CAMUNDA_REFUSED = {"script", "executionListener", "taskListener", "connector"}


class ProcessFileError(ValueError):
    """The file cannot be imported; ``problems`` lists every reason found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Node:
    id: str
    kind: str                 # event, timer, user, service, gateway, subprocess
    tag: str
    name: str
    lane: str | None          # lane id (innermost), None outside lanes
    form: str | None = None   # user tasks: the approved Brug form
    handler: str | None = None  # service tasks: the approved handler


@dataclass(frozen=True)
class ProcessModel:
    process_id: str
    name: str
    sha256: str
    lanes: dict[str, str]                 # lane id -> lane name
    nodes: dict[str, Node] = field(default_factory=dict)

    @property
    def user_tasks(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "user"]


class _ServiceTaskParser(CamundaTaskParser):  # type: ignore[misc]
    """Keeps the Camunda external-task topic, which names Brug's handler."""

    def parse_extensions(self, node: Any = None) -> dict[str, Any]:
        extensions: dict[str, Any] = super().parse_extensions(node)
        topic = self.node.get(f"{{{CAMUNDA_MODEL_NS}}}topic")
        if topic:
            extensions["topic"] = topic
        return extensions


class BrugServiceTask(ServiceTask):  # type: ignore[misc]
    """A service task that calls an approved handler through the script engine."""

    def _execute(self, task: Any) -> Any:
        topic = self.extensions.get("topic")
        return task.workflow.script_engine.call_service(task, topic=topic)


class BrugParser(CamundaParser):  # type: ignore[misc]
    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (_ServiceTaskParser, BrugServiceTask),
    }


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _label(el: Any) -> str:
    name = el.get("name")
    ident = el.get("id") or "?"
    return f"{_local(el.tag)} '{name}' (id {ident})" if name else f"{_local(el.tag)} (id {ident})"


def _owner(el: Any) -> str:
    """The label of the nearest flow element around ``el`` (itself included): inner parts
    such as timeCycle or camunda:script have no id of their own."""
    node = el
    while node is not None:
        local = _local(node.tag)
        if node.get("id") and etree.QName(node).namespace == BPMN_NS and \
                local != "extensionElements" and not local.endswith("EventDefinition"):
            return _label(node)
        node = node.getparent()
    return _label(el)


def read_xml(data: bytes) -> Any:
    """Parse the bytes safely (no entities, no network, bounded size)."""
    if len(data) > MAX_BPMN_BYTES:
        raise ProcessFileError([f"The file is larger than {MAX_BPMN_BYTES // 1024} KB."])
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True,
                             huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ProcessFileError([f"The file is not well-formed XML: {exc.msg}."]) from exc
    if etree.QName(root).namespace != BPMN_NS or _local(root.tag) != "definitions":
        raise ProcessFileError(["This is not a BPMN 2.0 file (no bpmn:definitions element)."])
    return root


def inspect(data: bytes) -> ProcessModel:
    """Check a BPMN file and describe it. Raises :class:`ProcessFileError` with every problem."""
    root = read_xml(data)
    problems: list[str] = []
    processes = root.findall(f"{{{BPMN_NS}}}process")
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"]
    if len(executable) != 1:
        drafts = [p.get("id") or "?" for p in processes if p.get("isExecutable") == "false"]
        hint = (f" Process {', '.join(drafts)} is marked isExecutable=\"false\"; tick "
                "'Executable' in the modeller." if not executable and drafts else "")
        raise ProcessFileError([
            "The file must contain exactly one executable process (one pool with a process); "
            f"found {len(executable)}.{hint}"])
    process = executable[0]
    pid = process.get("id") or ""
    if len(pid) > 200:
        problems.append("The process id must be at most 200 characters.")
    if pid in ("Start", "End") or not pid:
        problems.append("The process needs an id other than 'Start' or 'End'.")

    lanes: dict[str, str] = {}
    lane_of: dict[str, str] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        lanes[lane.get("id")] = lane.get("name") or lane.get("id")
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = lane.get("id")  # inner lanes come later: win

    nodes: dict[str, Node] = {}
    for el in process.iter():
        local = _local(el.tag)
        if not local or el is process:
            continue
        namespace = etree.QName(el).namespace
        if namespace == CAMUNDA_MODEL_NS:
            if local in CAMUNDA_REFUSED:
                problems.append(f"camunda:{local} in {_owner(el)} is not supported: Brug "
                                "runs no scripts or listeners from files.")
            continue
        if namespace != BPMN_NS:
            continue
        if _in_extension(el):
            # SpiffWorkflow would still find and run flow elements hidden there.
            problems.append(f"{_label(el)} is inside extensionElements: BPMN elements there "
                            "are not supported.")
            continue
        if local in WHY:
            where = _label(el) if el.get("id") else f"{local} in {_owner(el)}"
            problems.append(f"Unsupported element {where}: {WHY[local]}")
            continue
        if local.endswith("EventDefinition") and local != "timerEventDefinition":
            problems.append(f"Unsupported element {_label(el)} in {_label(el.getparent())}: "
                            "only timer events are supported.")
            continue
        if local not in FLOW_KINDS:
            if local not in PASSIVE:
                problems.append(f"Unsupported element {_label(el)}.")
            continue
        ident = el.get("id") or ""
        if ident in ("Start", "End"):
            problems.append(f"{_label(el)}: the ids 'Start' and 'End' are reserved; rename it.")
        kind = FLOW_KINDS[local]
        form = handler = None
        if kind == "user":
            raw = el.get(f"{{{CAMUNDA_MODEL_NS}}}formKey")
            form = form_key(raw)
            if form is None:
                problems.append(f"{_label(el)} asks for the unknown form {raw!r}.")
        if kind == "service":
            handler = el.get(f"{{{CAMUNDA_MODEL_NS}}}topic")
            for attr in ("class", "delegateExpression", "expression"):
                if el.get(f"{{{CAMUNDA_MODEL_NS}}}{attr}") is not None:
                    problems.append(f"{_label(el)} uses camunda:{attr}; Brug calls only "
                                    "approved handlers named by camunda:topic.")
            if handler not in HANDLERS:
                problems.append(
                    f"{_label(el)} must name an approved handler with camunda:topic "
                    f"(one of: {', '.join(sorted(HANDLERS))}); found {handler!r}.")
        if local in ("intermediateCatchEvent", "boundaryEvent") and \
                el.find(f"{{{BPMN_NS}}}timerEventDefinition") is None:
            problems.append(f"Unsupported element {_label(el)}: only timer events are "
                                "supported.")
        nodes[ident] = Node(ident, kind, local, el.get("name") or ident, lane_of.get(ident),
                            form, handler)

    for expr_el in process.iter(f"{{{BPMN_NS}}}conditionExpression",
                                f"{{{BPMN_NS}}}timeDate", f"{{{BPMN_NS}}}timeDuration"):
        text = (expr_el.text or "").strip()
        owner = expr_el.getparent()
        if _local(owner.tag) == "timerEventDefinition":
            owner = owner.getparent()
            if not text:
                problems.append(f"{_label(owner)}: the timer has no value.")
                continue
        try:
            expressions.check(text)
        except expressions.ExpressionError as exc:
            problems.append(f"{_label(owner)}: {exc}")
            continue
        mismatch = _timer_mismatch(_local(expr_el.tag), expressions.unwrap(text))
        if mismatch:
            problems.append(f"{_label(owner)}: {mismatch}")

    if problems:
        raise ProcessFileError(problems)
    sha = hashlib.sha256(data).hexdigest()
    model = ProcessModel(pid, process.get("name") or pid, sha, lanes, nodes)
    # Let SpiffWorkflow build the spec once, so its own checks run at import time too.
    build_spec(data, model)
    return model


MAX_TIMER_DAYS = 3650


def _timer_mismatch(tag: str, text: str) -> str:
    """A date timer must give a moment, a duration timer a duration (else the run would fail);
    a literal value must be a real date or a duration of at most ten years."""
    if expressions._ISO_LITERAL.match(text):
        problem = _literal_problem(text)
        if problem:
            return problem
    is_duration = text.upper().startswith("P") or text.startswith("days(")
    is_moment = text.startswith("working_days(") or bool(
        expressions._ISO_LITERAL.match(text) and text[:1].isdigit())
    if tag == "timeDate" and is_duration:
        return "a date timer (timeDate) needs a moment such as working_days(5) or an ISO date, " \
               f"not the duration {text!r}; use timeDuration for durations."
    if tag == "timeDuration" and is_moment:
        return "a duration timer (timeDuration) needs a duration such as P14D or days(14), " \
               f"not the moment {text!r}; use timeDate for moments."
    return ""


def _literal_problem(text: str) -> str:
    import datetime

    from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

    try:
        if text.upper().startswith("P"):
            parsed = TimerEventDefinition.parse_iso_duration(text)
            span = TimerEventDefinition.get_timedelta_from_start(
                parsed, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
            if span > datetime.timedelta(days=MAX_TIMER_DAYS):
                return f"the timer {text!r} is longer than {MAX_TIMER_DAYS} days."
        else:
            datetime.datetime.fromisoformat(text)
    except Exception:  # SpiffWorkflow raises a bare Exception for a bad duration
        return f"{text!r} is not a valid ISO 8601 date or duration."
    return ""


def _in_extension(el: Any) -> bool:
    parent = el.getparent()
    while parent is not None:
        if _local(parent.tag) == "extensionElements":
            return True
        parent = parent.getparent()
    return False


_SPECS: dict[str, tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]] = {}
_SPECS_LOCK = threading.Lock()


def build_spec(data: bytes, model: ProcessModel) -> tuple[BpmnProcessSpec,
                                                          dict[str, BpmnProcessSpec]]:
    """The SpiffWorkflow spec for a checked file, cached by content hash."""
    with _SPECS_LOCK:
        cached = _SPECS.get(model.sha256)
    if cached is not None:
        return cached
    parser = BrugParser()
    try:
        parser.add_bpmn_xml(read_xml(data), filename=f"{model.process_id}.bpmn")
        spec = parser.get_spec(model.process_id)
        subprocesses = parser.get_subprocess_specs(model.process_id)
    except ValidationException as exc:
        where = f" (element id {exc.id})" if getattr(exc, "id", None) else ""
        raise ProcessFileError([f"The process cannot be run: {exc.args[0]}{where}."]) from exc
    with _SPECS_LOCK:
        _SPECS[model.sha256] = (spec, subprocesses)
    return spec, subprocesses
