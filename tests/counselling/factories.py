"""Factories for counselling tests: pools, clients, counsellor profiles, engagements, slots.

They write rows directly (no services), so every part's tests can set up a situation in one
line; the services themselves are tested in their own files.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.test import Client as HttpClient
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.counselling.auth import SESSION_CLIENT, SESSION_HASH, client_session_hash
from brug.counselling.models import (
    Client,
    CounsellorProfile,
    Engagement,
    EngagementMember,
    Pool,
    Slot,
)

from ..factories import make_org, make_user

_seq = itertools.count(1)
PASSPHRASE = "river lantern quietly 2026"


def make_pool(*organisations: Organisation, slug: str | None = None) -> Pool:
    pool = Pool.objects.create(slug=slug or f"pool-{next(_seq)}", name="Exit support")
    pool.organisations.set(organisations)
    return pool


def make_client(pool: Pool, nickname: str | None = None, **extra: Any) -> Client:
    nickname = nickname or f"sky{next(_seq)}"
    return Client.objects.create(nickname=nickname, nickname_key=nickname.casefold(),
                                 passphrase=make_password(PASSPHRASE), pool=pool, **extra)


def make_counsellor(organisation: Organisation | None = None, username: str | None = None,
                    **profile: Any) -> CounsellorProfile:
    """A counsellor (staff user with the counsellor role) and a published profile."""
    organisation = organisation or make_org(f"Exit programme {next(_seq)}",
                                            OrganisationType.EXIT_PROGRAMME)
    user = make_user(Role.COUNSELLOR, organisation, username=username)
    defaults: dict[str, Any] = {
        "display_name": f"Counsellor {user.pk}", "kind": "professional", "age_band": "26-35",
        "gender": "woman", "languages": ["nl", "en"], "formats": ["chat", "in_person"],
        "specialisms": ["far_right"], "introduction": "I listen first.", "published": True,
        "place": "Youth centre, Mechelen"}
    defaults.update(profile)
    return CounsellorProfile.objects.create(user=user, **defaults)


def make_engagement(client: Client, *counsellors: CounsellorProfile) -> Engagement:
    engagement = Engagement.objects.create(client=client)
    for i, counsellor in enumerate(counsellors):
        EngagementMember.objects.create(engagement=engagement, counsellor=counsellor,
                                        lead=(i == 0))
    return engagement


def make_slot(counsellor: CounsellorProfile, starts_at: datetime | None = None,
              minutes: int = 50, formats: list[str] | None = None) -> Slot:
    starts_at = starts_at or (timezone.now() + timedelta(days=2)).replace(
        minute=0, second=0, microsecond=0)
    return Slot.objects.create(counsellor=counsellor, starts_at=starts_at,
                               ends_at=starts_at + timedelta(minutes=minutes),
                               formats=formats or ["chat"])


def portal_login(http: HttpClient, client: Client) -> HttpClient:
    """Signs ``client`` in on a test HTTP client, as the portal's sign-in does."""
    session = http.session
    session[SESSION_CLIENT] = client.pk
    session[SESSION_HASH] = client_session_hash(client)
    session.save()
    return http


def counsellor_user(profile: CounsellorProfile) -> User:
    return profile.user
