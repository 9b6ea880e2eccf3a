"""Benchmark the Brug platform: ingestion + scoring end to end, and the review queue.

One command (from the repository root, with the interpreter that has Brug installed)::

    .venv/bin/python benchmarks/bench_platform.py [--db sqlite|postgres|both] [--json]

1. **Ingest and score.** Writes ``--messages`` (20,000) messages from ``benchmarks/stream.py``
   as a JSONL upload (ids, authors, dates), then in a fresh, migrated database times the real
   upload parser (``brug.sources.parsing.parse_upload``), the real ingestion service
   (``messages_ingest``) and the real scoring jobs run by ``--workers`` (2) worker processes
   that were started (and had loaded the detector) beforehand, as in a deployment, until every
   message is scored. Checks that nothing was lost.
2. **Review queue.** Bulk-creates ``--signals`` (100,000) signals with realistic spreads and
   requests ``review:queue`` about ``--requests`` (300) times through Django's test client as
   a logged-in, TOTP-verified prevention worker: first and deep pages, every filter and
   combinations, plain and htmx. Reports server time (p50/p95/max) and SQL queries per
   request, and compares the query counts of deep pages and of a 1,000-signal table.

Each part runs in a subprocess of its own (``benchmarks/platform_parts.py``) with
``DATABASE_URL`` set: a temporary SQLite file, and a PostgreSQL database (``DATABASE_URL`` from
the environment, or a throwaway cluster with PostgreSQL's default durability, see
``benchmarks/db.py``). The children run with ``DEBUG`` off and throwaway secrets, as
production does.

Exit status: 0 when every bar passes (queue p95 <= 150 ms; the same number of queries on
every page of a filter and with 1,000 or 100,000 signals; nothing lost), 1 otherwise, 2 when
a part crashed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import db as bench_db  # noqa: E402  (benchmarks/db.py, next to this file)
import platform_parts  # noqa: E402  (the child processes, next to this file)

BAR_P95_MS = 150.0


# =========================================================================== orchestration
def child_env(url: str) -> dict[str, str]:
    """Environment of a benchmark child: production-like settings on a given database."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "brug.settings",
        "BRUG_DEBUG": "0",
        "BRUG_HTTPS": "0",
        "BRUG_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "BRUG_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")])),
    })
    for name in ("BRUG_SECRET_KEY", "BRUG_PSEUDONYM_KEY", "BRUG_HANDLE_KEY"):
        env[name] = secrets.token_hex(32)
    return env


def run_child(part: str, url: str, options: dict[str, Any], workdir: Path,
              label: str) -> dict[str, Any]:
    """Run one part in a fresh process; returns its result (``{"crashed": ...}`` on failure)."""
    result_path = workdir / f"{label}-{part}.json"
    result_path.unlink(missing_ok=True)
    cmd = platform_parts.child_command(part, {**options, "result": str(result_path),
                                              "workdir": str(workdir), "label": label})
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=child_env(url), cwd=REPO, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0 or not result_path.exists():
        return {"crashed": f"exited with status {proc.returncode} after {wall:.0f} s"}
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    result["child_wall_s"] = round(wall, 1)
    return result


