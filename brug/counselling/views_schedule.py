"""Counsellor pages of the schedule: free times (slots), sessions, and the calendar feed.

Views parse input, call one service and render. Times are shown in the counsellor's own time
zone (their profile's) with its name. The calendar feed has no session (calendar apps cannot
sign in): its secret token is the key, and it holds no client data.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brug.accounts.access import request_actor, require_capability
from brug.accounts.models import User
from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import BrugError

from . import ical, matching
from .access import counsellor_profile_of
from .forms_schedule import CancelForm, MarkForm, RescheduleForm, SlotForm
from .models import Appointment, AppointmentStatus, CounsellorProfile, Slot
from .services_scheduling import (
    access_appointment,
    appointment_cancel,
    appointment_mark,
    appointment_reschedule,
    slot_add,
    slot_remove,
)
from .viewhelpers import form_error
from .vocab import Format
from .zones import counsellor_zone

PAGE_SIZE = 50
LIST_MAX = 100      # sessions per list on the sessions page
RECENT_DAYS = 30
SLOTS_SHOWN = 60


def _profile(actor: User) -> CounsellorProfile | None:
    require_capability(actor, Cap.COUNSEL)
    return CounsellorProfile.objects.filter(user=actor).first()


def _render(request: HttpRequest, template: str, profile: CounsellorProfile | None,
            context: dict[str, Any], status: int = 200) -> HttpResponse:
    zone = counsellor_zone(profile)
    with timezone.override(zone):
        return render(request, template, {"nav": "schedule", "profile": profile,
                                          "zone": zone.key, **context}, status=status)


# --- free times ---------------------------------------------------------------------------------

@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def slots(request: HttpRequest) -> HttpResponse:
    """The counsellor's coming free times, and the form to add some."""
    actor = request_actor(request)
    profile = _profile(actor)
    form = SlotForm(request.POST or None, formats=profile.formats if profile else [],
                    zone=counsellor_zone(profile))
    status = 200
    if request.method == "POST":
        if profile is None:
            counsellor_profile_of(actor)  # raises with what to do
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = slot_add(actor=actor, day=data["day"], start=data["start"],
                                minutes=data["minutes"], formats=data["formats"],
                                repeat_weeks=data["repeat_weeks"] or 0)
            except BrugError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, ngettext("%(n)d free time added.",
                                                   "%(n)d free times added.", len(made))
                                 % {"n": len(made)})
                return redirect("counselling:slots")
    booked = Appointment.objects.filter(slot=OuterRef("pk"), status=AppointmentStatus.BOOKED)
    coming = (Slot.objects.filter(counsellor=profile, ends_at__gte=timezone.now())
              .annotate(booked=Exists(booked)).order_by("starts_at", "id")
              if profile else Slot.objects.none())
    page = Paginator(coming, PAGE_SIZE).get_page(request.GET.get("page"))
    names = dict(Format.choices)
    return _render(request, "counselling/schedule/slots.html", profile, {
        "form": form, "page": page,
        "rows": [(s, ", ".join(str(names.get(f, f)) for f in s.formats))
                 for s in page.object_list],
        "meeting_service": matching.meeting_service_on(),
        "profile_url": reverse("counselling:profile")}, status=status)


@never_cache
@login_required
@require_POST
def slot_delete(request: HttpRequest, slot_id: int) -> HttpResponse:
    actor = request_actor(request)
    slot_remove(actor=actor, slot_id=slot_id)
    messages.success(request, _("The free time is removed."))
    return redirect("counselling:slots")


# --- sessions -----------------------------------------------------------------------------------

def _team_appointments(actor: User) -> Any:
    """Appointments of the engagements the actor is on now (one subquery, no duplicates)."""
    ids = Appointment.objects.filter(engagement__members__counsellor__user=actor,
                                     engagement__members__left_at__isnull=True).values("pk")
    return (Appointment.objects.filter(pk__in=ids)
            .select_related("engagement__client", "counsellor"))


