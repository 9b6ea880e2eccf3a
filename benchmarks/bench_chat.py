"""Benchmark the counselling chat: 200 concurrent conversations across two server processes.

One command (from the repository root, with the interpreter that has Brug installed)::

    .venv/bin/python benchmarks/bench_chat.py [--sessions 200] [--seconds 30] [--rate 0.5]
                                              [--db sqlite|postgres] [--json]

1. Starts a throwaway Redis (Debian's ``redis-server``, 127.0.0.1, a spare port, a random
   password, nothing persisted) for the Channels layer (``BRUG_REDIS_URL``).
2. Prepares a fresh database (a temporary SQLite file, or a PostgreSQL database: ``DATABASE_URL``
   or a throwaway cluster with default durability, ``benchmarks/db.py``) in a child process:
   ``--sessions`` clients and engagements, ``--counsellors`` counsellors (confirmed TOTP device)
   sharing them, and a database session for every client and counsellor.
3. Starts two ``daphne`` processes on two ports with the same environment (production-like:
   ``DEBUG`` off, throwaway secrets, the Redis layer, the same database).
4. A load-generator process (``benchmarks/chat_parts.py load``) opens, per engagement, the
   client's socket on server 1 and the counsellor's on server 2, so every message crosses
   processes through Redis; both sides send ``--rate`` messages per second for ``--warmup``
   plus ``--seconds`` seconds, and every message is timed until the *other* side receives it.
5. After the stragglers, checks that every message reached both sides exactly once and is
   stored exactly once (``ChatMessage`` rows by ``client_ref``), and prints the figures.

Exit status: 0 when the delivery p99 is within the bar (100 ms) and nothing was lost, duplicated
or refused; 1 otherwise; 2 when Redis is missing or a part crashed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import chat_parts  # noqa: E402  (the child processes, next to this file)
import db as bench_db  # noqa: E402  (benchmarks/db.py, next to this file)

BAR_P99_MS = 100.0
INSTALL_REDIS = ("redis-server is not installed. On Debian or Ubuntu: apt-get install "
                 "redis-server (the benchmark starts its own throwaway server; the system "
                 "service can stay off), or set BRUG_REDIS_BIN to the folder holding it.")


class Failure(Exception):
    """A part of the benchmark could not run (exit status 2)."""


def spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path,
                  timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failure(f"{what} exited with status {proc.returncode}; see {log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise Failure(f"{what} did not listen on port {port} within {timeout:.0f} s; see {log}")


def stop(proc: subprocess.Popen[bytes] | None, timeout: float = 15.0) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# =========================================================================== Redis
def redis_binary() -> str | None:
    configured = os.environ.get("BRUG_REDIS_BIN")
    if configured:
        path = Path(configured) / "redis-server"
        return str(path) if path.exists() else None
    return shutil.which("redis-server")


class Redis:
    """A throwaway redis-server, as ``scripts/redis`` starts one (here owned by this process,
    so its pid is known for the CPU figures and it stops with the benchmark)."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.password = secrets.token_hex(16)
        conf = folder / "redis.conf"
        conf.write_text(f"requirepass {self.password}\n", encoding="utf-8")
        conf.chmod(0o600)
        self.log = folder / "redis.log"
        self.version = subprocess.run([binary, "--version"], capture_output=True, text=True,
                                      check=False).stdout.split(" v=")[-1].split()[0]
        self.proc: subprocess.Popen[bytes] | None = None
        for _attempt in range(5):
            self.port = spare_port()
            self.proc = subprocess.Popen(
                [binary, str(conf), "--bind", "127.0.0.1", "--port", str(self.port),
                 "--dir", str(folder), "--save", "", "--appendonly", "no",
                 "--daemonize", "no", "--logfile", str(self.log)],
                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            if self._answers():
                return
            stop(self.proc)
        raise Failure(f"could not start redis-server; see {self.log}")

    @property
    def url(self) -> str:
        return f"redis://default:{self.password}@127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return False
            with contextlib.suppress(OSError):
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(f"AUTH default {self.password}\r\nPING\r\n".encode())
                    data = b""
                    while data.count(b"\r\n") < 2:
                        chunk = sock.recv(100)
                        if not chunk:
                            break
                        data += chunk
                if data.endswith(b"+PONG\r\n"):
                    return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        stop(self.proc)


# =========================================================================== processes
def child_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of every child and of both servers: production-like settings (DEBUG off,
    no HTTPS redirect behind this plain-HTTP benchmark), throwaway secrets shared by all, so a
    session written by the seeding process is valid on both servers."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url, "BRUG_REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "brug.settings", "BRUG_DEBUG": "0", "BRUG_HTTPS": "0",
        "BRUG_ALLOWED_HOSTS": "127.0.0.1,localhost", "BRUG_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), str(HERE),
                                                    env.get("PYTHONPATH", "")])),
    })
    for name in ("BRUG_SECRET_KEY", "BRUG_PSEUDONYM_KEY", "BRUG_HANDLE_KEY", "BRUG_CONTENT_KEYS"):
        env[name] = secrets.token_hex(32)
    return env


