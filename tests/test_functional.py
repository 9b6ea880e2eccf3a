"""Our own functional suite (tests/functional) as a regression guard.

The floors are below the issue's bars on the independent suite so the test is about
regressions, not tuning; `brug eval` prints the full figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from brug.detection import Detector
from brug.detection.evaluate import evaluate, load_cases

SUITE = Path(__file__).parent / "functional"


@pytest.fixture(scope="module")
def report(detector: Detector) -> dict[str, object]:
    return evaluate(detector, load_cases(SUITE))


def test_suite_is_large_and_covers_four_languages() -> None:
    cases = load_cases(SUITE)
    assert len(cases) >= 400
    assert {c["lang"] for c in cases} == {"nl", "fr", "en", "de"}


@pytest.mark.parametrize("lang", ["nl", "fr", "en", "de"])
def test_macro_f1_per_language(report: dict[str, dict[str, dict[str, float]]], lang: str) -> None:
    assert report["languages"][lang]["macro_f1"] >= 0.80


def test_counter_speech_accuracy(report: dict[str, float]) -> None:
    assert report["counter_speech_accuracy"] >= 0.75


def test_no_case_type_collapses(report: dict[str, dict[str, dict[str, float]]]) -> None:
    weak = {t: m["accuracy"] for t, m in report["case_types"].items() if m["accuracy"] < 0.5}
    assert not weak, weak
