"""The start page: what each role can do next, with the open work of the organisation."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from brug.accounts.models import User
from brug.accounts.roles import Cap, Role

from .selectors import queue_summary

# Roles whose workspace (case management, counselling) is not built yet.
WORKSPACE_LATER = {Role.COUNSELLOR, Role.PARTNER_CASEWORKER}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    context: dict[str, Any] = {
        "nav": "home",
        "summary": queue_summary(actor=user) if user.can(Cap.QUEUE_VIEW) else None,
        "workspace_later": user.role in WORKSPACE_LATER,
        "no_organisation": user.organisation_id is None,
    }
    return render(request, "web/home.html", context)
