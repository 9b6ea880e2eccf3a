"""Reads for offers and data-sharing agreements.

Offers are not personal data: every organisation's active offers are visible to anyone with
``Cap.OFFER_VIEW``; changing one is for its own organisation only (``access_offer`` with
``Cap.OFFER_MANAGE``: another organisation's offer is a 404). Agreements are visible to the
two parties only.

``agreement_valid_between`` is the rule every cross-organisation referral checks: an agreement
between the two organisations (either direction) that has not been ended and whose period
holds the day (``starts_on <= day <= expires_on``). Within one organisation no agreement is
needed (``referral_allowed_between`` says so explicitly).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brug.accounts.access import require_capability
from brug.accounts.models import Organisation
from brug.accounts.roles import Cap
from brug.errors import NotFound

from .models import Agreement, Offer

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from brug.accounts.models import User


# --- offers --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class OfferFilters:
    """Filters of the offers list; an empty value means "any"."""

    kind: str = ""
    need: str = ""
    language: str = ""
    region: str = ""

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in (("kind", self.kind), ("need", self.need),
                                  ("language", self.language), ("region", self.region)) if v}


def _offers_base() -> QuerySet[Offer]:
    return Offer.objects.select_related("organisation").order_by("organisation__name", "name",
                                                                  "pk")


def offers_visible(*, actor: User, filters: OfferFilters | None = None,
                   include_own_inactive: bool = False) -> list[Offer]:
    """Active offers of every organisation (one query), filtered.

    ``include_own_inactive`` adds the actor's organisation's switched-off offers (for people
    who manage them). Needs and languages are JSON lists, filtered here in Python because
    SQLite has no JSON "contains"; the list of offers of one region stays small.
    """
    organisation_id = require_capability(actor, Cap.OFFER_VIEW)
    filters = filters or OfferFilters()
    visible = Q(active=True)
    if include_own_inactive:
        visible |= Q(organisation_id=organisation_id)
    queryset = _offers_base().filter(visible)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.region:
        queryset = queryset.filter(region__iexact=filters.region.strip())
    offers = list(queryset)
    if filters.need:
        offers = [o for o in offers if filters.need in (o.needs or [])]
    if filters.language:
        offers = [o for o in offers if filters.language in (o.languages or [])]
    return offers


def offer_regions() -> list[str]:
    """The regions active offers serve, sorted, for the list's region filter."""
    regions = (Offer.objects.filter(active=True).order_by("region")
               .values_list("region", flat=True).distinct())
    return sorted({r.strip() for r in regions if r.strip()}, key=str.casefold)


def access_offer(*, actor: User, id: int, capability: str = Cap.OFFER_VIEW) -> Offer:
    """One offer. With ``Cap.OFFER_MANAGE`` only the actor's organisation's (else 404); with
    ``Cap.OFFER_VIEW`` any active offer, or an inactive one of the actor's organisation."""
    organisation_id = require_capability(actor, capability)
    queryset = Offer.objects.select_related("organisation").filter(pk=id)
    if capability == Cap.OFFER_MANAGE:
        queryset = queryset.filter(organisation_id=organisation_id)
    else:
        queryset = queryset.filter(Q(active=True) | Q(organisation_id=organisation_id))
    offer = queryset.first()
    if offer is None:
        raise NotFound(_("Your organisation has no such offer."))
    return offer


# --- agreements ----------------------------------------------------------------------------

AGREEMENT_STATUS_LABELS: dict[str, _StrPromise] = {
    "valid": gettext_lazy("Valid"),
    "not_yet": gettext_lazy("Not yet valid"),
    "expired": gettext_lazy("Expired"),
    "ended": gettext_lazy("Ended"),
}


def agreement_status(agreement: Agreement, on: datetime.date) -> str:
    """One of ``AGREEMENT_STATUS_LABELS``: ended wins over dates."""
    if agreement.ended_at is not None:
        return "ended"
    if on < agreement.starts_on:
        return "not_yet"
    if on > agreement.expires_on:
        return "expired"
    return "valid"


@dataclass(frozen=True, slots=True)
class AgreementRow:
    agreement: Agreement
    other: Organisation      # the party that is not the actor's organisation
    status: str

    @property
    def status_label(self) -> str:
        return str(AGREEMENT_STATUS_LABELS[self.status])


def _party(organisation_id: int) -> Q:
    return Q(organisation_a_id=organisation_id) | Q(organisation_b_id=organisation_id)


