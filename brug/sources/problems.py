"""Problem sentences that are stored untranslated and translated when they are shown.

An import's row errors and a feed's last error are written once (by a person's upload in their
language, or by the worker in English) and read later by anyone, in their own language. So
they are stored as the English message id (marked with ``gettext_noop`` so makemessages finds
it) plus its parameters, and translated on display: ``str(problem)`` in code, the
``problem`` filter (``{% load sources %}``) in templates.

Stored forms:

* a row error in ``ImportRun.errors``: ``{"row": 7, "error": msgid, "params": {...}}``;
* a text field (``Source.feed_last_error``, ``ImportRun.fatal_error``): the JSON text of
  ``{"msgid": ..., "params": {...}}``.

Values written before this existed hold a finished sentence (a row error without
``"params"``, a text field that is not such JSON); they are shown as they are.
Parameters are numbers, column names and fixed system wording, never a row's content.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext

Param = str | int


@dataclass(frozen=True, slots=True)
class Problem:
    """One untranslated problem sentence: an English msgid and its ``%`` parameters."""

    msgid: str
    params: dict[str, Param] = field(default_factory=dict)

    def __str__(self) -> str:
        return _render(self.msgid, self.params)

    def as_row(self, row: int | None) -> dict[str, Any]:
        """The form kept in ``ImportRun.errors``."""
        return {"row": row, "error": self.msgid, "params": dict(self.params)}

    def dumps(self) -> str:
        """The form kept in a text field."""
        return json.dumps({"msgid": self.msgid, "params": self.params}, ensure_ascii=False)


def problem(msgid: str, **params: Param) -> Problem:
    """Precondition: ``msgid`` is wrapped in ``gettext_noop`` where it is written."""
    return Problem(msgid, params)


def row_error(row: int | None, error: Problem | str) -> dict[str, Any]:
    """A row error for ``ImportRun.errors``; a plain string is kept as a finished sentence."""
    return error.as_row(row) if isinstance(error, Problem) else {"row": row, "error": error}


def stored(error: Problem | str) -> str:
    """The value for a text field; a plain string is kept as a finished sentence."""
    return error.dumps() if isinstance(error, Problem) else error


def _render(msgid: str, params: Mapping[str, Any]) -> str:
    # A translation with a broken placeholder must not break the page: fall back to English.
    for template in (gettext(msgid), msgid):
        try:
            return template % params if params else template
        except (KeyError, ValueError, TypeError):
            continue
    return msgid


def _loads(value: str) -> Problem | None:
    if not value.startswith("{"):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if (isinstance(data, dict) and isinstance(data.get("msgid"), str)
            and isinstance(data.get("params", {}), dict)):
        return Problem(data["msgid"], data.get("params") or {})
    return None


def problem_text(value: Any) -> str:
    """Any stored problem as a sentence in the active language: a ``Problem``, a row error
    (mapping) or a text field's value. Older finished sentences come back unchanged."""
    if isinstance(value, Problem):
        return str(value)
    if isinstance(value, Mapping):
        params = value.get("params")
        error = str(value.get("error") or "")
        return _render(error, params) if isinstance(params, Mapping) else error
    if value is None:
        return ""
    text = str(value)
    found = _loads(text)
    return str(found) if found is not None else text