def run_child(part: str, options: dict[str, Any], env: dict[str, str],
              workdir: Path) -> dict[str, Any]:
    result_path = workdir / f"{part}.json"
    result_path.unlink(missing_ok=True)
    proc = subprocess.run(chat_parts.child_command(part, {**options,
                                                          "result": str(result_path)}),
                          env=env, cwd=REPO, check=False)
    if proc.returncode != 0 or not result_path.exists():
        raise Failure(f"the {part} part exited with status {proc.returncode}")
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    return result


def start_server(n: int, app: str, env: dict[str, str], workdir: Path,
                 probe: dict[str, Any] | None) -> tuple[subprocess.Popen[bytes], int, Path]:
    """``daphne -b 127.0.0.1 -p PORT APP``; with ``probe``, the same daphne inside
    ``chat_probe.py`` (timing probes, experiments), writing its figures to ``probe["stats"]``."""
    port = spare_port()
    log = workdir / f"daphne-{n}.log"
    args = ["-b", "127.0.0.1", "-p", str(port),
            "--access-log", str(workdir / f"daphne-{n}-access.log"), app]
    if probe is not None:
        command = [sys.executable, str(HERE / "chat_probe.py"),
                   json.dumps({**probe, "daphne_args": args})]
    else:
        daphne = Path(sys.executable).parent / "daphne"
        command = [*([str(daphne)] if daphne.exists() else [sys.executable, "-m", "daphne"]),
                   *args]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT)
    wait_for_port(port, proc, f"daphne {n}", log)
    return proc, port, log


