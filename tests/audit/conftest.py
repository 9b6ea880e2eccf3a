"""Helpers for tampering with the append-only audit table (tests only)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection

from brug.audit.models import AuditEntry
from brug.audit.services import audit_record

_triggers = importlib.import_module("brug.audit.migrations.0002_append_only_triggers")


@contextmanager
def triggers_dropped() -> Iterator[None]:
    """Drops the append-only triggers for the block (as an attacker with DB access would)."""
    vendor = connection.vendor
    drop = {"sqlite": _triggers.SQLITE_DROP, "postgresql": _triggers.POSTGRES_DROP}[vendor]
    create = {"sqlite": _triggers.SQLITE, "postgresql": _triggers.POSTGRES}[vendor]
    with connection.cursor() as cursor:
        for sql in drop:
            cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in create:
                cursor.execute(sql)


def tamper(sql: str, params: list[Any]) -> None:
    with triggers_dropped(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def chain(db: None) -> Callable[[int], list[AuditEntry]]:
    def make(n: int = 3, **extra: Any) -> list[AuditEntry]:
        return [audit_record(actor=None, action="test.event", object_type="sources.message",
                             object_id=str(i), details={"count": i}, **extra)
                for i in range(n)]
    return make
