"""The review queue, the signal page, decisions and the labels export. Views are thin: they
parse input, call one selector or service and render. Expected failures are ``BrugError``s
(rendered by the middleware) or form errors shown next to the field."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from brug.accounts.access import request_actor
from brug.accounts.models import User
from brug.accounts.roles import Cap
from brug.errors import BrugError
from brug.signals.models import Signal
from brug.sources.models import Message

from . import selectors, services
from .export import jsonl_lines
from .forms import ConfirmForm, DecisionForm, QueueFilterForm
from .highlight import evidence_notes, highlighted
from .models import Outcome

EXPOSURE_KEY = "brug_exposure"
STARTED_KEY = "brug_review_started"


def _review_started(request: HttpRequest) -> datetime:
    """When this session started reviewing (set on the first queue or signal page)."""
    raw = request.session.get(STARTED_KEY)
    started = None
    if isinstance(raw, str):
        try:
            started = datetime.fromisoformat(raw)
        except ValueError:
            started = None
    if started is None or timezone.is_naive(started):
        started = timezone.now()
        request.session[STARTED_KEY] = started.isoformat()
    return started


def _care_context(request: HttpRequest) -> dict[str, Any]:
    """Worker care: exposure counter and whether to suggest a break."""
    user = request_actor(request)
    started = _review_started(request)
    due = timezone.now() - started >= timedelta(minutes=user.break_reminder_minutes)
    return {"exposure_count": int(request.session.get(EXPOSURE_KEY, 0) or 0),
            "break_due": due, "break_minutes": user.break_reminder_minutes}


@never_cache
@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = request_actor(request)
    selectors.require(user, Cap.QUEUE_VIEW)
    sources = list(selectors.queue_sources(actor=user).values_list("id", "name"))
    form = QueueFilterForm(request.GET or None, sources=sources)
    filters = form.filters() if request.GET else selectors.QueueFilters()
    cursor = selectors.Cursor.decode(request.GET.get("after"))
    page = selectors.review_queue(actor=user, filters=filters, cursor=cursor)
    context = {"nav": "queue", "form": form, "page": page,
               "filter_query": filters.as_query(), **_care_context(request)}
    if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, "review/partials/queue_results.html", context)
    return render(request, "review/queue.html", context)


def _render_signal(request: HttpRequest, signal: Signal, *,
                   decision_form: DecisionForm | None = None,
                   confirm_form: ConfirmForm | None = None, status: int = 200) -> HttpResponse:
    """The signal page. Audits the view (message text and author context are shown)."""
    user = request_actor(request)
    message = signal.message
    notes = evidence_notes(message.text, signal.evidence)
    context_messages = selectors.author_context(signal=signal)
    services.signal_view_record(actor=user, signal=signal,
                                context_ids=[m.pk for m in context_messages])
    pending = selectors.pending_urgent(signal=signal)
    shown = request.GET.get("show", "")
    can_reveal_handle = user.can(Cap.HANDLE_REVEAL) and bool(message.author_sealed)
    context = {
        "nav": "queue",
        "signal": signal,
        "message": message,
        "marked_text": highlighted(message.text, notes),
        "notes": notes,
        "scores": list(signal.scores.items()),
        "flag_categories": selectors.flagged(signal.flags),
        "context_messages": [_context_item(m) for m in context_messages],
        "shown": shown,
        "decisions": selectors.signal_decisions(signal=signal),
        "pending": pending,
        "can_decide": user.can(Cap.SIGNAL_REVIEW) and signal.status in services.DECIDABLE,
        "can_confirm": (pending is not None and user.can(Cap.SIGNAL_CONFIRM_URGENT)
                        and pending.reviewer_id != user.pk),
        "decision_form": decision_form or DecisionForm(),
        "confirm_form": confirm_form or ConfirmForm(),
        "can_reveal_handle": can_reveal_handle,
        **_care_context(request),
    }
    return render(request, "review/signal.html", context, status=status)


def _context_item(message: Message) -> dict[str, Any]:
    """One of the author's other messages with its signal, if it has one (``message.signal``
    raises for a message without; the raise is an ``AttributeError``, so ``getattr`` gives
    ``None``)."""
    signal: Signal | None = getattr(message, "signal", None)
    return {"message": message, "signal": signal,
            "categories": selectors.flagged(signal.flags) if signal is not None else []}


@never_cache
@login_required
@require_GET
def signal_detail(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = selectors.access_signal(actor=request_actor(request), id=signal_id)
    return _render_signal(request, signal)


def _field_error(form: DecisionForm | ConfirmForm, error: BrugError) -> bool:
    """Put a service error next to its field; False if it does not belong to one."""
    name = error.details.get("field")
    if name in form.fields:
        form.add_error(name, error.message)
        return True
    return False


@login_required
@require_POST
def decide(request: HttpRequest, signal_id: int) -> HttpResponse:
    user = request_actor(request)
    # The capability first: someone who may not decide learns nothing from form errors.
    selectors.require(user, Cap.SIGNAL_REVIEW)
    signal = selectors.access_signal(actor=user, id=signal_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_signal(request, signal, decision_form=form, status=400)
    data = form.cleaned_data
    try:
        services.signal_decide(actor=user, signal=signal, labels=data["labels"],
                               outcome=data["outcome"], reason=data["reason"],
                               recheck_on=data["recheck_on"], legal_ground=data["legal_ground"])
    except BrugError as error:
        if _field_error(form, error):
            return _render_signal(request, signal, decision_form=form, status=400)
        raise
    outcome = data["outcome"]
    if outcome == Outcome.REFER:
        case = signal.cases.order_by("-opened_at").first()
        messages.success(request, _("Decision recorded: refer. The signal is in case "
                                    "%(case)s; its first task is in the inbox. Nothing was sent "
                                    "to anyone yet.") % {"case": case.reference if case else ""})
    elif outcome == Outcome.URGENT:
        messages.success(request, _("Urgent decision recorded. A different reviewer must now "
                                    "confirm or reject it."))
    elif outcome == Outcome.MONITOR:
        messages.success(request, _("Decision recorded: the signal returns to the queue on "
                                    "%(date)s.") % {"date": data["recheck_on"]})
    else:
        messages.success(request, _("Decision recorded."))
    return _go_next(user, signal)


def _go_next(user: User, signal: Signal) -> HttpResponse:
    """After a decision: the next signal the person can act on, or the queue when none."""
    next_id = selectors.next_signal_id(actor=user, after=signal)
    if next_id is None:
        return redirect("review:queue")
    return redirect("review:signal", signal_id=next_id)


@login_required
@require_POST
def confirm(request: HttpRequest, decision_id: int) -> HttpResponse:
    user = request_actor(request)
    selectors.require(user, Cap.SIGNAL_CONFIRM_URGENT)
    decision = selectors.access_decision(actor=user, id=decision_id)
    signal = selectors.access_signal(actor=user, id=decision.signal_id)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _render_signal(request, signal, confirm_form=form, status=400)
    try:
        services.signal_confirm_urgent(actor=user, decision=decision,
                                       confirm=form.cleaned_data["confirm"],
                                       reason=form.cleaned_data["reason"])
    except BrugError as error:
        if _field_error(form, error):
            return _render_signal(request, signal, confirm_form=form, status=400)
        raise
    if form.cleaned_data["confirm"]:
        messages.success(request, _("Urgent track confirmed (four eyes)."))
    else:
        messages.success(request, _("Urgent track rejected: the signal is back in the queue."))
    return _go_next(user, signal)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("review:queue")


@login_required
@require_POST
def exposure(request: HttpRequest) -> HttpResponse:
    """One more flagged message viewed in this session (the "Show message" button)."""
    selectors.require(request_actor(request), Cap.QUEUE_VIEW)
    count = int(request.session.get(EXPOSURE_KEY, 0) or 0) + 1
    request.session[EXPOSURE_KEY] = count
    if getattr(request, "htmx", False):
        return render(request, "review/partials/exposure.html", {"exposure_count": count})
    # Without JavaScript: back to the page, with that message shown.
    target = _safe_next(request)
    shown = request.POST.get("message_id", "")
    if shown.isdigit():
        target += ("&" if "?" in target else "?") + f"show={shown}"
    return redirect(target)


@login_required
@require_POST
def break_later(request: HttpRequest) -> HttpResponse:
    """"Remind me later": the break timer starts again."""
    selectors.require(request_actor(request), Cap.QUEUE_VIEW)
    request.session[STARTED_KEY] = timezone.now().isoformat()
    if getattr(request, "htmx", False):
        return HttpResponse("")
    return redirect(_safe_next(request))


@login_required
@require_GET
def export(request: HttpRequest) -> StreamingHttpResponse:
    rows = services.labels_export(actor=request_actor(request))
    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(jsonl_lines(rows),
                                     content_type="application/x-ndjson; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="brug-labels-{stamp}.jsonl"'
    response["Cache-Control"] = "no-store"
    return response
