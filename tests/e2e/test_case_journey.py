"""The referral journey in a real browser, all through the pages, as four people in their own
browser contexts: a prevention worker refers a signal (a case opens), assesses the needs and
records consent; the supervisor records the case conference's "refer"; the worker chooses the
partner's offer from the ranked proposals; the partner's caseworker accepts the referral,
records the first contact and the outcome; the worker then sees the outcome, the drawn process
diagram and the history on the case page, which the partner cannot open (404).

The database holds only the set-up (organisations, people, offer, agreement, a flagged
message). axe-core checks (WCAG 2.1 A/AA, no serious or critical violation) run on task pages,
inboxes and the case page for every role, and no page may log a console error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from brug.accounts.models import Organisation, User
from brug.cases.models import Case, ProcessStep, Referral, ReferralOutcome, ReferralStatus
from brug.partners.models import Agreement, Offer
from brug.partners.vocab import LifeDomain, Need
from brug.review.models import Decision, Outcome
from brug.signals.models import Signal

from ..factories import make_message, make_signal, make_source, totp_device
from ..partners.helpers import make_agreement, make_offer
from .conftest import TIMEOUT_MS, ConsoleLog
from .test_review_journey import assert_accessible, assert_no_console_errors, sign_in, url

pytestmark = [pytest.mark.e2e]

OFFER_NAME = "Youth drop-in De Brug"
REFER_REASON = "Repeats recruitment narratives and says he has nobody; worth real support."
SUMMARY = "Young man, about 17, looking for a place to belong after school."
ANSWER_REASON = "We have a place in the Thursday group."
DONE = "Done: record and go on"


@dataclass
class Person:
    """One person's signed-in browser context and page, with its console log."""

    user: User
    context: Any
    page: Any
    log: ConsoleLog

    def storage(self) -> Any:
        return self.context.storage_state()


