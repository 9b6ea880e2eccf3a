"""The DPO's read-only audit log and the chain check. No view here writes anything but the
"audit.view" entry that records the reading itself."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from brug.accounts.access import request_actor

from .forms import AuditFilterForm
from .selectors import (
    access_audit_log,
    audit_action_choices,
    audit_object_type_choices,
    audit_people_choices,
    ensure_can_view_audit,
)
from .services import Verification, audit_verify

PAGE_SIZE = 50

# audit_verify speaks English; these are the same sentences through the translation catalogue.
PROBLEMS = {
    "link broken: an entry before it was changed or removed":
        _("link broken: an entry before it was changed or removed"),
    "entry was changed after it was written": _("entry was changed after it was written"),
    "the last entries were removed (chain head does not match)":
        _("the last entries were removed (chain head does not match)"),
}


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@never_cache
@login_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    ensure_can_view_audit(actor)
    form = AuditFilterForm(request.GET or None, actions=audit_action_choices(actor=actor),
                           object_types=audit_object_type_choices(actor=actor),
                           people=audit_people_choices(actor=actor))
    filters = form.filters()
    number = _page_number(request)
    entries = access_audit_log(actor=actor, filters=filters, page=number)
    page = Paginator(entries, PAGE_SIZE).get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/log.html", {
        "nav": "audit", "form": form, "page": page, "query": query.urlencode()})


def _problem(result: Verification) -> str:
    return str(PROBLEMS.get(result.problem, result.problem))


@never_cache
@login_required
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    """Walks the whole chain (may take seconds on a big log). htmx: the banner; else a page."""
    ensure_can_view_audit(request_actor(request))
    result = audit_verify()
    context = {"nav": "audit", "result": result, "problem": _problem(result)}
    if getattr(request, "htmx", False):
        return render(request, "audit/partials/chain_status.html", context)
    return render(request, "audit/verify.html", context)
