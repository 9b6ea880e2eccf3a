"""Proposing offers for a referral. Brug proposes and explains; the worker chooses.

``offers_propose`` compares the needs written down in a needs assessment, the person's
language, region and (optionally) age with every active offer, and returns the offers in this
order (the rule, deterministic):

1. **referable** offers first. An offer is *not* referable when it has no open places, when
   the person's age is outside its age range, or when it belongs to another organisation and
   no data-sharing agreement between the two organisations is valid on the day
   (``selectors.agreement_valid_between``; the worker's own organisation needs none);
2. then more of the requested **needs met**;
3. then the offer **works in the person's language**;
4. then the offer **serves the person's region** (town or region name, case-insensitive);
5. then more **open places** (counted up to 99; beyond that they count as equal);
6. ties by the offer's name, then its organisation's name, then its id.

When needs are given, offers meeting none of them are left out. Every proposal carries its
reasons as translated sentences ("Meets 2 of 3 needs: Housing, Work and income", "Works in
Dutch", "No open places", ...), so the worker sees why it is where it is.

``score`` encodes steps 1 to 5 in one integer. It orders *offers*; it says nothing about the
person and is never shown as anyone's score (guardrail: messages are scored, people are not).

Queries: one for the offers (with their organisations), one for the valid agreements.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _

from brug.errors import InvalidInput

from .models import Agreement, Offer
from .selectors import (
    agreement_reason,
    agreements_valid_for,
    no_agreement_reason,
    same_organisation_reason,
)
from .vocab import Need

PLACES_COUNTED = 99
_REFERABLE, _NEED, _LANGUAGE, _REGION = 1_000_000, 10_000, 1_000, 100
assert len(Need.values) * _NEED < _REFERABLE and _REGION > PLACES_COUNTED


@dataclass(frozen=True)
class Proposal:
    """One proposed offer. ``score`` only orders offers (see the module docstring)."""

    offer: Offer
    rank: int
    score: int
    reasons: list[str] = field(default_factory=list)
    referable: bool = True
    matched_needs: tuple[str, ...] = ()
    agreement: Agreement | None = None   # the agreement a cross-organisation referral uses


def language_name(code: str) -> str:
    """The language's name in the active language ("nl" -> "Dutch"); the code if unknown."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def _need_names(codes: list[str] | tuple[str, ...]) -> str:
    labels = dict(Need.choices)
    return ", ".join(str(labels.get(c, c)) for c in codes)


def _age_range(offer: Offer) -> str:
    if offer.min_age is not None and offer.max_age is not None:
        return _("ages %(min)d to %(max)d") % {"min": offer.min_age, "max": offer.max_age}
    if offer.min_age is not None:
        return _("age %(min)d and over") % {"min": offer.min_age}
    return _("up to age %(max)d") % {"max": offer.max_age}


def _clean_needs(needs: Sequence[str]) -> list[str]:
    result: list[str] = []
    for need in needs:
        if need not in Need.values:
            raise InvalidInput(_("Choose needs from the list."), code="bad_need")
        if need not in result:
            result.append(need)
    return result


def _assess(offer: Offer, *, from_org_id: int, needs: list[str], language: str,
            region: str, age: int | None,
            agreements: dict[int, Agreement]) -> tuple[int, list[str], bool, tuple[str, ...],
                                                       Agreement | None]:
    """Score, reasons, referable, matched needs and agreement for one offer."""
    reasons: list[str] = []
    referable = True
    score = 0

    offered = set(offer.needs or [])
    matched = tuple(n for n in needs if n in offered)
    if needs:
        reasons.append(ngettext(
            "Meets %(met)d of %(total)d need: %(names)s",
            "Meets %(met)d of %(total)d needs: %(names)s", len(needs))
            % {"met": len(matched), "total": len(needs), "names": _need_names(matched)})
        score += _NEED * len(matched)

    if language:
        languages = [str(c) for c in offer.languages or []]
        if language in languages:
            reasons.append(_("Works in %(language)s") % {"language": language_name(language)})
            score += _LANGUAGE
        else:
            reasons.append(_("Does not work in %(language)s (works in %(languages)s)") % {
                "language": language_name(language),
                "languages": ", ".join(language_name(c) for c in languages) or "—"})

    if region:
        if offer.region.strip().casefold() == region.casefold():
            reasons.append(_("Serves %(region)s") % {"region": offer.region})
            score += _REGION
        else:
            reasons.append(_("Serves %(offer_region)s, not %(region)s") % {
                "offer_region": offer.region, "region": region})

    if offer.min_age is not None or offer.max_age is not None:
        inside = age is None or ((offer.min_age is None or age >= offer.min_age)
                                 and (offer.max_age is None or age <= offer.max_age))
        if inside:
            reasons.append(_("For %(range)s") % {"range": _age_range(offer)})
        else:
            referable = False
            reasons.append(_("Only for %(range)s: the person's age is outside it")
                           % {"range": _age_range(offer)})

    if offer.capacity > 0:
        reasons.append(ngettext("%(count)d open place", "%(count)d open places",
                                offer.capacity) % {"count": offer.capacity})
        score += min(offer.capacity, PLACES_COUNTED)
    else:
        referable = False
        reasons.append(_("No open places"))

    agreement: Agreement | None = None
    if offer.organisation_id == from_org_id:
        reasons.append(same_organisation_reason())
    else:
        agreement = agreements.get(offer.organisation_id)
        if agreement is None:
            referable = False
            reasons.append(no_agreement_reason(offer.organisation.name))
        else:
            reasons.append(agreement_reason(agreement))

    if referable:
        score += _REFERABLE
    return score, reasons, referable, matched, agreement


def offers_propose(*, from_org_id: int, needs: Sequence[str], language: str | None,
                   region: str | None, age: int | None = None,
                   on: datetime.date | None = None, limit: int = 20) -> list[Proposal]:
    """Active offers ranked for a referral from ``from_org_id`` (rule: module docstring).

    ``needs`` are ``vocab.Need`` values (an unknown one is ``InvalidInput``); ``language`` a
    language code; ``region`` a town or region name; ``on`` the day the referral would be sent
    (today by default). At most ``limit`` proposals, ranked from 1.
    """
    wanted = _clean_needs(list(needs))
    language = (language or "").strip().lower()
    region = (region or "").strip()
    on = on or timezone.localdate()

    offers = list(Offer.objects.filter(active=True).select_related("organisation"))
    agreements = agreements_valid_for(from_org_id, on)

    assessed = []
    for offer in offers:
        if wanted and not set(wanted) & set(offer.needs or []):
            continue
        score, reasons, referable, matched, agreement = _assess(
            offer, from_org_id=from_org_id, needs=wanted, language=language, region=region,
            age=age, agreements=agreements)
        assessed.append((score, offer, reasons, referable, matched, agreement))
    assessed.sort(key=lambda a: (-a[0], a[1].name.casefold(),
                                 a[1].organisation.name.casefold(), a[1].pk))
    return [Proposal(offer=offer, rank=rank, score=score, reasons=reasons,
                     referable=referable, matched_needs=matched, agreement=agreement)
            for rank, (score, offer, reasons, referable, matched, agreement)
            in enumerate(assessed[:max(limit, 0)], start=1)]
