"""The child processes of the case-process benchmark (``benchmarks/bench_cases.py``).

``bench_cases.py`` runs each part here in a fresh process on a fresh database, with
``DATABASE_URL`` and ``DJANGO_SETTINGS_MODULE`` set (production-like settings, see
``bench_platform.child_env``)::

    python benchmarks/cases_parts.py PART OPTIONS_JSON

* ``steps``: organisations, people, an agreement and an offer through the real services; opens
  ``cases`` cases with ``services.case_open`` (timed), then advances all of them, round-robin,
  through the TO-BE happy path with ``taskforms.step_do`` (each call timed), in this process
  or in ``processes`` ``advance`` children that each take their share of the cases.
* ``advance``: one such child (started by ``steps``).
* ``sweep``: one case walked to "Answer the referral" through the services, cloned to
  ``waiting`` instances with ``bulk_create``; ``workflow.timers_sweep()`` timed before the
  timer (nothing due) and after it (every instance reminded).

The figures go as JSON to ``options["result"]``. Not a command for people: run
``bench_cases.py``.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from platform_parts import (  # noqa: E402  (benchmarks/platform_parts.py, next to this file)
    die_with_parent,
    log,
    percentile,
    profiled,
    setup_django,
)

# Who does each form of the TO-BE happy path (the lanes of to_be.json).
FORM_ROLE = {"assessment": "prevention_worker", "consent": "prevention_worker",
             "case_conference": "supervisor", "choose_offer": "prevention_worker",
             "referral_answer": "partner_caseworker", "first_contact": "partner_caseworker",
             "outcome": "partner_caseworker", "follow_up": "prevention_worker",
             "close": "prevention_worker"}
HAPPY_PATH = list(FORM_ROLE)
PEOPLE = {"prevention_worker": 6, "supervisor": 2, "partner_caseworker": 3}
OBSERVATIONS = [
    "Shares recruitment videos at the youth centre and talks about 'the coming fight'.",
    "Teacher reports he stopped coming to football and spends nights on a closed channel.",
    "Mother called: her son repeats slogans about a group and refuses to see old friends.",
    "Youth worker noticed hostile remarks about neighbours and a new circle of older men.",
]
NEEDS = [["leisure", "social"], ["school", "identity"], ["family", "leisure"],
         ["work", "social", "mental_health"]]
PROTECTIVE = [["family", "leisure"], ["trusted_adult"], ["school_work", "doubts"], []]
DOMAINS = ["leisure", "school", "work", "family"]


def child_command(part: str, options: dict[str, Any]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), part, json.dumps(options)]


def run_part(part: str, options: dict[str, Any]) -> int:
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if part == "advance":
        die_with_parent()
        result = advance_child(options)
    elif part == "steps":
        result = steps_child(options)
    else:
        result = sweep_child(options)
    Path(options["result"]).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


# --------------------------------------------------------------------------- helpers
class QueryCounter:
    """Counts SQL statements (``connection.execute_wrapper``: no debug cursor, no SQL kept)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool,
                 context: dict[str, Any]) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


@contextmanager
def counting_queries() -> Iterator[QueryCounter]:
    from django.db import connection

    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        yield counter


def stats_ms(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {"n": len(values), "mean_ms": round(sum(values) / len(values), 2),
            "p50_ms": round(percentile(ordered, 50), 2),
            "p95_ms": round(percentile(ordered, 95), 2), "max_ms": round(ordered[-1], 2)}


def load() -> list[float]:
    return [round(x, 1) for x in os.getloadavg()]


def database_settings() -> dict[str, Any]:
    """What the connection runs with: SQLite's journal mode and sync level (the settings ask
    for WAL, ``synchronous=NORMAL`` and ``BEGIN IMMEDIATE``), PostgreSQL's durability."""
    from django.db import connection

    names = (["journal_mode", "synchronous", "busy_timeout"] if connection.vendor == "sqlite"
             else ["fsync", "synchronous_commit", "server_version"])
    found: dict[str, Any] = {"vendor": connection.vendor}
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"PRAGMA {name}" if connection.vendor == "sqlite" else f"SHOW {name}")
            row = cursor.fetchone()
            found[name] = row[0] if row else None
    if connection.vendor == "sqlite":
        found["transaction_mode"] = connection.settings_dict["OPTIONS"].get("transaction_mode")
    return found


