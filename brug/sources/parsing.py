"""Reading an uploaded file into rows for ``messages_ingest``.

Two formats: CSV (a header row naming the columns ``id,text,author,lang,posted_at,url``; the
delimiter is one of ``,`` ``;`` or tab, read from the header) and JSONL (one JSON object per
line). Files are UTF-8, with or without a byte-order mark.

A problem with one row becomes that row's error (a sentence that never quotes the row's
content) and the other rows are kept; a problem with the whole file (empty, too large, unknown
type, no usable header) raises ``InvalidInput``. Each line is decoded on its own, so a stray
byte that is not UTF-8 costs only the row it is in.

Row numbers are line numbers in the file, as a text editor or spreadsheet shows them (the CSV
header is line 1); a CSV row that spans several lines is numbered by its first line.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from brug.errors import InvalidInput

from .problems import Problem, problem

COLUMNS = ("id", "text", "author", "lang", "posted_at", "url")
REQUIRED_COLUMNS = ("id", "text")
CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
ACCEPT = ".csv,.tsv,.txt,.jsonl,.ndjson,text/csv,text/tab-separated-values,application/x-ndjson"
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class RowInput:
    """One row of input, numbered: either its fields (``data``) or why it could not be read
    (``error``: a ``Problem``, translated when shown, or a finished sentence)."""

    row: int
    data: Mapping[str, Any] | None = None
    error: Problem | str = ""


@dataclass(frozen=True, slots=True)
class ParsedFile:
    format: str  # "csv" or "jsonl"
    rows: list[RowInput]


def file_format(filename: str) -> str:
    """``"csv"`` or ``"jsonl"`` from the file name's extension; ``InvalidInput`` otherwise."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    raise InvalidInput(
        _("Brug cannot read files of this type (%(suffix)s). Upload a CSV file (.csv) or a "
          "JSON Lines file (.jsonl).") % {"suffix": suffix or _("no extension")},
        code="unknown_format")


def check_size(size: int) -> None:
    """Refuse empty files and files over ``settings.BRUG_UPLOAD_MAX_BYTES``."""
    limit = settings.BRUG_UPLOAD_MAX_BYTES
    if size <= 0:
        raise InvalidInput(_("The file is empty. Choose a file that contains messages."),
                           code="empty_file")
    if size > limit:
        raise InvalidInput(
            _("The file is %(size)s; the largest file Brug accepts is %(limit)s. Split it into "
              "smaller files and upload them one by one.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="file_too_large")


def parse_upload(filename: str, data: bytes) -> ParsedFile:
    """Parse an uploaded file's bytes. Precondition: ``data`` is the whole file."""
    fmt = file_format(filename)
    check_size(len(data))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidInput(_("The file is saved as UTF-16. Save it as UTF-8 (in a spreadsheet: "
                             "'CSV UTF-8') and upload it again."), code="bad_encoding")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    lines = data.splitlines(keepends=True)
    rows = list(_csv_rows(lines) if fmt == "csv" else _jsonl_rows(lines))
    if not rows:
        raise InvalidInput(_("The file contains no messages."), code="empty_file")
    return ParsedFile(format=fmt, rows=rows)


def _decode(line: bytes, number: int) -> tuple[str, Problem | None]:
    """The line as text, and the problem if it was not valid UTF-8 (else None)."""
    try:
        return line.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        error = problem(gettext_noop(
            "Line %(line)d is not valid UTF-8 (byte 0x%(byte)02X at position %(pos)d of the "
            "line). Save the file as UTF-8."),
            line=number, byte=line[exc.start], pos=exc.start + 1)
        return line.decode("utf-8", errors="replace"), error


def _jsonl_rows(lines: list[bytes]) -> Iterator[RowInput]:
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        text, error = _decode(raw, number)
        if error:
            yield RowInput(number, error=error)
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            # exc.msg names the problem ("Expecting ',' delimiter") without quoting content.
            yield RowInput(number, error=problem(gettext_noop(
                "Line %(line)d is not valid JSON (%(problem)s at column %(col)d)."),
                line=number, problem=exc.msg, col=exc.colno))
            continue
        except RecursionError:
            yield RowInput(number, error=problem(gettext_noop(
                "Line %(line)d is nested too deeply to read."), line=number))
            continue
        if not isinstance(obj, dict):
            yield RowInput(number, error=problem(gettext_noop(
                "Line %(line)d is not a JSON object; each line must look like "
                "{\"id\": ..., \"text\": ...}."), line=number))
            continue
        yield RowInput(number, data=obj)


def _pick_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(lines: list[bytes]) -> Iterator[RowInput]:
    # Skip blank lines before the header; line numbers stay true to the file.
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines):
        return
    decoded: list[str] = []
    bad_lines: dict[int, Problem] = {}
    for number, raw in enumerate(lines[start:], start=start + 1):
        text, error = _decode(raw, number)
        decoded.append(text)
        if error:
            bad_lines[number] = error
    if start + 1 in bad_lines:
        raise InvalidInput(str(bad_lines[start + 1]), code="bad_encoding")

    delimiter = _pick_delimiter(decoded[0])
    # strict: an unclosed quotation mark at the end is an error instead of a silent merge
    # of every later line into one field.
    reader = csv.reader(decoded, delimiter=delimiter, strict=True)
    header = [name.strip().lower() for name in next(reader)]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InvalidInput(
            _("The first line of a CSV file must name the columns; Brug needs at least %(needed)s "
              "and also reads %(optional)s. Missing: %(missing)s.") % {
                "needed": ", ".join(REQUIRED_COLUMNS),
                "optional": ", ".join(c for c in COLUMNS if c not in REQUIRED_COLUMNS),
                "missing": ", ".join(missing)},
            code="bad_header")
    # The first occurrence of a known column wins; unknown columns are ignored.
    positions = {name: header.index(name) for name in COLUMNS if name in header}
    width = len(header)
    offset = start  # reader.line_num counts from the header, which is file line start + 1
    previous_end = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            first, last = offset + previous_end + 1, offset + reader.line_num
            previous_end = reader.line_num
            if last > first:
                error = problem(gettext_noop(
                    "Line %(line)d opens a quotation mark that is not closed, so lines "
                    "%(line)d to %(last)d could not be read."), line=first, last=last)
            else:
                error = problem(gettext_noop("Line %(line)d cannot be read as CSV "
                                             "(%(problem)s)."), line=first, problem=str(exc))
            yield RowInput(first, error=error)
            continue
        first, last = offset + previous_end + 1, offset + reader.line_num
        previous_end = reader.line_num
        if not record or all(not field.strip() for field in record):
            continue
        bad = next((bad_lines[n] for n in range(first, last + 1) if n in bad_lines), None)
        if bad:
            yield RowInput(first, error=bad)
            continue
        if len(record) != width:
            counts = {"line": first, "fields": len(record), "columns": width}
            if last > first:
                error = problem(gettext_noop(
                    "Line %(line)d has %(fields)d fields but the header has %(columns)d "
                    "columns. It spans lines %(first)d to %(last)d: check for an unclosed "
                    "quotation mark."), first=first, last=last, **counts)
            else:
                error = problem(gettext_noop("Line %(line)d has %(fields)d fields but the "
                                             "header has %(columns)d columns."), **counts)
            yield RowInput(first, error=error)
            continue
        data = {name: record[pos] for name, pos in positions.items() if record[pos].strip()}
        yield RowInput(first, data=data)
