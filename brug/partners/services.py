"""Writes for offers and data-sharing agreements. Every function records its own audit entry.

Offers are not personal data: any organisation's staff with ``Cap.OFFER_VIEW`` may read them,
but only people of the offering organisation with ``Cap.OFFER_MANAGE`` change them.

Open places are a counter that the cases app moves when a partner accepts a referral
(``offer_place_take``) or a referral ends (``offer_place_release``). Taking a place is one
conditional ``UPDATE ... SET capacity = capacity - 1 WHERE capacity > 0``: the database
decides, so two accepts at the same moment cannot both take the last place.

Guardrail "need to know": no referral crosses organisations without a valid data-sharing
agreement (``selectors.agreement_valid_between``). Agreements are recorded and ended here by
someone with ``Cap.AGREEMENT_MANAGE`` whose organisation is one of the two parties.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.models import Organisation
from brug.accounts.roles import Cap, Role
from brug.audit.services import audit_record
from brug.errors import Conflict, InvalidInput, NotFound

from .models import Agreement, Offer
from .vocab import Need, OfferKind

if TYPE_CHECKING:
    from brug.accounts.models import User

# Languages an offer can name. Django knows each code's name in English, Dutch and French.
OFFER_LANGUAGES: tuple[str, ...] = ("nl", "fr", "en", "de", "ar", "tr", "es", "it", "pt",
                                    "pl", "ro", "bg", "sq", "ru", "uk", "fa")
# Referrals carry personal data: the roles that read no case content never receive them.
NON_RECEIVING_ROLES = frozenset({Role.DPO, Role.ADMINISTRATOR})
RECEIVING_ROLES: tuple[str, ...] = tuple(r for r in Role.values if r not in NON_RECEIVING_ROLES)
MAX_CAPACITY = 10_000
MAX_AGE = 120
REASON_MIN_CHARS = 10
TEXT_FIELDS = ("name", "description", "region", "eligibility")
OFFER_FIELDS = frozenset({"name", "kind", "description", "needs", "languages", "region",
                          "eligibility", "min_age", "max_age", "capacity", "receiving_role",
                          "active"})


class OfferFields(TypedDict, total=False):
    """The fields of an offer that people set (all optional for ``offer_update``)."""

    name: str
    kind: str
    description: str
    needs: Iterable[str]
    languages: Iterable[str]
    region: str
    eligibility: str
    min_age: int | None
    max_age: int | None
    capacity: int
    receiving_role: str
    active: bool


# --- checks --------------------------------------------------------------------------------

def _own_offer(actor: User, offer_id: int, *, lock: bool = False) -> Offer:
    """The offer if the actor may manage it: ``Cap.OFFER_MANAGE`` and their organisation's."""
    organisation_id = require_capability(
        actor, Cap.OFFER_MANAGE, _("Your role does not allow changing offers."))
    queryset = Offer.objects.select_for_update() if lock else Offer.objects.all()
    offer = queryset.filter(pk=offer_id, organisation_id=organisation_id).first()
    if offer is None:
        raise NotFound(_("Your organisation has no such offer."))
    return offer


def _codes(values: Iterable[str], allowed: Iterable[str], message: str, code: str) -> list[str]:
    """Distinct codes in the given order; ``InvalidInput`` for any code not in ``allowed``."""
    allowed_set = set(allowed)
    if isinstance(values, str):
        values = [values]
    result: list[str] = []
    for value in values:
        value = str(value).strip()
        if value not in allowed_set:
            raise InvalidInput(message, code=code)
        if value not in result:
            result.append(value)
    return result


def _age(value: Any, label: str) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_AGE:
        raise InvalidInput(_("The %(label)s must be a whole number between 0 and %(max)d.")
                           % {"label": label, "max": MAX_AGE}, code="bad_age")
    return value


