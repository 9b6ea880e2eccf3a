"""Proposing offers: the ranking rule, its reasons, referability, bounded queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from brug.accounts.models import Organisation
from brug.accounts.roles import OrganisationType
from brug.errors import InvalidInput
from brug.partners.matching import Proposal, offers_propose
from brug.partners.models import Offer
from brug.partners.vocab import Need
from tests.factories import make_org

from .helpers import make_agreement, make_offer

NEEDS = [Need.HOUSING, Need.WORK, Need.FAMILY]


@pytest.fixture
def world(org: Organisation, partner_org: Organisation) -> dict[str, Any]:
    """Mechelen prevention (``org``) refers. The youth-work partner has an agreement with it;
    "No agreement vzw" has none."""
    stranger = make_org("No agreement vzw", OrganisationType.SOCIAL_WELFARE)
    make_agreement(org, partner_org, title="Youth work DSA")
    offers = {
        "A": make_offer(partner_org, "Housing first", needs=["housing", "work"],
                        languages=["nl", "fr"], region="Mechelen", capacity=3),
        "B": make_offer(partner_org, "Job coach", needs=["work"], languages=["nl"],
                        region="Mechelen", capacity=1),
        "C": make_offer(partner_org, "Full house", needs=["housing", "work"],
                        languages=["nl"], region="Mechelen", capacity=0),
        "D": make_offer(stranger, "No deal", needs=["housing", "work"], languages=["nl"],
                        region="Mechelen", capacity=5),
        "E": make_offer(org, "Own youth work", needs=["leisure", "work"], languages=["fr"],
                        region="Antwerpen", capacity=2),
    }
    make_offer(partner_org, "Exit only", needs=["exit"], capacity=9)           # no need met
    make_offer(partner_org, "Closed", needs=["housing"], capacity=9, active=False)
    return {"org": org, "partner": partner_org, "stranger": stranger, "offers": offers}


def _names(proposals: list[Proposal]) -> list[str]:
    return [p.offer.name for p in proposals]


def test_ranking_order_on_a_hand_built_set(world: dict[str, Any]) -> None:
    proposals = offers_propose(from_org_id=world["org"].pk, needs=NEEDS, language="nl",
                               region="mechelen")
    # referable first (A, B, E by needs, language, region); then D before C: both meet two
    # needs in Dutch in Mechelen, D has more open places. "Exit only" meets no need: left out.
    assert _names(proposals) == ["Housing first", "Job coach", "Own youth work", "No deal",
                                 "Full house"]
    assert [p.rank for p in proposals] == [1, 2, 3, 4, 5]
    assert [p.referable for p in proposals] == [True, True, True, False, False]
    scores = [p.score for p in proposals]
    assert scores == sorted(scores, reverse=True)


def test_reasons_are_human_sentences(world: dict[str, Any]) -> None:
    by_name = {p.offer.name: p for p in offers_propose(
        from_org_id=world["org"].pk, needs=NEEDS, language="nl", region="Mechelen")}
    first = by_name["Housing first"]
    assert first.reasons[:4] == ["Meets 2 of 3 needs: Housing, Work and income",
                                 "Works in Dutch", "Serves Mechelen", "3 open places"]
    assert first.reasons[4].startswith("Data-sharing agreement “Youth work DSA” valid until")
    assert first.matched_needs == ("housing", "work")
    assert first.agreement is not None and first.agreement.title == "Youth work DSA"
    assert "1 open place" in by_name["Job coach"].reasons
    assert "No open places" in by_name["Full house"].reasons
    assert ("No valid data-sharing agreement with No agreement vzw: cannot refer"
            in by_name["No deal"].reasons)
    own = by_name["Own youth work"]
    assert own.reasons == ["Meets 1 of 3 needs: Work and income",
                           "Does not work in Dutch (works in French)",
                           "Serves Antwerpen, not Mechelen", "2 open places",
                           "Own organisation: no data-sharing agreement needed"]
    assert own.referable and own.agreement is None


def test_language_outranks_region_and_region_outranks_places(
        org: Organisation) -> None:
    make_offer(org, "Dutch elsewhere", needs=["work"], languages=["nl"], region="Gent",
               capacity=1)
    make_offer(org, "French here", needs=["work"], languages=["fr"], region="Mechelen",
               capacity=50)
    make_offer(org, "French elsewhere", needs=["work"], languages=["fr"], region="Gent",
               capacity=80)
    proposals = offers_propose(from_org_id=org.pk, needs=["work"], language="nl",
                               region="Mechelen")
    assert _names(proposals) == ["Dutch elsewhere", "French here", "French elsewhere"]


def test_ties_are_broken_by_name(org: Organisation) -> None:
    for name in ["Zeta", "alpha", "Beta"]:
        make_offer(org, name, needs=["work"], capacity=2)
    first = offers_propose(from_org_id=org.pk, needs=["work"], language=None, region=None)
    assert _names(first) == ["alpha", "Beta", "Zeta"]
    again = offers_propose(from_org_id=org.pk, needs=["work"], language=None, region=None)
    assert [(p.offer.pk, p.rank, p.score) for p in again] == \
        [(p.offer.pk, p.rank, p.score) for p in first]


def test_without_language_and_region_there_are_no_such_reasons(org: Organisation) -> None:
    make_offer(org, "Any", needs=["work"], capacity=2)
    [proposal] = offers_propose(from_org_id=org.pk, needs=["work"], language=None,
                                region="")
    assert not any(r.startswith(("Works in", "Does not work", "Serves")) for r in
                   proposal.reasons)


def test_age_outside_the_range_is_not_referable(org: Organisation) -> None:
    make_offer(org, "Teens", needs=["school"], min_age=12, max_age=18, capacity=4)
    [young] = offers_propose(from_org_id=org.pk, needs=["school"], language=None,
                             region=None, age=15)
    assert young.referable and "For ages 12 to 18" in young.reasons
    [older] = offers_propose(from_org_id=org.pk, needs=["school"], language=None,
                             region=None, age=25)
    assert not older.referable
    assert "Only for ages 12 to 18: the person's age is outside it" in older.reasons
    [unknown] = offers_propose(from_org_id=org.pk, needs=["school"], language=None,
                               region=None)
    assert unknown.referable  # no age given: the range is shown, the worker checks it


def test_agreement_validity_follows_the_referral_day(org: Organisation,
                                                     partner_org: Organisation) -> None:
    today = timezone.localdate()
    make_agreement(partner_org, org, starts_on=today, expires_on=today + timedelta(days=5))
    make_offer(partner_org, "Partner offer", needs=["work"], capacity=2)
    [now] = offers_propose(from_org_id=org.pk, needs=["work"], language=None, region=None)
    assert now.referable
    [later] = offers_propose(from_org_id=org.pk, needs=["work"], language=None, region=None,
                             on=today + timedelta(days=6))
    assert not later.referable and later.agreement is None


def test_no_needs_proposes_every_active_offer(world: dict[str, Any]) -> None:
    proposals = offers_propose(from_org_id=world["org"].pk, needs=[], language=None,
                               region=None)
    assert len(proposals) == Offer.objects.filter(active=True).count() == 6


def test_limit(world: dict[str, Any]) -> None:
    proposals = offers_propose(from_org_id=world["org"].pk, needs=NEEDS, language="nl",
                               region="Mechelen", limit=2)
    assert _names(proposals) == ["Housing first", "Job coach"]


def test_unknown_needs_are_refused(org: Organisation) -> None:
    with pytest.raises(InvalidInput):
        offers_propose(from_org_id=org.pk, needs=["risk_score"], language=None, region=None)


def test_two_queries_whatever_the_number_of_offers(world: dict[str, Any],
                                                   django_assert_num_queries: Any) -> None:
    for i in range(15):
        make_offer(make_org(f"Extra {i}"), f"Extra {i}", needs=["work"])
    with django_assert_num_queries(2):
        proposals = offers_propose(from_org_id=world["org"].pk, needs=NEEDS, language="nl",
                                   region="Mechelen", limit=50)
        render_to_string("partners/partials/proposals.html", {"proposals": proposals})
    assert len(proposals) == 20


def test_the_proposals_partial_shows_reasons_and_never_the_score(
        world: dict[str, Any]) -> None:
    proposals = offers_propose(from_org_id=world["org"].pk, needs=NEEDS, language="nl",
                               region="Mechelen")
    html = render_to_string("partners/partials/proposals.html", {"proposals": proposals})
    assert "Meets 2 of 3 needs: Housing, Work and income" in html
    assert "Cannot be referred now" in html
    for proposal in proposals:
        assert str(proposal.score) not in html
