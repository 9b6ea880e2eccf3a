"""Stored problem sentences: untranslated when stored, translated when shown, old rows intact."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_noop

from brug.sources.problems import problem, problem_text, row_error, stored


def test_stored_forms_translate_when_shown() -> None:
    missing = problem(gettext_noop("%(field)s is missing."), field="id")
    row = row_error(4, missing)
    assert row == {"row": 4, "error": "%(field)s is missing.", "params": {"field": "id"}}
    with translation.override("nl"):
        assert problem_text(row) == "id ontbreekt."
        assert problem_text(stored(missing)) == "id ontbreekt."
    with translation.override("fr"):
        assert problem_text(row) == "id est manquant."
    assert problem_text(missing) == "id is missing."


def test_old_and_odd_values_are_shown_as_they_are() -> None:
    assert problem_text({"row": 1, "error": "Regel 1 is 100% fout."}) == "Regel 1 is 100% fout."
    assert problem_text("{not json") == "{not json"
    assert problem_text('{"other": 1}') == '{"other": 1}'
    assert problem_text("") == "" and problem_text(None) == ""
    assert row_error(2, "plain sentence") == {"row": 2, "error": "plain sentence"}
    assert stored("plain sentence") == "plain sentence"


def test_parameters_that_do_not_fit_never_raise() -> None:
    # A row stored with the wrong parameters shows the bare sentence instead of crashing.
    assert problem_text({"row": 1, "error": "%(field)s is missing.", "params": {}}) \
        == "%(field)s is missing."
    assert problem_text({"row": 1, "error": "Line %(line)d.", "params": {"line": "x"}}) \
        == "Line %(line)d."
