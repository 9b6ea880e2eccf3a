"""Offers and agreements: writes, refusals, audit, the capacity race, agreement validity."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.audit.models import AuditEntry
from brug.errors import Conflict, InvalidInput, NotAllowed, NotFound
from brug.partners import services
from brug.partners.models import Agreement, Offer
from brug.partners.selectors import (
    agreement_valid_between,
    agreements_valid_for,
    referral_allowed_between,
)
from brug.partners.vocab import Need, OfferKind
from tests.factories import make_org, make_user

from .helpers import make_agreement, make_offer

OFFER: dict[str, Any] = {"name": "Job coaching for young adults", "kind": OfferKind.JOB_COACHING,
         "region": "Mechelen", "needs": [Need.WORK, Need.SCHOOL], "languages": ["nl", "fr"],
         "description": "Weekly coaching towards a first job.", "min_age": 16, "max_age": 25,
         "capacity": 4}


# --- offers --------------------------------------------------------------------------------

def test_offer_create_writes_the_offer_and_a_content_free_audit_entry(
        partner_caseworker: User) -> None:
    offer = services.offer_create(actor=partner_caseworker, **OFFER)
    assert offer.organisation_id == partner_caseworker.organisation_id
    assert offer.needs == ["work", "school"] and offer.languages == ["nl", "fr"]
    assert offer.receiving_role == Role.PARTNER_CASEWORKER and offer.active
    entry = AuditEntry.objects.get(action="offer.create")
    assert entry.object_id == str(offer.pk) and entry.actor_id == partner_caseworker.pk
    assert entry.organisation_id == partner_caseworker.organisation_id
    assert entry.details["capacity"] == 4
    assert "Weekly coaching" not in str(entry.details)


@pytest.mark.parametrize("persona", ["prevention_worker", "counsellor", "dpo"])
def test_offer_create_needs_offer_manage(persona: str, request: pytest.FixtureRequest) -> None:
    actor = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        services.offer_create(actor=actor, **OFFER)
    assert not Offer.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize(("change", "code"), [
    ({"name": "  "}, "name_missing"),
    ({"region": ""}, "region_missing"),
    ({"kind": "circus"}, "bad_kind"),
    ({"needs": ["housing", "risk"]}, "bad_need"),
    ({"needs": []}, "needs_missing"),
    ({"languages": ["klingon"]}, "bad_language"),
    ({"languages": []}, "languages_missing"),
    ({"min_age": 30, "max_age": 18}, "bad_age_range"),
    ({"min_age": -1}, "bad_age"),
    ({"capacity": -1}, "bad_capacity"),
    ({"receiving_role": Role.DPO}, "bad_receiving_role"),
    ({"receiving_role": Role.ADMINISTRATOR}, "bad_receiving_role"),
])
def test_offer_create_refuses_bad_input(partner_caseworker: User, change: dict[str, Any],
                                        code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.offer_create(actor=partner_caseworker, **{**OFFER, **change})
    assert caught.value.code == code
    assert not Offer.objects.exists()


def test_offer_names_are_unique_per_organisation(partner_caseworker: User,
                                                 supervisor: User) -> None:
    services.offer_create(actor=partner_caseworker, **OFFER)
    with pytest.raises(Conflict):
        services.offer_create(actor=partner_caseworker, **{**OFFER, "name": OFFER["name"].upper()})
    services.offer_create(actor=supervisor, **OFFER)  # another organisation may use the name
    assert Offer.objects.count() == 2


def test_offer_update_changes_own_offer_and_audits_the_changed_fields(
        partner_caseworker: User) -> None:
    assert partner_caseworker.organisation is not None
    offer = make_offer(partner_caseworker.organisation, capacity=2)
    updated = services.offer_update(actor=partner_caseworker, offer_id=offer.pk,
                                    region="Antwerpen", capacity=5, needs=["exit"])
    assert (updated.region, updated.capacity, updated.needs) == ("Antwerpen", 5, ["exit"])
    offer.refresh_from_db()
    assert offer.region == "Antwerpen"
    entry = AuditEntry.objects.get(action="offer.update")
    assert entry.details["fields"] == ["capacity", "needs", "region"]
    assert entry.details["capacity"] == {"from": 2, "to": 5}


def test_offer_update_without_change_writes_nothing(partner_caseworker: User) -> None:
    assert partner_caseworker.organisation is not None
    offer = make_offer(partner_caseworker.organisation, region="Mechelen")
    services.offer_update(actor=partner_caseworker, offer_id=offer.pk, region=" Mechelen ")
    assert not AuditEntry.objects.exists()


def test_offer_update_checks_the_age_range_against_stored_values(
        partner_caseworker: User) -> None:
    assert partner_caseworker.organisation is not None
    offer = make_offer(partner_caseworker.organisation, min_age=12, max_age=18)
    with pytest.raises(InvalidInput):
        services.offer_update(actor=partner_caseworker, offer_id=offer.pk, min_age=20)


def test_another_organisations_offer_cannot_be_changed(partner_caseworker: User,
                                                       supervisor: User) -> None:
    assert supervisor.organisation is not None
    offer = make_offer(supervisor.organisation, capacity=2)
    with pytest.raises(NotFound):
        services.offer_update(actor=partner_caseworker, offer_id=offer.pk, capacity=9)
    with pytest.raises(NotFound):
        services.offer_set_capacity(actor=partner_caseworker, offer_id=offer.pk, capacity=9)
    offer.refresh_from_db()
    assert offer.capacity == 2 and not AuditEntry.objects.exists()


def test_offer_update_refuses_unknown_fields(partner_caseworker: User) -> None:
    assert partner_caseworker.organisation is not None
    offer = make_offer(partner_caseworker.organisation)
    with pytest.raises(InvalidInput):
        services.offer_update(actor=partner_caseworker, offer_id=offer.pk,
                              **{"organisation_id": 1})  # type: ignore[arg-type]


def test_offer_set_capacity(partner_caseworker: User) -> None:
    assert partner_caseworker.organisation is not None
    offer = make_offer(partner_caseworker.organisation, capacity=1)
    services.offer_set_capacity(actor=partner_caseworker, offer_id=offer.pk, capacity=6)
    offer.refresh_from_db()
    assert offer.capacity == 6
    assert AuditEntry.objects.get(action="offer.set_capacity").details == {"from": 1, "to": 6}
    with pytest.raises(InvalidInput):
        services.offer_set_capacity(actor=partner_caseworker, offer_id=offer.pk, capacity=-2)


def test_place_take_and_release(partner_org: Organisation) -> None:
    offer = make_offer(partner_org, capacity=2)
    assert services.offer_place_take(offer_id=offer.pk).capacity == 1
    assert services.offer_place_take(offer_id=offer.pk).capacity == 0
    with pytest.raises(Conflict) as caught:
        services.offer_place_take(offer_id=offer.pk)
    assert caught.value.code == "offer_full"
    assert services.offer_place_release(offer_id=offer.pk).capacity == 1
    offer.refresh_from_db()
    assert offer.capacity == 1
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "organisation_id"))
    assert actions == [("offer.place_take", partner_org.pk)] * 2 + [
        ("offer.place_release", partner_org.pk)]


def test_place_take_refuses_an_inactive_offer_and_an_unknown_one(
        partner_org: Organisation) -> None:
    offer = make_offer(partner_org, capacity=3, active=False)
    with pytest.raises(Conflict) as caught:
        services.offer_place_take(offer_id=offer.pk)
    assert caught.value.code == "offer_inactive"
    with pytest.raises(NotFound):
        services.offer_place_take(offer_id=offer.pk + 1000)
    with pytest.raises(NotFound):
        services.offer_place_release(offer_id=offer.pk + 1000)
    offer.refresh_from_db()
    assert offer.capacity == 3


def test_two_accepts_that_both_saw_the_last_place_take_it_once(
        partner_org: Organisation) -> None:
    """Both callers read the offer with one open place before either takes it (the cases app
    checks capacity when it shows the referral). The take decides in the database."""
    offer = make_offer(partner_org, capacity=1)
    first_view, second_view = Offer.objects.get(pk=offer.pk), Offer.objects.get(pk=offer.pk)
    assert first_view.capacity == second_view.capacity == 1
    services.offer_place_take(offer_id=first_view.pk)
    with pytest.raises(Conflict):
        services.offer_place_take(offer_id=second_view.pk)
    offer.refresh_from_db()
    assert offer.capacity == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_accepts_never_take_more_places_than_there_are() -> None:
    """Real concurrency: several threads, each on its own connection, race for two places."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        pytest.skip("threads cannot share SQLite's in-memory test database")
    offer = make_offer(make_org("Race partner", OrganisationType.YOUTH_WORK), capacity=2)
    barrier = threading.Barrier(6)
    results: list[str] = []
    lock = threading.Lock()

    def accept() -> None:
        try:
            barrier.wait(timeout=10)
            services.offer_place_take(offer_id=offer.pk)
            outcome = "taken"
        except Conflict:
            outcome = "full"
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=accept) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    offer.refresh_from_db()
    assert sorted(results) == ["full"] * 4 + ["taken"] * 2
    assert offer.capacity == 0


