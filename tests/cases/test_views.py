"""The case pages: who gets what, what each page shows (and never shows), bounded queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.audit.models import AuditEntry
from brug.cases import services
from brug.cases.models import Case, ConsentStatus, GoalStatus, ReferralStatus, StepStatus
from brug.partners.matching import offers_propose
from brug.partners.models import Agreement, Offer
from brug.review.services import signal_decide
from tests.factories import login, make_message, make_org, make_signal, make_source, make_user
from tests.partners.helpers import make_offer

from .conftest import ASSESSMENT, SUMMARY, open_step, send_referral, to_choose_offer

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def client_for(user: User) -> Client:
    return login(Client(), user)


def _referred(worker: User, supervisor: User, case: Case, offer: Offer) -> None:
    to_choose_offer(worker, supervisor, case)
    send_referral(worker, case, offer)


# --- list and open ------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "status"), [
    (Role.PREVENTION_WORKER, 200), (Role.OUTREACH_WORKER, 200), (Role.SUPERVISOR, 200),
    (Role.COUNSELLOR, 403), (Role.PARTNER_CASEWORKER, 403), (Role.DPO, 403),
    (Role.ADMINISTRATOR, 403)])
def test_case_list_and_open_per_role(role: str, status: int, org: Organisation,
                                     case: Case) -> None:
    client = client_for(make_user(role, org))
    response = client.get(reverse("cases:list"))
    assert response.status_code == status
    assert client.get(reverse("cases:open")).status_code == status
    if status == 200:
        assert "Client K-17" in response.content.decode()


def test_case_list_filters_and_hides_other_organisations(
        prevention_worker: User, supervisor: User, outsider: User, case: Case) -> None:
    services.case_open(actor=outsider, subject_label="Elsewhere E-1",
                       observation="Another municipality's own case.")
    theirs = services.case_open(actor=supervisor, subject_label="Client S-9",
                                observation="The supervisor's own observation.")
    client = client_for(prevention_worker)
    page = client.get(reverse("cases:list")).content.decode()
    assert "Client K-17" in page and "Client S-9" in page and "Elsewhere" not in page
    mine = client.get(reverse("cases:list"), {"mine": "on"}).content.decode()
    assert "Client K-17" in mine and "Client S-9" not in mine
    services.case_close(actor=supervisor, case_id=theirs.pk, reason="Duplicate of another case.")
    closed = client.get(reverse("cases:list"), {"status": "closed"}).content.decode()
    assert "Client S-9" in closed and "Client K-17" not in closed


def test_case_list_queries_do_not_grow_with_cases(
        prevention_worker: User, django_assert_max_num_queries: Any) -> None:
    client = client_for(prevention_worker)
    for n in range(12):
        services.case_open(actor=prevention_worker, subject_label=f"Client L-{n}",
                           observation="Seen at the youth centre, worried friends.")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cases:list"))
    assert response.content.decode().count("Client L-") == 12
    assert re.search(r'<td class="num">1</td>', response.content.decode())


def test_open_a_case_from_an_observation(prevention_worker: User) -> None:
    client = client_for(prevention_worker)
    page = client.get(reverse("cases:open")).content.decode()
    assert 'value="to_be" selected' in page
    response = client.post(reverse("cases:open"), {
        "subject_label": "Client O-1", "observation": "Told a teacher he wants to leave a group.",
        "language": "nl", "region": "Mechelen", "age": "16", "process_key": "to_be"})
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", kwargs={"pk": case.pk})
    assert (case.subject_label, case.age, case.owner) == ("Client O-1", 16, prevention_worker)
    assert open_step(case).form == "assessment"


def test_open_a_case_shows_errors_next_to_the_fields(prevention_worker: User) -> None:
    response = client_for(prevention_worker).post(reverse("cases:open"), {
        "subject_label": "", "observation": "short", "process_key": "to_be", "age": "5"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_subject_label_error"' in page and 'id="id_observation_error"' in page
    assert 'aria-describedby="id_observation_helptext id_observation_error"' in page
    assert not Case.objects.exists()


# --- the case page ------------------------------------------------------------------------

def test_case_page_per_role(org: Organisation, case: Case, partner_caseworker: User,
                            outsider: User) -> None:
    url = reverse("cases:detail", kwargs={"pk": case.pk})
    for role, status in [(Role.PREVENTION_WORKER, 200), (Role.SUPERVISOR, 200),
                         (Role.COUNSELLOR, 403), (Role.DPO, 403)]:
        assert client_for(make_user(role, org)).get(url).status_code == status, role
    assert client_for(partner_caseworker).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(partner_caseworker).get(
        reverse("cases:diagram", kwargs={"pk": case.pk})).status_code == 404


def test_case_page_shows_the_file_and_audits_the_view(
        prevention_worker: User, supervisor: User, partner_caseworker: User, org: Organisation,
        offer: Offer, agreement: Agreement, django_assert_max_num_queries: Any) -> None:
    source = make_source(org)
    signal = make_signal(make_message(source, "A very hateful sentence here", author="@k"))
    signal_decide(actor=prevention_worker, signal=signal, labels=["hate_speech"],
                  outcome="refer", reason="Needs support offline, refer to the team.")
    case = Case.objects.get()
    _referred(prevention_worker, supervisor, case, offer)
    services.goal_add(actor=prevention_worker, case_id=case.pk, text="Finds a club")
    services.assessment_record(actor=prevention_worker, case_id=case.pk, needs=["school"],
                               needs_notes="Wants a club.")
    client = client_for(prevention_worker)
    with django_assert_max_num_queries(25):  # fixed: no query per goal, step or referral
        response = client.get(reverse("cases:detail", kwargs={"pk": case.pk}))
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("review:signal", kwargs={"signal_id": signal.pk}) in page
    assert "A very hateful sentence" not in page          # no message text on the case page
    assert "Wants a club." in page                         # the needs, in words
    assert "Education and school" in page and "1 earlier assessment is kept." in page
    assert "Finds a club" in page
    assert "Youth drop-in De Brug" in page and "Meets 2 of 2 needs" in page
    assert "Agreed to refer." in page                      # the conference note
    assert "From signal to support (TO-BE), version 1" in page
    assert "Answer the referral" in page and "Youth work partner" in page  # who does it
    assert 'data-bpmn-current="Task_AnswerReferral"' in page
    assert "Task_AssessNeeds" in page.split('data-bpmn-done="')[1].split('"')[0]
    assert "Pia Worker" in page                            # who did a step (history)
    assert not re.search(r"\b(score|risk)\b", page, re.IGNORECASE)
    entry = AuditEntry.objects.filter(action="case.view").get()
    assert (entry.actor, entry.object_id) == (prevention_worker, str(case.pk))


def test_diagram_returns_the_instance_bpmn(prevention_worker: User, case: Case,
                                           outsider: User) -> None:
    url = reverse("cases:diagram", kwargs={"pk": case.pk})
    response = client_for(prevention_worker).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert response.content.decode() == case.process.definition.bpmn
    assert client_for(outsider).get(url).status_code == 404


def test_consent_forms_record_and_override(prevention_worker: User, supervisor: User,
                                           case: Case) -> None:
    url = reverse("cases:consent", kwargs={"pk": case.pk})
    worker = client_for(prevention_worker)
    response = worker.post(url, {"status": "refused", "note": "Asked at home."})
    assert response.status_code == 302
    assert case.consents.get().status == ConsentStatus.REFUSED
    # a worker cannot override; the page does not even offer it
    page = worker.get(reverse("cases:detail", kwargs={"pk": case.pk})).content.decode()
    assert 'name="kind" value="override"' not in page
    denied = worker.post(url, {"kind": "override",
                               "reason": "I want to go on without consent anyway."})
    assert denied.status_code == 403 and not case.overrides.exists()
    boss = client_for(supervisor)
    assert 'name="kind" value="override"' in boss.get(
        reverse("cases:detail", kwargs={"pk": case.pk})).content.decode()
    short = boss.post(url, {"kind": "override", "reason": "short"}, headers=HTMX)
    assert short.status_code == 400 and 'id="id_reason_error"' in short.content.decode()
    done = boss.post(url, {"kind": "override", "reason": "Serious threat, the LIVC-R agreed."},
                     headers=HTMX)
    assert done.status_code == 200
    html = done.content.decode()
    assert html.startswith('<section id="consent"') and "Serious threat" in html
    assert case.overrides.get().supervisor == supervisor


def test_goal_forms_with_and_without_htmx(prevention_worker: User, case: Case,
                                          partner_caseworker: User) -> None:
    client = client_for(prevention_worker)
    bad = client.post(reverse("cases:goal_add", kwargs={"pk": case.pk}), {"text": "x"})
    assert bad.status_code == 400 and 'id="id_text_error"' in bad.content.decode()
    ok = client.post(reverse("cases:goal_add", kwargs={"pk": case.pk}),
                     {"text": "Back to school in September", "domain": "school",
                      "agreed_with_person": "on"}, headers=HTMX)
    assert ok.status_code == 200 and "Back to school" in ok.content.decode()
    goal = case.goals.get()
    assert goal.agreed_with_person
    url = reverse("cases:goal_update", kwargs={"pk": goal.pk})
    assert client_for(partner_caseworker).post(url, {"status": "dropped"}).status_code == 404
    assert client.post(url, {"status": "nonsense"}).status_code == 400
    assert client.post(url, {"status": "achieved"}).status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED


def test_team_form(prevention_worker: User, supervisor: User, outsider: User,
                   case: Case) -> None:
    client = client_for(prevention_worker)
    url = reverse("cases:team", kwargs={"pk": case.pk})
    refused = client.post(url, {"owner": prevention_worker.pk, "members": [outsider.pk]})
    assert refused.status_code == 400
    assert client.post(url, {"owner": supervisor.pk,
                             "members": [prevention_worker.pk]}).status_code == 302
    case.refresh_from_db()
    assert case.owner == supervisor and list(case.team.all()) == [prevention_worker]


def test_forms_on_a_closed_case_are_a_conflict_not_a_crash(prevention_worker: User,
                                                           case: Case) -> None:
    services.case_close(actor=prevention_worker, case_id=case.pk,
                        reason="The person moved to another town.")
    response = client_for(prevention_worker).post(
        reverse("cases:goal_add", kwargs={"pk": case.pk}), {"text": "A late goal"})
    assert response.status_code == 409
    assert "This case is closed." in response.content.decode()


# --- inbox and tasks ----------------------------------------------------------------------

def test_inbox_lists_tasks_with_bounded_queries(prevention_worker: User, case: Case,
                                                django_assert_max_num_queries: Any) -> None:
    for n in range(10):
        services.case_open(actor=prevention_worker, subject_label=f"Client I-{n}",
                           observation="Seen at the youth centre, worried friends.")
    client = client_for(prevention_worker)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("cases:inbox"))
    page = response.content.decode()
    assert page.count("Assess needs") == 11
    assert f"Case {case.reference}" in page
    assert reverse("cases:task", kwargs={"pk": open_step(case).pk}) in page


def test_task_page_and_doing_the_assessment(prevention_worker: User, case: Case,
                                            supervisor: User, outsider: User,
                                            partner_caseworker: User) -> None:
    step = open_step(case)
    url = reverse("cases:task", kwargs={"pk": step.pk})
    for person in (supervisor, outsider, partner_caseworker):
        assert client_for(person).get(url).status_code == 404
    client = client_for(prevention_worker)
    page = client.get(url).content.decode()
    assert "Client K-17" in page and reverse("cases:detail", kwargs={"pk": case.pk}) in page
    assert "<legend>Needs</legend>" in page
    assert client.post(url, {"needs": ["not-a-need"]}).status_code == 400
    response = client.post(url, {"needs": ["leisure", "social"], "needs_notes": "A club."})
    assert response.status_code == 302 and response["Location"] == reverse("cases:inbox")
    step.refresh_from_db()
    assert step.status == StepStatus.DONE and step.completed_by == prevention_worker
    assert case.assessments.get().needs == ["leisure", "social"]
    again = client.post(url, {"needs": ["leisure"]})
    assert again.status_code == 409
    assert "already done" in again.content.decode()


def test_choose_offer_shows_proposals_and_only_referable_ones_can_be_chosen(
        prevention_worker: User, supervisor: User, case: Case, offer: Offer,
        agreement: Agreement, partner_org: Organisation) -> None:
    full = make_offer(partner_org, "Full club", needs=["leisure"], capacity=0)
    nowhere = make_offer(make_org("No agreement", OrganisationType.SOCIAL_WELFARE),
                         "Far club", needs=["social"])
    to_choose_offer(prevention_worker, supervisor, case)
    step = open_step(case, "choose_offer")
    url = reverse("cases:task", kwargs={"pk": step.pk})
    client = client_for(prevention_worker)
    page = client.get(url).content.decode()
    assert "1. Youth drop-in De Brug" in page and "Can be referred" in page
    assert "Full club" in page and "No open places" in page
    assert "Far club" in page and "No valid data-sharing agreement with No agreement" in page
    assert f'value="{offer.pk}"' in page
    assert f'value="{full.pk}"' not in page and f'value="{nowhere.pk}"' not in page
    proposals = offers_propose(from_org_id=case.organisation_id, needs=["leisure", "social"],
                               language="nl", region="Mechelen", age=17)
    for proposal in proposals:   # offers are ordered, never a number shown about anyone
        assert str(proposal.score) not in page
    refused = client.post(url, {"offer": full.pk, "summary": SUMMARY})
    assert refused.status_code == 400 and not case.referrals.exists()
    assert client.post(url, {"offer": offer.pk, "summary": SUMMARY}).status_code == 302
    referral = case.referrals.get()
    assert referral.offer == offer and any("Meets 2 of 2" in r for r in referral.match_reasons)


def test_choose_offer_conflict_is_a_page_error(prevention_worker: User, supervisor: User,
                                               case: Case, org: Organisation) -> None:
    own = make_offer(org, "Own mentoring", needs=["leisure"], capacity=1)
    to_choose_offer(prevention_worker, supervisor, case)
    url = reverse("cases:task", kwargs={"pk": open_step(case, "choose_offer").pk})
    client = client_for(prevention_worker)
    assert f'value="{own.pk}"' in client.get(url).content.decode()
    own.capacity = 0   # the last place went while the worker was writing
    own.save()
    # the form is built from fresh proposals: the offer is no longer selectable
    assert client.post(url, {"offer": own.pk, "summary": SUMMARY}).status_code == 400
    own.capacity = 1
    own.save()
    response = client.post(url, {"offer": own.pk, "summary": "too short"})
    assert response.status_code == 400
    assert "at least 10 characters" in response.content.decode()


def test_partner_sees_the_referral_and_its_task_but_not_the_case(
        prevention_worker: User, supervisor: User, partner_caseworker: User, case: Case,
        offer: Offer, agreement: Agreement, django_assert_max_num_queries: Any) -> None:
    services.goal_add(actor=prevention_worker, case_id=case.pk, text="Secret goal text")
    _referred(prevention_worker, supervisor, case, offer)
    referral = case.referrals.get()
    partner = client_for(partner_caseworker)
    assert partner.get(reverse("cases:detail", kwargs={"pk": case.pk})).status_code == 404

    with django_assert_max_num_queries(10):
        inbox = partner.get(reverse("cases:inbox")).content.decode()
    assert f"Referral {referral.pk} to Youth drop-in De Brug" in inbox
    assert "Client K-17" not in inbox and case.reference not in inbox

    step = open_step(case, "referral_answer")
    task = partner.get(reverse("cases:task", kwargs={"pk": step.pk}))
    page = task.content.decode()
    assert task.status_code == 200
    assert SUMMARY in page and "Youth drop-in De Brug" in page
    for hidden in ("Client K-17", case.reference, "Wants a club", "Secret goal",
                   "Agreed to refer", reverse("cases:detail", kwargs={"pk": case.pk})):
        assert hidden not in page, hidden

    referral_page = partner.get(reverse("cases:referral", kwargs={"pk": referral.pk}))
    page = referral_page.content.decode()
    assert referral_page.status_code == 200 and SUMMARY in page
    assert "Client K-17" not in page and "Meets 2 of 2" not in page
    assert reverse("cases:task", kwargs={"pk": step.pk}) in page
    assert AuditEntry.objects.filter(action="referral.view", actor=partner_caseworker).exists()

    received = partner.get(reverse("cases:referrals")).content.decode()
    assert f"Referral {referral.pk}" in received and "Client K-17" not in received

    answered = partner.post(reverse("cases:task", kwargs={"pk": step.pk}),
                            {"answer": "accepted", "reason": "We have a place this week."})
    assert answered.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    offer.refresh_from_db()
    assert offer.capacity == 1
    first_contact = open_step(case, "first_contact")
    page = partner.get(reverse("cases:task", kwargs={"pk": first_contact.pk})).content.decode()
    assert "Your earlier steps on this referral" in page and "Answer the referral" in page
    assert "Assess needs" not in page


def test_referral_pages_per_role(prevention_worker: User, supervisor: User,
                                 partner_caseworker: User, outsider: User, counsellor: User,
                                 case: Case, offer: Offer, agreement: Agreement) -> None:
    _referred(prevention_worker, supervisor, case, offer)
    url = reverse("cases:referral", kwargs={"pk": case.referrals.get().pk})
    worker_page = client_for(prevention_worker).get(url)
    assert worker_page.status_code == 200 and "Meets 2 of 2" in worker_page.content.decode()
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(counsellor).get(url).status_code == 403
    elsewhere = make_user(Role.PARTNER_CASEWORKER,
                          make_org("Other partner", OrganisationType.SOCIAL_WELFARE))
    assert client_for(elsewhere).get(url).status_code == 404
    assert client_for(prevention_worker).get(reverse("cases:referrals")).status_code == 403
    assert client_for(elsewhere).get(reverse("cases:referrals")).status_code == 200


def test_walk_the_whole_process_through_the_pages(
        prevention_worker: User, supervisor: User, partner_caseworker: User, case: Case,
        offer: Offer, agreement: Agreement) -> None:
    worker, boss, partner = (client_for(u) for u in (prevention_worker, supervisor,
                                                      partner_caseworker))
    walk: list[tuple[Client, str, dict[str, Any]]] = [
        (worker, "assessment", {"needs": ASSESSMENT["needs"], "needs_notes": "A club."}),
        (worker, "consent", {"status": "given"}),
        (boss, "case_conference", {"decision": "refer"}),
        (worker, "choose_offer", {"offer": offer.pk, "summary": SUMMARY}),
        (partner, "referral_answer", {"answer": "accepted", "reason": "Place available now."}),
        (partner, "first_contact", {"on": case.opened_at.date().isoformat()}),
        (partner, "outcome", {"outcome": "engaged", "domain": "leisure"}),
        (worker, "follow_up", {"note": "Going well."}),
        (worker, "close", {"reason": "Support is in place; case closed."}),
    ]
    for client, form, data in walk:
        step = open_step(case, form)
        response = client.post(reverse("cases:task", kwargs={"pk": step.pk}), data)
        assert response.status_code == 302, (form, response.content.decode()[-2000:])
    case.refresh_from_db()
    assert case.status == "closed" and case.process.status == "completed"
    offer.refresh_from_db()
    assert offer.capacity == 2
    assert not case.steps.filter(status=StepStatus.OPEN).exists()


def test_home_page_shows_the_inbox_and_cases(prevention_worker: User, case: Case,
                                             partner_caseworker: User) -> None:
    page = client_for(prevention_worker).get(reverse("web:home")).content.decode()
    assert reverse("cases:inbox") in page and reverse("cases:list") in page
    assert "Inbox (1)" in page
    partner = client_for(partner_caseworker).get(reverse("web:home")).content.decode()
    assert reverse("cases:inbox") in partner and reverse("cases:referrals") in partner
    assert f'href="{reverse("cases:list")}"' not in partner
