"""The `brug` command as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def brug(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "brug", *args], input=stdin,
                          capture_output=True, cwd=ROOT, timeout=120, check=False)


def test_scan_keeps_order_and_reports_bad_lines() -> None:
    data = (
        b'{"id": "a", "text": "Goeiemorgen allemaal!"}\n'
        b"{not json\n"
        b"\n"
        b"\xff\xfe\n"
        + b'{"id": "long", "text": "' + b"x" * 10_001 + b'"}\n'
        + "Les immigrés sont des rats\n".encode()
    )
    proc = brug("scan", "-", stdin=data)
    assert proc.returncode == 0, proc.stderr.decode()
    rows = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert len(rows) == 6
    assert rows[0]["id"] == "a" and "flags" in rows[0]
    assert "invalid JSON" in rows[1]["error"]
    assert "empty" in rows[2]["error"]
    assert "UTF-8" in rows[3]["error"]
    assert "too long" in rows[4]["error"]
    assert rows[5]["id"] == "6" and rows[5]["lang"] == "fr"


def test_scan_demo_file_as_table() -> None:
    proc = brug("scan", "examples/demo.jsonl", "--format", "table")
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    assert out.splitlines()[0].split()[:3] == ["id", "lang", "flags"]
    assert "ERROR" in out  # the demo file has two deliberately broken lines
    assert "hate_speech" in out


def test_missing_file_is_a_clear_error() -> None:
    proc = brug("scan", "does-not-exist.jsonl")
    assert proc.returncode == 2
    assert b"no such file" in proc.stderr


def test_eval_prints_per_language_figures() -> None:
    proc = brug("eval", "--json")
    assert proc.returncode == 0, proc.stderr.decode()
    report = json.loads(proc.stdout)
    assert set(report["languages"]) == {"nl", "fr", "en", "de"}
