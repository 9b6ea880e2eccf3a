"""The child processes of the platform benchmark (``benchmarks/bench_platform.py``).

``bench_platform.py`` runs each part here in a fresh process, with ``DATABASE_URL`` and
``DJANGO_SETTINGS_MODULE`` set (production-like settings, see ``bench_platform.child_env``)::

    python benchmarks/platform_parts.py PART OPTIONS_JSON

``ingest`` and ``queue`` write their figures as JSON to ``options["result"]``; ``worker`` is a
scoring worker that ``ingest`` starts itself and stops with SIGTERM. Not a command for people:
run ``bench_platform.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import db as bench_db  # noqa: E402  (benchmarks/db.py, next to this file)

# One request of the queue part: (shape name, page, GET parameters, htmx).
QueueRequest = tuple[str, int, dict[str, str], bool]


def child_command(part: str, options: dict[str, Any]) -> list[str]:
    """The command line that runs ``part`` in a new process (with this interpreter)."""
    return [sys.executable, str(Path(__file__).resolve()), part, json.dumps(options)]


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def setup_django(*, migrate: bool) -> float:
    """``django.setup()``, then migrate the (empty) database; returns the migration time."""
    import django

    django.setup()
    if not migrate:
        return 0.0
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return time.perf_counter() - started


def run_part(part: str, options: dict[str, Any]) -> int:
    """Entry point of a child: run one part, write its result as JSON. Returns the exit code."""
    # Stopped from outside (Ctrl-C, SIGTERM): unwind, so that worker processes are stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if part == "worker":
        die_with_parent()
        return worker_child(options)
    result = ingest_child(options) if part == "ingest" else queue_child(options)
    Path(options["result"]).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


def die_with_parent() -> None:
    """Linux: get SIGTERM when the process that started us dies, so no worker is left behind."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def worker_child(options: dict[str, Any]) -> int:
    """A worker as deployed: Django, the detector loaded once, then ``brug worker`` (or
    django-tasks-db's ``db_worker``, the loop it runs, where it is missing) until SIGTERM."""
    setup_django(migrate=False)
    from django.core.management import call_command, get_commands

    from brug.signals.services import get_detector

    started = time.perf_counter()
    warm_up(get_detector())
    Path(options["ready"]).write_text(json.dumps({"detector_load_s": time.perf_counter()
                                                  - started}), encoding="utf-8")
    if "worker" in get_commands():
        call_command("worker", "--poll", "0.5", verbosity=0)
    else:
        call_command("db_worker", "--no-reload", "--no-startup-delay", "--queue-name", "*",
                     "--interval", "0.5", verbosity=0)
    return 0


def warm_up(detector: Any) -> None:
    """Load everything the detector loads lazily (language identification, the encoder) by
    scoring a few lines that pass the gate, as a worker that has been running a while has."""
    from stream import make_labelled_stream

    detector.score([x["text"] for x in make_labelled_stream(300, 99) if x["kind"] != "benign"])


def cpu_seconds(procs: list[subprocess.Popen[bytes]]) -> float:
    """CPU time (user + system) used so far by the worker processes, or by this process when
    there are none (in-process scoring). Linux ``/proc``; 0.0 where unavailable."""
    if not procs:
        usage = os.times()
        return usage.user + usage.system
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in procs:
        try:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


@contextlib.contextmanager
def profiled(enabled: bool) -> Iterator[None]:
    """Profile the block with cProfile and print the 25 most expensive functions."""
    if not enabled:
        yield
        return
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
        log(out.getvalue())


def rate(n: int, seconds: float) -> dict[str, float]:
    return {"seconds": round(seconds, 2), "rate": round(n / seconds, 1) if seconds > 0 else 0.0}


