"""Running one process instance: start, complete a user task, fire timers, save, restore.

A :class:`Run` wraps a SpiffWorkflow ``BpmnWorkflow`` with Brug's safe script engine. It is
plain Python (no Django): the cases app stores ``Run.serialize()`` after every step and
restores it with :meth:`Run.restore`, so an instance survives restarts; the JSON test cases
drive the same class.
"""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.task_spec import BpmnTaskSpecConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState

from . import clock, expressions
from .handlers import HANDLERS
from .parsing import BrugServiceTask, Node, ProcessModel, build_spec

# The spec a state is being restored against (set by ``Run.restore``).
_RESTORING: contextvars.ContextVar[tuple[Any, dict[str, Any]] | None] = \
    contextvars.ContextVar("brug_restoring", default=None)


class _SpecByReference(BpmnWorkflowConverter):  # type: ignore[misc]
    """Saves an instance without its process spec, which SpiffWorkflow would otherwise copy
    into every instance's state (27 KB for TO-BE, and rebuilt on every restore). The spec comes
    from the definition the instance belongs to (the instance stores its hash), built once per
    process and cached. States saved with a full spec still restore."""

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = super().to_dict(workflow)
        dct["spec"] = {"brug_spec": workflow.spec.name}
        dct["subprocess_specs"] = {}
        return dct

    def from_dict(self, dct: dict[str, Any]) -> Any:
        ref = dct.get("spec")
        if not (isinstance(ref, dict) and "brug_spec" in ref):
            return super().from_dict(dct)
        specs = _RESTORING.get()
        if specs is None or specs[0].name != ref["brug_spec"]:
            raise ProcessRunError("The saved state belongs to another process.")
        spec, subprocess_specs = specs
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_CONFIG = dict(CAMUNDA_CONFIG)
_CONFIG[BrugServiceTask] = BpmnTaskSpecConverter
_CONFIG[BpmnWorkflow] = _SpecByReference
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))

HandlerHook = Callable[[str, dict[str, Any]], None]


# A person or a timer must come within this many automatic steps: a process that loops through
# gateways and service tasks alone would otherwise run forever inside a request.
MAX_ENGINE_STEPS = 200


class ProcessRunError(RuntimeError):
    """The engine could not go on (e.g. no gateway condition matched). Names the element."""


class _NoScripts:
    """An environment that refuses everything: Brug evaluates expressions itself."""

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        return expressions.evaluate(expression, context)

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        raise expressions.ExpressionError("Brug runs no scripts from process files.")

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise expressions.ExpressionError("Service calls go through approved handlers.")


class BrugScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """SpiffWorkflow script engine without ``eval``/``exec``; service tasks call handlers."""

    def __init__(self, on_handler: HandlerHook | None = None) -> None:
        super().__init__(environment=_NoScripts())
        self.on_handler = on_handler
        self.handlers_called: list[str] = []

    def validate(self, expression: str) -> None:
        expressions.check(expression)

    def call_service(self, task: Any, **kwargs: Any) -> bool:
        topic = kwargs.get("topic")
        handler = HANDLERS.get(topic or "")
        if handler is None:
            raise WorkflowTaskException(f"No approved handler named {topic!r}.", task=task)
        task.data.update(handler.effect(task.data))
        self.handlers_called.append(handler.name)
        if self.on_handler is not None:
            self.on_handler(handler.name, task.data)
        return True


@dataclass(frozen=True)
class ReadyTask:
    task_id: str
    node: Node


@dataclass(frozen=True)
class Step:
    """A flow element the engine finished (user task, service task, timer, event)."""

    task_id: str
    node: Node
    at: datetime.datetime