@dataclass
class Bench:
    """The organisations, people and offer every part works with."""

    organisation_id: int
    partner_id: int
    offer_id: int
    people: dict[str, list[Any]]


def make_bench(*, capacity: int) -> Bench:
    """A prevention organisation and a partner with people for every lane, a data-sharing
    agreement (recorded by the DPO) and an offer (created by the partner) with ``capacity``
    open places: through the real services where there is one."""
    from django.utils import timezone

    from brug.accounts.models import Organisation, User
    from brug.accounts.roles import OrganisationType, Role
    from brug.partners.services import agreement_record, offer_create

    org = Organisation.objects.create(name="Bench prevention", kind=OrganisationType.PREVENTION)
    partner = Organisation.objects.create(name="Bench youth work",
                                          kind=OrganisationType.YOUTH_WORK)
    people: dict[str, list[Any]] = {}
    for role, count in PEOPLE.items():
        home = partner if role == Role.PARTNER_CASEWORKER else org
        people[role] = [User.objects.create_user(username=f"bench-{role}-{n}", organisation=home,
                                                 role=role, first_name=f"{role[:7]}{n}")
                        for n in range(count)]
    dpo = User.objects.create_user(username="bench-dpo", organisation=org, role=Role.DPO)
    today = timezone.localdate()
    agreement_record(actor=dpo, organisation_a_id=org.pk, organisation_b_id=partner.pk,
                     title="Referrals to youth work", reference="DSA-BENCH-2026",
                     legal_basis="Art. 6(1)(e) GDPR; municipal prevention decree",
                     scope="Age, language and needs assessment of referred young people.",
                     starts_on=today - datetime.timedelta(days=30),
                     expires_on=today + datetime.timedelta(days=3 * 365))
    offer = offer_create(actor=people[Role.PARTNER_CASEWORKER][0], name="Drop-in Mechelen",
                         kind="youth_work", region="Mechelen", needs=["leisure", "social"],
                         languages=["nl", "fr"], capacity=capacity,
                         description="Evenings and weekends at the youth centre.")
    return Bench(org.pk, partner.pk, offer.pk, people)


def load_bench(options: dict[str, Any]) -> Bench:
    """The same bench, read back by an ``advance`` child."""
    from brug.accounts.models import User

    people: dict[str, list[Any]] = {}
    for role, count in PEOPLE.items():
        users = {u.username: u for u in User.objects.filter(username__startswith=f"bench-{role}-")}
        people[role] = [users[f"bench-{role}-{n}"] for n in range(count)]
    return Bench(options["organisation_id"], options["partner_id"], options["offer_id"], people)


def open_cases(bench: Bench, n: int) -> tuple[list[int], list[float]]:
    """Open ``n`` cases with ``services.case_open``, each call timed (ms)."""
    from brug.cases.services import case_open

    workers = bench.people["prevention_worker"]
    ids, times = [], []
    for i in range(n):
        started = time.perf_counter()
        case = case_open(actor=workers[i % len(workers)], subject_label=f"Client B-{i:05d}",
                         observation=OBSERVATIONS[i % len(OBSERVATIONS)],
                         language=("nl", "fr")[i % 2], region="Mechelen", age=14 + i % 12)
        times.append((time.perf_counter() - started) * 1000)
        ids.append(case.pk)
    return ids, times


def form_data(form: str, i: int, offer_id: int) -> dict[str, Any]:
    """What the form would hand ``step_do`` (its cleaned data), varied per case."""
    from django.utils import timezone

    if form == "assessment":
        return {"needs": NEEDS[i % 4], "needs_notes": "Wants somewhere to go after school.",
                "protective": PROTECTIVE[i % 4], "protective_notes": "Close to his sister.",
                "concerns": "Spends nights online in a closed group." if i % 3 else ""}
    if form == "consent":
        return {"status": "given", "note": "Asked in person with his mother present."}
    if form == "case_conference":
        return {"decision": "refer", "participants": "Prevention, youth work, school, CAW",
                "notes": "Agreed: referral to youth work; school keeps an eye." if i % 2 else ""}
    if form == "choose_offer":
        return {"offer": offer_id,
                "summary": "Young person (15-18) looking for belonging; speaks Dutch and French."}
    if form == "referral_answer":
        return {"answer": "accepted", "reason": "We have a place in the evening group."}
    if form == "first_contact":
        return {"on": timezone.localdate()}
    if form == "outcome":
        return {"outcome": ("completed", "engaged")[i % 2], "domain": DOMAINS[i % 4],
                "note": "Comes twice a week." if i % 2 else ""}
    if form == "follow_up":
        return {"note": "Goes to the club twice a week; no new concerns."}
    if form == "close":
        return {"reason": "Support in place, goals met, no new concerns."}
    raise KeyError(form)


