import io

from brug.detection.scan import parse_lines


def parse(data: bytes) -> list[tuple[str | None, str | None, str | None]]:
    return [(ln.id, ln.text, ln.error) for ln in parse_lines(io.BytesIO(data))]


def test_jsonl_and_plain_text_lines() -> None:
    rows = parse(b'{"id": "a", "text": "hallo", "lang": "nl"}\ngewoon tekst\n')
    assert rows == [("a", "hallo", None), ("2", "gewoon tekst", None)]


def test_bad_lines_get_errors_and_the_rest_is_kept() -> None:
    rows = parse(
        b'{"text": "ok"}\n{broken json\n\xff\xfe bad bytes\n{"id": 5}\n{"text": 5}\nlast\n'
    )
    assert rows[0] == ("1", "ok", None)
    assert "invalid JSON" in (rows[1][2] or "")
    assert "UTF-8" in (rows[2][2] or "")
    assert rows[3][0] == "5" and "text" in (rows[3][2] or "")
    assert "text" in (rows[4][2] or "")
    assert rows[5] == ("6", "last", None)
