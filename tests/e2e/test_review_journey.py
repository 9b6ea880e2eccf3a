"""The review journey in a real browser: sign in with a password and an authenticator code, open
the most urgent signal, reveal the blurred message, record labels and a dismissal with a reason,
and see the signal leave the queue. Plus a keyboard-only sign-in and axe-core checks of the
sign-in page, the queue and the signal page (WCAG 2.1 AA: no serious or critical violations).

The real Content-Security-Policy stays in force during the journey, and no console error (such
as a "Refused to ..." CSP report) may appear.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from brug.accounts.models import Organisation, User
from brug.audit.models import AuditEntry
from brug.review.models import Decision, Outcome
from brug.signals.models import Signal, SignalStatus

from ..factories import PASSWORD, make_message, make_signal, make_source, totp_device
from .axe import axe_violations, describe, serious
from .conftest import ConsoleLog

pytestmark = [pytest.mark.e2e]

REASON = "Quoted song lyrics in a football thread, no real threat; nothing to follow up."


def current_code(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows now."""
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def url(live_server: Any, name: str, *args: Any) -> str:
    return f"{live_server.url}{reverse(name, args=args)}"


def sign_in(page: Any, live_server: Any, user: User, device: TOTPDevice) -> None:
    page.goto(url(live_server, "accounts:login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:verify"))))
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def assert_accessible(browser: Any, target: str, page_name: str,
                      storage_state: Any | None = None) -> None:
    violations = axe_violations(browser, target, storage_state)
    minor = [v for v in violations if v not in serious(violations)]
    if minor:  # shown with -s or when the test fails; not a failure by itself
        print(describe(minor, page_name).replace("serious/critical", "moderate/minor"))
    found = serious(violations)
    assert not found, describe(found, page_name)


def assert_no_console_errors(log: ConsoleLog) -> None:
    refusals = log.csp_refusals()
    assert not refusals, "The Content-Security-Policy refused something:\n" + "\n".join(refusals)
    assert not log.errors, "The pages logged errors:\n" + "\n".join(log.errors)


@pytest.fixture
def queue_signals(transactional_db: None, org: Organisation) -> dict[str, Signal]:
    """Three open signals; the violent-intent one is the newest but must come first."""
    source = make_source(org, name="Forum Mechelen")
    hate = make_signal(make_message(source, "Die r4tten moeten hier weg, allemaal.",
                                    age=timedelta(hours=3)), ["hate_speech"])
    alienation = make_signal(make_message(source, "Niemand luistert ooit naar ons hier.",
                                          age=timedelta(hours=2)), ["alienation"])
    violent = make_signal(make_message(source, "Morgen ga ik ze allemaal pakken bij het station.",
                                       age=timedelta(minutes=10)),
                          ["violent_intent", "hate_speech"])
    return {"hate": hate, "alienation": alienation, "violent": violent}