def write_upload(path: Path, n: int, seed: int) -> None:
    """The upload file: stream messages with authors (some very active), dates and links."""
    import random

    from stream import make_stream

    rng = random.Random(seed)
    handles = [f"@user{i:04d}" for i in range(4000)]
    weights = [1.0 / (i + 1) ** 0.7 for i in range(len(handles))]
    now = time.time()
    with path.open("w", encoding="utf-8") as fh:
        for item in make_stream(n, seed):
            posted = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                   time.gmtime(now - rng.uniform(0, 30 * 86400)))
            row: dict[str, str] = {"id": item["id"], "text": item["text"],
                                   "author": rng.choices(handles, weights=weights)[0],
                                   "posted_at": posted}
            if rng.random() < 0.3:
                row["url"] = f"https://example.org/post/{item['id']}"
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"),
                        help="databases (default: both when PostgreSQL is available)")
    parser.add_argument("--messages", type=int, default=20_000, help="messages to ingest")
    parser.add_argument("--signals", type=int, default=100_000, help="signals in the queue")
    parser.add_argument("--requests", type=int, default=300, help="queue requests to time")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (scoring)")
    parser.add_argument("--worker-mode", choices=("subprocess", "inprocess"),
                        default="subprocess",
                        help="warm worker processes (default), or one batch worker run "
                             "inside the benchmark process after ingestion")
    parser.add_argument("--only", choices=("ingest", "queue"), help="run one part only")
    parser.add_argument("--profile", action="store_true",
                        help="profile scoring (with --worker-mode inprocess) and the queue "
                             "requests with cProfile; the top functions go to stderr")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="keep the upload file, logs and results")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if min(args.messages, args.signals, args.requests, args.workers) < 1:
        parser.error("--messages, --signals, --requests and --workers must be at least 1")
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return orchestrate(args, args.workdir)
    with tempfile.TemporaryDirectory(prefix="brug-bench-platform-") as tmp:
        return orchestrate(args, Path(tmp))


