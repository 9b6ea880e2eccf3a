"""Fixtures of the cases tests: an offer at the partner organisation, a valid data-sharing
agreement between the municipality (``org``) and the partner, and a case on the shipped TO-BE
process. ``do`` completes a case's open step through ``taskforms.step_do``, as the task page
does."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from brug.accounts.models import Organisation, User
from brug.cases import services
from brug.cases.models import Case, ProcessStep, StepStatus
from brug.cases.taskforms import step_do
from brug.partners.models import Agreement, Offer
from brug.partners.vocab import Need
from tests.partners.helpers import make_agreement, make_offer

SUMMARY = "Young person, 17, looking for a place to belong; consent given on 2 March."


@pytest.fixture
def offer(partner_org: Organisation) -> Offer:
    return make_offer(partner_org, "Youth drop-in De Brug", needs=[Need.LEISURE, Need.SOCIAL],
                      languages=["nl"], region="Mechelen", capacity=2)


@pytest.fixture
def agreement(org: Organisation, partner_org: Organisation, dpo: User) -> Agreement:
    return make_agreement(org, partner_org, recorded_by=dpo, title="Youth work DSA")


@pytest.fixture
def case(prevention_worker: User) -> Case:
    return services.case_open(actor=prevention_worker, subject_label="Client K-17",
                              observation="Talks at the youth centre about leaving school.",
                              language="nl", region="Mechelen", age=17)


def open_step(case: Case, form: str | None = None) -> ProcessStep:
    """The case's one open step (of this form, when given)."""
    steps = ProcessStep.objects.filter(case=case, status=StepStatus.OPEN)
    if form is not None:
        steps = steps.filter(form=form)
    found = list(steps)
    assert len(found) == 1, [(s.form, s.name) for s in found]
    return found[0]


def do(actor: User, case: Case, form: str, **data: Any) -> ProcessStep:
    """Complete the case's open step of this form with these cleaned data."""
    return step_do(actor=actor, step_id=open_step(case, form).pk, data=data)


ASSESSMENT = {"needs": [Need.LEISURE, Need.SOCIAL], "needs_notes": "Wants a club.",
              "protective": ["family"], "protective_notes": "", "concerns": ""}


def to_choose_offer(worker: User, supervisor: User, case: Case) -> None:
    """Assessment and consent (the worker), the case conference's "refer" (the supervisor
    leads it): choosing the offer is next."""
    do(worker, case, "assessment", **ASSESSMENT)
    do(worker, case, "consent", status="given", note="Asked in person.")
    do(supervisor, case, "case_conference", decision="refer",
       participants="Youth work, school", notes="Agreed to refer.")


def send_referral(worker: User, case: Case, offer: Offer) -> ProcessStep:
    return do(worker, case, "choose_offer", offer=offer.pk, summary=SUMMARY,
              _reasons={offer.pk: ["Meets 2 of 2 needs"]})


def today() -> date:
    from django.utils import timezone

    return timezone.localdate()
