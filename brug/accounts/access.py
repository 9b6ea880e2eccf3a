"""The one capability check every app's access getters and services start from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.translation import gettext

from brug.errors import NotAllowed

if TYPE_CHECKING:
    from .models import User


def require_capability(actor: User, capability: str, refusal: str | None = None) -> int:
    """The actor's organisation id, when their role gives ``capability``.

    Raises ``NotAllowed`` with ``refusal`` (a translated sentence naming what was refused) or a
    general sentence. People without an organisation have no capability (``User.can``).
    """
    if not actor.can(capability) or actor.organisation_id is None:
        raise NotAllowed(refusal or gettext("Your role does not give access to this page. Ask "
                                            "your supervisor if you need it."))
    return actor.organisation_id


def request_actor(request: HttpRequest) -> User:
    """The signed-in person of a request. Precondition: the view is behind ``login_required``."""
    from .models import User

    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user