# --- agreements ----------------------------------------------------------------------------

def _record(actor: User, other: Organisation, **change: Any) -> Agreement:
    assert actor.organisation_id is not None
    today = timezone.localdate()
    values: dict[str, Any] = {
        "organisation_a_id": actor.organisation_id, "organisation_b_id": other.pk,
        "title": "Youth work referrals", "legal_basis": "Art. 6(1)(e) GDPR",
        "scope": "Needs assessment and contact details, for support offers.",
        "reference": "DSA-7", "starts_on": today, "expires_on": today + timedelta(days=365)}
    values.update(change)
    return services.agreement_record(actor=actor, **values)


def test_agreement_record_by_the_dpo(dpo: User, partner_org: Organisation) -> None:
    agreement = _record(dpo, partner_org)
    assert agreement.recorded_by == dpo and agreement.ended_at is None
    entry = AuditEntry.objects.get(action="agreement.record")
    assert entry.object_id == str(agreement.pk)
    assert entry.details["organisation_b_id"] == partner_org.pk
    assert "Needs assessment" not in str(entry.details)


def test_the_other_party_may_record_it_in_either_order(partner_org: Organisation,
                                                       org: Organisation) -> None:
    partner_dpo = make_user(Role.DPO, partner_org)
    agreement = _record(partner_dpo, org, organisation_a_id=org.pk,
                        organisation_b_id=partner_org.pk)
    assert agreement.organisation_a_id == org.pk


