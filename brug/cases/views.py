"""Case pages: the case list and file, the inbox and its task pages, referrals received.

Views parse input, call one service (or ``taskforms.step_do``) and render. The capability is
checked first (403 for a role without it), then the object through an ``access_*`` getter (404
for another organisation's). A partner sees a referral and its own tasks, never the case file
(DESIGN.md §3.5). Nothing about the person is scored or shown as a score (§3.1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brug.accounts.access import request_actor, require_capability
from brug.accounts.models import Organisation, User
from brug.accounts.roles import CAPABILITIES, Cap
from brug.audit.services import audit_record
from brug.errors import BrugError, NotAllowed, NotFound
from brug.partners.matching import Proposal, offers_propose
from brug.partners.vocab import Need

from . import selectors, services, taskforms, workflow
from .forms import (
    CaseCloseForm,
    CaseConsentForm,
    CaseFilterForm,
    CaseOpenForm,
    CaseOverrideForm,
    GoalForm,
    GoalStatusForm,
    TeamForm,
)
from .models import (
    Assessment,
    Case,
    CaseOrigin,
    CaseStatus,
    Consent,
    ConsentOverride,
    ConsentStatus,
    Goal,
    ProcessDefinition,
    ProcessInstance,
    ProcessStep,
    ProtectiveFactor,
    Referral,
    ReferralStatus,
    StepStatus,
)

PAGE_SIZE = 50
TASK_HELP = {
    "assessment": _lazy("Write down the person's needs and protective factors, with the lists "
                        "and in words. It describes; it does not score."),
    "consent": _lazy("Ask the person whether their information may be shared for support and a "
                     "referral; record the answer and how you asked."),
    "consent_override": _lazy("There is no consent. As a supervisor, decide whether to go on "
                              "anyway; your reason is logged with your name."),
    "case_conference": _lazy("Record the case conference: who took part and what was decided."),
    "choose_offer": _lazy("Choose the offer to refer to and write only what the partner needs "
                          "to know."),
    "referral_answer": _lazy("Accept or decline this referral, with a reason. Accepting takes "
                             "one open place of the offer."),
    "escalation": _lazy("The partner has not answered yet. Decide whether to wait or to "
                        "withdraw the referral and choose another offer."),
    "first_contact": _lazy("Record the day you first met the person."),
    "outcome": _lazy("Record what came of the referral and where re-inclusion happened."),
    "follow_up": _lazy("Follow up with the person and the team, and write a short note."),
    "close": _lazy("Close the case and write why."),
    "done": _lazy("Do this step and note what you did."),
}
CASE_SECTIONS = {"goals": "cases/partials/goals.html", "consent": "cases/partials/consent.html",
                 "team": "cases/partials/team.html"}


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)


def _form_error(form: forms.Form, error: BrugError) -> None:
    """A service error next to its field when it names one of the form's, else on top."""
    name = error.details.get("field")
    form.add_error(name if name in form.fields else None, error.message)


def _labels(values: list[str], choices: list[tuple[str, Any]]) -> list[str]:
    names = dict(choices)
    return [str(names.get(v, v)) for v in values]


# --- the case list and opening a case ----------------------------------------------------

@never_cache
@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.CASE_VIEW)
    form = CaseFilterForm(request.GET or None, initial={"status": "open"})
    status, mine = form.values() if request.GET else (CaseStatus.OPEN.value, False)
    cases = selectors.cases_for(actor, status=status, mine=mine).order_by("-opened_at", "-id")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    # Counted here rather than read from the selector's annotation: with "mine" its join on
    # the team repeats each step once per team member.
    open_steps = dict(ProcessStep.objects.filter(
        case_id__in=[c.pk for c in page.object_list], status=StepStatus.OPEN)
        .values("case_id").annotate(n=Count("id")).values_list("case_id", "n"))
    rows = [(c, open_steps.get(c.pk, 0)) for c in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cases/list.html", {
        "nav": "cases", "form": form, "page": page, "rows": rows, "query": query.urlencode(),
        "can_open": actor.can(Cap.CASE_OPEN)})


