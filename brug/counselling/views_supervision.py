"""Care and supervision pages: the counsellor's own care page, the supervisor's overview and
its actions, a shared concern note, and a supervision session (for its two people only).

Views parse input, call one service and render. A supervisor sees numbers about the workers,
never clients: no nickname, no client list, no check-in note (DESIGN.md §3.5, §3.6).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brug.accounts.access import request_actor, require_capability
from brug.accounts.models import User
from brug.accounts.roles import Cap
from brug.errors import BrugError, NotAllowed, NotFound

from . import services_care as services
from .forms_care import (
    CaseloadForm,
    CheckinForm,
    ExposureForm,
    PublishForm,
    SupervisionForm,
    SupervisionPlanForm,
)
from .models import Feeling, SupervisionStatus
from .selectors_care import (
    RECENT_DAYS,
    SUPERVISION_GAP_DAYS,
    care_page,
    counsellors_of,
    supervision_overview,
    zone_of,
)
from .viewhelpers import form_error


def _first_error(form: forms.Form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return _("Check the form and try again.")


# --- the counsellor's care page ---------------------------------------------------------------

def _care(request: HttpRequest, actor: User, *, checkin: CheckinForm | None = None,
          exposure: ExposureForm | None = None, status: int = 200) -> HttpResponse:
    page = care_page(actor=actor, now=timezone.now())
    return render(request, "counselling/care/care.html", {
        "nav": "care", "page": page, "checkin_form": checkin or CheckinForm(),
        "exposure_form": exposure or ExposureForm(), "recent_days": RECENT_DAYS,
        "feelings": dict(Feeling.choices)}, status=status)


@never_cache
@login_required
@require_GET
def care(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.COUNSEL)
    return _care(request, actor)


@never_cache
@login_required
@require_POST
def checkin(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.COUNSEL)
    form = CheckinForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.checkin_record(actor=actor, feeling=data["feeling"],
                                    wants_to_talk=data["wants_to_talk"], note=data["note"])
        except (NotAllowed, NotFound):
            raise
        except BrugError as error:
            form_error(form, error)
            return _care(request, actor, checkin=form, status=error.status)
        if data["wants_to_talk"]:
            messages.success(request, _("Thank you for checking in. Your supervisor can see "
                                        "that you would like to talk."))
        else:
            messages.success(request, _("Thank you for checking in."))
        return redirect("counselling:care")
    return _care(request, actor, checkin=form, status=400)


@never_cache
@login_required
@require_POST
def exposure_add(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.COUNSEL)
    form = ExposureForm(request.POST)
    if form.is_valid():
        try:
            services.exposure_add(actor=actor, kind=form.cleaned_data["kind"],
                                  minutes=form.cleaned_data["minutes"])
        except (NotAllowed, NotFound):
            raise
        except BrugError as error:
            form_error(form, error)
            return _care(request, actor, exposure=form, status=error.status)
        messages.success(request, _("Logged. Take the time you need before the next thing."))
        return redirect("counselling:care")
    return _care(request, actor, exposure=form, status=400)


# --- the supervisor's overview ----------------------------------------------------------------

def _overview(request: HttpRequest, actor: User, *, plan: SupervisionPlanForm | None = None,
              status: int = 200) -> HttpResponse:
    overview = supervision_overview(actor=actor, now=timezone.now())
    services.overview_viewed(actor=actor, counsellors=len(overview.rows))
    plan = plan or SupervisionPlanForm(
        counsellors=[(u.pk, u.label) for u in overview.counsellors], zone=overview.zone)
    return render(request, "counselling/care/overview.html", {
        "nav": "supervision", "overview": overview, "plan_form": plan,
        "recent_days": RECENT_DAYS, "gap_weeks": SUPERVISION_GAP_DAYS // 7,
        "feelings": dict(Feeling.choices)}, status=status)


@never_cache
@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.COUNSEL_SUPERVISE)
    return _overview(request, actor)


@never_cache
@login_required
@require_GET
def concern(request: HttpRequest, concern_id: int) -> HttpResponse:
    note = services.concern_read(actor=request_actor(request), concern_id=concern_id)
    return render(request, "counselling/care/concern.html",
                  {"nav": "supervision", "concern": note})


def _refused(request: HttpRequest, actor: User, message: str, status: int) -> HttpResponse:
    messages.error(request, message)
    return _overview(request, actor, status=status)


@never_cache
@login_required
@require_POST
def caseload(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.COUNSEL_SUPERVISE)
    form = CaseloadForm(request.POST)
    if not form.is_valid():
        return _refused(request, actor, _first_error(form), 400)
    try:
        profile = services.caseload_limit_set(actor=actor,
                                              counsellor_id=form.cleaned_data["counsellor"],
                                              limit=form.cleaned_data["limit"])
    except (NotAllowed, NotFound):
        raise
    except BrugError as error:
        return _refused(request, actor, error.message, error.status)
    messages.success(request, _("The caseload limit of %(name)s is now %(n)d.")
                     % {"name": profile.user.label, "n": profile.caseload_limit})
    return redirect("counselling:overview")


@never_cache
@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.COUNSEL_SUPERVISE)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _refused(request, actor, _first_error(form), 400)
    try:
        profile = services.profile_publish(actor=actor,
                                           counsellor_id=form.cleaned_data["counsellor"],
                                           publish=form.cleaned_data["publish"])
    except (NotAllowed, NotFound):
        raise
    except BrugError as error:
        return _refused(request, actor, error.message, error.status)
    if profile.published:
        messages.success(request, _("Clients can now choose %(name)s.")
                         % {"name": profile.user.label})
    else:
        messages.success(request, _("%(name)s is no longer shown to new clients.")
                         % {"name": profile.user.label})
    return redirect("counselling:overview")


@never_cache
@login_required
@require_POST
def supervision_plan(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    org = require_capability(actor, Cap.COUNSEL_SUPERVISE)
    form = SupervisionPlanForm(request.POST, zone=zone_of(actor),
                               counsellors=[(u.pk, u.label) for u in counsellors_of(org)])
    status = 400
    if form.is_valid():
        try:
            services.supervision_plan(actor=actor, counsellor_id=form.cleaned_data["counsellor"],
                                      scheduled_for=form.cleaned_data["scheduled_for"])
        except (NotAllowed, NotFound):
            raise
        except BrugError as error:
            form_error(form, error)
            status = error.status
        else:
            messages.success(request, _("Supervision planned. The counsellor sees it in "
                                        "their notices."))
            return redirect("counselling:overview")
    elif "counsellor" in form.errors and request.POST.get("counsellor", "").isdigit():
        # Not one of the organisation's counsellors: as if they did not exist.
        raise NotFound(_("There is no such counsellor in your organisation."))
    return _overview(request, actor, plan=form, status=status)


# --- one supervision session ------------------------------------------------------------------

@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def supervision(request: HttpRequest, session_id: int) -> HttpResponse:
    actor = request_actor(request)
    session = services.supervision_read(actor=actor, session_id=session_id)
    form = SupervisionForm(request.POST or None,
                           initial={"notes": session.notes, "status": session.status})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.supervision_update(actor=actor, session_id=session.pk,
                                            notes=form.cleaned_data["notes"],
                                            status=form.cleaned_data["status"])
            except (NotAllowed, NotFound):
                raise
            except BrugError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Supervision session saved."))
                return redirect("counselling:supervision", session_id=session.pk)
    return render(request, "counselling/care/supervision.html", {
        "nav": "supervision" if actor.pk == session.supervisor_id else "care",
        "session": session, "form": form, "zone": zone_of(actor),
        "is_supervisor": actor.pk == session.supervisor_id,
        "final": session.status != SupervisionStatus.PLANNED}, status=status)
