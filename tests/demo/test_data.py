"""The demo dataset: well-formed, balanced over the four languages, with meaningful authors."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from brug.demo.services import DATA_FILE, NEWEST_MESSAGE_AGE, demo_rows, read_demo_file
from brug.sources.services import RowRejected, clean_row

FIELDS = {"id", "text", "author", "lang", "posted_at", "source"}


@pytest.fixture(scope="module")
def demo_file() -> tuple[list[dict[str, object]], list[int]]:
    return read_demo_file()


def test_file_has_enough_valid_messages_and_exactly_three_bad_lines_at_the_end(
        demo_file: tuple[list[dict[str, object]], list[int]]) -> None:
    good, bad = demo_file
    lines = DATA_FILE.read_text(encoding="utf-8").splitlines()
    assert len(good) >= 300
    assert bad == [len(lines) - 2, len(lines) - 1, len(lines)]
    assert all(set(row) == FIELDS for row in good)
    assert len({row["id"] for row in good}) == len(good)


def test_every_language_has_at_least_a_fifth(
        demo_file: tuple[list[dict[str, object]], list[int]]) -> None:
    good, _bad = demo_file
    langs = Counter(str(row["lang"]) for row in good)
    assert set(langs) == {"nl", "fr", "en", "de"}
    for lang, count in langs.items():
        assert count / len(good) >= 0.20, lang


def test_authors_have_enough_messages_for_context(
        demo_file: tuple[list[dict[str, object]], list[int]]) -> None:
    good, _bad = demo_file
    per_author = Counter(str(row["author"]) for row in good)
    regulars = [a for a, n in per_author.items() if n >= 3]
    assert len(regulars) >= 10
    assert max(per_author.values()) <= 12
    assert all(a.startswith("@") for a in per_author)


def test_dates_are_iso_and_spread_over_thirty_days(
        demo_file: tuple[list[dict[str, object]], list[int]]) -> None:
    good, _bad = demo_file
    dates = [datetime.fromisoformat(str(row["posted_at"])) for row in good]
    assert all(timezone.is_aware(d) for d in dates)
    assert timedelta(days=20) < max(dates) - min(dates) <= timedelta(days=30)


def test_rows_for_ingestion_are_shifted_to_now_and_the_bad_lines_are_rejected() -> None:
    now = timezone.now()
    rows = demo_rows(now=now)
    accepted, rejected = [], []
    for item in rows:
        if item.data is None:
            rejected.append(item.row)
            continue
        try:
            accepted.append(clean_row(item.data))
        except RowRejected:
            rejected.append(item.row)
    assert len(rejected) == 3
    newest = max(r.posted_at for r in accepted if r.posted_at)
    oldest = min(r.posted_at for r in accepted if r.posted_at)
    assert newest == (now - NEWEST_MESSAGE_AGE).replace(microsecond=0)
    assert now - oldest <= timedelta(days=31)
    assert all(r.url.startswith("https://example.org/") and r.author for r in accepted)