def agreements_for_org(*, actor: User, on: datetime.date | None = None) -> list[AgreementRow]:
    """The agreements the actor's organisation is a party to (one query): in force first,
    then by expiry date, latest first."""
    organisation_id = require_capability(
        actor, Cap.AGREEMENT_VIEW, _("Your role does not give access to agreements."))
    on = on or timezone.localdate()
    agreements = (Agreement.objects.filter(_party(organisation_id))
                  .select_related("organisation_a", "organisation_b", "recorded_by")
                  .order_by("-expires_on", "title", "pk"))
    rows = [AgreementRow(a, a.organisation_b if a.organisation_a_id == organisation_id
                         else a.organisation_a, agreement_status(a, on)) for a in agreements]
    rows.sort(key=lambda r: r.status != "valid")  # stable: keeps the expiry order within
    return rows


def access_agreement(*, actor: User, id: int,
                     capability: str = Cap.AGREEMENT_VIEW) -> Agreement:
    """One agreement the actor's organisation is a party to (else 404)."""
    organisation_id = require_capability(
        actor, capability, _("Your role does not give access to agreements."))
    agreement = (Agreement.objects.select_related("organisation_a", "organisation_b")
                 .filter(_party(organisation_id), pk=id).first())
    if agreement is None:
        raise NotFound(_("Your organisation has no such agreement."))
    return agreement


def agreement_parties_for(*, actor: User) -> list[tuple[int, str]]:
    """The organisations the actor's organisation could record an agreement with (all others,
    by name): ``(id, name)`` pairs for the agreement form."""
    organisation_id = require_capability(
        actor, Cap.AGREEMENT_MANAGE, _("Your role does not allow recording agreements."))
    return list(Organisation.objects.exclude(pk=organisation_id).order_by("name")
                .values_list("id", "name"))


def _valid_on(on: datetime.date) -> Q:
    return Q(ended_at__isnull=True, starts_on__lte=on, expires_on__gte=on)


def agreement_valid_between(org_a_id: int, org_b_id: int,
                            on: datetime.date) -> Agreement | None:
    """The agreement between the two organisations valid on ``on`` (either direction, not
    ended, ``starts_on <= on <= expires_on``), the one that runs longest; ``None`` if none.

    Two ids that are equal have no agreement: see ``referral_allowed_between``.
    """
    if org_a_id == org_b_id:
        return None
    pair = (Q(organisation_a_id=org_a_id, organisation_b_id=org_b_id)
            | Q(organisation_a_id=org_b_id, organisation_b_id=org_a_id))
    return (Agreement.objects.filter(pair, _valid_on(on))
            .order_by("-expires_on", "-pk").first())


def agreements_valid_for(organisation_id: int, on: datetime.date) -> dict[int, Agreement]:
    """For each other organisation, the longest-running agreement with ``organisation_id``
    valid on ``on`` (one query). Used to check many offers at once."""
    found: dict[int, Agreement] = {}
    agreements = (Agreement.objects.filter(_party(organisation_id), _valid_on(on))
                  .order_by("expires_on", "pk"))
    for agreement in agreements:  # later (longer-running) ones overwrite earlier ones
        other = (agreement.organisation_b_id if agreement.organisation_a_id == organisation_id
                 else agreement.organisation_a_id)
        found[other] = agreement
    return found


def agreement_reason(agreement: Agreement) -> str:
    """"Data-sharing agreement “X” valid until <date>", in the active language."""
    return _("Data-sharing agreement “%(title)s” valid until %(date)s") % {
        "title": agreement.title,
        "date": formats.date_format(agreement.expires_on, "DATE_FORMAT")}


def no_agreement_reason(organisation_name: str) -> str:
    return _("No valid data-sharing agreement with %(organisation)s: cannot refer") % {
        "organisation": organisation_name}


def same_organisation_reason() -> str:
    return _("Own organisation: no data-sharing agreement needed")


def referral_allowed_between(from_org_id: int, to_org_id: int,
                             on: datetime.date) -> tuple[bool, str]:
    """Whether a referral may go from one organisation to another on ``on``, and why.

    Within one organisation: always (no data crosses an organisation's boundary). Between two:
    only with a valid agreement (``agreement_valid_between``).
    """
    if from_org_id == to_org_id:
        return True, same_organisation_reason()
    agreement = agreement_valid_between(from_org_id, to_org_id, on)
    if agreement is not None:
        return True, agreement_reason(agreement)
    name = (Organisation.objects.filter(pk=to_org_id).values_list("name", flat=True).first()
            or _("this organisation"))
    return False, no_agreement_reason(name)
