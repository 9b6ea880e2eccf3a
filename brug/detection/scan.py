"""Reading message streams for `brug scan`: one result per input line, in order.

A line is either a JSON object ``{"text", "id"?, "lang"?}`` or plain text. A line that cannot
be used (undecodable bytes, invalid JSON, no text, empty, too long) yields an error object for
that line and the stream goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from .detector import Detector


@dataclass
class Line:
    number: int
    id: str | None
    text: str | None
    lang: str | None
    error: str | None = None


def parse_lines(stream: BinaryIO) -> Iterator[Line]:
    for number, raw in enumerate(stream, start=1):
        default_id = str(number)
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as exc:
            yield Line(number, default_id, None, None,
                       f"line {number}: not valid UTF-8 (byte {exc.start})")
            continue
        line = line.lstrip("\ufeff")
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Line(number, default_id, None, None,
                           f"line {number}: invalid JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(obj, dict):
                yield Line(number, default_id, None, None, f"line {number}: not a JSON object")
                continue
            rid = obj.get("id", default_id)
            rid = None if rid is None else str(rid)
            text, lang = obj.get("text"), obj.get("lang")
            if not isinstance(text, str):
                yield Line(number, rid, None, None, f"line {number}: missing \"text\" string")
                continue
            if lang is not None and not isinstance(lang, str):
                yield Line(number, rid, None, None, f"line {number}: \"lang\" must be a string")
                continue
            yield Line(number, rid, text, lang or None)
        else:
            yield Line(number, default_id, line, None)


def scan_lines(
    detector: Detector, lines: Iterable[Line], batch: int = 256
) -> Iterator[dict[str, Any]]:
    """Score lines in batches; yields one output object per line, in input order."""
    pending: list[Line] = []

    def flush() -> Iterator[dict[str, Any]]:
        good = [ln for ln in pending if ln.error is None]
        results = iter(detector.score(
            [ln.text for ln in good], langs=[ln.lang for ln in good], ids=[ln.id for ln in good],
        )) if good else iter(())
        for ln in pending:
            if ln.error is not None:
                yield {"id": ln.id, "error": ln.error, "model": detector.model_id}
            else:
                out = next(results).to_dict()
                if "error" in out:
                    out["error"] = f"line {ln.number}: {out['error']}"
                yield out
        pending.clear()

    for line in lines:
        pending.append(line)
        if len(pending) >= batch:
            yield from flush()
    yield from flush()


def table_row(obj: dict[str, Any], text: str | None, width: int = 60) -> str:
    snippet = (text or "").replace("\n", " ")
    if len(snippet) > width:
        snippet = snippet[: width - 1] + "…"
    if "error" in obj:
        return f"{obj['id']!s:<10} {'-':<4} {'ERROR':<34} {obj['error']}"
    flags = ",".join(obj["flags"]) or "-"
    top = max(obj["scores"].values()) if obj["scores"] else 0.0
    return f"{obj['id']!s:<10} {obj['lang']:<4} {flags:<34} {top:5.2f}  {snippet}"
