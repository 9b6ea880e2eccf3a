"""The demo's casework: offers, agreements, AS-IS and TO-BE cases walked through the real
services, with months of history that the report can compare, built once and rebuilt on reset."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.audit.models import AuditEntry
from brug.audit.services import audit_verify
from brug.cases import workflow
from brug.cases.models import (
    Case,
    CaseNote,
    CaseOrigin,
    CaseStatus,
    ConsentOverride,
    Goal,
    InstanceStatus,
    ProcessInstance,
    ProcessStep,
    Referral,
    ReferralStatus,
    StepStatus,
)
from brug.cases.reports import process_report
from brug.cases.selectors import inbox
from brug.demo import casedata
from brug.demo import cases as demo_cases
from brug.demo import services as demo
from brug.partners.matching import offers_propose
from brug.partners.models import Agreement, Offer
from brug.review.models import Decision, Outcome
from brug.signals.models import SignalStatus
from tests.factories import make_message, make_signal

pytestmark = pytest.mark.django_db

HISTORY = 12  # enough for every TO-BE path in the demo; the command builds 24 of each
# A pseudonymous code (never a name), or what a "refer" decision names a case by.
LABEL = re.compile(r"^(Jongere|Jeune|Young person|Cliënt|Client) [A-Z]-\d{2}$"
                   r"|^Author [0-9a-f]{6}$")


def build(history: int = HISTORY) -> tuple[dict[str, Organisation], dict[str, User], int]:
    organisations = demo.demo_organisations_ensure()
    people = demo.demo_people_ensure(organisations=organisations)
    people += demo_cases.demo_partner_people_ensure(organisations=organisations)
    by_name = {u.username: u for u in people}
    demo_cases.demo_offers_ensure(organisations=organisations)
    demo_cases.demo_agreements_ensure(dpo=by_name["dana"], organisations=organisations)
    walked = demo_cases.demo_cases_ensure(organisations=organisations, history=history)
    return organisations, by_name, walked


def snapshot() -> dict[str, Any]:
    return {
        "people": User.objects.count(),
        "offers": Offer.objects.count(),
        "agreements": Agreement.objects.count(),
        "cases": Case.objects.count(),
        "steps": ProcessStep.objects.count(),
        "referrals": Referral.objects.count(),
        "goals": Goal.objects.count(),
        "labels": sorted(Case.objects.values_list("subject_label", flat=True)),
    }


def completed(key: str) -> int:
    return ProcessInstance.objects.filter(definition__key=key,
                                          status=InstanceStatus.COMPLETED).count()


def test_builds_offers_agreements_and_history_on_an_empty_database_and_only_once() -> None:
    organisations, people, walked = build()

    # Offers: created by the partner organisation's own caseworker, one of them full.
    offers = list(Offer.objects.select_related("organisation"))
    assert 8 <= len(offers) <= 12 and len(offers) == len(casedata.OFFERS)
    assert [o.name for o in offers if o.capacity == 0] == ["Logement de transit et "
                                                           "accompagnement"]
    assert {o.organisation.kind for o in offers} == {
        OrganisationType.YOUTH_WORK, OrganisationType.SOCIAL_WELFARE, OrganisationType.SCHOOL,
        OrganisationType.EXIT_PROGRAMME, OrganisationType.MENTAL_HEALTH}
    creators = dict(AuditEntry.objects.filter(action="offer.create")
                    .values_list("object_id", "actor__organisation_id"))
    assert all(creators[str(o.pk)] == o.organisation_id for o in offers)
    assert {r for o in offers for r in [o.region]} >= {"Mechelen", "Antwerpen", "Brussel"}

    # Agreements: recorded by the DPO; valid with most partners, one expired, none with one.
    prevention = organisations[OrganisationType.PREVENTION]
    assert set(Agreement.objects.values_list("recorded_by__username", flat=True)) == {"dana"}
    counts = demo_cases.demo_casework_counts(organisations=organisations,
                                             people=list(people.values()))
    assert sorted(counts.agreements.values()) == ["expired", "none", "valid", "valid", "valid"]
    school = [p for p in offers_propose(from_org_id=prevention.pk, needs=["school"],
                                        language="nl", region="Mechelen", age=15)
              if p.offer.organisation.kind == OrganisationType.SCHOOL]
    assert school and not school[0].referable  # "no valid agreement" shows in matching

    # History: completed cases of both processes over more than six months, and open ones.
    assert walked == 2 * HISTORY + len(demo_cases.CURRENT)
    assert completed("to_be") == completed("as_is") == HISTORY
    assert counts.cases["to_be"]["open"] >= 6 and counts.cases["as_is"]["open"] == 2
    now = timezone.now()
    first = Case.objects.order_by("opened_at").first()
    assert first is not None and now - first.opened_at > timedelta(days=180)
    assert ProcessInstance.objects.filter(status=InstanceStatus.ERROR).count() == 0
    assert not Case.objects.filter(opened_at__gt=now).exists()

    # Variety: reminders by the sweep, a decline then a second offer, an override with a
    # reason, a conference without referral, outcomes that are not a success, goals agreed.
    assert Referral.objects.filter(reminders__gte=1).exists()
    assert Referral.objects.filter(reminders=2).exists()
    declined = Referral.objects.filter(status=ReferralStatus.DECLINED,
                                       case__process__definition__key="to_be")
    assert declined.exists()
    assert all(Referral.objects.filter(case=r.case, sent_at__gt=r.sent_at).exists()
               for r in declined)
    assert ConsentOverride.objects.filter(reason__gt="", legal_ground__gt="").exists()
    assert CaseNote.objects.filter(decision="no_referral").exists()
    outcomes = set(Referral.objects.exclude(outcome="").values_list("outcome", flat=True))
    assert {"completed", "engaged"} <= outcomes and outcomes & {"dropped_out", "not_engaged"}
    assert Goal.objects.filter(agreed_with_person=True).exists()
    assert AuditEntry.objects.filter(action="process.handler.remind_partner").exists()

    # Running it again walks nothing and changes nothing.
    before = snapshot()
    assert build()[2] == 0
    assert snapshot() == before
    assert audit_verify().ok


def test_history_reads_like_real_work_and_names_nobody() -> None:
    build(history=6)
    now = timezone.now()
    for referral in Referral.objects.select_related("case"):
        assert referral.case.opened_at <= referral.sent_at <= now
        moments = [referral.sent_at, referral.answered_at, referral.first_contact_at,
                   referral.outcome_at]
        reached = [m for m in moments if m is not None]
        assert reached == sorted(reached)
        if referral.first_contact_on is not None:
            assert referral.first_contact_on == timezone.localdate(referral.first_contact_at)
    for step in ProcessStep.objects.exclude(completed_at=None).select_related("case"):
        assert step.completed_at is not None
        assert step.case.opened_at <= step.opened_at <= step.completed_at <= now
    for case in Case.objects.filter(status=CaseStatus.CLOSED):
        assert case.closed_at is not None and case.opened_at < case.closed_at <= now
    # People act in office hours on working days (timers fire whenever they are due).
    people_steps = ProcessStep.objects.filter(kind="user", status=StepStatus.DONE)
    for step in people_steps:
        assert step.completed_at is not None
        local = timezone.localtime(step.completed_at)
        assert local.weekday() < 5 and 9 <= local.hour < 17, (step.name, local)
    # Every case has a pseudonymous label, never a name; assessments are in plain words.
    names = {w for u in User.objects.all() for w in (u.first_name, u.last_name) if w}
    labels = list(Case.objects.values_list("subject_label", flat=True))
    assert labels and all(LABEL.match(label) for label in labels), labels
    assert not [label for label in labels if any(name in label for name in names)]
    assert len(set(labels)) == len(labels)
    for case in Case.objects.filter(origin=CaseOrigin.OBSERVATION):
        assessment = case.assessments.first()
        if assessment is None:  # the newest case waits for its assessment
            assert case.steps.filter(form="assessment", status=StepStatus.OPEN).exists()
            continue
        assert assessment.needs and assessment.needs_notes and assessment.concerns


def test_the_report_shows_to_be_faster_than_as_is() -> None:
    _organisations, people, _walked = build(history=6)

    report = process_report(actor=people["pia"])

    versions = {v.key: v for v in report.versions}
    assert set(versions) == {"to_be", "as_is"}
    first_contact = {key: next(m for m in v.milestones if m.key == "first_contact")
                     for key, v in versions.items()}
    assert first_contact["to_be"].figure.n >= 3 and first_contact["as_is"].figure.n >= 3
    to_be, as_is = first_contact["to_be"].figure.median, first_contact["as_is"].figure.median
    assert to_be is not None and as_is is not None
    assert to_be < 21 and as_is > 28 and as_is > 2 * to_be  # days against weeks


def test_every_demo_role_with_tasks_sees_them_in_its_inbox() -> None:
    _organisations, people, _walked = build(history=4)

    seen = {user.username: list(inbox(user)) for user in people.values()}

    open_steps = ProcessStep.objects.filter(status=StepStatus.OPEN, kind="user")
    assert {s.pk for steps in seen.values() for s in steps} == set(
        open_steps.values_list("pk", flat=True))
    for username in ("pia", "noah", "sara", "jules", "lotte", "ines"):
        assert seen[username], username
    assert {s.form for s in seen["pia"]} >= {"assessment", "consent", "choose_offer"}
    assert [s.form for s in seen["sara"]] == ["case_conference"]
    assert [s.form for s in seen["jules"]] == ["referral_answer"]
    assert {s.form for s in seen["lotte"]} == {"first_contact", "referral_answer"}
    for username in ("omar", "cato", "dana", "adam", "yara", "bram"):
        assert not seen[username], username
    # The partner sees only the referral: the answer task is about a case sent to it.
    jules_step = seen["jules"][0]
    assert Referral.objects.get(case=jules_step.case, status=ReferralStatus.SENT).partner_id == \
        people["jules"].organisation_id


def test_one_referral_is_overdue_and_the_workers_sweep_reminds_the_partner() -> None:
    _organisations, people, _walked = build(history=2)
    now = timezone.now()
    overdue = ProcessInstance.objects.filter(status=InstanceStatus.RUNNING,
                                             next_timer_at__lte=now)
    assert overdue.count() == 1
    case = overdue.get().case
    referral = Referral.objects.get(case=case, status=ReferralStatus.SENT)
    assert referral.reminders == 0 and referral.partner == people["ines"].organisation

    assert workflow.timers_sweep().advanced == 1

    referral.refresh_from_db()
    assert referral.reminders == 1
    assert [s.form for s in inbox(people["ines"])] == ["referral_answer"]


def test_refer_decisions_on_demo_signals_open_cases_and_leave_the_other_examples_alone(
        ) -> None:
    _organisations, people, _walked = build(history=0)
    upload, push, _feed, _token = demo.demo_sources_ensure(actor=people["adam"])
    signals = {
        external_id: make_signal(make_message(upload, text, author=author, lang=lang,
                                              external_id=external_id), ["alienation"])
        for external_id, author, lang, text in (
            ("demo-nl-040", "@tuur.k", "nl", "Alleen hier online snappen ze me nog."),
            ("demo-nl-039", "@tuur.k", "nl", "Ik hoor nergens bij."),
            ("demo-en-017", "@dan_solo", "en", "Nobody listens."),
            ("demo-fr-047", "@someone", "fr", "Personne ne nous écoute ici."))}
    demo.demo_decisions_ensure(reviewer=people["pia"], sources=[upload, push])
    monitored = Decision.objects.get(outcome=Outcome.MONITOR)
    assert monitored.signal == signals["demo-fr-047"]

    made = demo_cases.demo_signal_cases_ensure(reviewer=people["pia"], sources=[upload, push])

    assert [d.signal.message.external_id for d in made] == ["demo-nl-040", "demo-en-017"]
    from_signals = Case.objects.filter(origin=CaseOrigin.SIGNAL)
    assert from_signals.count() == 2
    assert all(c.process.definition.key == "to_be" for c in from_signals)
    assert all(LABEL.match(c.subject_label) for c in from_signals)
    assert {s.case_id for s in inbox(people["pia"])} >= set(from_signals.values_list("pk",
                                                                                      flat=True))
    signals["demo-nl-039"].refresh_from_db()
    # Same author: left for a reviewer (a "refer" there would join the same case).
    assert signals["demo-nl-039"].status == SignalStatus.OPEN
    assert demo_cases.demo_signal_cases_ensure(reviewer=people["pia"],
                                               sources=[upload, push]) == []
    assert Decision.objects.filter(outcome=Outcome.MONITOR).get() == monitored


def test_the_command_prints_the_casework_and_reset_rebuilds_it() -> None:
    out = io.StringIO()
    call_command("demo", "--force", "--no-score", "--history", "3", stdout=out)
    output = out.getvalue()
    assert "Partner offers: 10 (1 full)" in output
    assert "  - Exit Vlaanderen: expired" in output
    assert "  - Stedelijk Lyceum De Brug (school, demo): none" in output
    assert re.search(r"Cases: AS-IS 2 open / 3 closed, TO-BE \d+ open / 3 closed", output)
    inbox_line = next(line for line in output.splitlines() if line.startswith(" Inbox: "))
    assert "pia " in inbox_line and "jules " in inbox_line and "lotte " in inbox_line
    first = snapshot()
    labels = set(first["labels"])

    out = io.StringIO()
    call_command("demo", "--force", "--no-score", "--history", "3", "--reset", stdout=out)

    assert re.search(r"Reset: removed 3 demo sources and \d+ messages, "
                     rf"{first['cases']} cases, 10 offers, 4 agreements and 1 counselling "
                     "clients", out.getvalue())
    again = snapshot()
    assert again == first and set(again["labels"]) == labels
    assert not Referral.objects.filter(~Q(offer__in=Offer.objects.all())).exists()
    assert audit_verify().ok
    assert Role.PARTNER_CASEWORKER in set(User.objects.values_list("role", flat=True))
