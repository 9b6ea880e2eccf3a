"""Factories and named personas for the platform tests.

Personas (one organisation "Mechelen prevention" unless said otherwise):
prevention worker, outreach worker, counsellor, supervisor, partner caseworker (a partner
organisation), data-protection officer, administrator, and an outsider: a prevention worker of
another municipality who must see nothing of Mechelen's.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.privacy.crypto import pseudonym, seal
from brug.signals.models import PRIORITY, Signal, SignalFlag, most_serious
from brug.sources.models import LegalBasis, Message, Source, SourceKind

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple 42"


def make_org(name: str | None = None,
             kind: str = OrganisationType.PREVENTION) -> Organisation:
    return Organisation.objects.create(name=name or f"Organisation {next(_seq)}", kind=kind)


def make_user(role: str = Role.PREVENTION_WORKER, organisation: Organisation | None = None,
              username: str | None = None, **extra: Any) -> User:
    organisation = organisation or make_org()
    user = User.objects.create_user(username=username or f"user{next(_seq)}", password=PASSWORD,
                                    organisation=organisation, role=role, **extra)
    return user


def totp_device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def login(client: Client, user: User) -> Client:
    """Logs in as a verified staff member: password done and TOTP passed (django-otp session)."""
    device = totp_device(user)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def make_source(organisation: Organisation, *, kind: str = SourceKind.UPLOAD,
                active: bool = True, retention_days: int = 90, **extra: Any) -> Source:
    source = Source.objects.create(organisation=organisation, name=extra.pop("name", None)
                                   or f"Source {next(_seq)}", kind=kind, **extra)
    if active:
        source.legal_basis = LegalBasis.PUBLIC_TASK
        source.purpose = "Prevention of violent radicalisation (municipal prevention plan)"
        source.retention_days = retention_days
        source.dpia_reference = "DPIA-2026-007"
        source.is_active = True
        source.activated_at = timezone.now()
        source.save()
    return source


def make_message(source: Source, text: str = "Een bericht", *, author: str = "@someone",
                 age: timedelta = timedelta(0), lang: str = "nl", **extra: Any) -> Message:
    when = timezone.now() - age
    return Message.objects.create(
        source=source, external_id=extra.pop("external_id", None) or f"m{next(_seq)}",
        text=text, lang=lang,
        author_pseudonym=pseudonym(author, organisation_id=source.organisation_id),
        author_sealed=seal(author), posted_at=when, received_at=when, **extra)


def make_signal(message: Message, categories: list[str] | None = None,
                **extra: Any) -> Signal:
    """A signal as the scoring job stores it (scores and evidence shaped like the detector's)."""
    categories = categories or ["hate_speech"]
    top = most_serious(categories)
    assert top is not None, "a signal needs at least one flag category"
    scores = {c: (0.9 if c in categories else 0.05) for c in
              ["violent_intent", "hate_speech", "extremist_narrative", "alienation",
               "trolling", "counter_speech"]}
    evidence = extra.pop("evidence", None) or [
        {"category": c, "flagged": True, "score": 0.9, "components": {}, "spans": [],
         "modifiers": []} for c in categories]
    signal = Signal.objects.create(
        message=message, organisation_id=message.source.organisation_id, source=message.source,
        lang=message.lang, priority=PRIORITY[top], top_category=top, flags=categories,
        scores=scores, evidence=evidence, model_name="brug-detector", model_version="0.1.0",
        components={"lexicon.v1": "x"}, config_hash="test", **extra)
    SignalFlag.objects.bulk_create([SignalFlag(signal=signal, category=c) for c in categories])
    if "created_at" in extra:
        Signal.objects.filter(pk=signal.pk).update(created_at=extra["created_at"])
    return signal


def run_jobs() -> None:
    """Runs every queued background job once, as the `brug worker` process does, then returns.

    Jobs are enqueued with ``transaction.on_commit``: inside a test transaction wrap the code that
    enqueues in ``django_capture_on_commit_callbacks(execute=True)``.
    """
    from unittest import mock

    from django.core.management import call_command

    # The worker closes "old" connections between jobs; inside a test transaction that would
    # close the test's own connection on PostgreSQL. The jobs themselves run unchanged.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload",
                     "--queue-name", "*", verbosity=0)
