"""The safe expression evaluator: what a process file may write, and what it may not."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from brug.cases.engine import expressions
from brug.cases.engine.expressions import ExpressionError, check, evaluate, working_days

UTC = datetime.UTC
FRIDAY = datetime.datetime(2026, 3, 6, 9, 0, tzinfo=UTC)
DATA = {"consent": "given", "reminders": 2, "assessed": True, "score": 7, "missing": None}


@pytest.mark.parametrize(("expression", "expected"), [
    ('consent == "given"', True),
    ('consent != "given"', False),
    ("reminders >= 2", True),
    ("reminders < 2", False),
    ("1 < score <= 7", True),
    ("1 < score < 7", False),
    ('consent == "given" and reminders < 3', True),
    ('consent == "refused" or assessed', True),
    ("not assessed", False),
    ('consent in ("given", "not_possible")', True),
    ('consent in ["refused"]', False),
    ('consent not in ("refused",)', True),
    ("reminders + 1 == 3", True),
    ("score * 2 - 4", 10),
    ("-reminders", -2),
    ("3.5 > reminders", True),
    ("missing is None", True),
    ("undefined_name is None", True),   # names not in the data are None
    ("true", True),
    ("false or True", True),
    ("${reminders > 1}", True),          # Camunda's ${...} wrapper
    ("  ${ consent == 'given' }  ", True),
    ("score > 'text'", False),           # a type mismatch compares as false, no crash
])
def test_allowed_expressions(expression: str, expected: Any) -> None:
    assert evaluate(expression, DATA) == expected


@pytest.mark.parametrize("literal", ["P5D", "PT15S", "P1Y2M10DT2H30M", "P2W", "${P5D}"])
def test_bare_iso_durations_are_read_as_text(literal: str) -> None:
    check(literal)
    assert evaluate(literal, {}) == expressions.unwrap(literal)


@pytest.mark.parametrize("literal", [
    "2026-12-01", "2026-12-01T09:00:00", "2026-12-01T09:00:00Z", "2026-12-01T09:00:00+01:00",
])
def test_bare_iso_dates_keep_their_moment(literal: str) -> None:
    check(literal)
    written = datetime.datetime.fromisoformat(literal)
    read = datetime.datetime.fromisoformat(evaluate(literal, {}))
    if written.tzinfo is None:   # same wall-clock time (the engine may make the zone explicit)
        assert read.replace(tzinfo=None) == written
    else:
        assert read == written


def test_approved_functions() -> None:
    assert evaluate("days(5)", {}) == "P5D"
    with time_machine.travel(FRIDAY, tick=False):
        assert evaluate("working_days(1)", {}) == "2026-03-09T09:00:00+00:00"
        assert evaluate("${working_days(reminders)}", DATA) == "2026-03-10T09:00:00+00:00"


@pytest.mark.parametrize(("expression", "refused"), [
    ("consent.upper", "Attribute"),
    ("consent.upper()", "Only these functions may be called"),
    ("data.__class__", "Attribute"),
    ("().__class__.__bases__", "Attribute"),
    ("().__class__.__bases__[0].__subclasses__()", "Only these functions may be called"),
    ("consent[0]", "Subscript"),
    ("lambda: 1", "Lambda"),
    ("[x for x in consent]", "ListComp"),
    ("{x for x in consent}", "SetComp"),
    ("{'a': 1}", "Dict"),
    ("f'{consent}'", "JoinedStr"),
    ("2 ** 1000", "Pow"),
    ("consent if assessed else 1", "IfExp"),
    ("(x := 1)", "NamedExpr"),
    ("b'bytes'", "Only text, numbers"),
    ("_private", "underscore"),
    ("__builtins__", "underscore"),
    ("working_days(n=5)", "positional arguments only"),
    ("working_days(*score)", "Starred"),
])
def test_refused_expressions_name_what_was_refused(expression: str, refused: str) -> None:
    with pytest.raises(ExpressionError, match=refused):
        evaluate(expression, DATA)
    with pytest.raises(ExpressionError, match=refused):
        check(expression)   # the import refuses the same


@pytest.mark.parametrize("expression", [
    "__import__('os')", "open('/etc/passwd')", "eval('1')", "getattr(consent, 'x')",
    "print(1)", "consent()",
])
def test_calls_to_unapproved_functions_are_refused(expression: str) -> None:
    with pytest.raises(ExpressionError, match="Only these functions may be called: days, "
                                              "working_days"):
        evaluate(expression, DATA)


@pytest.mark.parametrize(("expression", "name"), [("__import__('os')", "__import__"),
                                                  ("open('/etc/passwd')", "open")])
def test_refused_call_names_the_function(expression: str, name: str) -> None:
    with pytest.raises(ExpressionError, match=name):
        evaluate(expression, DATA)


def test_keywords_and_statements_are_not_expressions() -> None:
    for text in ("import os", "x = 1", "del consent", "consent; 1", "if assessed: 1"):
        with pytest.raises(ExpressionError, match="Not a valid expression"):
            check(text)
    with pytest.raises(ExpressionError, match="Not a valid expression"):
        check("#{approved}")      # Camunda JUEL's #{...} is not Brug's syntax


def test_over_long_expression_is_refused() -> None:
    long = " or ".join(["assessed"] * 100)
    assert len(long) > expressions.MAX_EXPRESSION_CHARS
    with pytest.raises(ExpressionError, match="longer than 500 characters"):
        evaluate(long, DATA)
    assert evaluate(" or ".join(["assessed"] * 40), DATA) is True


def test_arithmetic_only_on_numbers() -> None:
    with pytest.raises(ExpressionError, match="numbers only"):
        evaluate("consent * 1000000", DATA)
    with pytest.raises(ExpressionError, match="numbers only"):
        evaluate("assessed + 1", DATA)


# --- working_days ------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "n", "expected"), [
    (datetime.datetime(2026, 3, 6, 9, 0, tzinfo=UTC), 1, "2026-03-09T09:00:00+00:00"),  # Fri→Mon
    (datetime.datetime(2026, 3, 6, 9, 0, tzinfo=UTC), 5, "2026-03-13T09:00:00+00:00"),  # Fri→Fri
    (datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 4, "2026-03-06T09:00:00+00:00"),  # Mon→Fri
    (datetime.datetime(2026, 3, 2, 9, 0, tzinfo=UTC), 5, "2026-03-09T09:00:00+00:00"),  # Mon→Mon
    (datetime.datetime(2026, 3, 7, 12, 0, tzinfo=UTC), 1, "2026-03-09T12:00:00+00:00"),  # Sat→Mon
    (datetime.datetime(2026, 3, 8, 12, 0, tzinfo=UTC), 1, "2026-03-09T12:00:00+00:00"),  # Sun→Mon
    (datetime.datetime(2026, 3, 6, 9, 0, tzinfo=UTC), 10, "2026-03-20T09:00:00+00:00"),
    (datetime.datetime(2026, 3, 6, 9, 0, tzinfo=UTC), 0, "2026-03-06T09:00:00+00:00"),
])
def test_working_days_skip_weekends(start: datetime.datetime, n: int, expected: str) -> None:
    assert working_days(n, start) == expected


def test_working_days_default_to_the_engine_clock() -> None:
    with time_machine.travel(FRIDAY, tick=False):
        assert working_days(1) == "2026-03-09T09:00:00+00:00"


@pytest.mark.parametrize("n", [-1, 366, 1.5, True, "3", None])
def test_working_days_bounds(n: Any) -> None:
    with pytest.raises(ExpressionError, match="whole number of days from 0 to 365"):
        working_days(n, FRIDAY)
    assert working_days(365, FRIDAY).startswith("2027-")


@pytest.mark.parametrize("n", [-1, 3651, 2.0, False])
def test_days_bounds(n: Any) -> None:
    with pytest.raises(ExpressionError, match="from 0 to 3650"):
        expressions.days(n)
    assert expressions.days(3650) == "P3650D"
