"""Reads and access getters of the cases app: who sees which case, referral and step."""

from __future__ import annotations

import pytest

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.cases import selectors, services
from brug.cases.models import Case, CaseStatus, ReferralStatus
from brug.errors import NotAllowed, NotFound
from brug.partners.models import Agreement, Offer
from tests.factories import make_org, make_user

from .conftest import SUMMARY, do, open_step, send_referral, to_choose_offer

pytestmark = pytest.mark.django_db


def _open(actor: User, label: str = "Client K-2") -> Case:
    return services.case_open(actor=actor, subject_label=label,
                              observation="Seen at school talking about a group online.")


def test_access_case_is_scoped_to_the_organisation_and_role(
        case: Case, prevention_worker: User, outreach_worker: User, supervisor: User,
        outsider: User, partner_caseworker: User, counsellor: User, dpo: User) -> None:
    for person in (prevention_worker, outreach_worker, supervisor):
        assert selectors.access_case(actor=person, id=case.pk) == case
    with pytest.raises(NotFound):
        selectors.access_case(actor=outsider, id=case.pk)
    for person in (partner_caseworker, counsellor, dpo):
        with pytest.raises(NotAllowed):
            selectors.access_case(actor=person, id=case.pk)


def test_access_referral_case_side_and_receiving_partner_only(
        prevention_worker: User, supervisor: User, partner_caseworker: User, outsider: User,
        case: Case, offer: Offer, agreement: Agreement) -> None:
    to_choose_offer(prevention_worker, supervisor, case)
    send_referral(prevention_worker, case, offer)
    referral = case.referrals.get()
    assert selectors.access_referral(actor=prevention_worker, id=referral.pk) == referral
    assert selectors.access_referral(actor=partner_caseworker, id=referral.pk) == referral
    elsewhere = make_user(Role.PARTNER_CASEWORKER,
                          make_org("Other partner", OrganisationType.SOCIAL_WELFARE))
    for person in (outsider, elsewhere):
        with pytest.raises(NotFound):
            selectors.access_referral(actor=person, id=referral.pk)
    # a declined or withdrawn referral is no longer the partner's to see
    do(partner_caseworker, case, "referral_answer", answer="declined",
       reason="No worker with the right language.")
    assert case.referrals.get().status == ReferralStatus.DECLINED
    with pytest.raises(NotFound):
        selectors.access_referral(actor=partner_caseworker, id=referral.pk)
    assert selectors.access_referral(actor=prevention_worker, id=referral.pk) == referral


def test_access_step_and_inbox_follow_role_and_organisation(
        case: Case, prevention_worker: User, second_reviewer: User, supervisor: User,
        outsider: User, partner_caseworker: User) -> None:
    step = open_step(case)
    for person in (prevention_worker, second_reviewer):
        assert selectors.access_step(actor=person, id=step.pk) == step
        assert list(selectors.inbox(person)) == [step]
    for person in (supervisor, outsider, partner_caseworker):
        assert list(selectors.inbox(person)) == []
        with pytest.raises(NotFound):
            selectors.access_step(actor=person, id=step.pk)
    prevention_worker.is_active = False
    prevention_worker.save()
    assert list(selectors.inbox(prevention_worker)) == []


def test_inbox_lists_open_steps_oldest_first(prevention_worker: User, case: Case) -> None:
    second = _open(prevention_worker)
    do(prevention_worker, case, "assessment", needs=["leisure"], needs_notes="",
       protective=[], protective_notes="", concerns="")
    steps = list(selectors.inbox(prevention_worker))
    assert [(s.case_id, s.form) for s in steps] == [(second.pk, "assessment"),
                                                     (case.pk, "consent")]


def test_cases_for_filters_and_counts_open_steps(prevention_worker: User, supervisor: User,
                                                 outreach_worker: User,
                                                 case: Case) -> None:
    mine = _open(supervisor, "Client S-1")
    services.team_set(actor=supervisor, case_id=mine.pk, owner_id=supervisor.pk,
                      member_ids=[prevention_worker.pk, outreach_worker.pk])
    closed = _open(prevention_worker, "Client S-2")
    services.case_close(actor=prevention_worker, case_id=closed.pk,
                        reason="Opened by mistake, a duplicate.")
    assert set(selectors.cases_for(prevention_worker)) == {case, mine}
    assert list(selectors.cases_for(prevention_worker, status=CaseStatus.CLOSED)) == [closed]
    assert set(selectors.cases_for(prevention_worker, status=None)) == {case, mine, closed}
    assert set(selectors.cases_for(supervisor, mine=True)) == {mine}
    assert set(selectors.cases_for(outreach_worker, mine=True)) == {mine}
    counts = {c.pk: c.open_steps for c in  # type: ignore[attr-defined]
              selectors.cases_for(prevention_worker)}
    assert counts == {case.pk: 1, mine.pk: 1}


def test_cases_for_mine_counts_each_open_step_once(prevention_worker: User, supervisor: User,
                                                   outreach_worker: User) -> None:
    mine = _open(supervisor, "Client S-1")
    services.team_set(actor=supervisor, case_id=mine.pk, owner_id=supervisor.pk,
                      member_ids=[prevention_worker.pk, outreach_worker.pk])
    counts = {c.pk: c.open_steps for c in  # type: ignore[attr-defined]
              selectors.cases_for(supervisor, mine=True)}
    assert counts == {mine.pk: 1}


def test_consent_state_is_the_latest(case: Case, prevention_worker: User,
                                     supervisor: User) -> None:
    assert selectors.consent_state(case) == (None, None)
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="refused")
    services.consent_record(actor=prevention_worker, case_id=case.pk, status="given")
    assert selectors.consent_state(case)[0] == "given"
    assert selectors.referral_permitted_by_consent(case)


def test_referrals_received_only_for_the_partner(
        prevention_worker: User, supervisor: User, partner_caseworker: User, case: Case,
        offer: Offer, agreement: Agreement, partner_org: Organisation) -> None:
    to_choose_offer(prevention_worker, supervisor, case)
    send_referral(prevention_worker, case, offer)
    assert [r.summary for r in selectors.referrals_received(partner_caseworker)] == [SUMMARY]
    with pytest.raises(NotAllowed):
        selectors.referrals_received(prevention_worker)
    other = make_user(Role.PARTNER_CASEWORKER,
                      make_org("Other partner", OrganisationType.SOCIAL_WELFARE))
    assert list(selectors.referrals_received(other)) == []


def test_case_page_in_bounded_queries(prevention_worker: User, supervisor: User, case: Case,
                                      offer: Offer, agreement: Agreement,
                                      django_assert_max_num_queries: object) -> None:
    to_choose_offer(prevention_worker, supervisor, case)
    send_referral(prevention_worker, case, offer)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        page = selectors.case_page(case)
        steps = list(page.steps.all())
        [s.completed_by for s in steps]
        [(r.offer.name, r.partner.name, r.sent_by) for r in page.referrals.all()]
        list(page.goals.all()), list(page.team.all()), list(page.signals.all())
        assert page.process.definition.key == "to_be"
    assert len(steps) >= 5
