"""The counsellor's workspace under /counselling/: profile, my clients, one engagement with its
goals, notes, safety plan, concerns and team, and the emergency protocol.

Views parse input, call one service and render. The capability is checked first (403), then the
engagement through ``access_engagement`` (404 for anyone not on its team, colleagues of the
same organisation included). Every view of an engagement page is audited; supervisors do not
open engagements (DESIGN.md §3.5).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brug.accounts.access import request_actor, require_capability
from brug.accounts.models import User
from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import BrugError, Conflict, NotAllowed, NotFound

from . import selectors_work, services_work
from .access import access_engagement
from .emergency import DEFAULT_COUNTRY, emergency_data
from .forms_work import (
    NO_SCORE_HINT,
    ConcernForm,
    CountryForm,
    EndForm,
    GoalForm,
    GoalReviewForm,
    InvitationAnswerForm,
    InviteForm,
    NoteForm,
    ProfileForm,
    SafetyPlanForm,
)
from .models import CounsellingGoal, CounsellorProfile, Engagement
from .notices import notices_mark_read
from .services_work import SAFETY_FIELDS, URGENT_TOPICS, safety_plan_version
from .viewhelpers import form_error

NAV = "counselling"


def _links() -> dict[str, str]:
    return {"slots": reverse("counselling:slots"),
            "appointments": reverse("counselling:appointments"),
            "care": reverse("counselling:care"),
            "emergency": reverse("counselling:emergency"),
            "profile": reverse("counselling:profile")}


# --- profile and workspace -----------------------------------------------------------------

def _profile_initial(profile: CounsellorProfile | None) -> dict[str, Any]:
    from django.conf import settings

    if profile is None:
        return {"time_zone": settings.TIME_ZONE, "accepting": True}
    names = ["display_name", "kind", "age_band", "gender", "languages", "formats",
             "specialisms", "introduction", "time_zone", "place", "accepting"]
    return {name: getattr(profile, name) for name in names}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The counsellor's own profile. Publishing and the caseload limit are the supervisor's."""
    actor = request_actor(request)
    require_capability(actor, Cap.COUNSEL)
    current = CounsellorProfile.objects.filter(user=actor).first()
    form = ProfileForm(request.POST or None, initial=_profile_initial(current))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services_work.profile_save(actor=actor, **form.cleaned_data)
            except NotAllowed:
                raise
            except BrugError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("counselling:home")
    return render(request, "counselling/work/profile.html",
                  {"nav": NAV, "form": form, "profile": current}, status=status)


@never_cache
@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My clients, proposals waiting for me, and my unread notices (read once shown)."""
    actor = request_actor(request)
    require_capability(actor, Cap.COUNSEL)
    space = selectors_work.workspace_for(actor)
    answer_forms = [(i, InvitationAnswerForm(auto_id=f"id_inv{i.pk}_%s"))
                    for i in space.invitations]
    response = render(request, "counselling/work/home.html", {
        "nav": NAV, "space": space, "answer_forms": answer_forms, "links": _links()})
    notices_mark_read([notice for notice, _text in space.notices])
    return response


# --- one engagement ------------------------------------------------------------------------

def _when(moment: Any) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _engagement_context(engagement: Engagement,
                        given: dict[str, Any] | None = None) -> dict[str, Any]:
    given = given or {}
    data = selectors_work.engagement_page(engagement)
    plan = data["safety_plan"]
    review_for = given.get("review")
    data.update({
        "nav": NAV, "links": _links(), "no_score_hint": NO_SCORE_HINT,
        "goal_form": given.get("goal") or GoalForm(),
        "review_forms": {goal.pk: (review_for[1] if review_for and review_for[0] == goal.pk
                                   else GoalReviewForm(auto_id=f"id_goal{goal.pk}_%s"))
                         for goal, _due in data["goals"]},
        "note_form": given.get("note") or NoteForm(appointments=[
            (a.pk, f"{_when(a.starts_at)} · {a.get_format_display()}")
            for a in data["appointment_choices"]]),
        "safety_form": given.get("safety") or SafetyPlanForm(initial={
            **{name: getattr(plan, name) for name in SAFETY_FIELDS if plan},
            "version": safety_plan_version(plan)}),
        "concern_form": given.get("concern") or ConcernForm(),
        "invite_form": given.get("invite") or InviteForm(colleagues=_colleagues(engagement)),
        "end_form": given.get("end") or EndForm(),
    })
    data["review_rows"] = [(g, due, data["review_forms"][g.pk]) for g, due in data["goals"]]
    return data


def _colleagues(engagement: Engagement) -> list[tuple[int, str]]:
    rows = []
    for profile in selectors_work.invitation_candidates(engagement):
        organisation = profile.user.organisation
        label = f"{profile.display_name} ({profile.get_kind_display()}"
        label += f", {organisation.name})" if organisation else ")"
        if not profile.accepting:
            label += " · " + _("not taking new clients")
        rows.append((profile.pk, label))
    return rows


def _render_engagement(request: HttpRequest, actor: User, engagement: Engagement, *,
                       given: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    """The engagement page. Every view of it (re-shown forms too) is audited."""
    context = _engagement_context(engagement, given)
    audit_record(actor=actor, action="counselling.engagement_view", obj=engagement,
                 details={"client": engagement.client_id})
    return render(request, "counselling/work/engagement.html", context, status=status)


@never_cache
@login_required
@require_GET
def engagement(request: HttpRequest, engagement_id: int) -> HttpResponse:
    actor = request_actor(request)
    return _render_engagement(request, actor,
                              access_engagement(actor=actor, engagement_id=engagement_id))


def _engagement_post(request: HttpRequest, engagement_id: int, key: str, form: forms.Form,
                     call: Callable[[User, Engagement, dict[str, Any]], object], done: str,
                     section: str, given: dict[str, Any] | None = None) -> HttpResponse:
    """Run one service from a form of the engagement page: a redirect to its section on
    success, the page with the form's errors otherwise."""
    actor = request_actor(request)
    current = access_engagement(actor=actor, engagement_id=engagement_id)
    status = 400
    if form.is_valid():
        try:
            call(actor, current, form.cleaned_data)
        except (NotAllowed, NotFound):
            raise
        except BrugError as error:
            form_error(form, error)
            status = error.status
        else:
            messages.success(request, done)
            return redirect(reverse("counselling:engagement",
                                    kwargs={"engagement_id": current.pk}) + f"#{section}")
    return _render_engagement(request, actor, current, given=given or {key: form},
                              status=status)


