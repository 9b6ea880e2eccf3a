"""Shared fixtures. Tests never need ../shared or the network."""

from __future__ import annotations

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
