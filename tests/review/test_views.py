"""Queue, signal page, decisions, worker care and the export, through HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.audit.models import AuditEntry
from brug.review.models import Decision, Outcome
from brug.review.services import signal_decide
from brug.signals.models import Signal, SignalStatus
from tests.factories import login, make_message, make_signal, make_source

SECRET_TEXT = "Alle moslims moeten dood <b>vandaag</b>"


def glossary_evidence(text: str, term: str, meaning: str) -> list[dict[str, Any]]:
    start = text.index(term)
    return [{"category": "extremist_narrative", "flagged": True, "score": 0.9,
             "components": {}, "modifiers": [],
             "spans": [{"span": [start, start + len(term)], "text": term, "term": term,
                        "source": "glossary", "meaning": meaning, "lang": "nl",
                        "note": "only meaningful in context", "match": "exact",
                        "category": "extremist_narrative", "kind": "code"}]}]


def with_evidence(signal: Signal, evidence: list[dict[str, Any]]) -> Signal:
    """``make_signal`` builds its own evidence; replace it with spans for these tests."""
    Signal.objects.filter(pk=signal.pk).update(evidence=evidence)
    signal.refresh_from_db()
    return signal


@pytest.fixture
def signal(org: Organisation) -> Signal:
    source = make_source(org, name="Forum A")
    message = make_message(source, SECRET_TEXT, author="@author1")
    return make_signal(message, ["violent_intent", "hate_speech"])


# --- queue -----------------------------------------------------------------------------------

def test_queue_lists_signals_in_priority_then_age_order_without_text(
        client: Client, prevention_worker: User, org: Organisation) -> None:
    source = make_source(org)
    now = timezone.now()
    old_alien = make_signal(make_message(source, "tekst een"), ["alienation"],
                            created_at=now - timedelta(days=3))
    new_violent = make_signal(make_message(source, "tekst twee"), ["violent_intent"],
                              created_at=now - timedelta(hours=1))
    old_violent = make_signal(make_message(source, "tekst drie"), ["violent_intent"],
                              created_at=now - timedelta(days=2))
    make_signal(make_message(source, "tekst vier"), ["hate_speech"],
                status=SignalStatus.DECIDED)
    login(client, prevention_worker)
    response = client.get(reverse("review:queue"))
    assert response.status_code == 200
    rows = [r.signal.pk for r in response.context["page"].rows]
    assert rows == [old_violent.pk, new_violent.pk, old_alien.pk]
    html = response.content.decode()
    for text in ("tekst een", "tekst twee", "tekst drie", "tekst vier"):
        assert text not in html


def test_queue_shows_glossary_terms_but_not_surrounding_text(
        client: Client, prevention_worker: User, org: Organisation) -> None:
    text = "Wij steunen de 14 words beweging en verder niets"
    source = make_source(org)
    with_evidence(make_signal(make_message(source, text), ["extremist_narrative"]),
                  glossary_evidence(text, "14 words", "White-supremacist slogan"))
    login(client, prevention_worker)
    html = client.get(reverse("review:queue")).content.decode()
    assert "14 words" in html and "White-supremacist slogan" in html
    assert "beweging" not in html and "steunen" not in html


def test_queue_skips_evidence_it_cannot_read(client: Client, prevention_worker: User,
                                             org: Organisation) -> None:
    text = "Wij steunen de 14 words beweging"
    source = make_source(org)
    good = glossary_evidence(text, "14 words", "White-supremacist slogan")
    with_evidence(make_signal(make_message(source, text), ["extremist_narrative"]),
                  ["not a dict", {"spans": "not a list"}, {"spans": [None, 3]}, *good])
    with_evidence(make_signal(make_message(source, text), ["alienation"]),
                  {"a": "dict, not a list"})  # type: ignore[arg-type]
    login(client, prevention_worker)
    response = client.get(reverse("review:queue"))
    assert response.status_code == 200
    assert "White-supremacist slogan" in response.content.decode()
    assert len(response.context["page"].rows) == 2


def test_queue_marks_awaiting_confirmation(client: Client, prevention_worker: User,
                                           org: Organisation) -> None:
    source = make_source(org)
    make_signal(make_message(source), status=SignalStatus.AWAITING_CONFIRMATION)
    login(client, prevention_worker)
    html = client.get(reverse("review:queue")).content.decode()
    assert "Needs a second reviewer" in html


def test_queue_filters(client: Client, prevention_worker: User, org: Organisation) -> None:
    a = make_source(org, name="A")
    b = make_source(org, name="B")
    now = timezone.now()
    s_a = make_signal(make_message(a, lang="nl"), ["hate_speech", "alienation"])
    s_b = make_signal(make_message(b, lang="fr"), ["violent_intent"],
                      created_at=now - timedelta(days=40))
    login(client, prevention_worker)

    def ids(**params: str) -> list[int]:
        response = client.get(reverse("review:queue"), params)
        assert response.status_code == 200
        return [r.signal.pk for r in response.context["page"].rows]

    assert ids(source=str(b.pk)) == [s_b.pk]
    assert ids(lang="nl") == [s_a.pk]
    assert ids(category="alienation") == [s_a.pk]
    assert ids(category="violent_intent") == [s_b.pk]
    assert ids(age="today") == [s_a.pk]
    assert ids(age="older") == [s_b.pk]
    assert ids(age="7d", category="hate_speech") == [s_a.pk]
    # invalid values are ignored, never an error page
    assert set(ids(source="abc", lang="xx", category="nope", age="1y", after="garbage")) == {
        s_a.pk, s_b.pk}


def test_queue_htmx_returns_only_the_table(client: Client, prevention_worker: User,
                                           signal: Signal) -> None:
    login(client, prevention_worker)
    response = client.get(reverse("review:queue"), {"category": "hate_speech"},
                          headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="queue-results"' in html and "<html" not in html
    assert f"Signal {signal.pk}" in html


def test_queue_pages_by_key_with_constant_queries(
        client: Client, prevention_worker: User, org: Organisation,
        django_assert_max_num_queries: Any) -> None:
    source = make_source(org)
    now = timezone.now()
    for i in range(60):
        make_signal(make_message(source), ["alienation"], created_at=now - timedelta(minutes=i))
    make_signal(make_message(source), ["violent_intent"],
                status=SignalStatus.AWAITING_CONFIRMATION)
    login(client, prevention_worker)
    client.get(reverse("review:queue"))  # warm the session
    with django_assert_max_num_queries(8):
        first = client.get(reverse("review:queue"))
    page = first.context["page"]
    assert len(page.rows) == 50 and page.next_cursor
    assert page.rows[0].needs_second_reviewer  # violent intent first, whatever its status
    seen = {r.signal.pk for r in page.rows}
    with django_assert_max_num_queries(8):
        second = client.get(reverse("review:queue"), {"after": page.next_cursor})
    rest = [r.signal.pk for r in second.context["page"].rows]
    assert len(rest) == 11 and not seen & set(rest)
    assert second.context["page"].next_cursor is None
    assert 'rel="next"' in first.content.decode()

    # more signals do not mean more queries
    for _ in range(100):
        make_signal(make_message(source), ["hate_speech"])
    with django_assert_max_num_queries(8):
        client.get(reverse("review:queue"))


def test_queue_forbidden_for_counsellor_and_dpo(client: Client, counsellor: User,
                                                dpo: User) -> None:
    for person in (counsellor, dpo):
        login(client, person)
        assert client.get(reverse("review:queue")).status_code == 403


def test_queue_is_scoped_to_organisation(client: Client, outsider: User, signal: Signal) -> None:
    login(client, outsider)
    response = client.get(reverse("review:queue"))
    assert response.status_code == 200
    assert response.context["page"].rows == []


def test_queue_needs_login(client: Client) -> None:
    response = client.get(reverse("review:queue"))
    assert response.status_code == 302


# --- signal page -----------------------------------------------------------------------------

def test_signal_page_blurs_escapes_and_highlights(client: Client, prevention_worker: User,
                                                  org: Organisation) -> None:
    text = "Weg met de <script>globalisten</script> & co"
    source = make_source(org)
    signal = with_evidence(make_signal(make_message(source, text), ["extremist_narrative"]),
                           glossary_evidence(text, "globalisten", "Veiled reference"))
    login(client, prevention_worker)
    response = client.get(reverse("review:signal", args=[signal.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>globalisten" not in html
    assert "&lt;script&gt;<mark>globalisten</mark>" in html
    assert "&amp; co" in html
    assert 'class="message-text blurred"' in html
    assert "Show message" in html
    assert "Veiled reference" in html and "only meaningful in context" in html
    assert "brug-detector" in html and "0.1.0" in html
    assert "You have viewed 0 flagged messages in this session" in html
    # categories by their names: the chip, the evidence note and the score table
    assert '<span class="chip chip-extremist_narrative">Extremist narrative</span>' in html
    assert "— Extremist narrative" in html
    assert '<th scope="row">Counter speech</th>' in html


def test_signal_page_is_audited(client: Client, prevention_worker: User, signal: Signal) -> None:
    login(client, prevention_worker)
    client.get(reverse("review:signal", args=[signal.pk]))
    entry = AuditEntry.objects.get(action="signal.viewed")
    assert entry.object_id == str(signal.pk)
    assert entry.actor_id == prevention_worker.pk
    assert SECRET_TEXT not in json.dumps(entry.details)


def test_signal_of_other_organisation_is_404(client: Client, outsider: User,
                                             signal: Signal) -> None:
    login(client, outsider)
    assert client.get(reverse("review:signal", args=[signal.pk])).status_code == 404
    response = client.post(reverse("review:decide", args=[signal.pk]), {
        "labels": ["hate_speech"], "outcome": "dismiss", "reason": "not our case at all"})
    assert response.status_code == 404
    assert not Decision.objects.exists()
    assert not AuditEntry.objects.filter(action="signal.viewed").exists()


def test_signal_page_forbidden_for_counsellor(client: Client, counsellor: User,
                                              signal: Signal) -> None:
    login(client, counsellor)
    assert client.get(reverse("review:signal", args=[signal.pk])).status_code == 403


def test_author_context_messages_only_no_aggregate(client: Client, prevention_worker: User,
                                                   org: Organisation, other_org: Organisation,
                                                   signal: Signal) -> None:
    source = signal.source
    make_message(source, "eerder bericht van dezelfde", author="@author1",
                 age=timedelta(days=2))
    flagged = make_signal(make_message(source, "nog een bericht", author="@Author1",
                                       age=timedelta(days=1)), ["alienation"])
    make_message(source, "heel oud bericht", author="@author1", age=timedelta(days=200))
    make_message(source, "van iemand anders", author="@other")
    make_message(make_source(other_org), "andere gemeente", author="@author1")
    login(client, prevention_worker)
    response = client.get(reverse("review:signal", args=[signal.pk]))
    html = response.content.decode()
    assert "Other messages by this pseudonymous author" in html
    items = response.context["context_messages"]
    shown = [item["message"].text for item in items]
    assert shown == ["nog een bericht", "eerder bericht van dezelfde"]  # newest first
    assert [(item["signal"], item["categories"]) for item in items] == [
        (flagged, ["alienation"]), (None, [])]
    assert f"Signal {flagged.pk}" in html
    assert "heel oud bericht" not in html
    assert "van iemand anders" not in html and "andere gemeente" not in html
    # no per-author aggregate: no count, score or profile of the author on the page
    keys = set(response.context.keys())  # ContextList: iterating it yields contexts
    for key in keys:
        assert not any(w in key.lower() for w in ("author_score", "author_count", "risk",
                                                  "profile_score"))
    assert "2 messages" not in html and "2 other" not in html
    assert "risk" not in html[html.index("<main"):html.index("</main>")].lower()


def test_handle_reveal_form_only_with_capability(client: Client, prevention_worker: User,
                                                 supervisor: User, signal: Signal) -> None:
    login(client, prevention_worker)
    assert "Reveal handle" not in client.get(
        reverse("review:signal", args=[signal.pk])).content.decode()
    login(client, supervisor)
    html = client.get(reverse("review:signal", args=[signal.pk])).content.decode()
    assert "Reveal handle" in html
    assert f'hx-post="{reverse("privacy:handle_reveal")}"' in html
    assert 'name="reason"' in html


def test_exposure_counter_htmx_and_plain(client: Client, prevention_worker: User,
                                         signal: Signal) -> None:
    login(client, prevention_worker)
    url = reverse("review:exposure")
    response = client.post(url, {"message_id": signal.message_id},
                           headers={"HX-Request": "true"})
    assert "You have viewed 1 flagged message in this session" in response.content.decode()
    page = reverse("review:signal", args=[signal.pk])
    response = client.post(url, {"message_id": signal.message_id, "next": page})
    assert response.status_code == 302
    assert response["Location"] == f"{page}?show={signal.message_id}"
    assert client.session["brug_exposure"] == 2
    html = client.get(response["Location"]).content.decode()
    assert f'id="msg-{signal.message_id}" class="message-text"' in html
    assert "You have viewed 2 flagged messages" in html
    # an outside address in next is not followed
    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"].startswith(reverse("review:queue"))


def test_break_reminder_and_remind_later(client: Client, prevention_worker: User,
                                         signal: Signal) -> None:
    login(client, prevention_worker)
    page = reverse("review:signal", args=[signal.pk])
    assert "good moment for a short break" not in client.get(page).content.decode()
    session = client.session
    session["brug_review_started"] = (timezone.now() - timedelta(minutes=50)).isoformat()
    session.save()
    assert "good moment for a short break" in client.get(page).content.decode()
    client.post(reverse("review:break_later"), {"next": page})
    assert "good moment for a short break" not in client.get(page).content.decode()


# --- decisions -------------------------------------------------------------------------------

def test_decide_dismiss_goes_to_next_signal(client: Client, prevention_worker: User,
                                            signal: Signal) -> None:
    other = make_signal(make_message(signal.source), ["alienation"])
    login(client, prevention_worker)
    response = client.post(reverse("review:decide", args=[signal.pk]), {
        "labels": ["not_relevant"], "outcome": "dismiss",
        "reason": "A quote from a news article, no threat"})
    assert response.status_code == 302
    assert response["Location"] == reverse("review:signal", args=[other.pk])
    signal.refresh_from_db()
    assert signal.status == SignalStatus.DECIDED
    assert AuditEntry.objects.filter(action="signal.decided", object_id=str(signal.pk)).exists()


def test_decide_requires_reason_and_shows_form_errors(client: Client, prevention_worker: User,
                                                      signal: Signal) -> None:
    login(client, prevention_worker)
    response = client.post(reverse("review:decide", args=[signal.pk]), {
        "labels": ["hate_speech"], "outcome": "dismiss", "reason": "short"})
    assert response.status_code == 400
    assert "at least 10 characters" in response.content.decode()
    assert not Decision.objects.exists()


def test_decide_urgent_without_legal_ground_shows_error(client: Client, prevention_worker: User,
                                                        signal: Signal) -> None:
    login(client, prevention_worker)
    response = client.post(reverse("review:decide", args=[signal.pk]), {
        "labels": ["violent_intent"], "outcome": "urgent",
        "reason": "Concrete threat with a date and place"})
    assert response.status_code == 400
    assert "legal ground" in response.content.decode()
    signal.refresh_from_db()
    assert signal.status == SignalStatus.OPEN


def test_refer_opens_a_case_and_says_which(client: Client, prevention_worker: User,
                                           signal: Signal) -> None:
    login(client, prevention_worker)
    response = client.post(reverse("review:decide", args=[signal.pk]), {
        "labels": ["extremist_narrative"], "outcome": "refer",
        "reason": "Young person drifting, partner should offer support"}, follow=True)
    case = signal.cases.get()
    assert case.process.definition.key == "to_be"
    assert f"The signal is in case {case.reference}" in response.content.decode()


def test_urgent_four_eyes_through_pages(client: Client, prevention_worker: User,
                                        second_reviewer: User, signal: Signal) -> None:
    login(client, prevention_worker)
    client.post(reverse("review:decide", args=[signal.pk]), {
        "labels": ["violent_intent"], "outcome": "urgent",
        "reason": "Concrete threat with a date and place",
        "legal_ground": "Art. 458bis Criminal Code (danger)"})
    decision = Decision.objects.get()
    signal.refresh_from_db()
    assert signal.status == SignalStatus.AWAITING_CONFIRMATION
    html = client.get(reverse("review:signal", args=[signal.pk])).content.decode()
    assert "You made this urgent decision" in html
    response = client.post(reverse("review:confirm", args=[decision.pk]), {
        "decision_id": decision.pk, "confirm": "yes", "reason": "I agree, it is concrete"})
    assert response.status_code == 403
    login(client, second_reviewer)
    html = client.get(reverse("review:signal", args=[signal.pk])).content.decode()
    assert "Record my answer" in html
    response = client.post(reverse("review:confirm", args=[decision.pk]), {
        "decision_id": decision.pk, "confirm": "yes", "reason": "I agree, it is concrete"})
    assert response.status_code == 302
    signal.refresh_from_db()
    decision.refresh_from_db()
    assert signal.status == SignalStatus.DECIDED
    assert decision.confirmed is True and decision.confirmed_by == second_reviewer


def test_decided_signal_cannot_be_decided_again(client: Client, prevention_worker: User,
                                                signal: Signal) -> None:
    signal_decide(actor=prevention_worker, signal=signal, labels=["hate_speech"],
                  outcome=Outcome.OUTREACH, reason="Outreach worker will reach out")
    login(client, prevention_worker)
    response = client.post(reverse("review:decide", args=[signal.pk]), {
        "labels": ["hate_speech"], "outcome": "dismiss", "reason": "Changed my mind about it"})
    assert response.status_code == 409
    assert "already been decided" in response.content.decode()


def test_outreach_worker_can_view_but_not_decide(client: Client, outreach_worker: User,
                                                 signal: Signal) -> None:
    login(client, outreach_worker)
    html = client.get(reverse("review:signal", args=[signal.pk])).content.decode()
    assert "Your decision" not in html
    response = client.post(reverse("review:decide", args=[signal.pk]), {
        "labels": ["hate_speech"], "outcome": "dismiss", "reason": "Not relevant for us"})
    assert response.status_code == 403


# --- export ----------------------------------------------------------------------------------

def test_export_forbidden_without_capability(client: Client, prevention_worker: User) -> None:
    login(client, prevention_worker)
    assert client.get(reverse("review:export")).status_code == 403


def test_export_streams_jsonl(client: Client, supervisor: User, prevention_worker: User,
                              signal: Signal) -> None:
    signal_decide(actor=prevention_worker, signal=signal, labels=["hate_speech"],
                  outcome=Outcome.DISMISS, reason="Hate speech but no actor to reach")
    login(client, supervisor)
    response = client.get(reverse("review:export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in body.splitlines()]
    assert lines == [{"text": SECRET_TEXT, "lang": "nl", "labels": ["hate_speech"]}]
    entry = AuditEntry.objects.get(action="labels.exported")
    assert entry.details == {"lines": 1}
