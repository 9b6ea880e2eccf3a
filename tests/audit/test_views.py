"""The DPO's audit log page and the chain-status banner."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brug.accounts.models import User
from brug.audit.models import AuditEntry
from brug.audit.services import audit_record

from ..factories import login
from .conftest import tamper

Chain = Callable[..., list[AuditEntry]]
MaxQueries = Callable[[int], AbstractContextManager[object]]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def dpo_client(client: Client, dpo: User) -> Client:
    return login(client, dpo)


def test_dpo_sees_own_organisation_and_system_entries(dpo_client: Client, dpo: User,
                                                      prevention_worker: User,
                                                      outsider: User) -> None:
    audit_record(actor=prevention_worker, action="signal.review", object_type="signals.signal",
                 object_id="11", reason="looks like banter")
    audit_record(actor=outsider, action="signal.review", object_type="signals.signal",
                 object_id="22", reason="secret of elsewhere")
    audit_record(actor=None, action="retention.purge", details={"messages_deleted": 3})
    response = dpo_client.get(reverse("audit:log"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "looks like banter" in body
    assert "Pia Worker" in body
    assert "retention.purge" in body
    assert "messages_deleted" in body
    assert "secret of elsewhere" not in body
    assert 'hx-post="/audit/verify/"' in body
    assert "Checking the audit chain" in body


def test_viewing_is_audited_with_filters_only(dpo_client: Client, dpo: User) -> None:
    dpo_client.get(reverse("audit:log"), {"action": "", "object_id": "42"})
    entry = AuditEntry.objects.filter(action="audit.view").get()
    assert entry.actor_id == dpo.pk
    assert entry.organisation_id == dpo.organisation_id
    assert entry.details == {"filters": {"object_id": "42"}, "page": 1}


@pytest.mark.parametrize("persona", ["prevention_worker", "supervisor", "administrator",
                                     "outreach_worker", "counsellor", "outsider"])
def test_other_roles_are_refused(client: Client, persona: str,
                                 request: pytest.FixtureRequest) -> None:
    login(client, request.getfixturevalue(persona))
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.post(reverse("audit:verify"), headers=HTMX).status_code == 403
    assert not AuditEntry.objects.filter(action="audit.view").exists()


def test_anonymous_is_sent_to_login(client: Client, db: None) -> None:
    response = client.get(reverse("audit:log"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_no_write_methods(dpo_client: Client) -> None:
    assert dpo_client.post(reverse("audit:log")).status_code == 405
    assert dpo_client.get(reverse("audit:verify")).status_code == 405


def test_filter_by_action_object_and_person(dpo_client: Client, dpo: User,
                                            prevention_worker: User, supervisor: User) -> None:
    audit_record(actor=prevention_worker, action="signal.review", object_type="signals.signal",
                 object_id="7", reason="reason seven")
    audit_record(actor=supervisor, action="source.activate", object_type="sources.source",
                 object_id="8", reason="reason eight")
    audit_record(actor=None, action="retention.purge", object_type="sources.source",
                 object_id="8", reason="reason nine")
    url = reverse("audit:log")

    body = dpo_client.get(url, {"action": "signal.review"}).content.decode()
    assert "reason seven" in body and "reason eight" not in body

    body = dpo_client.get(url, {"object_type": "sources.source", "object_id": "8"}
                          ).content.decode()
    assert "reason eight" in body and "reason nine" in body and "reason seven" not in body

    body = dpo_client.get(url, {"person": str(supervisor.pk)}).content.decode()
    assert "reason eight" in body and "reason seven" not in body and "reason nine" not in body

    body = dpo_client.get(url, {"person": "system"}).content.decode()
    assert "reason nine" in body and "reason eight" not in body


def test_filter_by_date_range(dpo_client: Client, prevention_worker: User) -> None:
    old = audit_record(actor=prevention_worker, action="x.old", reason="long ago")
    audit_record(actor=prevention_worker, action="x.new", reason="just now")
    # Entries cannot be updated through the ORM; the date is moved for the test only.
    tamper("UPDATE audit_auditentry SET at = %s WHERE id = %s",
           [timezone.now() - timedelta(days=40), old.pk])
    today = timezone.localdate()
    body = dpo_client.get(reverse("audit:log"), {
        "date_from": (today - timedelta(days=1)).isoformat(),
        "date_to": today.isoformat()}).content.decode()
    assert "just now" in body and "long ago" not in body
    body = dpo_client.get(reverse("audit:log"), {
        "date_to": (today - timedelta(days=30)).isoformat()}).content.decode()
    assert "long ago" in body and "just now" not in body


@pytest.mark.parametrize("params", [
    {"date_from": "yesterday"},
    {"date_from": "2026-05-02", "date_to": "2026-05-01"},
    {"person": "not-a-person"},
    {"action": "<script>"},
    {"page": "-3"},
    {"page": "9999"},
    {"object_id": "x" * 500},
])
def test_bad_filters_never_crash(dpo_client: Client, params: dict[str, str]) -> None:
    response = dpo_client.get(reverse("audit:log"), params)
    assert response.status_code == 200


def test_reversed_dates_are_explained(dpo_client: Client) -> None:
    body = dpo_client.get(reverse("audit:log"), {"date_from": "2026-05-02",
                                                 "date_to": "2026-05-01"}).content.decode()
    assert "The start date is after the end date." in body


def test_a_bad_date_is_linked_to_its_field(dpo_client: Client) -> None:
    body = dpo_client.get(reverse("audit:log"), {"date_from": "yesterday"}).content.decode()
    field = body[body.index('name="date_from"') - 200:body.index('name="date_from"') + 200]
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_date_from_error"' in field
    assert '<small class="field-error" id="id_date_from_error" role="alert">' in body


def test_pagination_with_constant_queries(dpo_client: Client, prevention_worker: User,
                                          django_assert_max_num_queries: MaxQueries,
                                          ) -> None:
    for i in range(120):
        audit_record(actor=prevention_worker, action="signal.view", object_type="signals.signal",
                     object_id=str(i), details={"n": i})
    with django_assert_max_num_queries(16):
        first = dpo_client.get(reverse("audit:log"))
    with django_assert_max_num_queries(16):
        last = dpo_client.get(reverse("audit:log"), {"page": "3"})
    assert "Page 1 of 3" in first.content.decode()
    assert "Page 3 of 3" in last.content.decode()
    assert 'rel="next"' in first.content.decode()


def test_pager_keeps_filters(dpo_client: Client, prevention_worker: User) -> None:
    for i in range(60):
        audit_record(actor=prevention_worker, action="signal.view", object_id=str(i))
    body = dpo_client.get(reverse("audit:log"), {"action": "signal.view"}).content.decode()
    assert "?action=signal.view&amp;page=2" in body


def test_verify_partial_intact(dpo_client: Client, chain: Chain) -> None:
    chain(3)
    response = dpo_client.post(reverse("audit:verify"), headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Audit chain intact: 3 entries checked." in body
    assert "<html" not in body


def test_verify_partial_broken(dpo_client: Client, chain: Chain) -> None:
    entries = chain(3)
    tamper("UPDATE audit_auditentry SET details = %s WHERE id = %s", ['{}', entries[1].pk])
    body = dpo_client.post(reverse("audit:verify"), headers=HTMX).content.decode()
    assert f"Audit chain broken at entry #{entries[1].pk}" in body
    assert "entry was changed after it was written" in body


def test_verify_without_htmx_is_a_page(dpo_client: Client, chain: Chain) -> None:
    chain(1)
    response = dpo_client.post(reverse("audit:verify"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body and "Audit chain intact" in body
