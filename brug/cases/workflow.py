"""The cases app's glue to the engine: definitions in the database, instances saved after every
step, inbox steps kept in step with the engine, and the timer sweep.

Callers hold the transaction: every function here is called from a service inside
``transaction.atomic`` with the instance row locked (``select_for_update``), so two people
completing steps of one case at once are serialised and the saved state is never lost.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from brug.accounts.models import User
from brug.audit.services import Pending, audit_record, audit_record_many
from brug.errors import Conflict, InvalidInput, NotFound

from .engine import clock
from .engine.metadata import Metadata, check_metadata
from .engine.parsing import ProcessFileError, ProcessModel, inspect
from .engine.runtime import ProcessRunError, Run
from .models import (
    Case,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    ProcessStep,
    Referral,
    ReferralStatus,
    StepStatus,
)

logger = logging.getLogger("brug.cases")

PROCESSES_DIR = Path(__file__).resolve().parent / "processes"
DEFAULT_PROCESS = "to_be"


# --- definitions ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Checked:
    model: ProcessModel
    metadata: Metadata


def definition_check(bpmn: bytes, metadata: Any) -> Checked:
    """Validate a file and its metadata; raises ``ProcessFileError`` listing every problem."""
    model = inspect(bpmn)
    checked = Checked(model, check_metadata(metadata, model))
    try:  # a dry start: a file that imports but cannot run must not reach new cases
        Run.start(bpmn, model, {"case_id": 0, "reminders": 0, "escalations": 0,
                                "has_signals": False})
    except ProcessRunError as exc:
        raise ProcessFileError([f"The process cannot start: {exc}"]) from exc
    return checked


def shipped_folders() -> list[Path]:
    return sorted(p for p in PROCESSES_DIR.iterdir()
                  if p.is_dir() and (p / f"{p.name}.bpmn").exists())


def definitions_sync_shipped() -> list[ProcessDefinition]:
    """Make sure each shipped process file is stored; a changed file becomes a new version."""
    stored = []
    for folder in shipped_folders():
        bpmn = (folder / f"{folder.name}.bpmn").read_bytes()
        metadata = json.loads((folder / f"{folder.name}.json").read_text("utf-8"))
        stored.append(definition_store(bpmn=bpmn, metadata=metadata, actor=None, shipped=True))
    return stored


def definition_store(*, bpmn: bytes, metadata: Any, actor: User | None,
                     shipped: bool = False) -> ProcessDefinition:
    """Store a checked process as the next version of its key (the same file is stored once)."""
    try:
        checked = definition_check(bpmn, metadata)
    except ProcessFileError as exc:
        raise InvalidInput("\n".join(exc.problems), code="process_invalid") from exc
    key = checked.metadata.key
    with transaction.atomic():
        existing = ProcessDefinition.objects.filter(key=key, sha256=checked.model.sha256).first()
        if existing is not None:
            if existing.metadata != checked.metadata.as_dict() and not shipped:
                raise Conflict(_("This exact BPMN file is already stored as version "
                                 "%(version)s of “%(key)s”.") % {"version": existing.version,
                                                                  "key": key})
            return existing
        latest = ProcessDefinition.objects.filter(key=key).aggregate(v=Max("version"))["v"]
        definition = ProcessDefinition.objects.create(
            key=key, version=(latest or 0) + 1, title=checked.metadata.title,
            description=checked.metadata.description, process_id=checked.model.process_id,
            bpmn=bpmn.decode("utf-8"), metadata=checked.metadata.as_dict(),
            sha256=checked.model.sha256, shipped=shipped, uploaded_by=actor)
        audit_record(actor=actor, action="process.store", obj=definition,
                     details={"key": key, "version": definition.version, "shipped": shipped,
                              "sha256": definition.sha256})
    return definition


def definition_latest(key: str) -> ProcessDefinition:
    definition = ProcessDefinition.objects.filter(key=key).order_by("-version").first()
    if definition is None and key in {p.name for p in shipped_folders()}:
        definitions_sync_shipped()
        definition = ProcessDefinition.objects.filter(key=key).order_by("-version").first()
    if definition is None:
        raise NotFound(_("There is no process named “%(key)s”.") % {"key": key})
    return definition


_LOADED: dict[str, tuple[bytes, ProcessModel, Metadata]] = {}


def _loaded(definition: ProcessDefinition) -> tuple[bytes, ProcessModel, Metadata]:
    """The checked file, model and metadata of a stored definition, cached by content: a
    definition never changes once stored (a new file is a new version)."""
    key = f"{definition.sha256}:{json.dumps(definition.metadata, sort_keys=True)}"
    cached = _LOADED.get(key)
    if cached is None:
        bpmn = definition.bpmn.encode("utf-8")
        model = inspect(bpmn)
        cached = _LOADED[key] = (bpmn, model, check_metadata(definition.metadata, model))
    return cached


# --- instances -----------------------------------------------------------------------------

def instance_start(*, case: Case, definition: ProcessDefinition,
                   variables: dict[str, Any]) -> ProcessInstance:
    bpmn, model, meta = _loaded(definition)
    try:
        run = Run.start(bpmn, model, variables)
    except ProcessRunError as exc:
        raise Conflict(_("The process could not start: %(error)s") % {"error": exc},
                       code="process_error") from exc
    instance = ProcessInstance(case=case, definition=definition,
                               definition_sha256=definition.sha256, state="")
    instance.save()
    _write([_collect(instance, run, meta, {}, None)])  # a new case has no referral yet
    return instance


def instance_run(instance: ProcessInstance) -> tuple[Run, Metadata]:
    """Restore the saved engine state (the caller has locked the row)."""
    bpmn, model, meta = _loaded(instance.definition)
    return Run.restore(bpmn, model, instance.state), meta


def instance_stop(*, instance: ProcessInstance) -> int:
    """Stop a running instance (its case was closed): no more inbox steps, no more timers.

    Returns how many open steps were cancelled. The caller holds the case's lock.
    """
    if instance.status != InstanceStatus.RUNNING:
        return 0
    now = timezone.now()
    cancelled = instance.steps.filter(status=StepStatus.OPEN).update(
        status=StepStatus.CANCELLED, completed_at=now)
    ProcessInstance.objects.filter(pk=instance.pk).update(
        status=InstanceStatus.STOPPED, next_timer_at=None, completed_at=now, updated_at=now)
    instance.status = InstanceStatus.STOPPED
    return cancelled


def step_complete(*, instance: ProcessInstance, step: ProcessStep, actor: User,
                  variables: dict[str, Any]) -> None:
    """Complete an open user step with the variables its form produced, then save."""
    try:
        run, meta = instance_run(instance)
        run.complete(step.task_id, variables)
    except (ProcessRunError, ProcessFileError) as exc:
        raise Conflict(_("The process could not go on: %(error)s") % {"error": exc},
                       code="process_error") from exc
    ProcessStep.objects.filter(pk=step.pk).update(status=StepStatus.DONE,
                                                  completed_at=timezone.now(),
                                                  completed_by=actor)
    open_steps = {s.task_id: s for s in instance.steps.filter(status=StepStatus.OPEN)
                  .exclude(pk=step.pk)}
    _write([_collect(instance, run, meta, open_steps,
                     _partner_of([instance.case_id]).get(instance.case_id))])


@dataclass
class _Outcome:
    """What one engine run changed, to be written together with other instances' outcomes."""

    instance: ProcessInstance
    new_steps: list[ProcessStep]
    stale_step_ids: list[int]
    handler_calls: list[str]