def start_workers(options: dict[str, Any]) -> tuple[list[subprocess.Popen[bytes]], list[float]]:
    """Start ``workers`` worker processes; wait until each has loaded the detector."""
    workdir, label = Path(options["workdir"]), options["label"]
    procs: list[subprocess.Popen[bytes]] = []
    ready_files: list[Path] = []
    for n in range(options["workers"]):
        ready = workdir / f"{label}-worker{n}.ready"
        ready.unlink(missing_ok=True)
        ready_files.append(ready)
        logfile = (workdir / f"{label}-worker{n}.log").open("wb")
        # One encoder thread per worker process, as `brug worker` sets it (brug/cli.py).
        env = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", **os.environ}
        procs.append(subprocess.Popen(
            child_command("worker", {"ready": str(ready)}),
            stdout=logfile, stderr=subprocess.STDOUT, cwd=REPO, env=env))
    deadline = time.monotonic() + 180
    while not all(f.exists() for f in ready_files):
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            stop_workers(procs)
            raise RuntimeError(f"a worker did not start; see {workdir}/{label}-worker*.log")
        time.sleep(0.1)
    time.sleep(0.05)
    loads = [json.loads(f.read_text(encoding="utf-8"))["detector_load_s"] for f in ready_files]
    return procs, loads


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()  # the worker finishes its current task and exits
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_scored(source_id: int, procs: list[subprocess.Popen[bytes]],
                      timeout: float) -> None:
    """Poll until no message of the source is unscored. Raises on a failed job, a dead worker
    or no progress within ``timeout`` seconds."""
    from django_tasks_db.models import DBTaskResult

    from brug.sources.models import Message

    unscored = Message.objects.filter(source_id=source_id, scored_at__isnull=True)
    last, last_change = -1, time.monotonic()
    while True:
        left = unscored.count()
        if left == 0:
            return
        failed = DBTaskResult.objects.filter(status="FAILED",
                                             task_path__endswith="score_messages").first()
        if failed is not None:
            raise RuntimeError(f"a scoring job failed: {failed.exception_class_path}")
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a worker process exited during scoring")
        if left != last:
            last, last_change = left, time.monotonic()
        elif time.monotonic() - last_change > timeout:
            raise RuntimeError(f"no scoring progress for {timeout:.0f} s ({left} left)")
        time.sleep(0.25)


def ingest_child(options: dict[str, Any]) -> dict[str, Any]:
    migrate_s = setup_django(migrate=True)
    from django.core.management import call_command
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from brug.audit.services import audit_verify
    from brug.signals.models import Signal, SignalFlag
    from brug.signals.services import get_detector
    from brug.sources.models import Message, SourceKind
    from brug.sources.parsing import parse_upload
    from brug.sources.services import messages_ingest

    team = bench_db.make_team(source_names=(("Upload", "upload", 1.0),))
    source = team.sources[0]
    upload = Path(options["upload"])
    inprocess = options["worker_mode"] == "inprocess"
    procs: list[subprocess.Popen[bytes]] = []
    started = time.perf_counter()
    if inprocess:
        warm_up(get_detector())
        loads = [time.perf_counter() - started]
    else:
        procs, loads = start_workers(options)
    log(f"   {len(loads) if not inprocess else 1} worker(s) ready (detector loaded in "
        f"{max(loads):.1f} s); migrations took {migrate_s:.1f} s")
    try:
        t0 = time.perf_counter()
        parsed = parse_upload(upload.name, upload.read_bytes())
        t1 = time.perf_counter()
        run = messages_ingest(source=source, rows=parsed.rows, channel=SourceKind.UPLOAD,
                              actor=team.worker, filename=upload.name)
        t2 = time.perf_counter()
        log(f"   parsed {len(parsed.rows)} rows in {t1 - t0:.2f} s, stored "
            f"{run.rows_created} in {t2 - t1:.2f} s; scoring ...")
        cpu_before = cpu_seconds(procs)
        if inprocess:
            with profiled(options["profile"]):
                call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload",
                             "--queue-name", "*", verbosity=0)
        wait_until_scored(source.pk, procs, timeout=120)
        t3 = time.perf_counter()
        scoring_cpu = cpu_seconds(procs) - cpu_before
    finally:
        stop_workers(procs)
    n = options["messages"]
    stored = Message.objects.filter(source=source).count()
    unscored = Message.objects.filter(source=source, scored_at__isnull=True).count()
    errors = Message.objects.filter(source=source).exclude(score_error="").count()
    tasks = dict(DBTaskResult.objects.filter(task_path__endswith="score_messages")
                 .values_list("status").annotate(n=Count("id")))
    signals = Signal.objects.filter(source=source).count()
    flags = dict(SignalFlag.objects.values_list("category").annotate(n=Count("id")))
    verification = audit_verify()
    lost_ok = (stored == n == run.rows_created and run.rows_rejected == 0 and unscored == 0
               and not tasks.get("FAILED") and verification.ok)
    result = {
        "database": options["database"], "messages": n, "workers": len(loads),
        "worker_mode": options["worker_mode"], "detector_load_s": round(max(loads), 2),
        "migrate_s": round(migrate_s, 1), "parse": rate(n, t1 - t0),
        "store": rate(n, t2 - t1), "ingest": rate(n, t2 - t0), "scoring": rate(n, t3 - t2),
        "end_to_end": rate(n, t3 - t0),
        "scoring_cpu_ms_per_message": round(1000 * scoring_cpu / n, 2),
        "load_average": [round(x, 1) for x in os.getloadavg()], "stored": stored,
        "rows_created": run.rows_created,
        "rows_rejected": run.rows_rejected, "rows_duplicate": run.rows_duplicate,
        "unscored": unscored, "score_errors": errors, "signals": signals, "flags": flags,
        "tasks": tasks, "audit_chain_ok": verification.ok, "audit_entries": verification.checked,
        "nothing_lost": lost_ok}
    log(f"   ingest {result['ingest']['rate']:,.0f} msg/s, scoring "
        f"{result['scoring']['rate']:,.0f} msg/s, end to end {result['end_to_end']['rate']:,.0f}"
        f" msg/s; {signals} signals; nothing lost: {lost_ok}")
    return result