def _process_choices() -> list[tuple[str, str]]:
    """Stored processes (latest title per key) and shipped ones not loaded yet."""
    titles: dict[str, str] = {}
    for key, title in ProcessDefinition.objects.order_by("key", "-version").values_list(
            "key", "title"):
        titles.setdefault(key, title)
    for folder in workflow.shipped_folders() if workflow.PROCESSES_DIR.is_dir() else []:
        titles.setdefault(folder.name, folder.name)
    titles.setdefault(workflow.DEFAULT_PROCESS, workflow.DEFAULT_PROCESS)
    return [(key, f"{title} ({key})" if title != key else key)
            for key, title in sorted(titles.items())]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.CASE_OPEN)
    form = CaseOpenForm(request.POST or None, processes=_process_choices(),
                        default=workflow.DEFAULT_PROCESS)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_open(
                    actor=actor, subject_label=data["subject_label"],
                    origin=CaseOrigin.OBSERVATION, observation=data["observation"],
                    language=data["language"], region=data["region"], age=data["age"],
                    process_key=data["process_key"])
            except NotAllowed:
                raise
            except BrugError as error:
                _form_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Case %(ref)s is open. Its first task is in the "
                                            "inbox.") % {"ref": case.reference})
                return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/open.html", {"nav": "cases", "form": form}, status=status)


# --- the case file -----------------------------------------------------------------------

@dataclass
class CaseForms:
    goal: GoalForm | None = None
    consent: CaseConsentForm | None = None
    override: CaseOverrideForm | None = None
    team: TeamForm | None = None
    saved: dict[str, str] = field(default_factory=dict)


def _colleagues(organisation_id: int) -> list[tuple[int, str]]:
    """Active people of the organisation whose role works on cases."""
    roles = [role for role, caps in CAPABILITIES.items() if Cap.CASE_WORK in caps]
    people = User.objects.filter(organisation_id=organisation_id, is_active=True,
                                 role__in=roles).order_by("first_name", "last_name", "username")
    return [(p.pk, p.label) for p in people]


def _history(steps: list[ProcessStep]) -> tuple[list[ProcessStep], list[str], list[str]]:
    """Open user steps, and the diagram's current and done node ids."""
    open_steps = [s for s in steps if s.status == StepStatus.OPEN]
    current = list(dict.fromkeys(s.node_id for s in open_steps))
    done = list(dict.fromkeys(s.node_id for s in steps if s.status == StepStatus.DONE))
    return open_steps, current, done


def _case_context(actor: User, case: Case, given: CaseForms | None = None) -> dict[str, Any]:
    """Everything the case page shows, in a bounded number of queries."""
    given = given or CaseForms()
    case = selectors.case_page(case)
    consent = (Consent.objects.filter(case=case).select_related("recorded_by")
               .order_by("-recorded_at", "-id").first())
    override = (ConsentOverride.objects.filter(case=case).select_related("supervisor")
                .order_by("-created_at", "-id").first())
    assessments = list(Assessment.objects.filter(case=case).select_related("written_by")
                       .order_by("-created_at", "-id"))
    latest = assessments[0] if assessments else None
    instance: ProcessInstance | None
    try:
        instance = case.process
    except ProcessInstance.DoesNotExist:
        instance = None
    steps = list(case.steps.all())
    open_steps, current_ids, done_ids = _history(steps)
    organisations = dict(Organisation.objects.filter(
        pk__in={s.organisation_id for s in open_steps if s.organisation_id})
        .values_list("pk", "name"))
    can_work = actor.can(Cap.CASE_WORK) and case.status == CaseStatus.OPEN
    goals: list[Goal] = list(case.goals.all())
    return {
        "nav": "cases", "case": case, "instance": instance,
        "signals": list(case.signals.all()),
        "can_see_signals": actor.can(Cap.QUEUE_VIEW),
        "assessment": latest, "earlier_assessments": max(len(assessments) - 1, 0),
        "assessment_needs": _labels(latest.needs, Need.choices) if latest else [],
        "assessment_protective": (_labels(latest.protective, ProtectiveFactor.choices)
                                  if latest else []),
        "goals": goals,
        "goal_forms": [(g, GoalStatusForm(initial={"status": g.status},
                                          auto_id=f"id_goal{g.pk}_%s")) for g in goals],
        "consent": consent, "override": override,
        "referrals": list(case.referrals.all()),
        "notes": list(case.notes.select_related("written_by")),
        "team": list(case.team.all()),
        "open_steps": [(s, organisations.get(s.organisation_id or 0, "")) for s in open_steps],
        "history": steps,
        "current_ids": current_ids, "done_ids": done_ids,
        "diagram_url": reverse("cases:diagram", kwargs={"pk": case.pk}) if instance else "",
        "can_work": can_work,
        "can_override": (can_work and actor.can(Cap.CONSENT_OVERRIDE)
                         and (consent is None or consent.status != ConsentStatus.GIVEN)),
        "goal_form": given.goal or GoalForm(),
        "consent_form": given.consent or CaseConsentForm(),
        "override_form": given.override or CaseOverrideForm(),
        "close_form": CaseCloseForm(),
        "team_form": given.team or (TeamForm(
            colleagues=_colleagues(case.organisation_id),
            initial={"owner": case.owner_id, "members": [u.pk for u in case.team.all()]})
            if can_work else None),
        "saved": given.saved,
    }