@login_required
@require_POST
def goal_add(request: HttpRequest, engagement_id: int) -> HttpResponse:
    return _engagement_post(
        request, engagement_id, "goal", GoalForm(request.POST),
        lambda actor, e, d: services_work.goal_add(
            actor=actor, engagement_id=e.pk, text=d["text"],
            review_every_days=d["review_every_days"]),
        _("Goal added."), "goals")


@login_required
@require_POST
def goal_review(request: HttpRequest, goal_id: int) -> HttpResponse:
    engagement_id = (CounsellingGoal.objects.filter(pk=goal_id)
                     .values_list("engagement_id", flat=True).first())
    if engagement_id is None:
        raise NotFound(_("There is no such goal in your counselling."))
    form = GoalReviewForm(request.POST, auto_id=f"id_goal{goal_id}_%s")
    return _engagement_post(
        request, engagement_id, "review", form,
        lambda actor, e, d: services_work.goal_review(
            actor=actor, goal_id=goal_id, progress=d["progress"], note=d["note"],
            close_as=d["close_as"], outcome=d["outcome"]),
        _("Review saved."), f"goal-{goal_id}", given={"review": (goal_id, form)})


@login_required
@require_POST
def note_add(request: HttpRequest, engagement_id: int) -> HttpResponse:
    actor = request_actor(request)
    current = access_engagement(actor=actor, engagement_id=engagement_id)
    choices = [(a.pk, str(a.pk)) for a in current.appointments.all()]
    return _engagement_post(
        request, engagement_id, "note", NoteForm(request.POST, appointments=choices),
        lambda actor, e, d: services_work.note_add(
            actor=actor, engagement_id=e.pk, text=d["text"], appointment_id=d["appointment"]),
        _("Note saved. Only the counselling team can read it."), "notes")


@login_required
@require_POST
def safety_plan(request: HttpRequest, engagement_id: int) -> HttpResponse:
    actor = request_actor(request)
    current = access_engagement(actor=actor, engagement_id=engagement_id)
    form = SafetyPlanForm(request.POST)
    if form.is_valid():
        try:
            services_work.safety_plan_save(
                actor=actor, engagement_id=current.pk,
                texts={name: form.cleaned_data[name] for name in SAFETY_FIELDS},
                version=form.cleaned_data["version"])
        except Conflict as error:
            if error.code != "safety_plan_changed":
                raise
            # Keep what they typed; the page shows the plan as it is now and the new version
            # token, so saving again is a deliberate choice to put their text over it.
            data = request.POST.copy()
            data["version"] = safety_plan_version(
                selectors_work.engagement_page(current)["safety_plan"])
            form = SafetyPlanForm(data)
            form.add_error(None, error.message)
            return _render_engagement(request, actor, current, given={"safety": form},
                                      status=409)
        messages.success(request, _("Safety plan saved."))
        return redirect(reverse("counselling:engagement",
                                kwargs={"engagement_id": current.pk}) + "#safety-plan")
    return _render_engagement(request, actor, current, given={"safety": form}, status=400)


