"""`brug audit verify`: message and exit status."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from brug.audit.models import AuditEntry
from brug.cli import main

from .conftest import tamper

Chain = Callable[..., list[AuditEntry]]


def test_verify_intact(chain: Chain) -> None:
    chain(3)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert out.getvalue().strip() == "audit log intact: 3 entries"


def test_verify_names_the_first_bad_entry_and_exits_1(chain: Chain) -> None:
    entries = chain(3)
    tamper("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["x", entries[1].pk])
    err = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert f"entry {entries[1].pk}" in err.getvalue()
    assert "changed after it was written" in err.getvalue()


def test_verify_reports_removed_tail(chain: Chain) -> None:
    entries = chain(2)
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("audit", "verify", stdout=StringIO(), stderr=err)
    assert "last entries were removed" in err.getvalue()


def test_without_subcommand_says_what_to_do(db: None) -> None:
    with pytest.raises(CommandError, match="brug audit verify"):
        call_command("audit")


def test_brug_cli_passes_audit_verify_to_django(chain: Chain,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    chain(2)
    assert main(["audit", "verify"]) == 0
    assert "audit log intact: 2 entries" in capsys.readouterr().out