@never_cache
@login_required
@require_GET
def appointments(request: HttpRequest) -> HttpResponse:
    """Coming sessions and those of the last 30 days, across the counsellor's engagements.

    Shows clients' nicknames, so the view is audited (counts only).
    """
    actor = request_actor(request)
    profile = _profile(actor)
    now = timezone.now()
    mine = _team_appointments(actor)
    # Cancelled ones stay in view until their time: the counsellor sees what changed.
    upcoming = list(mine.filter(status__in=[AppointmentStatus.BOOKED,
                                            AppointmentStatus.CANCELLED], starts_at__gte=now)
                    .order_by("starts_at", "id")[:LIST_MAX])
    recent = list(mine.filter(starts_at__lt=now,
                              starts_at__gte=now - timedelta(days=RECENT_DAYS))
                  .order_by("-starts_at", "-id")[:LIST_MAX])
    audit_record(actor=actor, action="counselling.appointments.view",
                 details={"upcoming": len(upcoming), "recent": len(recent)})
    return _render(request, "counselling/schedule/appointments.html", profile, {
        "upcoming": [(a, reverse("counselling:engagement",
                                 kwargs={"engagement_id": a.engagement_id})) for a in upcoming],
        "recent": [(a, reverse("counselling:engagement",
                               kwargs={"engagement_id": a.engagement_id})) for a in recent],
        "has_feed": bool(profile and profile.ical_token_hash)})


@never_cache
@login_required
@require_POST
def appointment_cancel_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = request_actor(request)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("reason", [])))
        return redirect("counselling:appointments")
    appointment_cancel(actor=actor, appointment_id=appointment_id, reason=reason)
    messages.success(request, _("The session is cancelled. The client has been told."))
    return redirect("counselling:appointments")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def appointment_reschedule_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Another free time of the session's counsellor, in the same format."""
    actor = request_actor(request)
    item = access_appointment(actor=actor, appointment_id=appointment_id)
    profile = _profile(actor)
    free = matching.free_slots_to_move(item, SLOTS_SHOWN)
    with timezone.override(counsellor_zone(profile)):
        labels = [(s.pk, f"{timezone.localtime(s.starts_at):%Y-%m-%d %H:%M}–"
                         f"{timezone.localtime(s.ends_at):%H:%M}") for s in free]
    form = RescheduleForm(request.POST or None, slots=labels)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                appointment_reschedule(actor=actor, appointment_id=item.pk,
                                       slot_id=form.cleaned_data["slot_id"])
            except BrugError as error:
                form.add_error("slot_id" if error.details.get("field") else None,
                               error.message)
                status = error.status
            else:
                messages.success(request, _("The session is moved. The client has been "
                                            "told."))
                return redirect("counselling:appointments")
    else:
        audit_record(actor=actor, action="counselling.appointment.view", obj=item,
                     details={"page": "reschedule"})
    return _render(request, "counselling/schedule/reschedule.html", profile, {
        "appointment": item, "form": form}, status=status)


@never_cache
@login_required
@require_POST
def appointment_mark_view(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = request_actor(request)
    form = MarkForm(request.POST)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    appointment_mark(actor=actor, appointment_id=appointment_id, status=status)
    messages.success(request, _("Saved. A held session counts in your exposure log, for your "
                                "own care.") if status == AppointmentStatus.HELD
                     else _("Saved."))
    return redirect("counselling:appointments")


# --- calendar feed ------------------------------------------------------------------------------

@never_cache
@login_required
@require_POST
def ical_token(request: HttpRequest) -> HttpResponse:
    """A new secret calendar address, shown this once (only its hash is kept)."""
    actor = request_actor(request)
    token = ical.ical_token_renew(actor=actor)
    profile = _profile(actor)
    address = request.build_absolute_uri(reverse("counselling:ical", kwargs={"token": token}))
    return _render(request, "counselling/schedule/ical_token.html", profile,
                   {"address": address})


@never_cache
@require_GET
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The counsellor's sessions as iCalendar; no session, the token is the key (404 if
    wrong)."""
    profile = ical.profile_for_token(token)
    link = request.build_absolute_uri(reverse("counselling:appointments"))
    response = HttpResponse(ical.feed(profile, link=link),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="brug-sessions.ics"'
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
