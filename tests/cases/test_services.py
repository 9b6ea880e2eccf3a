"""Case and referral services, and inbox tasks through the shipped TO-BE process (step_do)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.audit.models import AuditEntry
from brug.cases import selectors, services
from brug.cases.models import (
    Case,
    CaseNote,
    CaseOrigin,
    CaseStatus,
    InstanceStatus,
    ProcessStep,
    Referral,
    ReferralStatus,
    StepStatus,
)
from brug.errors import Conflict, InvalidInput, NotAllowed, NotFound
from brug.partners.models import Agreement, Offer
from brug.review.services import signal_decide
from tests.factories import make_message, make_org, make_signal, make_source, make_user
from tests.partners.helpers import make_agreement, make_offer

from .conftest import SUMMARY, do, open_step, send_referral, to_choose_offer

pytestmark = pytest.mark.django_db


def _send(worker: User, case: Case, offer: Offer) -> Referral:
    return services.referral_send(actor=worker, case_id=case.pk, offer_id=offer.pk,
                                  summary=SUMMARY)


# --- opening ------------------------------------------------------------------------------

def test_case_open_starts_the_process_and_puts_the_first_step_in_the_inbox(
        prevention_worker: User, case: Case, outsider: User) -> None:
    assert case.origin == CaseOrigin.OBSERVATION and case.owner == prevention_worker
    assert case.process.status == InstanceStatus.RUNNING
    assert case.process.definition.key == "to_be"
    step = open_step(case)
    assert (step.form, step.role, step.organisation_id) == (
        "assessment", Role.PREVENTION_WORKER, case.organisation_id)
    assert list(selectors.inbox(prevention_worker)) == [step]
    assert list(selectors.inbox(outsider)) == []
    entry = AuditEntry.objects.get(action="case.open")
    assert entry.object_id == str(case.pk) and entry.details["process"] == "to_be"


@pytest.mark.parametrize(("fields", "field"), [
    ({"subject_label": ""}, "subject_label"),
    ({"subject_label": "x" * 61}, "subject_label"),
    ({"observation": "short"}, "observation"),
    ({"age": 7}, "age"),
])
def test_case_open_refuses_incomplete_input(prevention_worker: User, fields: dict[str, object],
                                            field: str) -> None:
    values: dict[str, object] = {"subject_label": "Client K-1",
                                 "observation": "Seen at the station handing out flyers."}
    values.update(fields)
    with pytest.raises(InvalidInput) as exc:
        services.case_open(actor=prevention_worker, **values)  # type: ignore[arg-type]
    assert exc.value.details["field"] == field
    assert not Case.objects.exists()


def test_case_open_needs_the_capability_and_own_signals(
        partner_caseworker: User, prevention_worker: User, other_org: Organisation) -> None:
    with pytest.raises(NotAllowed):
        services.case_open(actor=partner_caseworker, subject_label="K",
                           observation="An observation of ten characters.")
    foreign = make_signal(make_message(make_source(other_org)))
    with pytest.raises(NotFound):
        services.case_open(actor=prevention_worker, subject_label="K",
                           origin=CaseOrigin.SIGNAL, signal_ids=[foreign.pk])


def test_refer_decision_opens_a_case_and_a_second_refer_links_to_it(
        prevention_worker: User, org: Organisation) -> None:
    source = make_source(org)
    first = make_signal(make_message(source, "first", author="@same"))
    second = make_signal(make_message(source, "second", author="@same"))
    other = make_signal(make_message(source, "other", author="@different"))
    for signal in (first, second, other):
        signal_decide(actor=prevention_worker, signal=signal, labels=["hate_speech"],
                      outcome="refer", reason="Needs support offline, refer to the team.")
    case = Case.objects.get(signals=first)
    assert case.origin == CaseOrigin.SIGNAL and case.organisation == org
    assert set(case.signals.all()) == {first, second}
    assert case.subject_pseudonym == first.message.author_pseudonym
    assert "@same" not in case.subject_label
    assert Case.objects.count() == 2
    assert AuditEntry.objects.filter(action="case.signal_linked",
                                     object_id=str(case.pk)).count() == 1


def test_a_closed_case_gets_a_new_case_on_the_next_refer(prevention_worker: User,
                                                         org: Organisation) -> None:
    source = make_source(org)
    first = make_signal(make_message(source, "first", author="@same"))
    signal_decide(actor=prevention_worker, signal=first, labels=["hate_speech"],
                  outcome="refer", reason="Needs support offline, refer to the team.")
    closed = Case.objects.get()
    services.case_close(actor=prevention_worker, case_id=closed.pk,
                        reason="Support ended, the person is doing well.")
    again = make_signal(make_message(source, "again", author="@same"))
    signal_decide(actor=prevention_worker, signal=again, labels=["hate_speech"],
                  outcome="refer", reason="New concerns, refer to the team again.")
    assert Case.objects.count() == 2
    assert Case.objects.get(status=CaseStatus.OPEN).signals.get() == again


# --- consent guardrail --------------------------------------------------------------------

def test_no_referral_without_consent(prevention_worker: User, case: Case, offer: Offer,
                                     agreement: Agreement) -> None:
    with pytest.raises(Conflict) as exc:
        _send(prevention_worker, case, offer)
    assert exc.value.code == "consent_missing"
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="refused")
    with pytest.raises(Conflict):
        _send(prevention_worker, case, offer)
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="given")
    referral = _send(prevention_worker, case, offer)
    assert case.referrals.get() == referral


def test_supervisor_override_with_reason_allows_the_referral_and_is_audited(
        prevention_worker: User, supervisor: User, case: Case, offer: Offer,
        agreement: Agreement) -> None:
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="not_possible")
    with pytest.raises(InvalidInput):
        services.consent_override(actor=supervisor, case_id=case.pk, reason="short")
    services.consent_override(actor=supervisor, case_id=case.pk,
                              reason="Serious risk to others; the LIVC-R agreed.",
                              legal_ground="Art. 458ter Criminal Code")
    status, override = selectors.consent_state(case)
    assert status == "not_possible" and override is not None
    assert override.supervisor == supervisor
    entry = AuditEntry.objects.get(action="case.consent_override")
    # Who and when are logged; the free-text reason stays with the override, not in the log.
    assert entry.actor == supervisor and entry.reason == ""
    assert entry.details["consent"] == "not_possible"
    _send(prevention_worker, case, offer)
    assert case.referrals.filter(status=ReferralStatus.SENT).exists()


@pytest.mark.parametrize("role", [Role.PREVENTION_WORKER, Role.OUTREACH_WORKER])
def test_only_a_supervisor_can_override(role: str, org: Organisation, case: Case) -> None:
    worker = make_user(role, org)
    with pytest.raises(NotAllowed):
        services.consent_override(actor=worker, case_id=case.pk,
                                  reason="I think it is important enough.")
    assert not case.overrides.exists()


# --- agreements and capacity --------------------------------------------------------------

def test_cross_org_referral_needs_a_valid_agreement(prevention_worker: User, case: Case,
                                                    offer: Offer, org: Organisation,
                                                    partner_org: Organisation,
                                                    dpo: User) -> None:
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="given")
    with pytest.raises(Conflict) as exc:
        _send(prevention_worker, case, offer)
    assert exc.value.code == "no_agreement"
    from django.utils import timezone

    today = timezone.localdate()
    make_agreement(org, partner_org, recorded_by=dpo, starts_on=today - timedelta(days=400),
                   expires_on=today - timedelta(days=1))
    make_agreement(org, partner_org, recorded_by=dpo, ended=True)
    with pytest.raises(Conflict) as exc:
        _send(prevention_worker, case, offer)
    assert exc.value.code == "no_agreement"
    valid = make_agreement(partner_org, org, recorded_by=dpo)  # either direction counts
    referral = _send(prevention_worker, case, offer)
    assert referral.agreement == valid


def test_own_organisations_offer_needs_no_agreement(prevention_worker: User, case: Case,
                                                    org: Organisation) -> None:
    own = make_offer(org, "Own mentoring", capacity=1)
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="given")
    referral = _send(prevention_worker, case, own)
    assert referral.agreement is None


def test_capacity_taken_on_accept_and_released_on_outcome(
        prevention_worker: User, partner_caseworker: User, case: Case, offer: Offer,
        agreement: Agreement) -> None:
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="given")
    referral = _send(prevention_worker, case, offer)
    offer.refresh_from_db()
    assert offer.capacity == 2  # sending takes nothing yet
    services.referral_answer(actor=partner_caseworker, referral_id=referral.pk,
                             accept=True, reason="We have a place and the right worker.")
    offer.refresh_from_db()
    assert offer.capacity == 1
    with pytest.raises(Conflict):
        services.referral_answer(actor=partner_caseworker, referral_id=referral.pk,
                                 accept=True, reason="Answering a second time, by mistake.")
    services.referral_outcome(actor=partner_caseworker, referral_id=referral.pk,
                              outcome="completed", domain="leisure")
    offer.refresh_from_db()
    assert offer.capacity == 2


def test_no_place_no_referral(prevention_worker: User, case: Case, partner_org: Organisation,
                             agreement: Agreement) -> None:
    full = make_offer(partner_org, "Full", capacity=0)
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="given")
    with pytest.raises(Conflict) as exc:
        _send(prevention_worker, case, full)
    assert exc.value.code == "no_capacity"


def test_partner_cannot_answer_a_referral_sent_elsewhere(
        prevention_worker: User, partner_caseworker: User, case: Case, offer: Offer,
        agreement: Agreement, org: Organisation, outsider: User) -> None:
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="given")
    referral = _send(prevention_worker, case, offer)
    elsewhere = make_user(Role.PARTNER_CASEWORKER,
                          make_org("Other partner", OrganisationType.SOCIAL_WELFARE))
    with pytest.raises(NotFound):
        services.referral_answer(actor=elsewhere, referral_id=referral.pk,
                                 accept=True, reason="Trying to take another's referral.")
    with pytest.raises(NotAllowed):  # the sender's own worker cannot answer for the partner
        services.referral_answer(actor=prevention_worker, referral_id=referral.pk,
                                 accept=True, reason="Answering on the partner's behalf.")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


# --- the case file ------------------------------------------------------------------------

def test_goals_team_and_closing(prevention_worker: User, supervisor: User, outsider: User,
                                case: Case) -> None:
    goal = services.goal_add(actor=prevention_worker, case_id=case.pk,
                             text="Joins the football club", domain="leisure",
                             agreed_with_person=True)
    services.goal_update(actor=prevention_worker, goal_id=goal.pk, status="achieved")
    goal.refresh_from_db()
    assert goal.status == "achieved"
    with pytest.raises(InvalidInput):
        services.team_set(actor=prevention_worker, case_id=case.pk, owner_id=supervisor.pk,
                          member_ids=[outsider.pk])
    services.team_set(actor=prevention_worker, case_id=case.pk, owner_id=supervisor.pk,
                      member_ids=[prevention_worker.pk])
    case.refresh_from_db()
    assert case.owner == supervisor and list(case.team.all()) == [prevention_worker]
    services.case_close(actor=prevention_worker, case_id=case.pk,
                        reason="The person found support elsewhere.")
    with pytest.raises(Conflict):
        services.goal_add(actor=prevention_worker, case_id=case.pk, text="Too late now")
    with pytest.raises(NotFound):
        services.goal_add(actor=outsider, case_id=case.pk, text="Not my case")


# --- the TO-BE process through step_do ----------------------------------------------------

def test_to_be_process_from_assessment_to_closing(
        prevention_worker: User, second_reviewer: User, supervisor: User,
        partner_caseworker: User, case: Case, offer: Offer, agreement: Agreement,
        org: Organisation) -> None:
    elsewhere = make_user(Role.PARTNER_CASEWORKER,
                          make_org("Other partner", OrganisationType.SOCIAL_WELFARE))
    to_choose_offer(prevention_worker, supervisor, case)
    assert CaseNote.objects.get(case=case).participants == "Youth work, school"
    send_referral(second_reviewer, case, offer)  # any worker of the role can take a step
    referral = case.referrals.get()
    assert referral.match_reasons == ["Meets 2 of 2 needs"]

    answer = open_step(case, "referral_answer")
    assert (answer.role, answer.organisation_id) == (Role.PARTNER_CASEWORKER,
                                                     offer.organisation_id)
    assert list(selectors.inbox(partner_caseworker)) == [answer]
    assert list(selectors.inbox(prevention_worker)) == []
    assert list(selectors.inbox(elsewhere)) == []
    with pytest.raises(NotFound):  # the case side cannot do the partner's step
        do(prevention_worker, case, "referral_answer", answer="accepted",
           reason="Accepting for the partner.")

    do(partner_caseworker, case, "referral_answer", answer="accepted",
       reason="A worker who speaks Dutch has room.")
    do(partner_caseworker, case, "first_contact", on=referral.sent_at.date())
    do(partner_caseworker, case, "outcome", outcome="completed", domain="leisure",
       note="Goes to the club weekly.")
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.outcome_domain) == (
        ReferralStatus.ENDED, "completed", "leisure")
    follow_up = open_step(case, "follow_up")
    assert follow_up.organisation_id == case.organisation_id
    do(prevention_worker, case, "follow_up", note="Spoke with the person: going well.")
    do(prevention_worker, case, "close", reason="Support completed, goals achieved.")

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.process.status == InstanceStatus.COMPLETED
    assert not ProcessStep.objects.filter(case=case, status=StepStatus.OPEN).exists()
    history = list(ProcessStep.objects.filter(case=case, kind="user").order_by("opened_at",
                                                                               "id"))
    assert [s.form for s in history] == [
        "assessment", "consent", "case_conference", "choose_offer", "referral_answer",
        "first_contact", "outcome", "follow_up", "close"]
    assert all(s.completed_at is not None and s.completed_by is not None for s in history)
    assert {s.completed_by for s in history if s.form in (
        "referral_answer", "first_contact", "outcome")} == {partner_caseworker}
    assert history[3].completed_by == second_reviewer
    assert AuditEntry.objects.filter(action="process.step").count() == 9


def test_refused_consent_goes_to_the_supervisor(prevention_worker: User, supervisor: User,
                                                case: Case, offer: Offer,
                                                agreement: Agreement) -> None:
    do(prevention_worker, case, "assessment", needs=["leisure"], needs_notes="",
       protective=[], protective_notes="", concerns="")
    do(prevention_worker, case, "consent", status="refused", note="Said no for now.")
    step = open_step(case, "consent_override")
    assert (step.role, step.organisation_id) == (Role.SUPERVISOR, case.organisation_id)
    assert list(selectors.inbox(prevention_worker)) == []
    do(supervisor, case, "consent_override", override=True,
       reason="Serious concerns shared by the school and the family.", legal_ground="")
    assert case.overrides.get().supervisor == supervisor
    do(supervisor, case, "case_conference", decision="refer", participants="", notes="")
    send_referral(prevention_worker, case, offer)
    assert case.referrals.get().status == ReferralStatus.SENT


def test_a_done_step_cannot_be_done_again(prevention_worker: User, case: Case) -> None:
    from brug.cases.taskforms import step_do

    step = do(prevention_worker, case, "assessment", needs=["leisure"], needs_notes="",
              protective=[], protective_notes="", concerns="")
    with pytest.raises(Conflict) as exc:
        step_do(actor=prevention_worker, step_id=step.pk,
                data={"needs": ["leisure"], "needs_notes": "", "protective": [],
                      "protective_notes": "", "concerns": ""})
    assert exc.value.code == "step_done"
    assert case.assessments.count() == 1


def test_a_failing_service_leaves_the_step_open(prevention_worker: User, supervisor: User,
                                                case: Case, offer: Offer) -> None:
    """No agreement with the partner: the referral is refused and the process waits."""
    to_choose_offer(prevention_worker, supervisor, case)
    with pytest.raises(Conflict):
        send_referral(prevention_worker, case, offer)
    assert open_step(case).form == "choose_offer"
    assert not case.referrals.exists()