# --------------------------------------------------------------------------- steps
def advance(bench: Bench, case_ids: list[int], *, index_of: dict[int, int],
            profile: bool = False) -> dict[str, Any]:
    """Advance every case one step per round (round-robin) until none has an open step.

    Each ``step_do`` call is timed (``perf_counter``) and its queries counted. A database
    error (lock timeout, deadlock) is counted and the step retried (at most 5 times).
    """
    from django.db import OperationalError

    from brug.cases.models import ProcessStep, StepStatus
    from brug.cases.taskforms import step_do
    from brug.errors import BrugError

    turn: Counter[str] = Counter()
    times: dict[str, list[float]] = {form: [] for form in HAPPY_PATH}
    queries: dict[str, set[int]] = {form: set() for form in HAPPY_PATH}
    retries: Counter[str] = Counter()
    failures: list[str] = []
    pending = deque(case_ids)
    started, cpu = time.perf_counter(), time.process_time()
    with profiled(profile), counting_queries() as counter:
        while pending:
            case_id = pending.popleft()
            row = (ProcessStep.objects.filter(case_id=case_id, status=StepStatus.OPEN,
                                              kind="user")
                   .values_list("pk", "form").first())
            if row is None:
                continue  # the case's process has completed
            step_id, form = row
            role = FORM_ROLE.get(form)
            if role is None:
                failures.append(f"case {case_id}: unexpected step {form!r}")
                continue
            people = bench.people[role]
            actor = people[turn[role] % len(people)]
            turn[role] += 1
            data = form_data(form, index_of[case_id], bench.offer_id)
            for attempt in range(6):
                before = counter.count
                t0 = time.perf_counter()
                try:
                    step_do(actor=actor, step_id=step_id, data=data)
                except OperationalError as exc:
                    retries[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
                    if attempt == 5:
                        failures.append(f"case {case_id} {form}: {exc}")
                    continue
                except BrugError as exc:
                    failures.append(f"case {case_id} {form}: {type(exc).__name__}: {exc}")
                    break
                times[form].append((time.perf_counter() - t0) * 1000)
                queries[form].add(counter.count - before)
                pending.append(case_id)
                break
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"steps": sum(len(t) for t in times.values()), "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "times_ms": times, "queries": {f: sorted(q) for f, q in queries.items()},
            "retries": dict(retries), "failures": failures[:20],
            "failure_count": len(failures)}


def advance_child(options: dict[str, Any]) -> dict[str, Any]:
    """One of several processes advancing its share of the cases in parallel."""
    setup_django(migrate=False)
    bench = load_bench(options)
    case_ids = options["case_ids"]
    index_of = {int(k): v for k, v in options["index_of"].items()}
    from brug.cases import taskforms, workflow  # noqa: F401  (imported before the clock)
    from brug.cases.models import ProcessInstance

    # Warm, as a web worker that has served a while is: the process definition parsed and
    # its spec built (the first restore does both), the connection open.
    workflow.instance_run(ProcessInstance.objects.select_related("definition")
                          .get(case_id=case_ids[0]))
    Path(options["ready"]).write_text("ready", encoding="utf-8")
    go = Path(options["go"])
    while not go.exists():
        time.sleep(0.01)
    return advance(bench, case_ids, index_of=index_of)