def _collect(instance: ProcessInstance, run: Run, meta: Metadata,
             open_steps: dict[str, ProcessStep], partner_id: int | None) -> _Outcome:
    """Serialise the run into ``instance`` (not saved yet) and work out the step changes:
    finished automatic steps are recorded, each ready user task gets an open inbox step, and
    open steps the engine no longer waits for (e.g. interrupted by a timer) are cancelled."""
    now = timezone.now()
    instance.state = run.serialize()
    instance.next_timer_at = run.next_timer_at()
    instance.revision += 1
    instance.updated_at = now
    if run.is_completed:
        instance.status = InstanceStatus.COMPLETED
        instance.completed_at = now
        instance.next_timer_at = None
    case = instance.case
    new: list[ProcessStep] = []
    for step in run.take_completed():
        if step.node.kind == "user":
            continue  # user steps are closed by step_complete with who did them
        new.append(ProcessStep(instance=instance, case=case, task_id=step.task_id,
                               node_id=step.node.id, name=step.node.name, kind=step.node.kind,
                               lane_id=step.node.lane or "", status=StepStatus.DONE,
                               opened_at=step.at, completed_at=step.at))
    ready_ids = set()
    for task in run.ready():
        ready_ids.add(task.task_id)
        if task.task_id in open_steps:
            continue
        lane = meta.lane_for(task.node.lane)
        side = lane.organisation if lane else "case"
        organisation_id = partner_id if side == "partner" and partner_id else \
            case.organisation_id
        new.append(ProcessStep(instance=instance, case=case, task_id=task.task_id,
                               node_id=task.node.id, name=task.node.name, kind="user",
                               lane_id=task.node.lane or "", role=lane.role if lane else "",
                               organisation_id=organisation_id, form=task.node.form or "",
                               status=StepStatus.OPEN, opened_at=now))
    stale = [s.pk for s in open_steps.values() if s.task_id not in ready_ids]
    return _Outcome(instance, new, stale, list(run.engine.handlers_called))


_INSTANCE_FIELDS = ["state", "next_timer_at", "revision", "status", "completed_at",
                    "updated_at"]


