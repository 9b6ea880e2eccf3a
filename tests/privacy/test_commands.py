"""`brug purge` and `brug purge --dry-run`."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from brug.privacy.models import PurgeRun
from brug.sources.models import Message

from .conftest import Fixture


def test_dry_run_counts_per_source_and_deletes_nothing(retention_case: Fixture) -> None:
    before = Message.objects.count()
    out = StringIO()
    call_command("purge", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"Public channel (#{retention_case.source.pk}, 30 days): 4 messages due, " \
           "3 signals with them" in text
    assert "dry run: 4 messages would be deleted from 1 sources" in text
    assert Message.objects.count() == before
    assert not PurgeRun.objects.exists()


def test_purge_deletes_and_reports(retention_case: Fixture) -> None:
    out = StringIO()
    call_command("purge", stdout=out)
    assert "Public channel" in out.getvalue()
    assert "4 messages and 3 signals deleted" in out.getvalue()
    assert Message.objects.count() == len(retention_case.kept)
