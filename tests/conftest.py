"""Shared fixtures. Tests never need ../shared or the network."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from brug.detection import Detector


@pytest.fixture(scope="session")
def detector() -> Detector:
    return Detector.load()


# --- platform personas (see tests/factories.py) -------------------------------------------

from brug.accounts.models import Organisation, User  # noqa: E402
from brug.accounts.roles import OrganisationType, Role  # noqa: E402

from .factories import make_org, make_user  # noqa: E402


@pytest.fixture
def org(db: None) -> Organisation:
    return make_org("Mechelen prevention", OrganisationType.PREVENTION)


@pytest.fixture
def other_org(db: None) -> Organisation:
    return make_org("Elsewhere prevention", OrganisationType.PREVENTION)


@pytest.fixture
def partner_org(db: None) -> Organisation:
    return make_org("Youth work partner", OrganisationType.YOUTH_WORK)


@pytest.fixture
def prevention_worker(org: Organisation) -> User:
    return make_user(Role.PREVENTION_WORKER, org, username="pw", first_name="Pia",
                     last_name="Worker")


@pytest.fixture
def second_reviewer(org: Organisation) -> User:
    return make_user(Role.PREVENTION_WORKER, org, username="pw2")


@pytest.fixture
def outreach_worker(org: Organisation) -> User:
    return make_user(Role.OUTREACH_WORKER, org, username="ow")


@pytest.fixture
def counsellor(org: Organisation) -> User:
    return make_user(Role.COUNSELLOR, org, username="co")


@pytest.fixture
def supervisor(org: Organisation) -> User:
    return make_user(Role.SUPERVISOR, org, username="sv")


@pytest.fixture
def dpo(org: Organisation) -> User:
    return make_user(Role.DPO, org, username="dpo")


@pytest.fixture
def administrator(org: Organisation) -> User:
    return make_user(Role.ADMINISTRATOR, org, username="admin", is_staff=True)


@pytest.fixture
def partner_caseworker(partner_org: Organisation) -> User:
    return make_user(Role.PARTNER_CASEWORKER, partner_org, username="pc")


@pytest.fixture
def outsider(other_org: Organisation) -> User:
    return make_user(Role.PREVENTION_WORKER, other_org, username="outsider")


@pytest.fixture(autouse=True)
def _audit_rows_flushable(request: pytest.FixtureRequest) -> Iterator[None]:
    """Lets pytest-django empty an SQLite database after a transactional test.

    The audit table refuses DELETE through a trigger (audit migration 0002) and on SQLite the
    flush after a transactional test is a DELETE (PostgreSQL's TRUNCATE fires no row trigger).
    After such a test the audit rows are removed with the trigger briefly dropped, and the
    trigger is back before the flush. Other tests roll back and need nothing.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker is not None and marker.kwargs.get("transaction")))
    if not transactional:
        yield
        return
    request.getfixturevalue("_django_db_helper")  # set up first, so torn down after us
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    triggers = importlib.import_module("brug.audit.migrations.0002_append_only_triggers")
    with connection.cursor() as cursor:
        for sql in triggers.SQLITE_DROP:
            cursor.execute(sql)
        cursor.execute("DELETE FROM audit_auditentry")
        for sql in triggers.SQLITE:
            cursor.execute(sql)


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Each test starts in English. A test-client request in another language leaves that
    language active in the thread (LocaleMiddleware activates it and nothing deactivates it)."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")
