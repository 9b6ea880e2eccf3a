"""Benchmark ``python -m brug scan``: cold start, throughput and peak memory.

One command::

    python benchmarks/bench_scan.py [--n 10000] [--seed 0] [--json]

Run it with the interpreter that has Brug installed (e.g. ``.venv/bin/python``):
every figure is measured on a whole ``sys.executable -m brug scan FILE`` process,
started from the repository root, so imports, model loading and language
identification all count.

* cold start: wall time of a scan of a 1-message file, median of 3 runs;
* throughput: messages per second of one scan of the n-message stream made
  by ``benchmarks/stream.py`` (output written to a temporary file, checked
  to have exactly n lines);
* peak memory: the maximum resident set size of that scan process, read with
  ``resource.getrusage(RUSAGE_CHILDREN)`` in a fresh helper process that
  starts the scan and waits for it, so every figure belongs to one scan only.

The figures are compared with the bars (>= 300 msg/s, cold start <= 3 s,
peak <= 1.5 GiB). The exit status is non-zero only when a scan crashes
(non-zero exit, killed or timed out), never for a missed bar.

Stdlib only; Unix only (``resource``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

BAR_THROUGHPUT = 300.0  # messages per second, at least
BAR_COLD_START = 3.0  # seconds, at most
BAR_PEAK_MIB = 1.5 * 1024  # 1.5 GiB, at most

# Runs in a fresh helper process: starts one scan, waits for it, reports its
# wall time and the peak RSS of the helper's children (only that scan).
_RUNNER = r"""
import json, resource, subprocess, sys, time
cmd = json.loads(sys.argv[1])
out_path, err_path, timeout = sys.argv[2], sys.argv[3], float(sys.argv[4])
cwd = sys.argv[5]
timed_out = False
with open(out_path, "wb") as out, open(err_path, "wb") as err:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
        timed_out = True
    wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall_s": wall, "maxrss": usage.ru_maxrss, "timed_out": timed_out}))