def run_in_children(bench: Bench, case_ids: list[int], index_of: dict[int, int],
                    options: dict[str, Any]) -> tuple[list[dict[str, Any]], float]:
    """Start ``processes`` ``advance`` children (each with every n-th case), let them go at
    once, wait for all; returns their results and the wall time from "go" to the last one."""
    workdir, label, n = Path(options["workdir"]), options["label"], options["processes"]
    go = workdir / f"{label}-go"
    go.unlink(missing_ok=True)
    procs, results, readies = [], [], []
    for k in range(n):
        share = case_ids[k::n]
        result_path, ready = workdir / f"{label}-advance{k}.json", workdir / f"{label}-ready{k}"
        result_path.unlink(missing_ok=True)
        ready.unlink(missing_ok=True)
        readies.append(ready)
        results.append(result_path)
        child = {"result": str(result_path), "ready": str(ready), "go": str(go),
                 "case_ids": share, "index_of": {str(c): index_of[c] for c in share},
                 "organisation_id": bench.organisation_id, "partner_id": bench.partner_id,
                 "offer_id": bench.offer_id}
        args_file = workdir / f"{label}-advance{k}-options.json"
        args_file.write_text(json.dumps(child), encoding="utf-8")
        procs.append(subprocess.Popen([sys.executable, str(Path(__file__).resolve()),
                                       "advance", "@" + str(args_file)], cwd=REPO))
    try:
        deadline = time.monotonic() + 120
        while not all(r.exists() for r in readies):
            if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
                raise RuntimeError("an advance process did not start")
            time.sleep(0.05)
        go.write_text("go", encoding="utf-8")
        started = time.perf_counter()
        for proc in procs:
            proc.wait()
        wall = time.perf_counter() - started
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
    if any(p.returncode != 0 for p in procs):
        raise RuntimeError(f"an advance process failed: {[p.returncode for p in procs]}")
    return [json.loads(r.read_text(encoding="utf-8")) for r in results], wall


def steps_child(options: dict[str, Any]) -> dict[str, Any]:
    migrate_s = setup_django(migrate=True)
    from django.db import connection

    from brug.audit.services import audit_verify
    from brug.cases.models import (
        Case,
        CaseStatus,
        InstanceStatus,
        ProcessInstance,
        ProcessStep,
        StepStatus,
    )
    from brug.partners.models import Offer

    n = options["cases"]
    settings_seen = database_settings()
    bench = make_bench(capacity=n + 10)
    with counting_queries() as counter:
        case_ids, open_times = open_cases(bench, n)
    open_queries = counter.count / n
    log(f"   opened {n} cases in {sum(open_times) / 1000:.1f} s (p95 "
        f"{percentile(sorted(open_times), 95):.1f} ms); migrations took {migrate_s:.1f} s")
    index_of = {c: i for i, c in enumerate(case_ids)}
    processes = options["processes"]
    running = ProcessInstance.objects.filter(status=InstanceStatus.RUNNING).count()
    if processes == 1:
        parts = [advance(bench, case_ids, index_of=index_of, profile=options["profile"])]
        wall = parts[0]["wall_s"]
    else:
        connection.close()  # the children open their own connections
        parts, wall = run_in_children(bench, case_ids, index_of, options)
    times: dict[str, list[float]] = {form: [] for form in HAPPY_PATH}
    queries: dict[str, set[int]] = {form: set() for form in HAPPY_PATH}
    retries: Counter[str] = Counter()
    failures: list[str] = []
    for part in parts:
        for form in HAPPY_PATH:
            times[form] += part["times_ms"][form]
            queries[form] |= set(part["queries"][form])
        retries.update(part["retries"])
        failures += part["failures"]
    every = [t for form in HAPPY_PATH for t in times[form]]
    steps = len(every)
    completed = ProcessInstance.objects.filter(case_id__in=case_ids,
                                               status=InstanceStatus.COMPLETED).count()
    closed = Case.objects.filter(pk__in=case_ids, status=CaseStatus.CLOSED).count()
    still_open = ProcessStep.objects.filter(case_id__in=case_ids, status=StepStatus.OPEN).count()
    capacity = Offer.objects.get(pk=bench.offer_id).capacity
    verification = audit_verify()
    ok = (completed == closed == n and still_open == 0 and steps == n * len(HAPPY_PATH)
          and capacity == n + 10 and verification.ok and not failures)
    result = {
        "database": options["database"], "cases": n, "processes": processes,
        "database_settings": settings_seen,
        "instances_running_at_start": running, "migrate_s": round(migrate_s, 1),
        "open": {"seconds": round(sum(open_times) / 1000, 2),
                 "rate": round(n / (sum(open_times) / 1000), 1),
                 "queries_per_case": round(open_queries, 1), **stats_ms(open_times)},
        "steps": steps, "wall_s": round(wall, 2), "steps_per_s": round(steps / wall, 1),
        "step_time_s": round(sum(every) / 1000, 2), **stats_ms(every),
        "over_1s": sum(1 for t in every if t > 1000),
        "by_form": {form: stats_ms(times[form]) for form in HAPPY_PATH},
        "queries_by_form": {form: sorted(queries[form]) for form in HAPPY_PATH},
        "retries": dict(retries), "retry_count": sum(retries.values()),
        "failures": failures[:20], "failure_count": sum(p["failure_count"] for p in parts),
        "cpu_s": round(sum(p["cpu_s"] for p in parts), 2),
        "cpu_ms_per_step": round(1000 * sum(p["cpu_s"] for p in parts) / max(steps, 1), 2),
        "per_process": [{"steps": p["steps"], "wall_s": p["wall_s"], "cpu_s": p["cpu_s"]}
                        for p in parts],
        "completed": completed, "closed": closed, "open_steps_left": still_open,
        "offer_capacity_after": capacity, "audit_chain_ok": verification.ok,
        "audit_entries": verification.checked, "all_ok": ok, "load_average": load()}
    log(f"   {processes} process(es): {steps} steps in {wall:.1f} s = {steps / wall:.1f} "
        f"steps/s; p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, max "
        f"{result['max_ms']} ms; retries {result['retry_count']}; all completed and chain "
        f"intact: {ok}")
    return result


