"""The DPO's retention page and the audited reveal of an author's handle. Views stay thin."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from brug.accounts.access import request_actor
from brug.errors import InvalidInput

from .selectors import BAR_WIDTH, CHART_HEIGHT, client_accounts_due, retention_overview
from .services import handle_reveal as reveal


@login_required
@require_GET
def retention(request: HttpRequest) -> HttpResponse:
    actor, now = request_actor(request), timezone.now()
    rows = retention_overview(actor=actor, now=now)
    return render(request, "privacy/retention.html",
                  {"nav": "retention", "rows": rows,
                   "chart_height": CHART_HEIGHT, "bar_width": BAR_WIDTH,
                   "clients_due": client_accounts_due(actor=actor, now=now),
                   "client_inactive_days": settings.BRUG_CLIENT_INACTIVE_DAYS})


@never_cache  # the answer holds a person's handle: no browser or proxy may keep it
@login_required
@require_POST
def handle_reveal(request: HttpRequest) -> HttpResponse:
    """POST ``message_id`` and ``reason``. htmx: the handle partial; otherwise a small page."""
    try:
        message_id = int(request.POST.get("message_id", ""))
    except ValueError:
        raise InvalidInput(_("The form did not say which message; reload the page and try "
                             "again.")) from None
    handle = reveal(actor=request_actor(request), message_id=message_id,
                    reason=request.POST.get("reason", ""))
    context = {"handle": handle, "message_id": message_id}
    if getattr(request, "htmx", False):
        return render(request, "privacy/partials/handle.html", context)
    return render(request, "privacy/handle.html", context)