@pytest.fixture
def sign_in_as(browser: Any, live_server: Any) -> Iterator[Callable[[User], Person]]:
    """Signs a person in (password and authenticator code) in a browser context of their own."""
    contexts: list[Any] = []

    def open_session(user: User) -> Person:
        context = browser.new_context(locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        log = ConsoleLog()
        page.on("console", log.on_console)
        page.on("pageerror", log.on_page_error)
        sign_in(page, live_server, user, totp_device(user))
        return Person(user, context, page, log)

    yield open_session
    for context in contexts:
        context.close()


@pytest.fixture
def offer(transactional_db: None, partner_org: Organisation) -> Offer:
    return make_offer(partner_org, OFFER_NAME, needs=[Need.LEISURE, Need.SOCIAL],
                      languages=["nl"], region="Mechelen", capacity=2)


@pytest.fixture
def agreement(transactional_db: None, org: Organisation, partner_org: Organisation,
              dpo: User) -> Agreement:
    return make_agreement(org, partner_org, recorded_by=dpo, title="Youth work DSA")


@pytest.fixture
def flagged(transactional_db: None, org: Organisation) -> Signal:
    source = make_source(org, name="Forum Mechelen")
    message = make_message(source, "Niemand luistert naar ons, alleen de broeders begrijpen "
                                    "het. Sluit je aan.", age=timedelta(hours=2))
    return make_signal(message, ["extremist_narrative", "alienation"])


def open_inbox(page: Any) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")


def inbox_row(page: Any, step: str) -> Any:
    return page.locator("main table tbody tr").filter(
        has=page.get_by_role("link", name=step, exact=True))


def open_task(page: Any, step: str) -> None:
    """From the inbox, the task of this name (the only one of its name)."""
    inbox_row(page, step).get_by_role("link", name=step, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(step)


def finish_task(page: Any, step: str) -> None:
    """Submits the task form; the inbox comes back saying the process moved on."""
    page.get_by_role("button", name=DONE).click()
    expect(page.get_by_role("status").filter(
        has_text=f"Done: “{step}”. The process moved on.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    expect(inbox_row(page, step)).to_have_count(0)


def test_a_signal_is_referred_accepted_and_its_outcome_recorded(
        transactional_db: None, live_server: Any, browser: Any,
        sign_in_as: Callable[[User], Person], prevention_worker: User, supervisor: User,
        partner_caseworker: User, offer: Offer, agreement: Agreement,
        flagged: Signal) -> None:
    # --- the prevention worker refers the signal: a case opens ------------------------------
    worker = sign_in_as(prevention_worker)
    page = worker.page
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("link", name=f"Signal {flagged.pk}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Signal {flagged.pk}")
    message_box = page.locator(f"#msg-{flagged.message_id}")
    page.locator(f'form[data-reveal="msg-{flagged.message_id}"] button').click()
    expect(message_box).not_to_have_class(re.compile(r"\bblurred\b"))
    expect(message_box).to_contain_text("broeders")
    page.get_by_label("Extremist narrative", exact=True).check()
    page.get_by_label("Genuine grievance", exact=True).check()
    page.get_by_label("Refer to a partner (opens a case)", exact=True).check()
    page.get_by_label("Reason", exact=True).fill(REFER_REASON)
    page.get_by_role("button", name="Record decision and open the next signal").click()
    notice = page.get_by_role("status").filter(has_text="Decision recorded: refer.")
    expect(notice).to_be_visible()
    case = Case.objects.get(signals=flagged)
    expect(notice).to_contain_text(f"The signal is in case {case.reference};")
    assert Decision.objects.get(signal=flagged).outcome == Outcome.REFER

    # Assess needs, then ask consent.
    open_inbox(page)
    expect(inbox_row(page, "Assess needs")).to_contain_text(f"Case {case.reference}")
    assert_accessible(browser, url(live_server, "cases:inbox"), "the worker's inbox",
                      worker.storage())
    open_task(page, "Assess needs")
    expect(page.get_by_role("region", name="About the case")).to_contain_text(case.reference)
    assert_accessible(browser, page.url, "the needs assessment task", worker.storage())
    page.get_by_label("Leisure and belonging", exact=True).check()
    page.get_by_label("Social contacts and trusted adults", exact=True).check()
    page.get_by_label("A trusted adult", exact=True).check()
    page.get_by_label("Needs, in words").fill("Looks for a club and people his age.")
    finish_task(page, "Assess needs")

    open_task(page, "Ask consent")
    expect(page.get_by_role("region", name="About the case")).to_contain_text(
        "Leisure and belonging, Social contacts and trusted adults")
    page.get_by_label("Given", exact=True).check()
    page.get_by_label("How it was asked").fill("Asked in person at the youth centre.")
    finish_task(page, "Ask consent")
    expect(page.locator("main table tbody")).to_contain_text("Nothing is waiting for you.")

    # --- the supervisor records the case conference -----------------------------------------
    boss = sign_in_as(supervisor)
    open_inbox(boss.page)
    open_task(boss.page, "Case conference (LIVC-R)")
    assert_accessible(browser, boss.page.url, "the case conference task", boss.storage())
    boss.page.get_by_label("Refer to a partner", exact=True).check()
    boss.page.get_by_label("Organisations present").fill("Youth work, school, police")
    finish_task(boss.page, "Case conference (LIVC-R)")

    # --- the worker chooses the proposed offer ----------------------------------------------
    open_inbox(page)
    open_task(page, "Choose an offer")
    proposal = page.locator("ol.proposals > li").filter(has_text=OFFER_NAME)
    expect(proposal).to_have_count(1)
    expect(proposal).to_contain_text("Can be referred")
    reasons = proposal.locator("ul.reasons")
    for reason in ("Meets 2 of 2 needs: Leisure and belonging, Social contacts and trusted "
                   "adults", "Works in Dutch", "2 open places",
                   "Data-sharing agreement “Youth work DSA” valid until"):
        expect(reasons).to_contain_text(reason)
    assert_accessible(browser, page.url, "the choose-an-offer task", worker.storage())
    page.get_by_role("radio", name=re.compile(re.escape(OFFER_NAME))).check()
    page.get_by_label("What the partner needs to know").fill(SUMMARY)
    finish_task(page, "Choose an offer")
    referral = Referral.objects.get(case=case)
    assert referral.status == ReferralStatus.SENT and referral.offer_id == offer.pk

    # --- the partner's caseworker answers, meets the person, records the outcome ------------
    partner = sign_in_as(partner_caseworker)
    ppage = partner.page
    open_inbox(ppage)
    row = inbox_row(ppage, "Answer the referral")
    expect(row).to_contain_text(f"Referral {referral.pk} to {OFFER_NAME}")
    main = ppage.locator("main")
    expect(main).not_to_contain_text(case.reference)
    expect(main).not_to_contain_text(case.subject_label)
    assert_accessible(browser, url(live_server, "cases:inbox"), "the partner's inbox",
                      partner.storage())
    open_task(ppage, "Answer the referral")
    shared = ppage.get_by_role("region", name="The referral")
    expect(shared).to_contain_text(SUMMARY)
    expect(main).not_to_contain_text(case.reference)
    expect(main).not_to_contain_text(REFER_REASON)
    assert_accessible(browser, ppage.url, "the answer-the-referral task", partner.storage())
    ppage.get_by_label("Accept", exact=True).check()
    ppage.get_by_label("Reason", exact=True).fill(ANSWER_REASON)
    finish_task(ppage, "Answer the referral")

    open_task(ppage, "Record first contact")
    expect(ppage.get_by_role("region", name="The referral")).to_contain_text(
        "Answer the referral")  # the partner's own earlier step
    ppage.get_by_label("Date of first contact").fill(timezone.localdate().isoformat())
    finish_task(ppage, "Record first contact")

    open_task(ppage, "Record the outcome")
    assert_accessible(browser, ppage.url, "the outcome task", partner.storage())
    ppage.get_by_label("Completed", exact=True).check()
    ppage.get_by_label("Life domain of re-inclusion").select_option(LifeDomain.LEISURE.value)
    finish_task(ppage, "Record the outcome")
    expect(ppage.locator("main table tbody")).to_contain_text("Nothing is waiting for you.")

    # --- the worker sees the outcome, the diagram and the history on the case page ----------
    open_inbox(page)
    open_task(page, "Follow up with the person")
    page.get_by_role("region", name="About the case").get_by_role(
        "link", name=case.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    article = page.locator("#referrals article").filter(has_text=OFFER_NAME)
    expect(article).to_contain_text("Outcome recorded")
    expect(article).to_contain_text("Completed — re-inclusion in: Leisure")
    expect(article).to_contain_text(ANSWER_REASON)
    diagram = page.locator("#process .brug-diagram")
    expect(diagram).to_have_attribute("data-bpmn-state", "ready")
    expect(diagram.locator("svg[role=img]").first).to_be_visible()
    expect(diagram.locator(".djs-element.brug-done").first).to_be_attached()
    expect(diagram.locator(".djs-element.brug-current")).not_to_have_count(0)
    history = page.locator("#process table tbody tr")
    for step, who in (("Assess needs", prevention_worker.label),
                      ("Ask consent", prevention_worker.label),
                      ("Case conference (LIVC-R)", supervisor.label),
                      ("Choose an offer", prevention_worker.label),
                      ("Answer the referral", partner_caseworker.label),
                      ("Record first contact", partner_caseworker.label),
                      ("Record the outcome", partner_caseworker.label)):
        step_row = history.filter(has=page.get_by_role("rowheader", name=step, exact=True))
        expect(step_row).to_have_count(1)
        expect(step_row.locator("td").nth(1)).to_have_text(who)
        expect(step_row.locator("td").last).to_have_text("Done")
    waiting = history.filter(
        has=page.get_by_role("rowheader", name="Follow up with the person", exact=True))
    expect(waiting.locator("td").last).to_have_text("To do")
    assert_accessible(browser, page.url, "the case page", worker.storage())

    # The partner learns nothing about the case behind the referral.
    probe = partner.context.new_page()  # no console log: the 404 itself is logged as an error
    for name in ("cases:detail", "cases:diagram"):
        response = probe.goto(url(live_server, name, case.pk))
        assert response is not None and response.status == 404, (name, response)
        expect(probe.locator("body")).not_to_contain_text(case.subject_label)
    probe.close()

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ENDED
    assert referral.outcome == ReferralOutcome.COMPLETED
    assert referral.outcome_domain == LifeDomain.LEISURE
    assert referral.first_contact_on == timezone.localdate()
    who_did = dict(ProcessStep.objects.filter(case=case, kind="user", status="done")
                   .values_list("form", "completed_by__username"))
    assert who_did == {"assessment": "pw", "consent": "pw", "case_conference": "sv",
                       "choose_offer": "pw", "referral_answer": "pc", "first_contact": "pc",
                       "outcome": "pc"}
    for person in (worker, boss, partner):
        assert_no_console_errors(person.log)
