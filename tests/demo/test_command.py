"""`brug demo`: builds every part of the demo through the real services, and is idempotent."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.audit.services import audit_verify
from brug.demo import services as demo
from brug.detection import Detector
from brug.review.models import Decision, Outcome
from brug.signals.models import FLAG_CATEGORIES, Signal, SignalFlag, SignalStatus
from brug.sources.models import ImportRun, Message, Source, SourceKind
from brug.sources.services import token_digest

from ..factories import make_org, make_user


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--force", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, Any]:
    """Counts of everything the demo creates (a second run must not change any of them)."""
    return {
        "organisations": Organisation.objects.count(),
        "people": User.objects.count(),
        "sources": Source.objects.count(),
        "imports": ImportRun.objects.count(),
        "messages": Message.objects.count(),
        "signals": Signal.objects.count(),
        "flags": SignalFlag.objects.count(),
        "decisions": Decision.objects.count(),
        "devices": StaticDevice.objects.count(),
        "codes": StaticToken.objects.count(),
        "states": dict(Signal.objects.values_list("status").annotate(n=Count("pk"))),
    }


def codes_of(username: str) -> set[str]:
    return set(StaticToken.objects.filter(device__user__username=username)
               .values_list("token", flat=True))


def push_token(output: str) -> str:
    lines = output.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(" Push token"))
    return lines[index + 1].strip()


def assert_people_and_organisations() -> None:
    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == set(OrganisationType.values)
    people = {u.username: u for u in User.objects.select_related("organisation")}
    assert {u.role for u in people.values()} == set(Role.values)
    assert people["pia"].role == people["noah"].role == Role.PREVENTION_WORKER
    assert people["jules"].organisation.kind == OrganisationType.YOUTH_WORK
    assert people["adam"].is_staff and people["adam"].is_superuser
    assert not any(u.is_staff for name, u in people.items() if name != "adam")
    for user in people.values():
        assert user.check_password(demo.DEMO_PASSWORD)
        device = StaticDevice.objects.get(user=user)
        assert device.confirmed and device.token_set.count() == demo.BACKUP_CODES


def test_demo_builds_everything_scores_the_file_and_runs_twice_without_duplicates(
        transactional_db: None, detector: Detector, monkeypatch: pytest.MonkeyPatch) -> None:
    # The scoring job loads the detector once per process: hand it the session's copy.
    monkeypatch.setattr("brug.signals.services._detector", detector)
    good, _bad = demo.read_demo_file()

    output = run_demo()

    assert_people_and_organisations()
    upload = Source.objects.get(name=demo.UPLOAD_SOURCE)
    push = Source.objects.get(name=demo.PUSH_SOURCE)
    feed = Source.objects.get(name=demo.FEED_SOURCE)
    for source in (upload, push):
        assert source.is_active and not source.missing_mandate
        assert source.dpia_reference == demo.DPIA_REFERENCE and source.retention_days == 90
    assert feed.kind == SourceKind.FEED and not feed.is_active and feed.missing_mandate
    assert push.token_digest == token_digest(push_token(output))

    assert Message.objects.count() == len(good)
    assert not Message.objects.filter(scored_at__isnull=True).exists()
    upload_run = ImportRun.objects.get(source=upload)
    assert upload_run.rows_rejected == 3 and len(upload_run.errors) == 3
    assert ImportRun.objects.get(source=push).rows_created > 0
    flagged = set(SignalFlag.objects.values_list("category", flat=True))
    assert set(FLAG_CATEGORIES) <= flagged
    states = snapshot()["states"]
    for status in SignalStatus.values:
        assert states.get(status, 0) >= 1, status
    urgent = Decision.objects.get(outcome=Outcome.URGENT)
    assert urgent.reviewer.username == "pia" and urgent.legal_ground and urgent.confirmed is None
    assert "http://127.0.0.1:8000" in output and demo.DEMO_PASSWORD in output
    assert all(code in output for code in codes_of("noah"))

    before, old_codes, old_digest = snapshot(), codes_of("pia"), push.token_digest
    second = run_demo()

    assert snapshot() == before
    assert codes_of("pia").isdisjoint(old_codes)  # regenerated: the printed ones are the valid ones
    push.refresh_from_db()
    assert push.token_digest != old_digest
    assert push.token_digest == token_digest(push_token(second))
    assert audit_verify().ok


@pytest.mark.django_db
def test_demo_without_scoring_then_reset_starts_the_data_over() -> None:
    run_demo("--no-score")
    first = snapshot()
    assert first["messages"] > 300 and first["signals"] == 0
    upload_id = Source.objects.get(name=demo.UPLOAD_SOURCE).pk

    output = run_demo("--no-score", "--reset")

    assert "Reset: removed 3 demo sources" in output
    assert Source.objects.get(name=demo.UPLOAD_SOURCE).pk != upload_id
    assert snapshot() == first  # rebuilt the same, nothing left over from the first run
    assert audit_verify().ok


@pytest.mark.django_db
def test_demo_refuses_to_run_outside_development() -> None:
    with pytest.raises(CommandError, match="BRUG_DEBUG"):
        call_command("demo", stdout=io.StringIO())
    assert not User.objects.exists() and not Source.objects.exists()


@pytest.mark.django_db
def test_demo_does_not_take_over_an_account_it_did_not_create() -> None:
    make_user(Role.PREVENTION_WORKER, make_org("Somewhere"), username="pia",
              email="pia@example.org")
    with pytest.raises(CommandError, match="not made by the demo"):
        run_demo("--no-score")
    pia = User.objects.get(username="pia")
    assert not pia.check_password(demo.DEMO_PASSWORD)
    assert pia.email == "pia@example.org"
