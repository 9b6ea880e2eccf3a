from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from brug.accounts.roles import Cap
from brug.accounts.twofactor import needs_second_factor


def brug(request: HttpRequest) -> dict[str, Any]:
    """Capabilities for navigation (``can.queue_view`` etc.).

    ``signed_in`` is true once the person passed every sign-in step (the second factor too,
    when required); before that the navigation shows only "Log out" and ``can`` is empty.
    """
    user = getattr(request, "user", None)
    can: dict[str, bool] = {}
    signed_in = bool(user is not None and user.is_authenticated
                     and not needs_second_factor(request))
    if signed_in and user is not None:
        can = {name.lower(): user.can(value) for name, value in vars(Cap).items()
               if name.isupper()}
    # The exposure counter is not here: the review pages put it in their own context.
    return {"can": can, "signed_in": signed_in}