# --------------------------------------------------------------------------- timer sweep
def walk_to_answer(bench: Bench) -> int:
    """Open one case and walk it through the real services to "Answer the referral"."""
    from brug.cases.models import ProcessStep, StepStatus
    from brug.cases.services import case_open
    from brug.cases.taskforms import step_do

    worker = bench.people["prevention_worker"][0]
    case = case_open(actor=worker, subject_label="Client T-00000", observation=OBSERVATIONS[0],
                     language="nl", region="Mechelen", age=16)
    for form in HAPPY_PATH[:4]:
        step = ProcessStep.objects.get(case=case, form=form, status=StepStatus.OPEN)
        step_do(actor=bench.people[FORM_ROLE[form]][0], step_id=step.pk,
                data=form_data(form, 0, bench.offer_id))
    return int(case.pk)


def clone_waiting(template_case_id: int, copies: int, chunk: int = 2000) -> None:
    """Bulk-create ``copies`` cases like the template: the case, its process instance with the
    same saved state (task ids need only be unique within an instance), its steps (the open
    "Answer the referral" and the history) and its referral, status "sent"."""
    from brug.cases.models import Case, ProcessInstance, ProcessStep, Referral

    case = Case.objects.get(pk=template_case_id)
    instance = ProcessInstance.objects.get(case=case)
    steps = list(ProcessStep.objects.filter(instance=instance).order_by("id"))
    referral = Referral.objects.get(case=case)
    case_fields = {f: getattr(case, f) for f in (
        "organisation_id", "origin", "observation", "language", "region", "owner_id")}
    for start in range(0, copies, chunk):
        size = min(chunk, copies - start)
        cases = Case.objects.bulk_create([
            Case(subject_label=f"Client T-{start + k + 1:05d}", age=14 + (start + k) % 12,
                 **case_fields) for k in range(size)])
        instances = ProcessInstance.objects.bulk_create([
            ProcessInstance(case=c, definition_id=instance.definition_id,
                            definition_sha256=instance.definition_sha256, state=instance.state,
                            status=instance.status, next_timer_at=instance.next_timer_at,
                            revision=instance.revision) for c in cases])
        ProcessStep.objects.bulk_create([
            ProcessStep(instance=i, case_id=i.case_id, task_id=s.task_id, node_id=s.node_id,
                        name=s.name, kind=s.kind, lane_id=s.lane_id, role=s.role,
                        organisation_id=s.organisation_id, form=s.form, status=s.status,
                        opened_at=s.opened_at, completed_at=s.completed_at,
                        completed_by_id=s.completed_by_id)
            for i in instances for s in steps], batch_size=1000)
        Referral.objects.bulk_create([
            Referral(case=c, offer_id=referral.offer_id, partner_id=referral.partner_id,
                     agreement_id=referral.agreement_id, summary=referral.summary,
                     match_reasons=referral.match_reasons, status=referral.status,
                     sent_by_id=referral.sent_by_id) for c in cases])


