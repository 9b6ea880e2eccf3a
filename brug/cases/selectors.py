"""Reads for cases, referrals and inbox steps; the ``access_*`` getters check who may see what.

Scoping: a case is seen only by its own organisation (``Cap.CASE_VIEW``). A partner sees a
referral sent to its organisation, never the case file behind it (DESIGN.md §3.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap
from brug.errors import NotFound

from .models import (
    Case,
    CaseStatus,
    Consent,
    ConsentOverride,
    ConsentStatus,
    ProcessStep,
    Referral,
    ReferralStatus,
    StepStatus,
)

if TYPE_CHECKING:
    from brug.accounts.models import User

PARTNER_VISIBLE = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.ENDED)


def access_case(*, actor: User, id: int, for_update: bool = False) -> Case:
    org = require_capability(actor, Cap.CASE_VIEW)
    qs = Case.objects.select_related("organisation", "owner")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(pk=id, organisation_id=org).first()
    if case is None:
        raise NotFound(_("There is no such case in your organisation."))
    return case


def access_referral(*, actor: User, id: int, for_update: bool = False) -> Referral:
    """A referral the actor's organisation sent (case side) or received (partner side)."""
    org = actor.organisation_id
    qs = Referral.objects.select_related("case", "offer", "partner", "case__organisation")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    scope = Q(pk=-1)
    if actor.can(Cap.CASE_VIEW):
        scope |= Q(case__organisation_id=org)
    if actor.can(Cap.REFERRAL_ANSWER):
        scope |= Q(partner_id=org, status__in=PARTNER_VISIBLE)
    referral = qs.filter(scope, pk=id).first() if org else None
    if referral is None:
        raise NotFound(_("There is no such referral for your organisation."))
    return referral


def access_step(*, actor: User, id: int) -> ProcessStep:
    """An open inbox step meant for the actor's role in the actor's organisation."""
    step = (ProcessStep.objects.select_related("case", "instance")
            .filter(pk=id, organisation_id=actor.organisation_id, role=actor.role).first()
            if actor.organisation_id and actor.is_active else None)
    if step is None:
        raise NotFound(_("There is no such task in your inbox."))
    return step


def inbox(actor: User) -> QuerySet[ProcessStep]:
    """Open user steps for the actor's role in the actor's organisation, oldest first."""
    if not actor.organisation_id or not actor.is_active:
        return ProcessStep.objects.none()
    return (ProcessStep.objects.filter(organisation_id=actor.organisation_id, role=actor.role,
                                       status=StepStatus.OPEN, kind="user")
            .select_related("case").order_by("opened_at", "id"))


def cases_for(actor: User, *, status: str | None = CaseStatus.OPEN,
              mine: bool = False) -> QuerySet[Case]:
    org = require_capability(actor, Cap.CASE_VIEW)
    qs = Case.objects.filter(organisation_id=org).select_related("owner")
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(Q(owner=actor) | Q(team=actor)).distinct()
    return qs.annotate(open_steps=Count("steps", filter=Q(steps__status=StepStatus.OPEN),
                                           distinct=True))


def referrals_received(actor: User) -> QuerySet[Referral]:
    org = require_capability(actor, Cap.REFERRAL_ANSWER)
    return (Referral.objects.filter(partner_id=org, status__in=PARTNER_VISIBLE)
            .select_related("offer", "case").order_by("-sent_at"))


def consent_state(case: Case) -> tuple[str | None, ConsentOverride | None]:
    """The latest recorded consent status (or None) and the latest override (or None)."""
    latest = Consent.objects.filter(case=case).order_by("-recorded_at", "-id").first()
    override = ConsentOverride.objects.filter(case=case).order_by("-created_at", "-id").first()
    return (latest.status if latest else None), override


def referral_permitted_by_consent(case: Case) -> bool:
    """Consent given (latest record), or a supervisor's override recorded AFTER the latest
    consent record (a refusal that comes later revokes an earlier override: GDPR Art. 7(3))."""
    latest = Consent.objects.filter(case=case).order_by("-recorded_at", "-id").first()
    if latest is not None and latest.status == ConsentStatus.GIVEN:
        return True
    override = ConsentOverride.objects.filter(case=case).order_by("-created_at", "-id").first()
    if override is None:
        return False
    return latest is None or (override.created_at, 1) > (latest.recorded_at, 0)


def case_page(case: Case) -> Case:
    """A case with what its page shows, in a bounded number of queries."""
    return (Case.objects.filter(pk=case.pk)
            .select_related("organisation", "owner", "process__definition")
            .prefetch_related(
                "team", "goals", "signals",
                Prefetch("referrals", queryset=Referral.objects.select_related(
                    "offer", "partner", "sent_by", "answered_by")),
                Prefetch("steps", queryset=ProcessStep.objects.select_related("completed_by")
                         .order_by("opened_at", "id")))
            .get())
