"""Client portal: choosing a counsellor and booking, moving and cancelling sessions.

Views parse input, call one service (``services_scheduling``) and render. The client chooses
(DESIGN.md §3.7): filters and suggestions only narrow and explain, they never decide. Times are
shown in the service's time zone (``settings.TIME_ZONE``) with its name, whatever the browser
says. Every view is ``never_cache``: after a quick exit, Back shows nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brug.errors import BrugError, Conflict, NotFound

from . import matching, meetings
from .access import access_client_engagement, active_counsellors
from .auth import client_required, request_client
from .forms_schedule import BookForm, CancelForm, ChooseForm, RescheduleForm, WishesForm
from .models import (
    Appointment,
    AppointmentStatus,
    Engagement,
    EngagementMember,
    EngagementStatus,
    Slot,
)
from .services_clients import client_preferences_set
from .services_scheduling import (
    access_client_appointment,
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
    engagement_start,
)
from .viewhelpers import form_error
from .vocab import Format, Language, Specialism
from .zones import site_zone

SLOTS_SHOWN = 60    # free times on the booking page
PROFILE_SLOTS = 5   # next free times on a counsellor's page


def when(start: datetime, end: datetime) -> str:
    """"Monday 3 March, 14:00–14:50" in the service's time zone."""
    zone = site_zone()
    start, end = timezone.localtime(start, zone), timezone.localtime(end, zone)
    return f"{date_format(start, 'l j F Y')}, {time_format(start, 'H:i')}–" \
           f"{time_format(end, 'H:i')}"


def _format_names(codes: Iterable[str]) -> str:
    names = dict(Format.choices)
    return ", ".join(str(names.get(c, c)) for c in codes)


def _names(codes: Iterable[str], vocabulary: type[Language] | type[Specialism]) -> list[str]:
    names = dict(vocabulary.choices)
    return [str(names[c]) for c in codes if c in names]


def _usable(codes: Iterable[str]) -> list[str]:
    return matching.usable_formats(codes)


def _render(request: HttpRequest, template: str, context: dict[str, object],
            status: int = 200) -> HttpResponse:
    with timezone.override(site_zone()):
        return render(request, template, {"zone": settings.TIME_ZONE, **context},
                      status=status)


# --- choosing -----------------------------------------------------------------------------------

@never_cache
@require_GET
@client_required
def counsellors(request: HttpRequest) -> HttpResponse:
    """Every counsellor the client can see, narrowed by the client's own filters."""
    client = request_client(request)
    form = WishesForm(request.GET or None, meeting_service=matching.meeting_service_on())
    choices = matching.counsellors_for(client, **form.wishes())
    mine = set(EngagementMember.objects.filter(
        engagement__client=client, engagement__status=EngagementStatus.ACTIVE,
        left_at__isnull=True).values_list("counsellor_id", flat=True))
    return _render(request, "counselling/portal/booking/counsellors.html", {
        "form": form, "choices": choices, "mine": mine, "filtered": bool(request.GET)})


@never_cache
@require_GET
@client_required
def counsellor(request: HttpRequest, counsellor_id: int) -> HttpResponse:
    client = request_client(request)
    profile = matching.choosable(client, counsellor_id)
    if profile is None:
        raise NotFound(_("This counsellor does not exist or cannot be chosen here."))
    slots = list(matching.free_slots(Slot.objects.filter(counsellor=profile))
                 .order_by("starts_at", "id")[:PROFILE_SLOTS])
    engagement = (Engagement.objects.filter(client=client, status=EngagementStatus.ACTIVE,
                                            members__counsellor=profile,
                                            members__left_at__isnull=True).first())
    return _render(request, "counselling/portal/booking/counsellor.html", {
        "profile": profile, "open": matching.is_open(profile), "engagement": engagement,
        "formats": _format_names(matching.offered_formats(profile)),
        "spoken": _names(profile.languages, Language),
        "specialisms": _names(profile.specialisms, Specialism),
        "times": [(when(s.starts_at, s.ends_at), _format_names(_usable(s.formats)))
                  for s in slots]})


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def suggest(request: HttpRequest) -> HttpResponse:
    """The client says what they would like (saved as their preferences) and sees up to three
    counsellors with the reasons, misses included."""
    client = request_client(request)
    on = matching.meeting_service_on()
    if request.method == "POST":
        form = WishesForm(request.POST, meeting_service=on)
        if form.is_valid():
            try:
                client_preferences_set(client=client, preferences={
                    f"prefers_{name}": values for name, values in form.wishes().items()})
            except BrugError as error:
                form_error(form, error)
            else:
                return redirect(f"{request.path}#suggestions")
        status = 400
    else:
        form = WishesForm(meeting_service=on, initial={
            name: getattr(client, f"prefers_{name}") for name in WishesForm.base_fields})
        status = 200
    return _render(request, "counselling/portal/booking/suggest.html", {
        "form": form, "choices": matching.suggestions(client)}, status=status)