# =========================================================================== orchestration
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=200,
                        help="conversations (engagements), each with a client and a "
                             "counsellor socket (default 200)")
    parser.add_argument("--counsellors", type=int, default=20,
                        help="counsellors sharing the sessions (default 20)")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=5.0,
                        help="seconds of the same load before the measurement (default 5)")
    parser.add_argument("--rate", type=float, default=0.5,
                        help="messages per second per side of a session (default 0.5: each "
                             "person sends every 2 s)")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--idle", type=float, default=0.0,
                        help="seconds every socket stays quiet after connecting, before the "
                             "warm-up (a quiet conversation; default 0)")
    parser.add_argument("--straggle", type=float, default=15.0,
                        help="seconds to wait for messages still in flight at the end")
    parser.add_argument("--transport-only", action="store_true",
                        help="serve an echo consumer with the same protocol (no database, "
                             "no access check): what daphne, Channels and Redis cost alone")
    parser.add_argument("--redis-query", default="",
                        help="options for the Redis client appended to BRUG_REDIS_URL, e.g. "
                             "'socket_timeout=10&max_connections=1000'")
    parser.add_argument("--profile", action="store_true",
                        help="run the servers with timing probes (chat_probe.py) and print "
                             "where a message's time goes on the server")
    parser.add_argument("--experiment", action="append", default=[],
                        choices=("threads", "persistent", "pubsub", "lean", "nonblocking"),
                        help="measure a proposed fix in the benchmark's servers only "
                             "(implies --profile; repeat to combine): 'threads' stores "
                             "messages on several threads, 'persistent' keeps database "
                             "connections (CONN_MAX_AGE), 'pubsub' uses the Redis Pub/Sub "
                             "channel layer, 'lean' stores with one INSERT, 'nonblocking' "
                             "posts from a per-socket task (see chat_probe.py)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, help="keep the database, logs and results")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.counsellors < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("--sessions, --counsellors, --rate and --seconds must be positive")
    args.counsellors = min(args.counsellors, args.sessions)
    binary = redis_binary()
    if binary is None:
        print(f"bench_chat: {INSTALL_REDIS}", file=sys.stderr)
        return 2
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return orchestrate(args, args.workdir.resolve(), binary)
    with tempfile.TemporaryDirectory(prefix="brug-bench-chat-") as tmp:
        return orchestrate(args, Path(tmp), binary)


def orchestrate(args: argparse.Namespace, workdir: Path, binary: str) -> int:
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    pg: bench_db.PostgresServer | None = None
    redis: Redis | None = None
    servers: list[subprocess.Popen[bytes]] = []
    info: dict[str, Any] = {"python": platform.python_version(), "cores": os.cpu_count(),
                            "cpu": cpu_model(), "db": args.db}
    try:
        if args.db == "postgres":
            available, why = bench_db.postgres_available()
            if not available:
                raise Failure(f"PostgreSQL is not available: {why}")
            pg = bench_db.PostgresServer.from_env()
            if pg is None:
                say("starting a throwaway PostgreSQL cluster (default durability) ...")
                pg = bench_db.PostgresServer.start_throwaway()
            info["db_version"] = f"PostgreSQL {pg.version()}"
            database_url = pg.fresh_database(f"brug_bench_chat_{os.getpid()}")
        else:
            database_url = bench_db.sqlite_url(workdir, "chat")
            info["db_version"] = "SQLite (WAL, synchronous=NORMAL)"
        redis = Redis(binary, workdir / "redis")
        info["redis"] = redis.version
        redis_url = f"{redis.url}?{args.redis_query}" if args.redis_query else redis.url
        env = child_env(database_url, redis_url)
        say(f"brug chat benchmark: {args.sessions} sessions x 2 sockets, {args.rate:g} msg/s "
            f"per side, {args.warmup:g} s warm-up + {args.seconds:g} s measured; "
            f"{info['db_version']}, Redis {redis.version}, Python {info['python']}, "
            f"{info['cores']} cores ({info['cpu']})")
        started = time.perf_counter()
        seeded = run_child("seed", {"sessions": args.sessions,
                                    "counsellors": args.counsellors}, env, workdir)
        seeded_path = workdir / "seed.json"  # run_child wrote it there
        say(f"database ready: {args.sessions} clients, {args.counsellors} counsellors, "
            f"{args.sessions} engagements, sessions for all "
            f"({time.perf_counter() - started:.1f} s)")
        app = ("chat_parts:echo_application" if args.transport_only
               else "brug.asgi:application")
        ports: list[int] = []
        profiling = args.profile or bool(args.experiment)
        for n in (1, 2):
            probe = ({"stats": str(workdir / f"probe-{n}.json"),
                      "experiments": args.experiment} if profiling else None)
            proc, port, _log = start_server(n, app, env, workdir, probe)
            servers.append(proc)
            ports.append(port)
        say(f"servers: daphne {app} on ports {ports[0]} (clients) and {ports[1]} "
            f"(counsellors)")
        assert redis.proc is not None
        load = run_child("load", {
            "seeded": str(seeded_path), "ports": ports, "rate": args.rate,
            "seconds": args.seconds, "warmup": args.warmup, "straggle": args.straggle,
            "idle": args.idle,
            "seed": args.seed, "sent_file": str(workdir / "sent.jsonl"),
            "pids": {"server1": servers[0].pid, "server2": servers[1].pid,
                     "redis": redis.proc.pid}}, env, workdir)
        load["load_average"] = list(os.getloadavg())
        for n, proc in enumerate(servers, 1):
            if proc.poll() is not None:
                load.setdefault("problems", {})[f"server{n}_died"] = 1
        check = (None if args.transport_only
                 else run_child("check", {"sent": str(workdir / "sent.jsonl")}, env, workdir))
    except Failure as exc:
        say(f"bench_chat: {exc}")
        return 2
    finally:
        for proc in servers:
            stop(proc)
        if redis is not None:
            redis.stop()
        if pg is not None:
            pg.stop()
    probes = {n: json.loads((workdir / f"probe-{n}.json").read_text(encoding="utf-8"))
              for n in (1, 2) if (workdir / f"probe-{n}.json").exists()}
    return report(args, info, seeded, load, check, probes, say)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


# =========================================================================== the report
def report(args: argparse.Namespace, info: dict[str, Any], seeded: dict[str, Any],
           load: dict[str, Any], check: dict[str, Any] | None,
           probes: dict[int, dict[str, Any]], say: Any) -> int:
    d, a = load["delivery_ms"], load["ack_ms"]
    problems = {k: v for k, v in load.get("problems", {}).items() if k != "duplicate_receipts"}
    stored_ok = check is None or (check["stored_once"] == check["sent"] and not check["extra"]
                                  and not check["wrong_side"] and not check["duplicated"])
    clean = (load["lost"] == 0 and load["lost_ack"] == 0 and load["duplicated"] == 0
             and not problems and stored_ok and load["sockets"] == 2 * args.sessions)
    fast = d["n"] > 0 and d["p99"] <= BAR_P99_MS
    cpu = load.get("cpu_s", {})
    seconds = load["seconds"]
    rows = [
        ("sessions (sockets open)", f"{load['sessions']} ({load['sockets']} of "
                                    f"{2 * args.sessions})"),
        ("connect + history p50 / p95 / max", f"{load['connect_ms']['p50']:.0f} / "
         f"{load['connect_ms']['p95']:.0f} / {load['connect_ms']['max']:.0f} ms "
         f"(all in {load['connect_wall_s']:.1f} s)"),
        ("messages sent (measured)", f"{load['sent']:,} ({load['sent_measured']:,} in "
                                     f"{seconds:g} s)"),
        ("messages/s (measured)", f"{load['messages_per_s']:,.1f}"),
        ("delivery p50 / p95 / p99 / max", f"{d['p50']:.1f} / {d['p95']:.1f} / "
                                           f"{d['p99']:.1f} / {d['max']:.1f} ms"),
        ("sender's echo p50 / p99", f"{a['p50']:.1f} / {a['p99']:.1f} ms"),
        ("worst second (its p99)", f"second {load['worst_second']['second']}: "
                                   f"{load['worst_second']['p99']:.0f} ms"),
        (f"lost (not there {args.straggle:g} s after the end)",
         f"{load['lost']} at the other side / {load['lost_ack']} at the sender"),
        ("duplicated", str(load["duplicated"])),
        ("other problems", ", ".join(f"{k}: {v}" for k, v in problems.items()) or "none"),
        ("stored exactly once", "(transport only)" if check is None else
         f"{check['stored_once']:,} of {check['sent']:,} (missing {check['missing']}, "
         f"duplicated {check['duplicated']}, extra {check['extra']}, wrong side "
         f"{check['wrong_side']})"),
        ("CPU in the measured window", ", ".join(
            f"{name} {value:.1f} s ({100 * value / seconds:.0f} %)"
            for name, value in cpu.items())),
        ("load generator lag p99 / max", f"send {load['send_lag_ms']['p99']:.1f} / "
         f"{load['send_lag_ms']['max']:.1f} ms, loop {load['loop_lag_ms']['p99']:.1f} / "
         f"{load['loop_lag_ms']['max']:.1f} ms"),
        ("load average (1 / 5 min) after", f"{load['load_average'][0]:.1f} / "
                                            f"{load['load_average'][1]:.1f}"),
        (f"bar: p99 <= {BAR_P99_MS:.0f} ms", "PASS" if fast else "FAIL"),
        ("check: nothing lost or doubled", "PASS" if clean else "FAIL"),
    ]
    for example in load.get("examples", [])[:5]:
        say(f"  e.g. {example}")
    if load["loop_lag_ms"]["p99"] > 20:
        say("warning: the load generator's own event loop was late (p99 "
            f"{load['loop_lag_ms']['p99']:.0f} ms): it was short of CPU, and its receipt times "
            "include that delay.")
    if load["load_average"][0] > (os.cpu_count() or 1) + 1:
        say("warning: the machine was busy (1-minute load above the cores): latencies are "
            "higher than on a quiet machine.")
    say("")
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        say(f"{label.ljust(width)}  {value}")
    if probes:
        print_probes(probes, args.experiment, say)
    status = 0 if fast and clean else 1
    say(f"\n{'PASS' if status == 0 else 'FAIL'}")
    if args.json:
        print(json.dumps({**info, "options": {k: str(v) for k, v in vars(args).items()},
                          "seed": {k: v for k, v in seeded.items() if k != "pairs"},
                          "load": load, "check": check, "probes": probes,
                          "exit_status": status}, indent=2))
    return status


PROBE_ROWS = (
    ("queue", "waiting for the database thread"),
    ("store", "store call (chat_post + payload)"),
    ("store.connect", "  opening the connection"),
    ("store.sql", "  SQL statements (lock waits included)"),
    ("store.commit", "  commit"),
    ("store.seal", "  sealing the text"),
    ("store.python", "  the rest (Python)"),
    ("close", "closing the connection (after the call)"),
    ("group_send", "group_send (Redis)"),
    ("transport", "group_send to chat_message handler"),
    ("loop_lag", "event loop lag (10 ms sleep)"),
)


def print_probes(probes: dict[int, dict[str, Any]], experiments: list[str], say: Any) -> None:
    """Where a message's time goes on each server: mean, p50, p99 and max in ms, and how
    many calls (a part of ``store`` that did not happen in every call has fewer)."""
    say(f"\nserver probes (ms: mean / p50 / p99 / max, calls)"
        f"{'; experiments: ' + ', '.join(experiments) if experiments else ''}")
    width = max(len(label) for _key, label in PROBE_ROWS)
    say(f"{''.ljust(width)}  " + "  ".join(f"server {n}".ljust(34) for n in sorted(probes)))
    for key, label in PROBE_ROWS:
        cells = []
        for n in sorted(probes):
            figure = probes[n]["probes"].get(key)
            cells.append("-".ljust(34) if not figure else
                         f"{figure['mean']:.2f} / {figure['p50']:.1f} / {figure['p99']:.1f} / "
                         f"{figure['max']:.0f}, {figure['n']}".ljust(34))
        say(f"{label.ljust(width)}  " + "  ".join(cells))


if __name__ == "__main__":
    raise SystemExit(main())
