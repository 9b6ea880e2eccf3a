"""Factories for offers and agreements (the partners tests' own; tests/factories.py has the
personas' organisations and people)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import Role
from brug.partners.models import Agreement, Offer
from brug.partners.vocab import Need, OfferKind
from tests.factories import make_user

_seq = itertools.count(1)


def make_offer(organisation: Organisation, name: str | None = None, **extra: Any) -> Offer:
    values: dict[str, Any] = {
        "kind": OfferKind.YOUTH_WORK, "needs": [Need.LEISURE, Need.SOCIAL],
        "languages": ["nl"], "region": "Mechelen", "capacity": 3}
    values.update(extra)
    return Offer.objects.create(organisation=organisation,
                                name=name or f"Offer {next(_seq)}", **values)


def make_agreement(a: Organisation, b: Organisation, *, recorded_by: User | None = None,
                   starts_on: date | None = None, expires_on: date | None = None,
                   ended: bool = False, title: str | None = None) -> Agreement:
    today = timezone.localdate()
    recorded_by = recorded_by or make_user(Role.DPO, a)
    agreement = Agreement.objects.create(
        organisation_a=a, organisation_b=b, title=title or f"Agreement {next(_seq)}",
        legal_basis="Art. 6(1)(e) GDPR; municipal prevention decree",
        scope="Name, age and needs assessment of referred young people, for support.",
        reference="DSA-2026-01", starts_on=starts_on or today - timedelta(days=30),
        expires_on=expires_on or today + timedelta(days=365), recorded_by=recorded_by)
    if ended:
        agreement.ended_at = timezone.now()
        agreement.ended_reason = "The partner stopped this programme."
        agreement.save()
    return agreement