def sweep_child(options: dict[str, Any]) -> dict[str, Any]:
    migrate_s = setup_django(migrate=True)
    import time_machine
    from django.db import connection
    from django.utils import timezone

    from brug.audit.models import AuditEntry
    from brug.audit.services import audit_verify
    from brug.cases import workflow
    from brug.cases.models import (
        InstanceStatus,
        ProcessInstance,
        ProcessStep,
        Referral,
        ReferralStatus,
        StepStatus,
    )

    n = options["waiting"]
    bench = make_bench(capacity=10)
    template = walk_to_answer(bench)
    instance = ProcessInstance.objects.get(case_id=template)
    due_at = instance.next_timer_at
    if due_at is None:
        raise RuntimeError("the template case waits for no timer")
    started = time.perf_counter()
    clone_waiting(template, n - 1)
    clone_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does shortly after a bulk load
    waiting = ProcessInstance.objects.filter(status=InstanceStatus.RUNNING,
                                             next_timer_at=due_at).count()
    log(f"   {waiting} instances wait at 'Answer the referral' (cloned in {clone_s:.1f} s; "
        f"state {len(instance.state):,} characters); timer due {due_at:%a %Y-%m-%d %H:%M}")
    due_query = (ProcessInstance.objects.filter(status=InstanceStatus.RUNNING,
                                                next_timer_at__lte=timezone.now())
                 .order_by("next_timer_at").values_list("pk", flat=True)[:50_000])
    plan = due_query.explain()
    with counting_queries() as counter:
        t0 = time.perf_counter()
        idle = workflow.timers_sweep()
        idle_s = time.perf_counter() - t0
    idle_queries = counter.count
    later = due_at + datetime.timedelta(days=1)
    with time_machine.travel(later, tick=True):
        with profiled(options["profile"]), counting_queries() as counter:
            t0, cpu = time.perf_counter(), time.process_time()
            fired = workflow.timers_sweep()
            fired_s, cpu = time.perf_counter() - t0, time.process_time() - cpu
        fired_queries = counter.count
        t0 = time.perf_counter()
        again = workflow.timers_sweep()
        again_s = time.perf_counter() - t0
        now = timezone.now()
    reminded = Referral.objects.filter(status=ReferralStatus.SENT, reminders=1).count()
    other_reminders = Referral.objects.exclude(reminders=1).count()
    partner_open = ProcessStep.objects.filter(
        status=StepStatus.OPEN, form="referral_answer", role="partner_caseworker",
        organisation_id=bench.partner_id).count()
    open_steps = ProcessStep.objects.filter(status=StepStatus.OPEN).count()
    cancelled = ProcessStep.objects.filter(status=StepStatus.CANCELLED,
                                           form="referral_answer").count()
    moved_on = ProcessInstance.objects.filter(status=InstanceStatus.RUNNING,
                                              next_timer_at__gt=now).count()
    audited = AuditEntry.objects.filter(action="process.handler.remind_partner").count()
    verification = audit_verify()
    ok = (idle.due == 0 and fired.due == fired.advanced == n and fired.failed == 0
          and again.due == 0 and reminded == n and other_reminders == 0
          and partner_open == open_steps == n and cancelled == n and moved_on == n
          and audited == n and verification.ok)
    result = {
        "database": options["database"], "waiting": n, "migrate_s": round(migrate_s, 1),
        "clone_s": round(clone_s, 1), "state_chars": len(instance.state),
        "idle": {"seconds": round(idle_s, 4), "due": idle.due, "queries": idle_queries},
        "due_query_plan": plan,
        "fired": {"seconds": round(fired_s, 2), "rate": round(n / fired_s, 1),
                  "cpu_s": round(cpu, 2),
                  "due": fired.due, "advanced": fired.advanced, "failed": fired.failed,
                  "queries": fired_queries, "chunk": workflow.SWEEP_CHUNK},
        "again": {"seconds": round(again_s, 4), "due": again.due},
        "reminded_once": reminded, "other_reminders": other_reminders,
        "open_partner_steps": partner_open, "open_steps": open_steps,
        "cancelled_answer_steps": cancelled, "instances_waiting_again": moved_on,
        "reminder_audit_entries": audited, "audit_chain_ok": verification.ok,
        "audit_entries": verification.checked, "all_ok": ok, "load_average": load()}
    log(f"   nothing due: {idle_s * 1000:.1f} ms, {idle_queries} query; {n} due: "
        f"{fired_s:.1f} s = {n / fired_s:,.0f} instances/s, {fired_queries} queries; "
        f"checks: {ok}")
    return result


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: cases_parts.py PART OPTIONS_JSON (run benchmarks/bench_cases.py)")
    raw = sys.argv[2]
    if raw.startswith("@"):  # long options (case id lists) come in a file
        raw = Path(raw[1:]).read_text(encoding="utf-8")
    raise SystemExit(run_part(sys.argv[1], json.loads(raw)))