@never_cache
@require_POST
@client_required
def choose(request: HttpRequest) -> HttpResponse:
    client = request_client(request)
    form = ChooseForm(request.POST)
    if not form.is_valid():
        raise NotFound(_("This counsellor does not exist or cannot be chosen here."))
    engagement = engagement_start(client=client,
                                  counsellor_id=form.cleaned_data["counsellor_id"])
    return redirect("portal:book", engagement_id=engagement.pk)


# --- booking ------------------------------------------------------------------------------------

def _free_times(slots: Iterable[Slot], *, with_name: bool) -> list[tuple[int, str]]:
    choices = []
    for slot in slots:
        label = f"{when(slot.starts_at, slot.ends_at)} · {_format_names(_usable(slot.formats))}"
        if with_name:
            label = f"{label} · {slot.counsellor.display_name}"
        choices.append((slot.pk, label))
    return choices


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def book(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """Free times of the engagement's counsellors; the client picks one and a way to talk."""
    client = request_client(request)
    engagement = access_client_engagement(client=client, engagement_id=engagement_id,
                                          active_only=True)
    team = active_counsellors(engagement)
    slots = [s for s in matching.free_slots(Slot.objects.filter(counsellor__in=team))
             .select_related("counsellor").order_by("starts_at", "id")[:SLOTS_SHOWN]
             if _usable(s.formats)]
    offered = _usable(dict.fromkeys(f for s in slots for f in s.formats))
    form = BookForm(request.POST or None, slots=_free_times(slots, with_name=len(team) > 1),
                    formats=[(f, str(Format(f).label)) for f in offered])
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                appointment = appointment_book(
                    client=client, engagement_id=engagement.pk,
                    slot_id=form.cleaned_data["slot_id"], format=form.cleaned_data["format"])
            except BrugError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Your session is booked."))
                return redirect("portal:appointment", appointment_id=appointment.pk)
    booked = list(Appointment.objects.filter(
        engagement=engagement, status=AppointmentStatus.BOOKED, starts_at__gte=timezone.now())
        .select_related("counsellor").order_by("starts_at", "id"))
    return _render(request, "counselling/portal/booking/book.html", {
        "engagement": engagement, "team": team, "form": form, "booked": booked,
        "meeting_service": matching.meeting_service_on()}, status=status)


@never_cache
@require_GET
@client_required
def appointment(request: HttpRequest, appointment_id: int) -> HttpResponse:
    client = request_client(request)
    item = access_client_appointment(client=client, appointment_id=appointment_id)
    upcoming = item.status == AppointmentStatus.BOOKED and item.starts_at > timezone.now()
    return _render(request, "counselling/portal/booking/appointment.html", {
        "appointment": item, "when": when(item.starts_at, item.ends_at),
        "meeting_url": meetings.meeting_url(item) if item.status == AppointmentStatus.BOOKED
        else "", "changeable": upcoming and item.engagement.status == EngagementStatus.ACTIVE,
        "cancel_form": CancelForm()})


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Another free time of the same counsellor, in the same way of talking."""
    client = request_client(request)
    item = access_client_appointment(client=client, appointment_id=appointment_id)
    if item.status != AppointmentStatus.BOOKED or item.starts_at <= timezone.now():
        raise Conflict(_("This session can no longer be moved."), code="not_movable")
    slots = matching.free_slots_to_move(item, SLOTS_SHOWN)
    form = RescheduleForm(request.POST or None, slots=_free_times(slots, with_name=False))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                new = appointment_reschedule(by_client=client, appointment_id=item.pk,
                                             slot_id=form.cleaned_data["slot_id"])
            except BrugError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Your session is moved."))
                return redirect("portal:appointment", appointment_id=new.pk)
    return _render(request, "counselling/portal/booking/reschedule.html", {
        "appointment": item, "when": when(item.starts_at, item.ends_at), "form": form},
        status=status)


@never_cache
@require_POST
@client_required
def cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    client = request_client(request)
    item = access_client_appointment(client=client, appointment_id=appointment_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if not form.is_valid():
        return _render(request, "counselling/portal/booking/appointment.html", {
            "appointment": item, "when": when(item.starts_at, item.ends_at),
            "meeting_url": meetings.meeting_url(item), "changeable": True,
            "cancel_form": form}, status=400)
    appointment_cancel(client=client, appointment_id=item.pk, reason=reason)
    messages.success(request, _("Your session is cancelled. Your counsellor has been told."))
    return redirect("portal:appointment", appointment_id=item.pk)