def test_prevention_worker_reviews_the_most_urgent_signal(
        transactional_db: None, live_server: Any, browser: Any,
        page_and_log: tuple[Any, ConsoleLog], prevention_worker: User,
        queue_signals: dict[str, Signal]) -> None:
    page, log = page_and_log
    device = totp_device(prevention_worker)
    violent = queue_signals["violent"]

    assert_accessible(browser, url(live_server, "accounts:login"), "the sign-in page")
    sign_in(page, live_server, prevention_worker, device)

    # The queue: most serious first, then the oldest. No message text in the list.
    page.get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
    rows = page.locator("table.queue-table tbody tr")
    expect(rows).to_have_count(3)
    order = [rows.nth(i).get_by_role("link").first.inner_text() for i in range(3)]
    expected = [queue_signals[k].pk for k in ("violent", "hate", "alienation")]
    assert order == [f"Signal {pk}" for pk in expected]
    expect(page.locator("main")).not_to_contain_text("allemaal pakken")
    storage = page.context.storage_state()
    assert_accessible(browser, url(live_server, "review:queue"), "the review queue", storage)

    # The signal page: the message is blurred until the reviewer asks for it.
    rows.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("review:signal",
                                                          args=[violent.pk])) + "$"))
    message_box = page.locator(f"#msg-{violent.message_id}")
    expect(message_box).to_have_class(re.compile(r"\bblurred\b"))
    expect(message_box).to_have_attribute("aria-hidden", "true")
    assert_accessible(browser, url(live_server, "review:signal", violent.pk),
                      "the signal page", storage)

    page.locator(f'form[data-reveal="msg-{violent.message_id}"] button').click()
    expect(message_box).not_to_have_class(re.compile(r"\bblurred\b"))
    expect(message_box).not_to_have_attribute("aria-hidden", "true")
    expect(message_box).to_contain_text("allemaal pakken")
    # The exposure counter went up through htmx (the page did not reload).
    expect(page.locator("#exposure-count")).to_contain_text("viewed 1 flagged message")

    # Labels, decision and a written reason.
    page.get_by_label("Trolling", exact=True).check()
    page.get_by_label("Not relevant", exact=True).check()
    page.get_by_label("Dismiss", exact=True).check()
    page.get_by_label("Reason", exact=True).fill(REASON)
    page.get_by_role("button", name="Record decision and open the next signal").click()

    # The next signal opens, and the decided one has left the queue.
    expect(page.get_by_role("status").filter(has_text="Decision recorded")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(reverse(
        "review:signal", args=[queue_signals["hate"].pk])) + "$"))
    page.get_by_role("link", name="Review queue").click()
    expect(rows).to_have_count(2)
    expect(page.get_by_role("link", name=f"Signal {violent.pk}", exact=True)).to_have_count(0)

    violent.refresh_from_db()
    assert violent.status == SignalStatus.DECIDED
    decision = Decision.objects.get(signal=violent)
    assert decision.outcome == Outcome.DISMISS
    assert decision.reviewer_id == prevention_worker.pk
    assert sorted(decision.labels) == ["not_relevant", "trolling"]
    assert decision.reason == REASON
    assert AuditEntry.objects.filter(action="signal.decided", object_id=str(violent.pk)).exists()
    assert AuditEntry.objects.filter(action="signal.viewed", object_id=str(violent.pk)).exists()
    # The other signals are untouched.
    assert set(Signal.objects.filter(status=SignalStatus.OPEN).values_list("pk", flat=True)) == {
        queue_signals["hate"].pk, queue_signals["alienation"].pk}

    assert_no_console_errors(log)


def _focused(page: Any) -> dict[str, str]:
    return dict(page.evaluate(
        """() => { const e = document.activeElement;
                   return {tag: e ? e.tagName.toLowerCase() : "",
                           name: (e && e.getAttribute("name")) || "",
                           text: (e && e.textContent || "").trim()}; }"""))


def _tab_to(page: Any, field: str, limit: int = 15) -> int:
    """Presses Tab until the input named ``field`` has focus; the number of presses."""
    for presses in range(limit + 1):
        if _focused(page)["name"] == field:
            return presses
        page.keyboard.press("Tab")
    raise AssertionError(f"{field!r} cannot be reached with Tab; focus is on {_focused(page)}")


def test_sign_in_with_the_keyboard_only(
        transactional_db: None, live_server: Any, page_and_log: tuple[Any, ConsoleLog],
        prevention_worker: User) -> None:
    page, log = page_and_log
    device = totp_device(prevention_worker)
    page.goto(url(live_server, "accounts:login"))

    # The username has focus on arrival (or is reached with Tab), then Tab leads to the password.
    _tab_to(page, "username")
    page.keyboard.type(prevention_worker.username)
    page.keyboard.press("Tab")
    assert _focused(page)["name"] == "password", "Tab from the username must reach the password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:verify"))))
    page.wait_for_load_state("load")  # Tab presses before the new page is ready would be lost
    _tab_to(page, "token")
    page.keyboard.type(current_code(device))
    page.keyboard.press("Enter")

    # The verify page has a "Log out" button too: wait for the navigation away from it.
    expect(page).not_to_have_url(re.compile(re.escape(reverse("accounts:verify"))))
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.wait_for_load_state("load")

    # On the start page the first Tab stop is a visible "Skip to content" link that moves focus
    # to the main content.
    page.keyboard.press("Tab")
    first = _focused(page)
    assert first["tag"] == "a" and "Skip to content" in first["text"], first
    box = page.locator(":focus").bounding_box()
    assert box is not None and box["width"] > 1 and box["height"] > 1 and box["y"] >= 0, (
        f"the focused skip link is not visible: {box}")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert_no_console_errors(log)
