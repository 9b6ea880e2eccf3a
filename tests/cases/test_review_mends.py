"""What the second read of the cases code found, each pinned by a test."""

from __future__ import annotations

import pytest
from django.utils import timezone

from brug.accounts.models import User
from brug.audit.models import AuditEntry
from brug.cases import services, workflow
from brug.cases.models import (
    Case,
    InstanceStatus,
    ProcessInstance,
    ProcessStep,
    ReferralStatus,
    StepStatus,
)
from brug.errors import Conflict
from brug.partners.models import Agreement, Offer

from .conftest import ASSESSMENT, do, open_step, send_referral, to_choose_offer

pytestmark = pytest.mark.django_db


def test_closing_a_case_stops_its_process_and_empties_the_inboxes(
        prevention_worker: User, supervisor: User, partner_caseworker: User, case: Case,
        offer: Offer, agreement: Agreement) -> None:
    to_choose_offer(prevention_worker, supervisor, case)
    send_referral(prevention_worker, case, offer)
    answer = open_step(case, "referral_answer")
    services.case_close(actor=prevention_worker, case_id=case.pk,
                        reason="The family moved away; support continues there.")
    instance = ProcessInstance.objects.get(case=case)
    assert instance.status == InstanceStatus.STOPPED and instance.next_timer_at is None
    assert not ProcessStep.objects.filter(case=case, status=StepStatus.OPEN).exists()
    assert case.referrals.get().status == ReferralStatus.WITHDRAWN
    assert Offer.objects.get(pk=offer.pk).capacity == offer.capacity
    with pytest.raises(Exception):  # noqa: B017 - the step is gone from the partner's inbox
        do(partner_caseworker, case, "referral_answer", answer="accepted",
           reason="We still have a place.")
    assert workflow.timers_sweep().due == 0
    assert ProcessStep.objects.get(pk=answer.pk).status == StepStatus.CANCELLED


def test_a_later_refusal_revokes_an_earlier_override(
        prevention_worker: User, supervisor: User, case: Case, offer: Offer,
        agreement: Agreement) -> None:
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="not_possible")
    services.consent_override(actor=supervisor, case_id=case.pk,
                              reason="Serious risk to others; the LIVC-R agreed.")
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="refused",
                            note="Reached the person later; they said no.")
    with pytest.raises(Conflict) as refused:
        services.referral_send(actor=prevention_worker, case_id=case.pk, offer_id=offer.pk,
                               summary="Needs a place to belong after school.")
    assert refused.value.code == "consent_missing"


def test_no_override_when_consent_was_given(prevention_worker: User, supervisor: User,
                                           case: Case) -> None:
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="given")
    with pytest.raises(Conflict):
        services.consent_override(actor=supervisor, case_id=case.pk,
                                  reason="Just to be sure, going on.")


def test_the_partner_can_do_nothing_more_once_the_agreement_ends(
        prevention_worker: User, supervisor: User, partner_caseworker: User, case: Case,
        offer: Offer, agreement: Agreement) -> None:
    to_choose_offer(prevention_worker, supervisor, case)
    send_referral(prevention_worker, case, offer)
    Agreement.objects.filter(pk=agreement.pk).update(ended_at=timezone.now(),
                                                     ended_reason="Programme stopped.")
    with pytest.raises(Conflict) as ended:
        do(partner_caseworker, case, "referral_answer", answer="accepted",
           reason="We have a place in March.")
    assert ended.value.code == "agreement_ended"


def test_the_audit_log_holds_no_needs_and_no_reasons(
        prevention_worker: User, supervisor: User, partner_caseworker: User, case: Case,
        offer: Offer, agreement: Agreement) -> None:
    to_choose_offer(prevention_worker, supervisor, case)
    send_referral(prevention_worker, case, offer)
    do(partner_caseworker, case, "referral_answer", answer="declined",
       reason="No place for this age group right now.")
    entries = list(AuditEntry.objects.filter(action__startswith="case.")) + \
        list(AuditEntry.objects.filter(action__startswith="referral."))
    text = " ".join(f"{e.reason} {e.details}" for e in entries)
    for private in (*ASSESSMENT["needs"], "age group", "Asked in person", "Agreed to refer"):
        assert private not in text


def test_a_broken_instance_gives_a_clear_error_not_a_crash(
        prevention_worker: User, case: Case) -> None:
    ProcessInstance.objects.filter(case=case).update(state="{broken")
    with pytest.raises(Conflict) as broken:
        do(prevention_worker, case, "assessment", **ASSESSMENT)
    assert broken.value.code == "process_error"
    ProcessInstance.objects.filter(case=case).update(status=InstanceStatus.ERROR)
    with pytest.raises(Conflict) as stopped:
        do(prevention_worker, case, "assessment", **ASSESSMENT)
    assert stopped.value.code == "process_not_running"


def test_a_case_can_be_closed_from_its_page_and_its_process_stops(
        client: object, prevention_worker: User, case: Case) -> None:
    from django.test import Client
    from django.urls import reverse

    from tests.factories import login

    browser = login(Client(), prevention_worker)
    url = reverse("cases:close", kwargs={"pk": case.pk})
    assert "Close the case" in browser.get(reverse("cases:detail", kwargs={"pk": case.pk})
                                           ).content.decode()
    browser.post(url, {"reason": "short"})
    assert Case.objects.get(pk=case.pk).status == "open"  # the reason is too short
    response = browser.post(url, {"reason": "Support ended: the person moved to Ghent."},
                            follow=True)
    assert "Case closed." in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "closed"
    assert ProcessInstance.objects.get(case=case).status == InstanceStatus.STOPPED


def test_saving_an_offer_form_never_undoes_a_place_taken_meanwhile(
        partner_caseworker: User, offer: Offer) -> None:
    from django.test import Client
    from django.urls import reverse

    from tests.factories import login

    browser = login(Client(), partner_caseworker)
    url = reverse("partners:offer_edit", kwargs={"pk": offer.pk})
    page = browser.get(url).content.decode()
    assert 'name="capacity"' not in page
    Offer.objects.filter(pk=offer.pk).update(capacity=offer.capacity - 1)  # an accept
    form = {"name": offer.name, "kind": offer.kind, "description": "New words.",
            "needs": offer.needs, "languages": offer.languages, "region": offer.region,
            "eligibility": "", "receiving_role": offer.receiving_role, "active": "on",
            "capacity": str(offer.capacity)}
    assert browser.post(url, form).status_code == 302
    saved = Offer.objects.get(pk=offer.pk)
    assert saved.description == "New words." and saved.capacity == offer.capacity - 1
