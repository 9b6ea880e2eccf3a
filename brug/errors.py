"""Expected failures: one family with stable codes and a sentence a user can act on.

Views turn a ``BrugError`` into a message (pages) or a JSON error (API), never a 500.
"""

from __future__ import annotations

from typing import Any


class BrugError(Exception):
    """An expected failure. ``code`` is stable (used by API clients and tests)."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


class NotAllowed(BrugError):
    """The actor's role or organisation does not give access."""

    code = "not_allowed"
    status = 403


class NotFound(BrugError):
    code = "not_found"
    status = 404


class InvalidInput(BrugError):
    code = "invalid_input"
    status = 400


class Conflict(BrugError):
    """The request is valid but the object's state does not allow it now."""

    code = "conflict"
    status = 409
