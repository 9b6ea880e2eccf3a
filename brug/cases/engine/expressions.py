"""A safe evaluator for the few expressions a BPMN file may contain.

SpiffWorkflow evaluates gateway conditions and timer values with Python's ``eval``. Process
files are data that administrators upload, so Brug never hands their text to ``eval``: it parses
the expression with :mod:`ast` and evaluates a small whitelist itself — literals, names from the
task data, comparisons, ``and``/``or``/``not``, ``in``, arithmetic on numbers and calls to the
approved functions below. Anything else is refused with :class:`ExpressionError` naming what
was found.

Camunda-style wrappers ``${ ... }`` are unwrapped, and a bare ISO 8601 timer value such as
``P5D`` or ``2026-12-01T09:00:00`` (what Camunda Modeler writes) is read as that string.
"""

from __future__ import annotations

import ast
import datetime
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

from . import clock

MAX_EXPRESSION_CHARS = 500

_ISO_LITERAL = re.compile(
    r"^(P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
    r"|\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?)$")


class ExpressionError(ValueError):
    """An expression uses something outside the whitelist, or cannot be evaluated."""


def working_days(n: int, start: datetime.datetime | None = None) -> str:
    """The moment ``n`` working days (Monday–Friday) from ``start`` (default: now), ISO 8601.

    Public holidays are not counted out: a municipality's calendar differs per region and year.
    """
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 365:
        raise ExpressionError("working_days() takes a whole number of days from 0 to 365.")
    moment = start or clock.now()
    added = 0
    while added < n:
        moment += datetime.timedelta(days=1)
        if moment.weekday() < 5:
            added += 1
    return moment.isoformat()


def days(n: int) -> str:
    """An ISO 8601 duration of ``n`` calendar days (``P{n}D``)."""
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 3650:
        raise ExpressionError("days() takes a whole number of days from 0 to 3650.")
    return f"P{n}D"


FUNCTIONS: dict[str, Callable[..., Any]] = {"working_days": working_days, "days": days}

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
}
_SAFE_CONSTANTS = (str, int, float, bool, type(None))


def unwrap(expression: str) -> str:
    text = expression.strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1].strip()
    return text


def parse(expression: str) -> ast.Expression:
    """Parse and check an expression without evaluating it (used when a file is imported)."""
    text = unwrap(expression)
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"Expression longer than {MAX_EXPRESSION_CHARS} characters.")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"Not a valid expression: {text!r}.") from exc
    for node in ast.walk(tree):
        _check_node(node)
    return tree


def _check_node(node: ast.AST) -> None:
    allowed = (ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Compare, ast.BoolOp,
               ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.BinOp, ast.Call,
               ast.Tuple, ast.List, *_COMPARE, *_BINARY)
    if not isinstance(node, allowed):
        raise ExpressionError(f"Expressions may not use {type(node).__name__}.")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            called = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExpressionError(
                f"{called}() may not be called. Only these functions may be called: "
                + ", ".join(sorted(FUNCTIONS)) + ".")
        if node.keywords:
            raise ExpressionError("Function calls take positional arguments only.")
    if isinstance(node, ast.Name) and node.id.startswith("_"):
        raise ExpressionError("Names starting with an underscore are not allowed.")
    if isinstance(node, ast.Constant) and not isinstance(node.value, _SAFE_CONSTANTS):
        raise ExpressionError("Only text, numbers, true/false and None are allowed.")


def check(expression: str) -> None:
    """Refuse an expression that :func:`evaluate` would refuse (an ISO timer value passes)."""
    if not _ISO_LITERAL.match(unwrap(expression)):
        parse(expression)


def evaluate(expression: str, data: Mapping[str, Any]) -> Any:
    """Evaluate ``expression`` over the task ``data`` (names not in the data are ``None``)."""
    text = unwrap(expression)
    if _ISO_LITERAL.match(text):
        return _explicit_zone(text)
    tree = parse(text)
    return _eval(tree.body, data)


def _explicit_zone(text: str) -> str:
    """A date(-time) written without offset, in the local zone made explicit: SpiffWorkflow
    would read it with an offset frozen when it was imported, ``next_timer_at`` as UTC."""
    if not text[:1].isdigit():
        return text  # a duration
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is not None:
        return text
    return moment.replace(tzinfo=clock.local_zone()).isoformat()


def _eval(node: ast.AST, data: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("true", "True"):
            return True
        if node.id in ("false", "False"):
            return False
        return data.get(node.id)
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_eval(item, data) for item in node.elts)
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            result: Any = True
            for value in node.values:
                result = _eval(value, data)
                if not result:
                    return result
            return result
        result = False
        for value in node.values:
            result = _eval(value, data)
            if result:
                return result
        return result
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, data)
        return (not operand) if isinstance(node.op, ast.Not) else -operand
    if isinstance(node, ast.Compare):
        left = _eval(node.left, data)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, data)
            try:
                if not _COMPARE[type(op)](left, right):
                    return False
            except TypeError:
                return False
            left = right
        return True
    if isinstance(node, ast.BinOp):
        left, right = _eval(node.left, data), _eval(node.right, data)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                   for v in (left, right)):
            raise ExpressionError("Arithmetic works on numbers only.")
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return FUNCTIONS[node.func.id](*(_eval(arg, data) for arg in node.args))
    raise ExpressionError(f"Expressions may not use {type(node).__name__}.")  # pragma: no cover
