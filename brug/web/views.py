"""The start page: what each role can do next, with the open work of the organisation."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from brug.accounts.models import User
from brug.accounts.roles import Cap

from .selectors import queue_summary


def _casework(user: User) -> dict[str, Any]:
    """The inbox count for everyone in an organisation; open cases for case workers."""
    from brug.cases.models import Case, CaseStatus
    from brug.cases.selectors import inbox

    if user.organisation_id is None:
        return {}
    context: dict[str, Any] = {"inbox_count": inbox(user).count()}
    if user.can(Cap.CASE_VIEW):
        context["open_cases"] = Case.objects.filter(organisation_id=user.organisation_id,
                                                    status=CaseStatus.OPEN).count()
    return context


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    context: dict[str, Any] = {
        "nav": "home",
        "summary": queue_summary(actor=user) if user.can(Cap.QUEUE_VIEW) else None,
        "no_organisation": user.organisation_id is None,
        **_casework(user),
    }
    return render(request, "web/home.html", context)