def queue_shapes(team: bench_db.Team) -> dict[str, dict[str, str]]:
    """The filter combinations requested: none, each filter value, and combinations."""
    src = [str(s.pk) for s in team.sources]
    shapes: dict[str, dict[str, str]] = {"all": {}}
    shapes.update({f"source {i + 1}": {"source": pk} for i, pk in enumerate(src)})
    shapes.update({f"lang {c}": {"lang": c} for c in ("nl", "fr", "en", "de", "und")})
    shapes.update({f"category {c}": {"category": c} for c in
                   ("violent_intent", "hate_speech", "extremist_narrative", "alienation")})
    shapes.update({f"age {a}": {"age": a} for a in ("today", "7d", "30d", "older")})
    shapes.update({
        "source+category": {"source": src[0], "category": "hate_speech"},
        "lang+category": {"lang": "nl", "category": "extremist_narrative"},
        "source+lang+age": {"source": src[1], "lang": "fr", "age": "30d"},
        "category+age": {"category": "violent_intent", "age": "7d"},
        "all four": {"source": src[0], "lang": "en", "category": "hate_speech", "age": "older"},
    })
    return shapes


def page_cursors(team: bench_db.Team, params: dict[str, str],
                 pages: tuple[int, ...]) -> dict[int, str | None]:
    """Cursors (``after``) that open the given pages of a filter, as the "next" links would."""
    from brug.review import selectors

    filters = selectors.QueueFilters(
        source=int(params["source"]) if "source" in params else None,
        lang=params.get("lang", ""), category=params.get("category", ""),
        age=params.get("age", ""))
    size = selectors.PAGE_SIZE
    ordered = (selectors.queue_base(team.worker, filters)
               .filter(status__in=selectors.QUEUE_STATUSES)
               .order_by("priority", "created_at", "id")
               .values_list("priority", "created_at", "id"))
    out: dict[int, str | None] = {}
    for page in pages:
        if page == 1:
            out[1] = None
            continue
        row = next(iter(ordered[(page - 1) * size - 1:(page - 1) * size]), None)
        if row is not None and ordered[(page - 1) * size:].exists():
            out[page] = selectors.Cursor(*row).encode()
    return out


def check_next_link(client: Any, team: bench_db.Team, params: dict[str, str]) -> bool:
    """Whether the page's own "Next page" link opens the page this harness requests as page 2
    (the deep pages are requested with cursors computed the same way)."""
    import re
    from urllib.parse import unquote

    from django.urls import reverse

    html = client.get(reverse("review:queue"), params).content.decode()
    found = re.search(r'after=([^"&]+)" rel="next"', html)
    expected = page_cursors(team, params, (2,)).get(2)
    return (unquote(found.group(1)) if found else None) == expected