def _render_case(request: HttpRequest, actor: User, case: Case, *,
                 given: CaseForms | None = None, status: int = 200) -> HttpResponse:
    """The case page. The view of the case file (personal data) is audited."""
    context = _case_context(actor, case, given)
    audit_record(actor=actor, action="case.view", obj=case,
                 organisation_id=case.organisation_id,
                 details={"signals": [s.pk for s in context["signals"]]})
    return render(request, "cases/detail.html", context, status=status)


@never_cache
@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    return _render_case(request, actor, _own_case(actor, pk))


def _case_post(request: HttpRequest, actor: User, case: Case, section: str, form: forms.Form,
               given: CaseForms, call: Callable[[dict[str, Any]], object],
               done: str) -> HttpResponse:
    """Run one case-file service from a form. htmx gets the section back; without JavaScript
    the page (errors) or a redirect to it (success)."""
    status = 400
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except (NotAllowed, NotFound):
            raise
        except BrugError as error:
            if error.details.get("field") in form.fields:
                _form_error(form, error)
            elif _is_htmx(request):
                raise  # the middleware puts it in the page's message area
            else:
                messages.error(request, error.message)  # e.g. the case closed meanwhile
            status = error.status
        else:
            if _is_htmx(request):
                fresh = CaseForms(saved={section: done})
                return render(request, CASE_SECTIONS[section],
                              _case_context(actor, case, fresh))
            messages.success(request, done)
            return redirect(reverse("cases:detail", kwargs={"pk": case.pk}) + f"#{section}")
    if _is_htmx(request):
        return render(request, CASE_SECTIONS[section], _case_context(actor, case, given),
                      status=status)
    return _render_case(request, actor, case, given=given, status=status)


def _own_case(actor: User, pk: int, capability: str = Cap.CASE_VIEW) -> Case:
    """The case, when it is of the actor's organisation (else 404, whatever the role: a
    partner learns nothing about cases behind its referrals) and the role gives
    ``capability`` (else 403)."""
    if not actor.organisation_id or not Case.objects.filter(
            pk=pk, organisation_id=actor.organisation_id).exists():
        raise NotFound(_("There is no such case in your organisation."))
    require_capability(actor, capability)
    return selectors.access_case(actor=actor, id=pk)


def _case_for_work(request: HttpRequest, pk: int) -> tuple[User, Case]:
    actor = request_actor(request)
    return actor, _own_case(actor, pk, Cap.CASE_WORK)


@login_required
@require_POST
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what the person said, or (``kind=override``) a supervisor's override."""
    actor, case = _case_for_work(request, pk)
    if request.POST.get("kind") == "override":
        override = CaseOverrideForm(request.POST)
        return _case_post(
            request, actor, case, "consent", override, CaseForms(override=override),
            lambda d: services.consent_override(actor=actor, case_id=case.pk,
                                                reason=d["reason"],
                                                legal_ground=d["legal_ground"]),
            _("The override is recorded with your reason and logged."))
    form = CaseConsentForm(request.POST)
    return _case_post(
        request, actor, case, "consent", form, CaseForms(consent=form),
        lambda d: services.consent_record(actor=actor, case_id=case.pk, status=d["status"],
                                          note=d["note"]),
        _("Consent recorded."))


