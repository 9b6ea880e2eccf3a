"""The client's care pages under /help/: goals, the safety plan, a proposal of a colleague,
stopping the counselling, and the emergency numbers (public: no sign-in needed).

Every page is ``never_cache`` so Back after a quick exit shows nothing. A client sees only their
own engagements and proposals (404 otherwise) and never the team's session or concern notes.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brug.errors import BrugError, Conflict, NotFound

from . import selectors_work, services_work
from .access import access_client_engagement, active_counsellors
from .auth import client_from_session, client_required, request_client
from .emergency import DEFAULT_COUNTRY, emergency_data
from .forms_work import ClientAnswerForm, ClientGoalForm, CountryForm, SafetyPlanForm
from .models import EngagementStatus, InvitationStatus, SafetyPlan
from .services_work import SAFETY_FIELDS, safety_plan_version
from .viewhelpers import form_error


@never_cache
@client_required
@require_http_methods(["GET", "POST"])
def goals(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """The client's goals and how they went; the client can add one in their own words."""
    client = request_client(request)
    engagement = access_client_engagement(client=client, engagement_id=engagement_id)
    form = ClientGoalForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services_work.client_goal_add(client=client, engagement_id=engagement.pk,
                                              text=form.cleaned_data["text"])
            except NotFound:
                raise
            except BrugError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Your goal is added. Your counsellor will look at "
                                            "it with you."))
                return redirect("portal:goals", engagement_id=engagement.pk)
    return render(request, "counselling/portal/care/goals.html", {
        "engagement": engagement, "goals": selectors_work.client_goals(engagement),
        "active": engagement.status == EngagementStatus.ACTIVE, "form": form,
        "team": active_counsellors(engagement),
        "home_url": reverse("portal:home")}, status=status)


@never_cache
@client_required
@require_http_methods(["GET", "POST"])
def safety_plan(request: HttpRequest) -> HttpResponse:
    """The client's own safety plan, and the emergency numbers of their country."""
    client = request_client(request)
    plan = SafetyPlan.objects.filter(client=client).first()
    initial = {**{name: getattr(plan, name) for name in SAFETY_FIELDS if plan},
               "version": safety_plan_version(plan)}
    form = SafetyPlanForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services_work.client_safety_plan_save(
                    client=client, texts={n: form.cleaned_data[n] for n in SAFETY_FIELDS},
                    version=form.cleaned_data["version"])
            except Conflict as error:
                # Written together: keep the client's text, show the plan as it is now.
                plan = SafetyPlan.objects.filter(client=client).first()
                data = request.POST.copy()
                data["version"] = safety_plan_version(plan)
                form = SafetyPlanForm(data)
                form.is_valid()
                form.add_error(None, error.message)
                status = error.status
            except BrugError as error:
                form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Your safety plan is saved."))
                return redirect("portal:safety_plan")
    return render(request, "counselling/portal/care/safety_plan.html", {
        "form": form, "plan": plan, "country": emergency_data().country(client.country),
        "home_url": reverse("portal:home")}, status=status)


@never_cache
@client_required
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    """A counsellor's proposal of a colleague, in plain words; the client says yes or no."""
    client = request_client(request)
    proposal = selectors_work.client_invitation(client, invitation_id)
    form = ClientAnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            accept = form.cleaned_data["answer"] == "yes"
            try:
                services_work.invitation_client_answer(client=client,
                                                       invitation_id=proposal.pk,
                                                       accept=accept)
            except NotFound:
                raise
            except BrugError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Thank you. Your counsellor is told.") if accept
                                 else _("That is fine. Nothing changes, and your counsellor "
                                        "is told."))
            return redirect("portal:invitation", invitation_id=proposal.pk)
    return render(request, "counselling/portal/care/invitation.html", {
        "proposal": proposal, "form": form,
        "open": proposal.status == InvitationStatus.AWAITING_CLIENT,
        "home_url": reverse("portal:home")}, status=status)


@never_cache
@client_required
@require_POST
def engagement_end(request: HttpRequest, engagement_id: int) -> HttpResponse:
    """The client stops this counselling: their choice, at any time, no reason asked."""
    client = request_client(request)
    engagement = services_work.engagement_end_by_client(client=client,
                                                        engagement_id=engagement_id)
    return render(request, "counselling/portal/care/ended.html", {
        "engagement": engagement, "home_url": reverse("portal:home")})


@never_cache
@require_GET
def emergency(request: HttpRequest) -> HttpResponse:
    """Emergency numbers: the signed-in client's country, or one chosen. No sign-in needed."""
    client = client_from_session(request.session)
    form = CountryForm(request.GET or None)
    default = client.country if client is not None else DEFAULT_COUNTRY
    country = emergency_data().country(form.code(default))
    if not form.is_bound and country is not None:
        form = CountryForm(initial={"country": country.code})
    return render(request, "counselling/portal/care/emergency.html", {
        "form": form, "country": country, "client_signed_in": client is not None,
        "home_url": reverse("portal:home")})
