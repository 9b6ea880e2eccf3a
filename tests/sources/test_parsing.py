"""Parsing uploads: CSV and JSONL, bad rows reported with clear errors, good rows kept."""

from __future__ import annotations

import codecs

import pytest
from django.test import override_settings

from brug.errors import InvalidInput
from brug.sources.parsing import RowInput, file_format, parse_upload


def _good(rows: list[RowInput]) -> dict[int, dict[str, object]]:
    return {r.row: dict(r.data) for r in rows if r.data is not None}


def _bad(rows: list[RowInput]) -> dict[int, str]:
    return {r.row: str(r.error) for r in rows if r.data is None}


def test_csv_with_bom_quotes_and_multiline() -> None:
    data = codecs.BOM_UTF8 + (
        b'id,text,author,lang,posted_at,url\r\n'
        b'1,"Hallo, wereld",@a,nl,2026-03-01T10:00:00Z,https://example.org/1\r\n'
        b'2,"two\nlines",,,,\r\n'
        b'3,drie,@c,,,\r\n')
    parsed = parse_upload("export.csv", data)
    assert parsed.format == "csv"
    good = _good(parsed.rows)
    assert good[2] == {"id": "1", "text": "Hallo, wereld", "author": "@a", "lang": "nl",
                       "posted_at": "2026-03-01T10:00:00Z", "url": "https://example.org/1"}
    assert good[3] == {"id": "2", "text": "two\nlines"}  # empty cells are left out
    assert good[5]["id"] == "3"  # numbered by the line it starts on
    assert not _bad(parsed.rows)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_csv_delimiter_is_sniffed(delimiter: str) -> None:
    data = delimiter.join(["text", "id"]) + "\n" + delimiter.join(["a, b", "7"]) + "\n"
    parsed = parse_upload("x.csv", data.encode())
    assert _good(parsed.rows) == {2: {"text": "a, b", "id": "7"}}


def test_csv_malformed_rows_are_reported_and_others_kept() -> None:
    data = b"id,text\n1,one\n2,two,extra\n3,three\n"
    parsed = parse_upload("x.csv", data)
    assert set(_good(parsed.rows)) == {2, 4}
    assert _bad(parsed.rows) == {3: "Line 3 has 3 fields but the header has 2 columns."}


def test_csv_bad_encoding_names_line_and_byte_and_keeps_neighbours() -> None:
    data = b"id,text\n1,caf\xc3\xa9\n2,caf\xe9 SECRET\n3,ok\n"
    parsed = parse_upload("x.csv", data)
    assert _good(parsed.rows) == {2: {"id": "1", "text": "café"}, 4: {"id": "3", "text": "ok"}}
    error = _bad(parsed.rows)[3]
    assert "Line 3" in error and "0xE9" in error and "position 6" in error
    assert "SECRET" not in error


def test_csv_without_required_columns_is_refused() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_upload("x.csv", b"message,who\nhello,me\n")
    assert exc.value.code == "bad_header" and "id, text" in exc.value.message


def test_csv_header_only_is_empty() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_upload("x.csv", b"id,text\n\n")
    assert exc.value.code == "empty_file"


def test_jsonl_rows() -> None:
    data = (b'{"id": 1, "text": "een"}\n'
            b'\n'
            b'{"id": "2", "text": "twee"\n'
            b'["not", "an", "object"]\n'
            b'{"id": "4", "text": "caf\xe9"}\n'
            b'{"id": "5", "text": "vijf", "lang": "nl"}\n')
    parsed = parse_upload("x.jsonl", data)
    assert _good(parsed.rows) == {1: {"id": 1, "text": "een"},
                                  6: {"id": "5", "text": "vijf", "lang": "nl"}}
    bad = _bad(parsed.rows)
    assert set(bad) == {3, 4, 5}
    assert "not valid JSON" in bad[3]
    assert "not a JSON object" in bad[4]
    assert "not valid UTF-8" in bad[5]


def test_empty_file() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_upload("x.jsonl", b"")
    assert exc.value.code == "empty_file"
    with pytest.raises(InvalidInput):
        parse_upload("x.jsonl", b"\n\n  \n")


@override_settings(BRUG_UPLOAD_MAX_BYTES=100)
def test_oversized_file() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_upload("x.csv", b"id,text\n" + b"1,x\n" * 30)
    assert exc.value.code == "file_too_large" and "100" in exc.value.message


@pytest.mark.parametrize("name", ["x.xlsx", "x", "x.json.exe", ""])
def test_unknown_format(name: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        file_format(name)
    assert exc.value.code == "unknown_format" and ".csv" in exc.value.message


def test_utf16_is_refused_clearly() -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_upload("x.csv", "id,text\n1,a\n".encode("utf-16"))
    assert exc.value.code == "bad_encoding" and "UTF-8" in exc.value.message


def test_unclosed_quote_is_reported_with_its_span() -> None:
    data = b'id,text\n1,"never closed\n2,two\n3,three\n'
    parsed = parse_upload("x.csv", data)
    assert not _good(parsed.rows)
    assert "not closed" in _bad(parsed.rows)[2] and "2 to 4" in _bad(parsed.rows)[2]


def test_text_after_closing_quote_is_an_error_of_that_row_only() -> None:
    parsed = parse_upload("x.csv", b'id,text\n1,"a"b\n2,ok\n')
    assert _good(parsed.rows) == {3: {"id": "2", "text": "ok"}}
    assert "Line 2 cannot be read as CSV" in _bad(parsed.rows)[2]