@login_required
@require_POST
def goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor, case = _case_for_work(request, pk)
    form = GoalForm(request.POST)
    return _case_post(
        request, actor, case, "goals", form, CaseForms(goal=form),
        lambda d: services.goal_add(actor=actor, case_id=case.pk, text=d["text"],
                                    domain=d["domain"],
                                    agreed_with_person=d["agreed_with_person"]),
        _("Goal added."))


@login_required
@require_POST
def goal_update(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    goal = Goal.objects.filter(pk=pk).only("case_id").first()
    if goal is None:
        raise NotFound(_("There is no such goal."))
    case = _own_case(actor, goal.case_id, Cap.CASE_WORK)
    form = GoalStatusForm(request.POST)
    return _case_post(
        request, actor, case, "goals", form, CaseForms(),
        lambda d: services.goal_update(actor=actor, goal_id=pk, status=d["status"]),
        _("Goal updated."))


@login_required
@require_POST
def team(request: HttpRequest, pk: int) -> HttpResponse:
    actor, case = _case_for_work(request, pk)
    form = TeamForm(request.POST, colleagues=_colleagues(case.organisation_id))
    return _case_post(
        request, actor, case, "team", form, CaseForms(team=form),
        lambda d: services.team_set(actor=actor, case_id=case.pk, owner_id=d["owner"],
                                    member_ids=d["members"]),
        _("Case team saved."))


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the case outside its process (e.g. an AS-IS case, or when support ends early)."""
    actor, case = _case_for_work(request, pk)
    form = CaseCloseForm(request.POST)
    if form.is_valid():
        try:
            services.case_close(actor=actor, case_id=case.pk, reason=form.cleaned_data["reason"])
        except BrugError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Case closed."))
    else:
        messages.error(request, " ".join(str(e) for e in form.errors.get("reason", [])))
    return redirect("cases:detail", pk=case.pk)


@never_cache
@login_required
@require_GET
def case_diagram(request: HttpRequest, pk: int) -> HttpResponse:
    """The BPMN file of the process version this case runs (for the diagram viewer)."""
    case = _own_case(request_actor(request), pk)
    instance = ProcessInstance.objects.select_related("definition").filter(case=case).first()
    if instance is None:
        raise NotFound(_("This case runs no process."))
    response = HttpResponse(instance.definition.bpmn, content_type="application/xml")
    response["Content-Security-Policy"] = "sandbox"  # an uploaded file is data only
    return response


# --- inbox and tasks ---------------------------------------------------------------------

def _case_side(actor: User, case: Case) -> bool:
    """Whether the actor works for the case's organisation (else: the partner it went to)."""
    return actor.can(Cap.CASE_VIEW) and case.organisation_id == actor.organisation_id


def _partner_referrals(actor: User, case_ids: set[int]) -> dict[int, Referral]:
    """The latest referral of each case sent to the actor's organisation (one query)."""
    found: dict[int, Referral] = {}
    if not case_ids:
        return found
    for referral in (Referral.objects.filter(case_id__in=case_ids,
                                             partner_id=actor.organisation_id,
                                             status__in=selectors.PARTNER_VISIBLE)
                     .select_related("offer").order_by("case_id", "-sent_at", "-id")):
        found.setdefault(referral.case_id, referral)
    return found


@dataclass(frozen=True)
class InboxRow:
    step: ProcessStep
    case_side: bool
    referral: Referral | None


@never_cache
@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    page = Paginator(selectors.inbox(actor), PAGE_SIZE).get_page(request.GET.get("page"))
    steps: list[ProcessStep] = list(page.object_list)
    partner_cases = {s.case_id for s in steps if not _case_side(actor, s.case)}
    referrals = _partner_referrals(actor, partner_cases)
    rows = [InboxRow(s, s.case_id not in partner_cases, referrals.get(s.case_id))
            for s in steps]
    return render(request, "cases/inbox.html", {"nav": "inbox", "page": page, "rows": rows})


def _proposals(case: Case) -> list[Proposal]:
    latest = Assessment.objects.filter(case=case).order_by("-created_at", "-id").first()
    return offers_propose(from_org_id=case.organisation_id,
                          needs=list(latest.needs) if latest else [],
                          language=case.language, region=case.region, age=case.age)


def _task_context(actor: User, step: ProcessStep) -> dict[str, Any]:
    """What the task page shows besides the form: the case summary (case side) or only the
    referral, its offer and the partner's own earlier steps on it (partner side)."""
    case = step.case
    if _case_side(actor, case):
        latest = Assessment.objects.filter(case=case).order_by("-created_at", "-id").first()
        status, override = selectors.consent_state(case)
        return {"case_side": True, "case": case,
                "needs": _labels(latest.needs, Need.choices) if latest else [],
                "consent_status": dict(ConsentStatus.choices).get(status or "", ""),
                "override": override, "referral": services.live_referral(case)}
    referral = _partner_referrals(actor, {case.pk}).get(case.pk)
    earlier: list[ProcessStep] = []
    if referral is not None:
        earlier = list(ProcessStep.objects.filter(
            case=case, organisation_id=actor.organisation_id or 0, status=StepStatus.DONE,
            opened_at__gte=referral.sent_at).select_related("completed_by"))
    return {"case_side": False, "referral": referral, "earlier": earlier}


def _task_form(step: ProcessStep, data: Any) -> tuple[forms.Form, list[Proposal] | None]:
    spec = taskforms.task_form(step)
    if spec.form is taskforms.ChooseOfferForm and step.status == StepStatus.OPEN:
        proposals = _proposals(step.case)
        choices = [(p.offer.pk, f"{p.offer.name} · {p.offer.organisation.name}")
                   for p in proposals if p.referable]
        return taskforms.ChooseOfferForm(data, offer_choices=choices), proposals
    return spec.form(data), None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    step = selectors.access_step(actor=actor, id=pk)
    form, proposals = _task_form(step, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            if proposals is not None:
                data["_reasons"] = {p.offer.pk: list(p.reasons) for p in proposals}
            try:
                taskforms.step_do(actor=actor, step_id=step.pk, data=data)
            except NotFound:
                raise
            except BrugError as error:
                _form_error(form, error)
                status = error.status
                step.refresh_from_db()
            else:
                messages.success(request, _("Done: “%(step)s”. The process moved on.")
                                 % {"step": step.name})
                return redirect("cases:inbox")
    context = _task_context(actor, step)
    audit_record(actor=actor, action="process.step_view", obj=step,
                 details={"case": step.case_id, "referral": context["referral"].pk
                          if context["referral"] else None})
    return render(request, "cases/task.html", {
        "nav": "inbox", "step": step, "form": form, "proposals": proposals,
        "is_open": step.status == StepStatus.OPEN,
        "help": TASK_HELP.get(step.form or "done", TASK_HELP["done"]), **context}, status=status)


# --- referrals ---------------------------------------------------------------------------

@never_cache
@login_required
@require_GET
def referrals(request: HttpRequest) -> HttpResponse:
    """Referrals received by the partner organisation, grouped by status."""
    actor = request_actor(request)
    received = list(selectors.referrals_received(actor)[:500])
    tasks = dict(selectors.inbox(actor).filter(case_id__in={r.case_id for r in received})
                 .values_list("case_id", "pk"))
    labels = dict(ReferralStatus.choices)
    groups = [(labels[status], [(r, tasks.get(r.case_id)) for r in received
                                if r.status == status])
              for status in selectors.PARTNER_VISIBLE]
    return render(request, "cases/referrals.html", {"nav": "referrals", "groups": groups,
                                                     "total": len(received)})


@never_cache
@login_required
@require_GET
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    if not (actor.can(Cap.CASE_VIEW) or actor.can(Cap.REFERRAL_ANSWER)):
        raise NotAllowed(_("Your role does not give access to referrals."))
    referral = selectors.access_referral(actor=actor, id=pk)
    case_side = _case_side(actor, referral.case)
    task_id = None
    if not case_side:
        task_id = (selectors.inbox(actor).filter(case_id=referral.case_id)
                   .values_list("pk", flat=True).first())
    audit_record(actor=actor, action="referral.view", obj=referral,
                 details={"case": referral.case_id, "side": "case" if case_side else "partner"})
    return render(request, "cases/referral.html", {
        "nav": "cases" if case_side else "referrals", "referral": referral,
        "case_side": case_side, "task_id": task_id})