@login_required
@require_POST
def concern_add(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """A concern note. For the client's own safety or harm to others the answer is a page that
    puts the emergency protocol first."""
    actor = request_actor(request)
    current = access_engagement(actor=actor, engagement_id=engagement_id)
    form = ConcernForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            concern = services_work.concern_add(
                actor=actor, engagement_id=current.pk, **form.cleaned_data)
        except (NotAllowed, NotFound):
            raise
        except BrugError as error:
            form_error(form, error)
            status = error.status
        else:
            if concern.topic in URGENT_TOPICS:
                return render(request, "counselling/work/concern_saved.html", {
                    "nav": NAV, "engagement": current, "concern": concern,
                    "links": _links()})
            messages.success(request, _("Concern noted."))
            return redirect(reverse("counselling:engagement",
                                    kwargs={"engagement_id": current.pk}) + "#concerns")
    return _render_engagement(request, actor, current, given={"concern": form},
                              status=status)


@login_required
@require_POST
def invite(request: HttpRequest, engagement_id: int) -> HttpResponse:
    actor = request_actor(request)
    current = access_engagement(actor=actor, engagement_id=engagement_id)
    form = InviteForm(request.POST, colleagues=_colleagues(current))
    return _engagement_post(
        request, engagement_id, "invite", form,
        lambda actor, e, d: services_work.invitation_send(
            actor=actor, engagement_id=e.pk, kind=d["kind"],
            to_counsellor_id=d["to_counsellor"], reason_for_client=d["reason_for_client"],
            note_for_colleague=d["note_for_colleague"]),
        _("Proposal sent. Your colleague answers first; then the client decides."), "team")


@login_required
@require_POST
def leave(request: HttpRequest, engagement_id: int) -> HttpResponse:
    actor = request_actor(request)
    current = access_engagement(actor=actor, engagement_id=engagement_id)
    try:
        services_work.engagement_leave(actor=actor, engagement_id=current.pk)
    except Conflict as error:
        messages.error(request, error.message)
        return redirect(reverse("counselling:engagement",
                                kwargs={"engagement_id": current.pk}) + "#team")
    messages.success(request, _("You left this counselling. Your colleague goes on with "
                                "the client."))
    return redirect("counselling:home")


@login_required
@require_POST
def end(request: HttpRequest, engagement_id: int) -> HttpResponse:
    return _engagement_post(
        request, engagement_id, "end", EndForm(request.POST),
        lambda actor, e, d: services_work.engagement_end(
            actor=actor, engagement_id=e.pk, client_agreed=d["client_agreed"]),
        _("The counselling has ended. Its coming sessions were cancelled."), "end")


@login_required
@require_POST
def invitation_answer(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """The invited colleague's answer, from the workspace."""
    actor = request_actor(request)
    require_capability(actor, Cap.COUNSEL)
    form = InvitationAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether you agree."))
    else:
        agree = form.cleaned_data["answer"] == "agree"
        try:
            services_work.invitation_answer(
                actor=actor, invitation_id=invitation_id, agree=agree,
                decline_reason=form.cleaned_data["decline_reason"])
        except (NotAllowed, NotFound):
            raise
        except BrugError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Thank you. The client is asked now.") if agree
                             else _("Your colleague is told that you cannot take this up."))
    return redirect(reverse("counselling:home") + "#invitations")


# --- the emergency protocol ----------------------------------------------------------------

@never_cache
@login_required
@require_GET
def emergency(request: HttpRequest) -> HttpResponse:
    """What to do when a client or someone else is in danger, with the numbers per country.
    For counsellors and their supervisors."""
    actor = request_actor(request)
    if not actor.can(Cap.COUNSEL_SUPERVISE):
        require_capability(actor, Cap.COUNSEL)
    form = CountryForm(request.GET or None)
    data = emergency_data()
    country = data.country(form.code(DEFAULT_COUNTRY))
    return render(request, "counselling/work/emergency.html", {
        "nav": NAV, "form": form, "country": country, "links": _links(),
        "supervision_url": reverse("counselling:care")})