"""


@dataclass
class Run:
    """One measured ``brug scan`` process."""

    label: str
    rc: int | None
    wall_s: float
    peak_mib: float
    timed_out: bool
    out_path: Path
    err_path: Path

    @property
    def crashed(self) -> bool:
        return self.timed_out or self.rc != 0


@dataclass
class OutputSummary:
    lines: int = 0
    error_lines: int = 0
    unparsable_lines: int = 0
    id_mismatches: int = 0
    flagged_messages: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    models: list[str] = field(default_factory=list)


def load_stream_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("brug_bench_stream", HERE / "stream.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("cannot load benchmarks/stream.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_jsonl(items: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")


def rss_to_mib(maxrss: int) -> float:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    if sys.platform == "darwin":
        return maxrss / (1024 * 1024)
    return maxrss / 1024


def run_scan(label: str, input_path: Path, workdir: Path, timeout: float) -> Run:
    out_path = workdir / f"{label}.out.jsonl"
    err_path = workdir / f"{label}.err.txt"
    cmd = [sys.executable, "-m", "brug", "scan", str(input_path)]
    helper = subprocess.run(
        [
            sys.executable,
            "-c",
            _RUNNER,
            json.dumps(cmd),
            str(out_path),
            str(err_path),
            str(timeout),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if helper.returncode != 0:
        raise RuntimeError(f"measuring helper failed:\n{helper.stderr}")
    report = json.loads(helper.stdout.strip().splitlines()[-1])
    return Run(
        label=label,
        rc=report["rc"],
        wall_s=float(report["wall_s"]),
        peak_mib=rss_to_mib(int(report["maxrss"])),
        timed_out=bool(report["timed_out"]),
        out_path=out_path,
        err_path=err_path,
    )


def flag_name(flag: Any) -> str:
    if isinstance(flag, dict):
        for key in ("category", "name", "label"):
            if key in flag:
                return str(flag[key])
    return str(flag)


def summarize_output(path: Path, expected_ids: list[str]) -> OutputSummary:
    summary = OutputSummary()
    flags: Counter[str] = Counter()
    models: set[str] = set()
    with path.open(encoding="utf-8", errors="replace") as fh:
        for index, line in enumerate(fh):
            summary.lines += 1
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                summary.unparsable_lines += 1
                continue
            if not isinstance(obj, dict):
                summary.unparsable_lines += 1
                continue
            if index >= len(expected_ids) or obj.get("id") != expected_ids[index]:
                summary.id_mismatches += 1
            if "error" in obj:
                summary.error_lines += 1
                continue
            if isinstance(obj.get("model"), str):
                models.add(obj["model"])
            message_flags = obj.get("flags") or []
            if isinstance(message_flags, list) and message_flags:
                summary.flagged_messages += 1
                flags.update({flag_name(flag) for flag in message_flags})
    summary.flags = dict(flags.most_common())
    summary.models = sorted(models)
    return summary


def stderr_tail(run: Run, lines: int = 25) -> str:
    try:
        text = run.err_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def report_crash(run: Run) -> None:
    why = "timed out" if run.timed_out else f"exited with status {run.rc}"
    print(f"\nCRASH: `brug scan` ({run.label}) {why} after {run.wall_s:.2f} s.", file=sys.stderr)
    tail = stderr_tail(run)
    if tail:
        print("--- last lines of its stderr ---", file=sys.stderr)
        print(tail, file=sys.stderr)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark `python -m brug scan`.")
    parser.add_argument("--n", type=int, default=10_000, help="messages in the stream")
    parser.add_argument("--seed", type=int, default=0, help="stream seed")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold-start runs (median)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per scan")
    parser.add_argument("--workdir", type=Path, help="keep inputs and outputs here")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    if args.n < 1 or args.cold_runs < 1:
        parser.error("--n and --cold-runs must be at least 1")

    with tempfile.TemporaryDirectory(prefix="brug-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        return bench(args, workdir)


def bench(args: argparse.Namespace, workdir: Path) -> int:
    stream = load_stream_module()
    items: list[dict[str, str]] = stream.make_stream(args.n, args.seed)
    stream_path = workdir / "stream.jsonl"
    one_path = workdir / "one.jsonl"
    write_jsonl(items, stream_path)
    write_jsonl(items[:1], one_path)
    print(f"brug scan benchmark: {sys.executable} (Python {platform.python_version()})")
    print(f"stream: {args.n} messages, seed {args.seed}, {workdir}")

    cold_runs: list[Run] = []
    for i in range(args.cold_runs):
        run = run_scan(f"cold{i + 1}", one_path, workdir, args.timeout)
        cold_runs.append(run)
        if run.crashed:
            report_crash(run)
            return 1
    cold_s = statistics.median(run.wall_s for run in cold_runs)
    cold_lines = [summarize_output(run.out_path, [items[0]["id"]]).lines for run in cold_runs]

    big = run_scan("stream", stream_path, workdir, args.timeout)
    if big.crashed:
        report_crash(big)
        return 1
    out = summarize_output(big.out_path, [item["id"] for item in items])
    throughput = args.n / big.wall_s if big.wall_s > 0 else float("inf")

    ok_throughput = throughput >= BAR_THROUGHPUT
    ok_cold = cold_s <= BAR_COLD_START
    ok_peak = big.peak_mib <= BAR_PEAK_MIB
    ok_lines = out.lines == args.n and all(n == 1 for n in cold_lines)

    print(f"model: {', '.join(out.models) or 'unknown'}")
    print()
    print_table(
        [
            ("figure", "value", "bar", "result"),
            (
                f"cold start (median of {args.cold_runs})",
                f"{cold_s:.2f} s",
                f"<= {BAR_COLD_START:g} s",
                verdict(ok_cold),
            ),
            (
                "throughput",
                f"{throughput:,.0f} msg/s",
                f">= {BAR_THROUGHPUT:g} msg/s",
                verdict(ok_throughput),
            ),
            (
                "peak memory (max RSS)",
                f"{big.peak_mib:,.0f} MiB",
                f"<= {BAR_PEAK_MIB:,.0f} MiB",
                verdict(ok_peak),
            ),
            ("output lines", f"{out.lines:,} / {args.n:,}", "== n", verdict(ok_lines)),
        ]
    )
    print()
    print(f"scan of {args.n:,} messages: {big.wall_s:.2f} s wall")
    print("cold start runs: " + ", ".join(f"{run.wall_s:.2f} s" for run in cold_runs))
    print(f"cold start peak memory: {max(run.peak_mib for run in cold_runs):,.0f} MiB")
    print(f"error lines: {out.error_lines}; unparsable lines: {out.unparsable_lines}")
    if out.id_mismatches:
        print(f"lines whose id does not match the input line: {out.id_mismatches}")
    scored = max(out.lines - out.error_lines - out.unparsable_lines, 0)
    share = 100 * out.flagged_messages / scored if scored else 0.0
    print()
    print(f"flagged messages: {out.flagged_messages:,} of {scored:,} scored ({share:.1f}%)")
    if out.flags:
        print_table(
            [("category", "messages", "share", "")]
            + [
                (name, f"{count:,}", f"{100 * count / scored:.1f}%", "")
                for name, count in out.flags.items()
            ]
        )

    if args.json:
        figures = {
            "n": args.n,
            "seed": args.seed,
            "python": platform.python_version(),
            "executable": sys.executable,
            "models": out.models,
            "cold_start_s": round(cold_s, 4),
            "cold_start_runs_s": [round(run.wall_s, 4) for run in cold_runs],
            "cold_start_peak_mib": round(max(run.peak_mib for run in cold_runs), 1),
            "scan_wall_s": round(big.wall_s, 4),
            "throughput_msg_s": round(throughput, 1),
            "peak_mib": round(big.peak_mib, 1),
            "output": {k: v for k, v in asdict(out).items() if k not in ("flags", "models")},
            "flags_per_category": out.flags,
            "bars": {
                "throughput_msg_s": {"min": BAR_THROUGHPUT, "pass": ok_throughput},
                "cold_start_s": {"max": BAR_COLD_START, "pass": ok_cold},
                "peak_mib": {"max": BAR_PEAK_MIB, "pass": ok_peak},
                "output_lines": {"equals": args.n, "pass": ok_lines},
            },
        }
        print()
        print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