@pytest.mark.parametrize("persona", ["supervisor", "administrator", "partner_caseworker",
                                     "prevention_worker"])
def test_agreement_record_needs_agreement_manage(persona: str, partner_org: Organisation,
                                                 other_org: Organisation,
                                                 request: pytest.FixtureRequest) -> None:
    actor = request.getfixturevalue(persona)
    with pytest.raises(NotAllowed):
        _record(actor, other_org if actor.organisation_id == partner_org.pk else partner_org)
    assert not Agreement.objects.exists()


def test_agreement_record_refusals(dpo: User, partner_org: Organisation,
                                   other_org: Organisation, org: Organisation) -> None:
    today = timezone.localdate()
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"organisation_a_id": other_org.pk}, InvalidInput, "not_a_party"),
        ({"organisation_b_id": org.pk}, InvalidInput, "same_party"),
        ({"title": " "}, InvalidInput, "title_missing"),
        ({"legal_basis": ""}, InvalidInput, "legal_basis_missing"),
        ({"scope": ""}, InvalidInput, "scope_missing"),
        ({"starts_on": today, "expires_on": today - timedelta(days=1)}, InvalidInput,
         "bad_period"),
        ({"starts_on": today - timedelta(days=400), "expires_on": today - timedelta(days=1)},
         InvalidInput, "already_expired"),
        ({"organisation_b_id": 999_999}, NotFound, "not_found"),
    ]
    for change, error, code in cases:
        with pytest.raises(error) as caught:
            _record(dpo, partner_org, **change)
        assert getattr(caught.value, "code", None) == code, change
    assert not Agreement.objects.exists() and not AuditEntry.objects.exists()