def choose_databases(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    notes: list[str] = []
    available, why = bench_db.postgres_available()
    if args.db in (None, "both"):
        if available:
            return ["sqlite", "postgres"], notes
        if args.db == "both":
            notes.append(f"PostgreSQL skipped: {why}.")
        else:
            notes.append(f"PostgreSQL not available ({why}): measuring SQLite only.")
        return ["sqlite"], notes
    if args.db == "postgres" and not available:
        notes.append(f"PostgreSQL not available: {why}.")
        return [], notes
    return [args.db], notes


def orchestrate(args: argparse.Namespace, workdir: Path) -> int:
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    databases, notes = choose_databases(args)
    for note in notes:
        say(f"note: {note}")
    if not databases:
        return 2
    say(f"brug platform benchmark: Python {platform.python_version()}, {os.cpu_count()} cores, "
        f"{platform.processor() or platform.machine()}")
    upload = workdir / "upload.jsonl"
    parts = ["ingest", "queue"] if args.only is None else [args.only]
    if "ingest" in parts:
        write_upload(upload, args.messages, args.seed)
        say(f"upload: {args.messages} messages, {upload.stat().st_size / 1e6:.1f} MB")
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
            for part in parts:
                name = f"brug_bench_{part}_{os.getpid()}"
                url = (server.fresh_database(name) if database == "postgres" and server
                       else bench_db.sqlite_url(workdir, f"{database}-{part}"))
                say(f"\n== {database}: {part}")
                options = {"messages": args.messages, "signals": args.signals,
                           "requests": args.requests, "workers": args.workers,
                           "worker_mode": args.worker_mode, "seed": args.seed,
                           "profile": args.profile,
                           "upload": str(upload), "database": database}
                results.setdefault(database, {})[part] = run_child(part, url, options, workdir,
                                                                   database)
                if database == "postgres" and server:
                    server.drop_database(name)
    finally:
        if server is not None:
            server.stop()
    return report(args, results, say)


# =========================================================================== the report
def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(args: argparse.Namespace, results: dict[str, dict[str, Any]], say: Any) -> int:
    """Print the summary table (and JSON); the exit status follows the bars."""
    databases = list(results)
    rows: list[list[str]] = [["figure", *databases, "bar"]]
    status = 0

    def add(label: str, values: list[str], bar: str = "") -> None:
        rows.append([label, *values, bar])

    crashed = {db: [p for p, r in parts.items() if isinstance(r, dict) and r.get("crashed")]
               for db, parts in results.items()}
    ingest = {db: results[db].get("ingest") or {} for db in databases}
    queue = {db: results[db].get("queue") or {} for db in databases}
    if any(ingest.values()):
        add("ingest msg/s (parse + store)", [fmt_rate(ingest[d], "ingest") for d in databases])
        add("scoring msg/s", [fmt_rate(ingest[d], "scoring") for d in databases])
        add("end to end msg/s", [fmt_rate(ingest[d], "end_to_end") for d in databases])
        add("workers", [str(ingest[d].get("workers", "-")) for d in databases])
        add("scoring CPU ms per message", [fmt_ms(ingest[d], "scoring_cpu_ms_per_message")
                                           for d in databases])
        add("signals created", [str(ingest[d].get("signals", "-")) for d in databases])
        lost_ok = [bool(ingest[d].get("nothing_lost")) for d in databases if ingest[d]]
        add("nothing lost", [verdict(bool(ingest[d].get("nothing_lost"))) if ingest[d] else "-"
                             for d in databases], "all stored and scored")
        if not all(lost_ok):
            status = max(status, 1)
    if any(queue.values()):
        add("queue p50 ms", [fmt_ms(queue[d], "p50_ms") for d in databases])
        add("queue p95 ms", [fmt_ms(queue[d], "p95_ms") for d in databases],
            f"<= {BAR_P95_MS:.0f} ms")
        add("queue max ms", [fmt_ms(queue[d], "max_ms") for d in databases])
        add("slowest filter, its p95 ms", [worst_shape(queue[d]) for d in databases])
        add("queue p95 CPU ms (Django process)", [fmt_ms(queue[d], "cpu_p95_ms")
                                                  for d in databases])
        add("queries per request", [fmt_queries(queue[d]) for d in databases],
            "constant")
        p95_ok = [q.get("p95_ms", 1e9) <= BAR_P95_MS for q in queue.values() if q]
        const_ok = [bool(q.get("queries_constant")) for q in queue.values() if q]
        add("bar: p95", [verdict(queue[d].get("p95_ms", 1e9) <= BAR_P95_MS) if queue[d] else "-"
                         for d in databases])
        add("bar: constant queries", [verdict(bool(queue[d].get("queries_constant")))
                                      if queue[d] else "-" for d in databases])
        if not (all(p95_ok) and all(const_ok)):
            status = max(status, 1)
    loads = [max((r.get("load_average") or [0.0])[0] for r in (ingest[d], queue[d]) if r)
             if ingest[d] or queue[d] else 0.0 for d in databases]
    add("load average (1 min) after the part", [f"{x:.1f}" for x in loads],
        f"< {os.cpu_count()} cores")
    if max(loads, default=0.0) > (os.cpu_count() or 1):
        say(f"warning: the machine was busy (load average above {os.cpu_count()} cores): the "
            "times above are longer than on an idle machine.")
    for db, parts in crashed.items():
        for part in parts:
            say(f"CRASH: {db} {part}: {results[db][part]['crashed']}")
            status = 2
    say("")
    print_table(rows, say)
    if args.json:
        print(json.dumps({"python": platform.python_version(), "cores": os.cpu_count(),
                          "results": results, "exit_status": status}, indent=2))
    return status


def fmt_rate(result: dict[str, Any], key: str) -> str:
    figure = result.get(key)
    if not isinstance(figure, dict):
        return "-"
    return f"{figure['rate']:,.0f} ({figure['seconds']:.1f} s)"


def fmt_ms(result: dict[str, Any], key: str) -> str:
    value = result.get(key)
    return f"{value:.1f}" if isinstance(value, int | float) else "-"


def worst_shape(result: dict[str, Any]) -> str:
    by_shape = result.get("by_shape_p95_ms") or {}
    if not by_shape:
        return "-"
    shape = max(by_shape, key=by_shape.__getitem__)
    return f"{shape}: {by_shape[shape]:.0f}"


def fmt_queries(result: dict[str, Any]) -> str:
    counts = result.get("query_counts")
    if not counts:
        return "-"
    return "/".join(str(c) for c in counts)


def print_table(rows: list[list[str]], say: Any) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        say("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            say("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    raise SystemExit(main())
