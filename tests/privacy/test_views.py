"""The DPO's retention page and the handle-reveal endpoint."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.test import Client
from django.urls import reverse

from brug.accounts.models import Organisation, User
from brug.audit.models import AuditEntry
from brug.privacy.models import PurgeRun
from brug.privacy.services import retention_purge
from brug.sources.models import Message

from ..factories import login, make_message, make_source
from .conftest import OLD, Fixture

HTMX = {"HX-Request": "true"}
MaxQueries = Callable[[int], AbstractContextManager[object]]


def test_retention_page_shows_counts_runs_and_chart(client: Client, dpo: User,
                                                    retention_case: Fixture,
                                                    other_org: Organisation) -> None:
    make_source(other_org, name="Someone else's channel")
    retention_purge()
    make_message(retention_case.source, "late arrival", age=OLD)  # due again after the run
    response = login(client, dpo).get(reverse("privacy:retention"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Public channel" in body
    assert "Someone else&#x27;s channel" not in body and "Someone else's" not in body
    row = response.context["rows"][0]
    assert (row.held, row.due) == (len(retention_case.kept) + 1, 1)
    assert [run.messages_deleted for run in row.runs] == [4]
    assert "30 days" in body
    assert 'role="img"' in body and "<rect" in body
    assert "Last purge runs" in body
    assert 'style="' not in body and "<script>" not in body


def test_retention_chart_scales_to_the_largest_run(org: Organisation) -> None:
    from brug.privacy.selectors import CHART_HEIGHT, SourceRetention

    source = make_source(org)
    runs = [PurgeRun(source=source, source_name="s", messages_deleted=n) for n in (0, 5, 10)]
    bars = SourceRetention(source=source, held=0, due=0, runs=runs).chart
    # runs are newest first; the chart reads oldest first
    assert [b.height for b in bars] == [CHART_HEIGHT, CHART_HEIGHT // 2, 1]
    assert [b.y + b.height for b in bars] == [CHART_HEIGHT] * 3
    assert bars[0].x < bars[1].x < bars[2].x


def test_retention_page_constant_queries(client: Client, dpo: User, org: Organisation,
                                         django_assert_max_num_queries: MaxQueries) -> None:
    login(client, dpo)

    def add_sources(n: int) -> None:
        for _ in range(n):
            source = make_source(org)
            make_message(source, "old", age=OLD)
            make_message(source, "new")
        retention_purge()
        retention_purge()

    add_sources(1)
    with django_assert_max_num_queries(10):
        client.get(reverse("privacy:retention"))
    add_sources(6)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("privacy:retention"))
    assert len(response.context["rows"]) == 7


def test_only_the_latest_runs_are_shown(client: Client, dpo: User, org: Organisation) -> None:
    from brug.privacy.selectors import RUNS_SHOWN

    source = make_source(org)
    for _ in range(RUNS_SHOWN + 3):
        retention_purge()
    rows = login(client, dpo).get(reverse("privacy:retention")).context["rows"]
    assert len(rows[0].runs) == RUNS_SHOWN
    assert rows[0].runs[0].pk == PurgeRun.objects.filter(source=source).latest("at", "id").pk


@pytest.mark.parametrize("persona", ["prevention_worker", "supervisor", "administrator",
                                     "outreach_worker", "counsellor"])
def test_retention_page_is_for_the_dpo(client: Client, persona: str,
                                       request: pytest.FixtureRequest) -> None:
    login(client, request.getfixturevalue(persona))
    assert client.get(reverse("privacy:retention")).status_code == 403


# --- handle reveal ----------------------------------------------------------------------------

REASON = "Outreach contact planned after team meeting"


@pytest.fixture
def message(org: Organisation) -> Message:
    return make_message(make_source(org), "hello", author="@lea.b")


@pytest.mark.parametrize("persona", ["outreach_worker", "supervisor"])
def test_reveal_htmx_partial(client: Client, persona: str, message: Message,
                             request: pytest.FixtureRequest) -> None:
    login(client, request.getfixturevalue(persona))
    response = client.post(reverse("privacy:handle_reveal"),
                           {"message_id": message.pk, "reason": REASON}, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "@lea.b" in body
    assert "recorded in the audit log" in body
    assert "<html" not in body
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="handle.reveal")
    assert "lea.b" not in str(entry.details) + entry.reason


def test_reveal_without_htmx_is_a_small_page(client: Client, outreach_worker: User,
                                             message: Message) -> None:
    login(client, outreach_worker)
    response = client.post(reverse("privacy:handle_reveal"),
                           {"message_id": message.pk, "reason": REASON})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body and "@lea.b" in body


@pytest.mark.parametrize("persona", ["prevention_worker", "dpo", "counsellor"])
def test_reveal_denied_roles_get_403(client: Client, persona: str, message: Message,
                                     request: pytest.FixtureRequest) -> None:
    login(client, request.getfixturevalue(persona))
    for extra in ({}, HTMX):
        response = client.post(reverse("privacy:handle_reveal"),
                               {"message_id": message.pk, "reason": REASON}, headers=extra)
        assert response.status_code == 403
        assert "@lea.b" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="handle.reveal").exists()


def test_reveal_other_organisation_is_404(client: Client, message: Message,
                                          other_org: Organisation) -> None:
    from brug.accounts.roles import Role

    from ..factories import make_user

    login(client, make_user(Role.OUTREACH_WORKER, other_org))
    response = client.post(reverse("privacy:handle_reveal"),
                           {"message_id": message.pk, "reason": REASON})
    assert response.status_code == 404
    assert "@lea.b" not in response.content.decode()


@pytest.mark.parametrize("data", [
    {"reason": ""}, {"reason": "too short"}, {},
])
def test_reveal_without_a_reason_is_refused(client: Client, outreach_worker: User,
                                            message: Message, data: dict[str, str]) -> None:
    login(client, outreach_worker)
    response = client.post(reverse("privacy:handle_reveal"), {"message_id": message.pk, **data})
    assert response.status_code == 400
    assert "at least 10 characters" in response.content.decode()
    assert "@lea.b" not in response.content.decode()
    assert not AuditEntry.objects.filter(action="handle.reveal").exists()


@pytest.mark.parametrize("message_id", ["", "abc", "1.5"])
def test_reveal_bad_message_id(client: Client, outreach_worker: User, message_id: str) -> None:
    login(client, outreach_worker)
    response = client.post(reverse("privacy:handle_reveal"),
                           {"message_id": message_id, "reason": REASON})
    assert response.status_code == 400


def test_reveal_is_post_only(client: Client, outreach_worker: User, message: Message) -> None:
    login(client, outreach_worker)
    response = client.get(reverse("privacy:handle_reveal"), {"message_id": message.pk})
    assert response.status_code == 405


def test_reveal_form_partial_renders(outreach_worker: User, message: Message) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("privacy/partials/reveal_form.html", {"message_id": message.pk})
    assert f'value="{message.pk}"' in html
    assert f'for="reveal-reason-{message.pk}"' in html and 'minlength="10"' in html