def test_agreement_end(dpo: User, org: Organisation, partner_org: Organisation) -> None:
    agreement = make_agreement(partner_org, org)  # recorded by the partner; we are party b
    ended = services.agreement_end(actor=dpo, agreement_id=agreement.pk,
                                   reason="The programme was stopped by the partner.")
    assert ended.ended_at is not None
    entry = AuditEntry.objects.get(action="agreement.end")
    assert entry.reason == "The programme was stopped by the partner."
    with pytest.raises(Conflict):
        services.agreement_end(actor=dpo, agreement_id=agreement.pk,
                               reason="Ending it a second time.")
    assert agreement_valid_between(org.pk, partner_org.pk, timezone.localdate()) is None


def test_agreement_end_refusals(dpo: User, supervisor: User, org: Organisation,
                                partner_org: Organisation, other_org: Organisation) -> None:
    ours = make_agreement(org, partner_org)
    theirs = make_agreement(other_org, partner_org)
    with pytest.raises(InvalidInput):
        services.agreement_end(actor=dpo, agreement_id=ours.pk, reason="short")
    with pytest.raises(NotFound):
        services.agreement_end(actor=dpo, agreement_id=theirs.pk,
                               reason="Not ours, but we try anyway.")
    with pytest.raises(NotAllowed):
        services.agreement_end(actor=supervisor, agreement_id=ours.pk,
                               reason="Supervisors only read agreements.")
    assert Agreement.objects.filter(ended_at__isnull=False).count() == 0


def test_agreement_valid_between_by_dates_end_and_direction(
        org: Organisation, partner_org: Organisation, other_org: Organisation) -> None:
    today = timezone.localdate()
    agreement = make_agreement(org, partner_org, starts_on=today,
                               expires_on=today + timedelta(days=10))
    assert agreement_valid_between(org.pk, partner_org.pk, today) == agreement
    assert agreement_valid_between(partner_org.pk, org.pk, today) == agreement  # either way
    assert agreement_valid_between(org.pk, partner_org.pk, today + timedelta(days=10)) \
        == agreement  # last day included
    assert agreement_valid_between(org.pk, partner_org.pk, today - timedelta(days=1)) is None
    assert agreement_valid_between(org.pk, partner_org.pk, today + timedelta(days=11)) is None
    assert agreement_valid_between(org.pk, other_org.pk, today) is None
    assert agreement_valid_between(org.pk, org.pk, today) is None
    agreement.ended_at = timezone.now()
    agreement.save()
    assert agreement_valid_between(org.pk, partner_org.pk, today) is None


def test_the_longest_running_valid_agreement_is_used(org: Organisation,
                                                     partner_org: Organisation) -> None:
    today = timezone.localdate()
    make_agreement(org, partner_org, expires_on=today + timedelta(days=30))
    longer = make_agreement(partner_org, org, expires_on=today + timedelta(days=300))
    make_agreement(org, partner_org, expires_on=today + timedelta(days=900), ended=True)
    assert agreement_valid_between(org.pk, partner_org.pk, today) == longer
    assert agreements_valid_for(org.pk, today) == {partner_org.pk: longer}


def test_referral_allowed_between(org: Organisation, partner_org: Organisation,
                                  other_org: Organisation) -> None:
    today = timezone.localdate()
    make_agreement(org, partner_org, title="Youth work DSA")
    allowed, reason = referral_allowed_between(org.pk, org.pk, today)
    assert allowed and "no data-sharing agreement needed" in reason
    allowed, reason = referral_allowed_between(org.pk, partner_org.pk, today)
    assert allowed and "Youth work DSA" in reason
    allowed, reason = referral_allowed_between(partner_org.pk, org.pk, today)
    assert allowed
    allowed, reason = referral_allowed_between(org.pk, other_org.pk, today)
    assert not allowed
    assert reason == ("No valid data-sharing agreement with Elsewhere prevention: "
                      "cannot refer")