def _update_instances(instances: list[ProcessInstance]) -> None:
    """One prepared UPDATE per instance, sent with ``executemany``. (Django's ``bulk_update``
    builds one CASE expression per field over the whole batch; for the sweep that cost more
    than running the engine.)"""
    fields: list[Any] = [ProcessInstance._meta.get_field(name) for name in _INSTANCE_FIELDS]
    table = connection.ops.quote_name(ProcessInstance._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    rows = [[f.get_db_prep_save(getattr(i, f.attname), connection) for f in fields] + [i.pk]
            for i in instances]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s", rows)


def _write(outcomes: list[_Outcome]) -> None:
    """Write a batch of outcomes with a bounded number of queries (the sweep's hot path)."""
    if not outcomes:
        return
    _update_instances([o.instance for o in outcomes])
    ProcessStep.objects.bulk_create([s for o in outcomes for s in o.new_steps],
                                    batch_size=500)
    stale = [pk for o in outcomes for pk in o.stale_step_ids]
    if stale:
        ProcessStep.objects.filter(pk__in=stale).update(status=StepStatus.CANCELLED,
                                                        completed_at=timezone.now())
    _apply_handlers([o for o in outcomes if o.handler_calls])


def _apply_handlers(outcomes: list[_Outcome]) -> None:
    """Brug-side effects of approved handlers: a reminder counts on the waiting referral;
    every call is audited (content-free)."""
    if not outcomes:
        return
    waiting = {r.case_id: r for r in Referral.objects.filter(
        case_id__in=[o.instance.case_id for o in outcomes], status=ReferralStatus.SENT)}
    reminded = []
    pending = []
    for outcome in outcomes:
        referral = waiting.get(outcome.instance.case_id)
        for name in outcome.handler_calls:
            if name == "remind_partner" and referral is not None:
                referral.reminders += 1
                reminded.append(referral)
            pending.append(Pending(
                action=f"process.handler.{name}", object_type="cases.case",
                object_id=str(outcome.instance.case_id),
                organisation_id=outcome.instance.case.organisation_id,
                details={"referral": referral.pk if referral else None,
                         "instance": outcome.instance.pk}))
    if reminded:
        table = connection.ops.quote_name(Referral._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET reminders = %s WHERE id = %s",
                               [[r.reminders, r.pk] for r in {r.pk: r for r in reminded}.values()])
    audit_record_many(pending)


def _partner_of(case_ids: list[int]) -> dict[int, int]:
    """The organisation each case's current referral went to (partner lanes go there)."""
    partner: dict[int, int] = {}
    for case_id, partner_id in (Referral.objects.filter(case_id__in=case_ids, status__in=[
            ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.ENDED])
            .order_by("sent_at", "id").values_list("case_id", "partner_id")):
        partner[case_id] = partner_id  # the latest wins
    return partner


# --- timers --------------------------------------------------------------------------------

@dataclass
class SweepResult:
    due: int = 0
    advanced: int = 0
    failed: int = 0


SWEEP_CHUNK = 250


def timers_sweep(*, limit: int = 50_000) -> SweepResult:
    """Fire due timers. Only instances whose ``next_timer_at`` has passed are loaded (an
    indexed query), in chunks: each chunk is locked, run and written in one transaction. An
    instance the engine cannot advance is marked ``error`` with the reason and skipped; the
    rest of its chunk goes on."""
    now = clock.now()
    due_ids = list(ProcessInstance.objects.filter(
        status=InstanceStatus.RUNNING, next_timer_at__lte=now)
        .order_by("next_timer_at").values_list("pk", flat=True)[:limit])
    result = SweepResult(due=len(due_ids))
    for start in range(0, len(due_ids), SWEEP_CHUNK):
        chunk = due_ids[start:start + SWEEP_CHUNK]
        with transaction.atomic():
            instances = list(ProcessInstance.objects.select_for_update(of=("self",))
                             .select_related("case", "definition")
                             .filter(pk__in=chunk, status=InstanceStatus.RUNNING))
            open_steps: dict[int, dict[str, ProcessStep]] = {i.pk: {} for i in instances}
            for step in ProcessStep.objects.filter(instance__in=instances,
                                                   status=StepStatus.OPEN):
                open_steps[step.instance_id][step.task_id] = step
            partners = _partner_of([i.case_id for i in instances])
            outcomes, broken = [], []
            for instance in instances:
                try:
                    run, meta = instance_run(instance)
                    run.fire_timers()
                    outcomes.append(_collect(instance, run, meta, open_steps[instance.pk],
                                             partners.get(instance.case_id)))
                except (ProcessRunError, ProcessFileError) as exc:
                    broken.append((instance.pk, str(exc)))
            _write(outcomes)
            for pk, error in broken:
                ProcessInstance.objects.filter(pk=pk).update(status=InstanceStatus.ERROR,
                                                             error=error[:2000])
                logger.warning("process instance %s stopped: %s", pk, error)
        result.advanced += len(outcomes)
        result.failed += len(broken)
    return result
