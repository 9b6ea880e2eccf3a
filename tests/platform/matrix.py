"""The permission matrix's vocabulary: who may use a page (``need``) and how it is called.

``test_permission_matrix`` reads ``PAGES`` there plus the lists in ``matrix_*.py`` here (one per
part of the platform), so a new page gets its line next to the code that added it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LOGIN = "login"          # any signed-in person
PUBLIC = "public"        # no sign-in needed
STAFF_ADMIN = "admin"    # Django admin: is_staff administrators only
TOKEN = "token"          # push API: a source token, never a session
STEP = "step"            # an inbox task: only the step's role in the step's organisation
CLIENT = "client"        # the client portal: signed-in clients only, staff are sent to its sign-in


@dataclass(frozen=True)
class Page:
    name: str
    method: str
    need: str                    # a Cap value, or LOGIN / PUBLIC / STAFF_ADMIN / TOKEN
    kwargs: Callable[[dict[str, Any]], dict[str, Any]] = lambda objs: {}
    data: Callable[[dict[str, Any]], dict[str, Any]] = lambda objs: {}
    org_object: bool = False     # names one object of the organisation: outsiders get 404
    # Roles refused with 404 rather than 403 (the object is not theirs to know about).
    hidden_from: frozenset[str] = frozenset()


