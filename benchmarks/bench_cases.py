"""Benchmark the case process: 1,000 open cases advancing through TO-BE, and the timer sweep.

One command (from the repository root, with the interpreter that has Brug installed)::

    .venv/bin/python benchmarks/bench_cases.py [--db sqlite|postgres|both] [--json]

1. **Steps.** Organisations, people for every lane, an agreement and an offer through the real
   services; ``--cases`` (1,000) cases opened with ``services.case_open`` (timed on its own),
   then advanced round-robin (all of them open at once) through the TO-BE happy path with
   ``taskforms.step_do`` and realistic form data (assessment, consent given, conference refers,
   choose offer, partner accepts, first contact, outcome, follow-up, close) until every
   instance is completed. Each ``step_do`` call is timed: steps/s, p50/p95/max. Checked at the
   end: every instance COMPLETED, every case closed, no open step, the offer's places given
   back, the audit chain intact. Run with one process, and with ``--processes`` (default
   "1,2": also two processes, each advancing half of the cases in parallel); database errors
   (lock timeouts, deadlocks) are retried, counted and reported.
2. **Timer sweep.** One case walked through the services to "Answer the referral" (its
   5-working-day boundary timer waiting), cloned with ``bulk_create`` to ``--waiting``
   (10,000) waiting instances; ``workflow.timers_sweep()`` timed with the clock before the
   timer (nothing due) and after it (``time_machine``: every instance reminded). Bar: the
   sweep that fires all of them takes at most 10 s.

Each part runs in a fresh process (``benchmarks/cases_parts.py``) on a fresh, migrated
database: a temporary SQLite file, and a PostgreSQL database (``DATABASE_URL`` from the
environment, or a throwaway cluster with PostgreSQL's default durability, see
``benchmarks/db.py``), with ``DEBUG`` off and throwaway secrets, as production runs.

Exit status: 0 when the bar and every check pass, 1 otherwise, 2 when a part crashed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import bench_platform  # noqa: E402  (benchmarks/bench_platform.py: environment, table)
import cases_parts  # noqa: E402  (the child processes, next to this file)
import db as bench_db  # noqa: E402  (benchmarks/db.py: throwaway databases)

BAR_SWEEP_S = 10.0


def run_child(part: str, url: str, options: dict[str, Any], workdir: Path,
              label: str) -> dict[str, Any]:
    """Run one part in a fresh process; returns its result (``{"crashed": ...}`` on failure)."""
    result_path = workdir / f"{label}.json"
    result_path.unlink(missing_ok=True)
    cmd = cases_parts.child_command(part, {**options, "result": str(result_path),
                                           "workdir": str(workdir), "label": label})
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=bench_platform.child_env(url), cwd=REPO, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not result_path.exists():
        return {"crashed": f"exited with status {proc.returncode} after {wall:.0f} s"}
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    result["child_wall_s"] = round(wall, 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"),
                        help="databases (default: both when PostgreSQL is available)")
    parser.add_argument("--cases", type=int, default=1000, help="open cases to advance")
    parser.add_argument("--waiting", type=int, default=10_000,
                        help="instances waiting for the timer")
    parser.add_argument("--processes", default="1,2",
                        help="process counts for the steps part, comma-separated (default 1,2)")
    parser.add_argument("--only", choices=("steps", "sweep"), help="run one part only")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the single-process steps and the firing sweep; the top "
                             "functions go to stderr")
    parser.add_argument("--workdir", type=Path, help="keep the SQLite files and results")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    try:
        args.process_counts = sorted({int(p) for p in args.processes.split(",") if p.strip()})
    except ValueError:
        parser.error("--processes takes numbers, e.g. 1,2")
    if min(args.cases, args.waiting, *args.process_counts) < 1:
        parser.error("--cases, --waiting and --processes must be at least 1")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return orchestrate(args, args.workdir)
    with tempfile.TemporaryDirectory(prefix="brug-bench-cases-") as tmp:
        return orchestrate(args, Path(tmp))


def orchestrate(args: argparse.Namespace, workdir: Path) -> int:
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    databases, notes = bench_platform.choose_databases(args)
    for note in notes:
        say(f"note: {note}")
    if not databases:
        return 2
    say(f"brug case-process benchmark: Python {platform.python_version()}, {os.cpu_count()} "
        f"cores, {platform.processor() or platform.machine()}")
    runs: list[tuple[str, str, int]] = []  # (part, label suffix, processes)
    if args.only in (None, "steps"):
        runs += [("steps", f"steps{p}", p) for p in args.process_counts]
    if args.only in (None, "sweep"):
        runs.append(("sweep", "sweep", 1))
    server: bench_db.PostgresServer | None = None
    results: dict[str, dict[str, Any]] = {}
    try:
        for database in databases:
            if database == "postgres":
                server = bench_db.PostgresServer.from_env()
                if server is None:
                    say("starting a throwaway PostgreSQL cluster (default durability) ...")
                    server = bench_db.PostgresServer.start_throwaway()
                results.setdefault(database, {})["server"] = {"version": server.version()}
            for part, suffix, processes in runs:
                name = f"brug_bench_cases_{suffix}_{os.getpid()}"
                url = (server.fresh_database(name) if database == "postgres" and server
                       else bench_db.sqlite_url(workdir, f"{database}-cases-{suffix}"))
                say(f"\n== {database}: {part}" + (f", {processes} process(es)"
                                                  if part == "steps" else ""))
                options = {"cases": args.cases, "waiting": args.waiting,
                           "processes": processes, "profile": args.profile and processes == 1,
                           "database": database}
                results.setdefault(database, {})[suffix] = run_child(
                    part, url, options, workdir, f"{database}-{suffix}")
                if database == "postgres" and server:
                    drop_quietly(server, name, say)
    finally:
        if server is not None:
            server.stop()
    return report(args, results, say)


def drop_quietly(server: bench_db.PostgresServer, name: str, say: Any) -> None:
    """Drop a finished part's database. After a bulk load autovacuum may be working on it,
    and a role without ``pg_signal_backend`` cannot end that session: retry for a few
    seconds, then leave it to ``server.stop()`` (which drops what we created, or removes the
    whole throwaway cluster)."""
    for attempt in range(10):
        try:
            server.drop_database(name)
            return
        except Exception as exc:  # psycopg's errors; psycopg is imported lazily by db.py
            if attempt == 9:
                say(f"note: could not drop {name} yet ({type(exc).__name__}); dropped at the end")
            time.sleep(1)


# =========================================================================== the report
def report(args: argparse.Namespace, results: dict[str, dict[str, Any]], say: Any) -> int:
    databases = list(results)
    rows: list[list[str]] = [["figure", *databases, "bar"]]
    status = 0

    def add(label: str, values: list[str], bar: str = "") -> None:
        rows.append([label, *values, bar])

    def get(db: str, part: str) -> dict[str, Any]:
        found = results[db].get(part)
        return found if isinstance(found, dict) and not found.get("crashed") else {}

    first_steps = f"steps{args.process_counts[0]}"
    seen = [get(d, first_steps).get("database_settings") or {} for d in databases]
    if any(seen):
        add("database settings", [fmt_settings(x) for x in seen])
    if args.only in (None, "steps") and any(get(d, first_steps) for d in databases):
        add(f"cases opened (case_open), {args.cases}", [fmt_open(get(d, first_steps))
                                                        for d in databases])
        for p in args.process_counts:
            part = [get(d, f"steps{p}") for d in databases]
            tag = f"{p} process" + ("es" if p > 1 else "")
            add(f"steps, {tag}: steps/s (wall)", [fmt_rate(r) for r in part])
            add("  step_do p50 / p95 / max ms", [fmt_lat(r) for r in part])
            add("  CPU ms per step (Django processes)",
                [f"{r['cpu_ms_per_step']:.1f}" if r else "-" for r in part])
            add("  steps slower than 1 s", [str(r.get("over_1s", "-")) if r else "-"
                                            for r in part])
            add("  retried database errors", [str(r.get("retry_count", "-")) if r else "-"
                                              for r in part], "counted")
            add("  all COMPLETED, chain intact", [verdict(r) for r in part], "all")
            if any(r and not r.get("all_ok") for r in part):
                status = 1
        slowest = [slowest_form(get(d, first_steps)) for d in databases]
        add("slowest step (p95 ms)", slowest)
    if args.only in (None, "sweep") and any(get(d, "sweep") for d in databases):
        sweeps = [get(d, "sweep") for d in databases]
        add("sweep, nothing due: ms (queries)", [
            f"{r['idle']['seconds'] * 1000:.1f} ({r['idle']['queries']})" if r else "-"
            for r in sweeps], "1 indexed query")
        add(f"sweep, {args.waiting:,} due: s", [
            f"{r['fired']['seconds']:.1f}" if r else "-" for r in sweeps],
            f"<= {BAR_SWEEP_S:.0f} s")
        add("  CPU s of the sweeping process", [
            f"{r['fired']['cpu_s']:.1f}" if r else "-" for r in sweeps])
        add("  instances/s (queries)", [
            f"{r['fired']['rate']:,.0f} ({r['fired']['queries']})" if r else "-"
            for r in sweeps])
        add("  bar", ["PASS" if r and r["fired"]["seconds"] <= BAR_SWEEP_S else "FAIL"
                      if r else "-" for r in sweeps])
        add("  all reminded, chain intact", [verdict(r) for r in sweeps], "all")
        if any(r and (r["fired"]["seconds"] > BAR_SWEEP_S or not r.get("all_ok"))
               for r in sweeps):
            status = max(status, 1)
        if any(r and r["idle"]["queries"] != 1 for r in sweeps):
            status = max(status, 1)
    loads = [max([(r.get("load_average") or [0.0])[0] for r in results[d].values()
                  if isinstance(r, dict) and "load_average" in r] or [0.0]) for d in databases]
    add("load average (1 min) after a part, max", [f"{x:.1f}" for x in loads],
        f"< {os.cpu_count()} cores")
    if max(loads, default=0.0) > (os.cpu_count() or 1):
        say(f"warning: the machine was busy (load average above {os.cpu_count()} cores): the "
            "times above are longer than on an idle machine.")
    for db in databases:
        for name, found in results[db].items():
            if isinstance(found, dict) and found.get("crashed"):
                say(f"CRASH: {db} {name}: {found['crashed']}")
                status = 2
            elif isinstance(found, dict) and found.get("failures"):
                say(f"FAILED STEPS: {db} {name}: {found['failures'][:3]}")
    say("")
    bench_platform.print_table(rows, say)
    if args.json:
        print(json.dumps({"python": platform.python_version(), "cores": os.cpu_count(),
                          "results": results, "exit_status": status}, indent=2))
    return status


def fmt_settings(found: dict[str, Any]) -> str:
    if not found:
        return "-"
    if found.get("vendor") == "sqlite":
        levels = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
        sync = levels.get(int(found.get("synchronous", -1)), "?")
        return f"{found.get('journal_mode')}, sync {sync}, {found.get('transaction_mode')}"
    return (f"{str(found.get('server_version', '?')).split()[0]}, fsync {found.get('fsync')}, "
            f"sync commit {found.get('synchronous_commit')}")


def verdict(result: dict[str, Any]) -> str:
    return "-" if not result else ("PASS" if result.get("all_ok") else "FAIL")


def fmt_open(result: dict[str, Any]) -> str:
    figure = result.get("open")
    if not figure:
        return "-"
    return (f"{figure['rate']:,.0f}/s ({figure['seconds']:.1f} s, p95 {figure['p95_ms']:.0f} "
            f"ms)")


def fmt_rate(result: dict[str, Any]) -> str:
    if not result:
        return "-"
    return f"{result['steps_per_s']:,.1f} ({result['steps']:,} in {result['wall_s']:.0f} s)"


def fmt_lat(result: dict[str, Any]) -> str:
    if not result:
        return "-"
    return f"{result['p50_ms']:.1f} / {result['p95_ms']:.1f} / {result['max_ms']:.0f}"


def slowest_form(result: dict[str, Any]) -> str:
    by_form = {f: s["p95_ms"] for f, s in (result.get("by_form") or {}).items() if s}
    if not by_form:
        return "-"
    form = max(by_form, key=by_form.__getitem__)
    return f"{form}: {by_form[form]:.0f}"


if __name__ == "__main__":
    raise SystemExit(main())
