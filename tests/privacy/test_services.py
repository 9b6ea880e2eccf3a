"""retention_purge and handle_reveal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.audit.models import AuditEntry
from brug.audit.services import audit_verify
from brug.errors import InvalidInput, NotAllowed, NotFound
from brug.privacy import services
from brug.privacy.models import PurgeRun
from brug.privacy.services import handle_reveal, retention_purge
from brug.privacy.tasks import retention_purge_job
from brug.review.models import Decision
from brug.signals.models import Signal, SignalFlag
from brug.sources.models import Message

from ..factories import make_message, make_signal, make_source
from .conftest import OLD, Fixture


def test_purge_deletes_due_and_keeps_the_rest(retention_case: Fixture) -> None:
    runs = retention_purge()
    remaining = set(Message.objects.values_list("pk", flat=True))
    assert remaining == {m.pk for m in retention_case.kept}
    [run] = runs
    assert run.source_id == retention_case.source.pk
    assert run.source_name == "Public channel"
    assert run.messages_deleted == 4
    assert run.signals_deleted == 3


def test_purge_cascades_to_signals_flags_and_decisions(retention_case: Fixture) -> None:
    due_ids = [m.pk for m in retention_case.due]
    retention_purge()
    assert not Signal.objects.filter(message_id__in=due_ids).exists()
    assert not SignalFlag.objects.filter(signal__message_id__in=due_ids).exists()
    assert not Decision.objects.filter(signal__message_id__in=due_ids).exists()
    assert Signal.objects.count() == len(retention_case.kept) - 1  # one kept is unflagged


def test_purge_writes_a_content_free_audit_entry(retention_case: Fixture) -> None:
    retention_purge()
    entry = AuditEntry.objects.get(action="retention.purge")
    assert entry.actor_id is None and entry.actor_label == "system"
    assert entry.object_type == "sources.source"
    assert entry.object_id == str(retention_case.source.pk)
    assert entry.organisation_id == retention_case.source.organisation_id
    assert entry.details["messages_deleted"] == 4
    assert entry.details["signals_deleted"] == 3
    assert entry.details["retention_days"] == 30
    flat = str(entry.details) + entry.reason
    assert "old" not in flat and "@someone" not in flat
    assert audit_verify().ok


def test_nothing_due_means_a_zero_run_and_no_audit_noise(org: Organisation) -> None:
    source = make_source(org, retention_days=30)
    make_message(source, "fresh")
    [run] = retention_purge()
    assert run.messages_deleted == 0 and run.source_id == source.pk
    assert not AuditEntry.objects.filter(action="retention.purge").exists()


def test_a_person_running_it_is_always_audited(org: Organisation, dpo: User) -> None:
    make_source(org, retention_days=30)
    retention_purge(actor=dpo)
    assert AuditEntry.objects.filter(action="retention.purge", actor=dpo).count() == 1


def test_sources_without_a_period_are_left_alone(org: Organisation) -> None:
    draft = make_source(org, active=False)
    make_message(draft, "old, but no period recorded", age=timedelta(days=4000))
    assert retention_purge() == []
    assert Message.objects.count() == 1


def test_inactive_sources_with_a_period_are_purged(org: Organisation) -> None:
    source = make_source(org, retention_days=30)
    source.is_active = False
    source.save()
    make_message(source, "old", age=OLD)
    retention_purge()
    assert Message.objects.count() == 0


def test_every_organisation_is_purged_with_its_own_period(org: Organisation,
                                                          other_org: Organisation) -> None:
    short = make_source(org, retention_days=10)
    long = make_source(other_org, retention_days=100)
    make_message(short, "20 days", age=timedelta(days=20))
    keep = make_message(long, "20 days elsewhere", age=timedelta(days=20))
    runs = retention_purge()
    assert {r.organisation_id for r in runs} == {org.pk, other_org.pk}
    assert list(Message.objects.values_list("pk", flat=True)) == [keep.pk]


def test_now_moves_the_cutoff(org: Organisation) -> None:
    source = make_source(org, retention_days=30)
    make_message(source, "young today")
    retention_purge()
    assert Message.objects.count() == 1
    retention_purge(now=timezone.now() + timedelta(days=31))
    assert Message.objects.count() == 0


def test_purge_works_in_batches(org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "PURGE_BATCH", 3)
    source = make_source(org, retention_days=30)
    for i in range(8):
        make_signal(make_message(source, f"old {i}", age=OLD))
    make_message(source, "young")
    [run] = retention_purge()
    assert (run.messages_deleted, run.signals_deleted) == (8, 8)
    assert Message.objects.count() == 1
    assert PurgeRun.objects.get().messages_deleted == 8


def test_purge_job_returns_counts(retention_case: Fixture) -> None:
    result = retention_purge_job.call()
    assert result == {"sources": 1, "messages_deleted": 4, "signals_deleted": 3}


# --- handle reveal ----------------------------------------------------------------------------

REASON = "Outreach contact planned after team meeting"


@pytest.fixture
def message(org: Organisation) -> Message:
    return make_message(make_source(org), "hello", author="@rik_mechelen")


@pytest.mark.parametrize("persona", ["outreach_worker", "supervisor"])
def test_reveal_returns_the_handle_and_audits_the_reason(
        persona: str, message: Message, request: pytest.FixtureRequest) -> None:
    actor = request.getfixturevalue(persona)
    assert handle_reveal(actor=actor, message_id=message.pk, reason=REASON) == "@rik_mechelen"
    entry = AuditEntry.objects.get(action="handle.reveal")
    assert entry.actor_id == actor.pk
    assert entry.reason == REASON
    assert entry.object_type == "sources.message" and entry.object_id == str(message.pk)
    everything = " ".join([entry.reason, str(entry.details), entry.object_id, entry.actor_label])
    assert "rik_mechelen" not in everything


@pytest.mark.parametrize("persona", ["prevention_worker", "dpo", "counsellor",
                                     "administrator", "partner_caseworker"])
def test_reveal_refused_for_other_roles(persona: str, message: Message,
                                        request: pytest.FixtureRequest) -> None:
    with pytest.raises(NotAllowed):
        handle_reveal(actor=request.getfixturevalue(persona), message_id=message.pk,
                      reason=REASON)
    assert not AuditEntry.objects.filter(action="handle.reveal").exists()


def test_reveal_of_another_organisations_message_is_not_found(
        message: Message, other_org: Organisation) -> None:
    from brug.accounts.roles import Role

    from ..factories import make_user

    elsewhere = make_user(Role.OUTREACH_WORKER, other_org)
    with pytest.raises(NotFound):
        handle_reveal(actor=elsewhere, message_id=message.pk, reason=REASON)
    assert not AuditEntry.objects.filter(action="handle.reveal").exists()


@pytest.mark.parametrize("reason", ["", "   ", "because", "short     "])
def test_reveal_needs_a_reason(reason: str, message: Message, outreach_worker: User) -> None:
    with pytest.raises(InvalidInput) as info:
        handle_reveal(actor=outreach_worker, message_id=message.pk, reason=reason)
    assert info.value.code == "reason_required"
    assert not AuditEntry.objects.filter(action="handle.reveal").exists()


def test_reveal_without_a_recorded_handle(org: Organisation, outreach_worker: User) -> None:
    message = make_message(make_source(org), "anonymous")
    Message.objects.filter(pk=message.pk).update(author_sealed=None)
    with pytest.raises(NotFound) as info:
        handle_reveal(actor=outreach_worker, message_id=message.pk, reason=REASON)
    assert info.value.code == "no_handle"


def test_reveal_of_a_missing_message(outreach_worker: User) -> None:
    with pytest.raises(NotFound):
        handle_reveal(actor=outreach_worker, message_id=987654, reason=REASON)