class Run:
    def __init__(self, bpmn: bytes, model: ProcessModel, workflow: BpmnWorkflow,
                 engine: BrugScriptEngine) -> None:
        self.bpmn, self.model, self.workflow, self.engine = bpmn, model, workflow, engine
        self._completed: list[Step] = []

    # --- life cycle -----------------------------------------------------------------------

    @classmethod
    def start(cls, bpmn: bytes, model: ProcessModel, variables: dict[str, Any] | None = None,
              on_handler: HandlerHook | None = None) -> Run:
        spec, subprocesses = build_spec(bpmn, model)
        engine = BrugScriptEngine(on_handler)
        workflow = BpmnWorkflow(spec, subprocesses, script_engine=engine)
        start_task = workflow.get_tasks(state=TaskState.READY)
        for task in start_task:
            task.data.update(variables or {})
        run = cls(bpmn, model, workflow, engine)
        run.advance()
        return run

    @classmethod
    def restore(cls, bpmn: bytes, model: ProcessModel, state: str,
                on_handler: HandlerHook | None = None) -> Run:
        specs = build_spec(bpmn, model)
        engine = BrugScriptEngine(on_handler)
        token = _RESTORING.set(specs)
        try:
            workflow = SERIALIZER.deserialize_json(state)
        except ProcessRunError:
            raise
        except Exception as exc:  # whatever its shape, the state is unreadable
            raise ProcessRunError(f"The saved process state cannot be read: {exc}") from exc
        finally:
            _RESTORING.reset(token)
        workflow.script_engine = engine
        return cls(bpmn, model, workflow, engine)

    def serialize(self) -> str:
        return str(SERIALIZER.serialize_json(self.workflow))

    # --- moving on --------------------------------------------------------------------------

    def advance(self) -> None:
        taken = 0

        def record(task: Any) -> None:
            nonlocal taken
            taken += 1
            if taken > MAX_ENGINE_STEPS:
                raise ProcessRunError(
                    f"More than {MAX_ENGINE_STEPS} automatic steps in a row: the process "
                    "loops without waiting for a person or a timer.")
            self._record(task)

        try:
            self.workflow.do_engine_steps(did_complete_task=record)
        except ProcessRunError:
            raise
        except Exception as exc:  # any engine failure belongs to the instance, not to Brug
            raise ProcessRunError(_explain(exc)) from exc

    def fire_timers(self) -> None:
        """Let due timers fire and carry on (the periodic sweep calls this)."""
        try:
            self.workflow.refresh_timers()
        except Exception as exc:  # any engine failure belongs to the instance, not to Brug
            raise ProcessRunError(_explain(exc)) from exc
        self.advance()

    def complete(self, task_id: str, variables: dict[str, Any] | None = None) -> Step:
        """Complete a ready user task with the variables its form produced."""
        task = self._ready_task(task_id)
        task.data.update(variables or {})
        try:
            task.run()
        except Exception as exc:  # any engine failure belongs to the instance, not to Brug
            raise ProcessRunError(_explain(exc)) from exc
        step = self._record(task)
        self.advance()
        return step

    # --- looking --------------------------------------------------------------------------

    def ready(self) -> list[ReadyTask]:
        ready = []
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            node = self._node(task)
            if node is not None:
                ready.append(ReadyTask(str(task.id), node))
        return ready

    def take_completed(self) -> list[Step]:
        """Steps finished since the last call (each reported once)."""
        steps, self._completed = self._completed, []
        return steps

    @property
    def is_completed(self) -> bool:
        return bool(self.workflow.is_completed())

    @property
    def variables(self) -> dict[str, Any]:
        """The process variables as the most recently finished step left them."""
        if self.is_completed:
            return dict(self.workflow.data)
        last = self.workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
        return dict(last[-1].data) if last else dict(self.workflow.data)

    def next_timer_at(self) -> datetime.datetime | None:
        """When the earliest waiting timer is due (for the indexed sweep), or None."""
        moments: list[datetime.datetime] = []
        for event in self.workflow.waiting_events():
            value = getattr(event, "value", None)
            if isinstance(value, str):
                try:
                    moment = datetime.datetime.fromisoformat(value)
                except ValueError:
                    continue
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=datetime.UTC)
                moments.append(moment)
        # SpiffWorkflow fires a timer only once the clock is strictly past its moment.
        return min(moments) + datetime.timedelta(microseconds=1) if moments else None

    # --- internals ------------------------------------------------------------------------

    def _ready_task(self, task_id: str) -> Any:
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            if str(task.id) == task_id:
                return task
        raise ProcessRunError("This step is no longer waiting to be done.")

    def _node(self, task: Any) -> Node | None:
        return self.model.nodes.get(getattr(task.task_spec, "bpmn_id", None) or "")

    def _record(self, task: Any) -> Step:
        node = self._node(task)
        step = Step(str(task.id), node, clock.now()) if node else None
        if step is not None and node is not None and node.kind != "gateway" and \
                not any(s.task_id == step.task_id for s in self._completed):
            self._completed.append(step)
        return step  # type: ignore[return-value]


def _explain(exc: Exception) -> str:
    task = getattr(exc, "task", None)
    spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
    where = ""
    if spec is not None:
        where = f" at {getattr(spec, 'bpmn_name', None) or ''} (id {spec.bpmn_id})"
    message = exc.args[0] if exc.args else type(exc).__name__
    return f"{message}{where}"