def time_requests(client: Any, plan: list[QueueRequest]
                  ) -> list[dict[str, Any]]:
    """Request each (shape, page, params, htmx); time it and count its SQL queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse("review:queue")
    measured = []
    for shape, page, params, htmx in plan:
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        with CaptureQueriesContext(connection) as ctx:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url, params, **headers)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        if response.status_code != 200:
            raise RuntimeError(f"queue {shape} page {page} answered {response.status_code}")
        measured.append({"shape": shape, "page": page, "htmx": htmx,
                         "ms": elapsed * 1000, "cpu_ms": cpu * 1000,
                         "queries": len(ctx.captured_queries)})
    return measured


def queue_child(options: dict[str, Any]) -> dict[str, Any]:
    import random

    migrate_s = setup_django(migrate=True)
    from django.db import connection
    from django.test import Client
    from stream import make_labelled_stream

    rng = random.Random(options["seed"])
    team = bench_db.make_team()
    client = Client()
    bench_db.login(client, team.worker)
    # Realistic evidence, flags and languages: what the detector says about concerning and
    # counter-speech lines of the stream.
    lines = [x["text"] for x in make_labelled_stream(5000, options["seed"])
             if x["kind"] != "benign"]
    started = time.perf_counter()
    templates, info = bench_db.signal_templates(
        lines, cache=Path(options["workdir"]) / "signal-templates.json")
    log(f"   {len(templates)} signal templates from {len(lines)} scored lines "
        f"({time.perf_counter() - started:.1f} s); migrations took {migrate_s:.1f} s")
    shapes = queue_shapes(team)
    small = min(1000, options["signals"])
    started = time.perf_counter()
    bench_db.seed_signals(team, templates, info, count=small, seed=options["seed"])
    # Query counts with a small table: page 1 and 2 of every shape.
    small_plan = [(name, page, {**params, **({"after": c} if c else {})}, False)
                  for name, params in shapes.items()
                  for page, c in page_cursors(team, params, (1, 2)).items()]
    small_runs = time_requests(client, small_plan * 2)[len(small_plan):]
    bench_db.seed_signals(team, templates, info, count=options["signals"] - small,
                          seed=options["seed"], start=small)
    seed_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does shortly after a bulk load
    log(f"   {options['signals']:,} signals created in {seed_s:.1f} s")
    plan: list[QueueRequest] = []
    for name, params in shapes.items():
        for page, c in page_cursors(team, params, (1, 2, 10, 50, 200)).items():
            query = {**params, **({"after": c} if c else {})}
            plan.append((name, page, query, False))
            if page in (1, 10):
                plan.append((name, page, query, True))
    first_pages = [p for p in plan if p[1] == 1 and not p[3] and p[0] == "all"]
    timed: list[QueueRequest] = []
    while len(timed) < options["requests"]:
        batch = plan + first_pages * 10  # people mostly look at the top of the queue
        rng.shuffle(batch)
        timed.extend(batch)
    timed = timed[:options["requests"]]
    time_requests(client, plan[:5])  # warm-up: templates compiled, connection open
    next_link_ok = check_next_link(client, team, shapes["all"])
    with profiled(options["profile"]):
        runs = time_requests(client, timed)
    times = [r["ms"] for r in runs]
    by_shape: dict[str, set[int]] = {}
    for r in runs:
        by_shape.setdefault(f"{r['shape']}{' (htmx)' if r['htmx'] else ''}", set()).add(
            r["queries"])
    small_by_shape: dict[str, int] = {}
    for r in small_runs:
        small_by_shape[r["shape"]] = max(small_by_shape.get(r["shape"], 0), r["queries"])
    large_by_shape = {shape: max(c) for shape, c in by_shape.items() if "(htmx)" not in shape}
    varying = {s: sorted(c) for s, c in by_shape.items() if len(c) > 1}
    grew = {s: [small_by_shape[s], large_by_shape[s]] for s in small_by_shape
            if s in large_by_shape and small_by_shape[s] != large_by_shape[s]}
    deepest = max((r["page"] for r in runs), default=1)
    all_pages = [r for r in runs if r["shape"] == "all" and not r["htmx"]]
    result: dict[str, Any] = {
        "database": options["database"], "signals": options["signals"],
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "templates": len(templates), "seed_s": round(seed_s, 1), "requests": len(runs),
        "deepest_page": deepest, **summary_ms(times),
        "cpu_p95_ms": round(percentile([r["cpu_ms"] for r in runs], 95), 1),
        "query_counts": sorted({r["queries"] for r in runs}),
        "query_counts_small": sorted(set(small_by_shape.values())),
        "queries_page1_vs_deepest": [
            min(all_pages, key=lambda r: r["page"])["queries"],
            max(all_pages, key=lambda r: r["page"])["queries"]],
        "queries_varying_with_page": varying, "queries_differ_1k_vs_100k": grew,
        "queries_constant": not varying and not grew,
        "next_link_matches_harness": next_link_ok,
        "slowest": sorted(runs, key=lambda r: -r["ms"])[:5],
        "by_shape_p95_ms": {s: round(percentile([r["ms"] for r in runs if r["shape"] == s], 95),
                                     1) for s in shapes if any(r["shape"] == s for r in runs)},
    }
    log(f"   {len(runs)} requests: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, max "
        f"{result['max_ms']} ms; queries per request {result['query_counts']} (1,000 signals: "
        f"{result['query_counts_small']})")
    return result


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 95), 1), "max_ms": round(max(values), 1)}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: platform_parts.py PART OPTIONS_JSON (run benchmarks/bench_platform.py)")
    raise SystemExit(run_part(sys.argv[1], json.loads(sys.argv[2])))