def _capacity(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_CAPACITY:
        raise InvalidInput(_("Open places must be a whole number between 0 and %(max)d.")
                           % {"max": MAX_CAPACITY}, code="bad_capacity")
    return value


def _clean_offer(fields: dict[str, Any]) -> dict[str, Any]:
    """Checked, normalised values for the given offer fields (only those given)."""
    unknown = set(fields) - OFFER_FIELDS
    if unknown:
        raise InvalidInput(_("An offer has no field named %(names)s.")
                           % {"names": ", ".join(sorted(unknown))}, code="bad_field")
    clean: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name in fields:
            clean[name] = str(fields[name] or "").strip()
    if "name" in clean and not clean["name"]:
        raise InvalidInput(_("Give the offer a name."), code="name_missing")
    if "region" in clean and not clean["region"]:
        raise InvalidInput(_("Name the town or region the offer serves."),
                           code="region_missing")
    if "kind" in fields:
        if fields["kind"] not in OfferKind.values:
            raise InvalidInput(_("Choose what kind of offer this is."), code="bad_kind")
        clean["kind"] = fields["kind"]
    if "needs" in fields:
        clean["needs"] = _codes(fields["needs"] or [], Need.values,
                                _("Choose needs from the list."), "bad_need")
        if not clean["needs"]:
            raise InvalidInput(_("Choose at least one need the offer meets."),
                               code="needs_missing")
    if "languages" in fields:
        clean["languages"] = _codes(fields["languages"] or [], OFFER_LANGUAGES,
                                    _("Choose languages from the list."), "bad_language")
        if not clean["languages"]:
            raise InvalidInput(_("Choose at least one language the offer works in."),
                               code="languages_missing")
    if "min_age" in fields:
        clean["min_age"] = _age(fields["min_age"], _("minimum age"))
    if "max_age" in fields:
        clean["max_age"] = _age(fields["max_age"], _("maximum age"))
    if "capacity" in fields:
        clean["capacity"] = _capacity(fields["capacity"])
    if "receiving_role" in fields:
        if fields["receiving_role"] not in RECEIVING_ROLES:
            raise InvalidInput(_("Choose the role that receives referrals. Data-protection "
                                 "officers and administrators read no case content, so they "
                                 "cannot receive referrals."), code="bad_receiving_role")
        clean["receiving_role"] = fields["receiving_role"]
    if "active" in fields:
        clean["active"] = bool(fields["active"])
    return clean


def _check_age_range(min_age: int | None, max_age: int | None) -> None:
    if min_age is not None and max_age is not None and min_age > max_age:
        raise InvalidInput(_("The minimum age cannot be above the maximum age."),
                           code="bad_age_range")


# --- offers --------------------------------------------------------------------------------

def offer_create(*, actor: User, name: str, kind: str, region: str,
                 needs: Iterable[str], languages: Iterable[str], description: str = "",
                 eligibility: str = "", min_age: int | None = None,
                 max_age: int | None = None, capacity: int = 0,
                 receiving_role: str = Role.PARTNER_CASEWORKER, active: bool = True) -> Offer:
    """Create an offer of the actor's organisation (``Cap.OFFER_MANAGE``)."""
    organisation_id = require_capability(
        actor, Cap.OFFER_MANAGE, _("Your role does not allow changing offers."))
    clean = _clean_offer({
        "name": name, "kind": kind, "region": region, "needs": needs, "languages": languages,
        "description": description, "eligibility": eligibility, "min_age": min_age,
        "max_age": max_age, "capacity": capacity, "receiving_role": receiving_role,
        "active": active})
    _check_age_range(clean["min_age"], clean["max_age"])
    with transaction.atomic():
        if Offer.objects.filter(organisation_id=organisation_id,
                                name__iexact=clean["name"]).exists():
            raise Conflict(_("Your organisation already has an offer with this name. Choose "
                             "another name."), code="name_taken")
        offer = Offer.objects.create(organisation_id=organisation_id, **clean)
        audit_record(actor=actor, action="offer.create", obj=offer,
                     details={"kind": offer.kind, "needs": offer.needs,
                              "capacity": offer.capacity, "active": offer.active})
    return offer


def offer_update(*, actor: User, offer_id: int, **fields: Unpack[OfferFields]) -> Offer:
    """Change the given fields of one of the actor's organisation's offers.

    Another organisation's offer is ``NotFound`` (it is not the actor's to change).
    """
    with transaction.atomic():
        offer = _own_offer(actor, offer_id, lock=True)
        clean = _clean_offer(dict(fields))
        _check_age_range(clean.get("min_age", offer.min_age), clean.get("max_age", offer.max_age))
        if ("name" in clean and Offer.objects.filter(
                organisation_id=offer.organisation_id, name__iexact=clean["name"])
                .exclude(pk=offer.pk).exists()):
            raise Conflict(_("Your organisation already has an offer with this name. Choose "
                             "another name."), code="name_taken")
        changed = sorted(name for name, value in clean.items() if getattr(offer, name) != value)
        if not changed:
            return offer
        before_capacity = offer.capacity
        for name in changed:
            setattr(offer, name, clean[name])
        offer.save(update_fields=[*changed, "updated_at"])
        details: dict[str, Any] = {"fields": changed}
        if "capacity" in changed:
            details["capacity"] = {"from": before_capacity, "to": offer.capacity}
        if "active" in changed:
            details["active"] = offer.active
        audit_record(actor=actor, action="offer.update", obj=offer, details=details)
    return offer


def offer_set_capacity(*, actor: User, offer_id: int, capacity: int) -> Offer:
    """Set the number of open places of one of the actor's organisation's offers."""
    with transaction.atomic():
        offer = _own_offer(actor, offer_id, lock=True)
        capacity = _capacity(capacity)
        before = offer.capacity
        if before == capacity:
            return offer
        offer.capacity = capacity
        offer.save(update_fields=["capacity", "updated_at"])
        audit_record(actor=actor, action="offer.set_capacity", obj=offer,
                     details={"from": before, "to": capacity})
    return offer


def offer_place_take(*, offer_id: int, actor: User | None = None) -> Offer:
    """Take one open place (a partner accepted a referral). Called by the cases app inside
    its own transaction; it checks the actor's right to accept, this checks only the places.

    ``Conflict`` when the offer has no open place left or no longer takes referrals. The
    decrement is one conditional UPDATE, so concurrent accepts cannot take the same last place.
    """
    with transaction.atomic():
        taken = (Offer.objects.filter(pk=offer_id, active=True, capacity__gt=0)
                 .update(capacity=F("capacity") - 1, updated_at=timezone.now()))
        offer = Offer.objects.filter(pk=offer_id).first()
        if offer is None:
            raise NotFound(_("This offer does not exist."))
        if not taken:
            if not offer.active:
                raise Conflict(_("“%(name)s” no longer takes referrals.")
                               % {"name": offer.name}, code="offer_inactive")
            raise Conflict(_("“%(name)s” has no open places left. Choose another offer or "
                             "ask the partner when a place frees up.") % {"name": offer.name},
                           code="offer_full")
        audit_record(actor=actor, action="offer.place_take", obj=offer,
                     organisation_id=offer.organisation_id,
                     details={"capacity": offer.capacity})
    return offer


def offer_place_release(*, offer_id: int, actor: User | None = None) -> Offer:
    """Give back one place (a referral that had taken one ended). Called by the cases app."""
    with transaction.atomic():
        released = (Offer.objects.filter(pk=offer_id)
                    .update(capacity=F("capacity") + 1, updated_at=timezone.now()))
        if not released:
            raise NotFound(_("This offer does not exist."))
        offer = Offer.objects.get(pk=offer_id)
        audit_record(actor=actor, action="offer.place_release", obj=offer,
                     organisation_id=offer.organisation_id,
                     details={"capacity": offer.capacity})
    return offer


# --- agreements ----------------------------------------------------------------------------

def agreement_record(*, actor: User, organisation_a_id: int, organisation_b_id: int,
                     title: str, legal_basis: str, scope: str, reference: str,
                     starts_on: datetime.date, expires_on: datetime.date) -> Agreement:
    """Record a data-sharing agreement between two organisations, one of them the actor's.

    Preconditions checked here: ``Cap.AGREEMENT_MANAGE``; two different, existing parties;
    title, legal basis and scope written; ``starts_on <= expires_on`` and not already expired.
    """
    own = require_capability(
        actor, Cap.AGREEMENT_MANAGE, _("Your role does not allow recording agreements."))
    if own not in (organisation_a_id, organisation_b_id):
        raise InvalidInput(_("Your own organisation must be one of the two parties."),
                           code="not_a_party")
    if organisation_a_id == organisation_b_id:
        raise InvalidInput(_("An agreement needs two different organisations. Within one "
                             "organisation no agreement is needed."), code="same_party")
    title, legal_basis, scope = title.strip(), legal_basis.strip(), scope.strip()
    if not title:
        raise InvalidInput(_("Give the agreement a title."), code="title_missing")
    if not legal_basis:
        raise InvalidInput(_("Write the legal basis of the agreement."),
                           code="legal_basis_missing")
    if not scope:
        raise InvalidInput(_("Write which data may be shared, and for what purpose."),
                           code="scope_missing")
    if not isinstance(starts_on, datetime.date) or not isinstance(expires_on, datetime.date):
        raise InvalidInput(_("Give the dates the agreement is valid from and until."),
                           code="dates_missing")
    if expires_on < starts_on:
        raise InvalidInput(_("The agreement cannot expire before it starts."),
                           code="bad_period")
    if expires_on < timezone.localdate():
        raise InvalidInput(_("This agreement has already expired. Record the agreement that "
                             "is in force now."), code="already_expired")
    with transaction.atomic():
        parties = Organisation.objects.filter(pk__in=[organisation_a_id, organisation_b_id])
        if parties.count() != 2:
            raise NotFound(_("The other organisation does not exist."))
        agreement = Agreement.objects.create(
            organisation_a_id=organisation_a_id, organisation_b_id=organisation_b_id,
            title=title, legal_basis=legal_basis, scope=scope, reference=reference.strip(),
            starts_on=starts_on, expires_on=expires_on, recorded_by=actor)
        audit_record(actor=actor, action="agreement.record", obj=agreement,
                     details={"organisation_a_id": organisation_a_id,
                              "organisation_b_id": organisation_b_id,
                              "starts_on": starts_on, "expires_on": expires_on})
    return agreement


def agreement_end(*, actor: User, agreement_id: int, reason: str) -> Agreement:
    """End an agreement before it expires (``Cap.AGREEMENT_MANAGE``, the actor's organisation
    a party). From then on no new referral may rely on it."""
    own = require_capability(
        actor, Cap.AGREEMENT_MANAGE, _("Your role does not allow ending agreements."))
    reason = reason.strip()
    if len(reason) < REASON_MIN_CHARS:
        raise InvalidInput(_("Write why the agreement ends (at least %(count)d characters).")
                           % {"count": REASON_MIN_CHARS}, code="reason_missing")
    with transaction.atomic():
        agreement = (Agreement.objects.select_for_update()
                     .filter(Q(organisation_a_id=own) | Q(organisation_b_id=own),
                             pk=agreement_id).first())
        if agreement is None:
            raise NotFound(_("Your organisation has no such agreement."))
        if agreement.ended_at is not None:
            raise Conflict(_("This agreement has already ended."), code="already_ended")
        agreement.ended_at = timezone.now()
        agreement.ended_reason = reason
        agreement.save(update_fields=["ended_at", "ended_reason"])
        audit_record(actor=actor, action="agreement.end", obj=agreement, reason=reason,
                     details={"organisation_a_id": agreement.organisation_a_id,
                              "organisation_b_id": agreement.organisation_b_id})
    return agreement
