"""Offer and agreement pages: who may use them, scoping (another organisation's offer is a
404), forms and their errors, the htmx parts, and the query count of the offers list."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import Role
from brug.audit.models import AuditEntry
from brug.partners.models import Agreement, Offer
from tests.factories import login, make_org, make_user

from .helpers import make_agreement, make_offer


def _csp_clean(html: str) -> None:
    """No inline script, style attribute or on* handler (the CSP would block them)."""
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def _as(client: Client, role: str, organisation: Organisation) -> User:
    user = make_user(role, organisation)
    login(client, user)
    return user


# --- who may use which page ----------------------------------------------------------------

@pytest.mark.parametrize(("role", "status"), [
    (Role.PREVENTION_WORKER, 200), (Role.OUTREACH_WORKER, 200), (Role.COUNSELLOR, 200),
    (Role.SUPERVISOR, 200), (Role.PARTNER_CASEWORKER, 200), (Role.ADMINISTRATOR, 200),
    (Role.DPO, 403)])
def test_offers_list_per_role(client: Client, org: Organisation, role: str,
                              status: int) -> None:
    _as(client, role, org)
    assert client.get(reverse("partners:offers")).status_code == status


@pytest.mark.parametrize(("role", "status"), [
    (Role.PARTNER_CASEWORKER, 200), (Role.SUPERVISOR, 200), (Role.ADMINISTRATOR, 200),
    (Role.PREVENTION_WORKER, 403), (Role.COUNSELLOR, 403), (Role.DPO, 403)])
def test_offer_create_page_per_role(client: Client, org: Organisation, role: str,
                                    status: int) -> None:
    _as(client, role, org)
    assert client.get(reverse("partners:offer_create")).status_code == status


@pytest.mark.parametrize(("role", "list_status", "create_status"), [
    (Role.DPO, 200, 200), (Role.SUPERVISOR, 200, 403), (Role.ADMINISTRATOR, 200, 403),
    (Role.PREVENTION_WORKER, 403, 403), (Role.PARTNER_CASEWORKER, 403, 403)])
def test_agreement_pages_per_role(client: Client, org: Organisation, role: str,
                                  list_status: int, create_status: int) -> None:
    _as(client, role, org)
    assert client.get(reverse("partners:agreements")).status_code == list_status
    assert client.get(reverse("partners:agreement_create")).status_code == create_status


def test_anonymous_visitors_are_sent_to_login(client: Client) -> None:
    response = client.get(reverse("partners:offers"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- offers list ---------------------------------------------------------------------------

def test_offers_list_shows_every_organisations_active_offers_with_capacity(
        client: Client, prevention_worker: User, partner_org: Organisation,
        other_org: Organisation) -> None:
    make_offer(partner_org, "Drop-in De Brug", capacity=3, languages=["nl", "ar"])
    make_offer(other_org, "Full coaching", capacity=0)
    make_offer(partner_org, "Stopped offer", active=False)
    login(client, prevention_worker)
    response = client.get(reverse("partners:offers"))
    html = response.content.decode()
    assert "Drop-in De Brug" in html and "Youth work partner" in html
    assert "3 open places" in html and "No open places" in html
    assert "Dutch, Arabic" in html
    assert "Stopped offer" not in html
    assert reverse("partners:offer_create") not in html  # a prevention worker does not manage
    assert "partners/partners.css" in html
    _csp_clean(html)


def test_managers_see_their_own_switched_off_offers_and_edit_links(
        client: Client, partner_caseworker: User, other_org: Organisation) -> None:
    assert partner_caseworker.organisation is not None
    own = make_offer(partner_caseworker.organisation, "Our paused offer", active=False)
    theirs = make_offer(other_org, "Their offer")
    make_offer(other_org, "Their paused offer", active=False)
    login(client, partner_caseworker)
    html = client.get(reverse("partners:offers")).content.decode()
    assert "Our paused offer" in html and "Switched off" in html
    assert "Their paused offer" not in html
    assert reverse("partners:offer_edit", args=[own.pk]) in html
    assert reverse("partners:offer_edit", args=[theirs.pk]) not in html
    assert reverse("partners:offer_capacity", args=[own.pk]) in html
    assert reverse("partners:offer_capacity", args=[theirs.pk]) not in html


@pytest.mark.parametrize(("query", "expected"), [
    ({"kind": "job_coaching"}, {"Coach"}),
    ({"need": "housing"}, {"Roof"}),
    ({"language": "fr"}, {"Coach", "Roof"}),
    ({"region": "Gent"}, {"Roof"}),
    ({"need": "work", "language": "fr"}, {"Coach"}),
    ({"need": "not-a-need"}, {"Coach", "Roof", "Chat"}),  # invalid filters are ignored
])
def test_offers_list_filters(client: Client, counsellor: User, partner_org: Organisation,
                             query: dict[str, str], expected: set[str]) -> None:
    offers = [
        make_offer(partner_org, "Coach", kind="job_coaching", needs=["work"],
                   languages=["nl", "fr"], region="Mechelen"),
        make_offer(partner_org, "Roof", kind="housing", needs=["housing"], languages=["fr"],
                   region="Gent"),
        make_offer(partner_org, "Chat", kind="youth_work", needs=["social"], languages=["nl"],
                   region="Mechelen")]
    login(client, counsellor)
    html = client.get(reverse("partners:offers"), query).content.decode()
    shown = {o.name for o in offers if f'id="offer-{o.pk}"' in html}
    assert shown == expected


def test_offers_filter_answers_htmx_with_the_results_only(
        client: Client, counsellor: User, partner_org: Organisation) -> None:
    make_offer(partner_org, "Roof", needs=["housing"])
    login(client, counsellor)
    response = client.get(reverse("partners:offers"), {"need": "housing"},
                          headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section id="offer-results"') and "<html" not in html
    assert "Roof" in html


def test_offers_list_query_count_does_not_grow_with_offers(
        client: Client, partner_caseworker: User, django_assert_max_num_queries: Any) -> None:
    assert partner_caseworker.organisation is not None
    for i in range(30):
        make_offer(make_org(f"Partner {i}"), f"Offer {i}", region=f"Town {i % 4}")
        make_offer(partner_caseworker.organisation, f"Own {i}")
    login(client, partner_caseworker)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("partners:offers"))
    assert response.status_code == 200
    assert response.content.decode().count("open places</span>") == 60


# --- creating and editing offers -----------------------------------------------------------

OFFER_POST = {"name": "Homework club", "kind": "school_reintegration",
              "description": "Three afternoons a week.", "needs": ["school", "social"],
              "languages": ["nl", "tr"], "region": "Mechelen", "eligibility": "Pupils 12-18",
              "min_age": "12", "max_age": "18", "capacity": "6",
              "receiving_role": Role.PARTNER_CASEWORKER, "active": "on"}


def test_offer_create_form_creates_an_offer(client: Client, partner_caseworker: User) -> None:
    login(client, partner_caseworker)
    page = client.get(reverse("partners:offer_create")).content.decode()
    assert 'name="needs"' in page and "Turkish" in page
    assert f'value="{Role.DPO}"' not in page  # DPOs cannot receive referrals
    _csp_clean(page)
    response = client.post(reverse("partners:offer_create"), OFFER_POST)
    assert response.status_code == 302 and response["Location"] == reverse("partners:offers")
    offer = Offer.objects.get(name="Homework club")
    assert offer.organisation_id == partner_caseworker.organisation_id
    assert (offer.needs, offer.languages, offer.min_age, offer.capacity) == (
        ["school", "social"], ["nl", "tr"], 12, 6)
    assert AuditEntry.objects.filter(action="offer.create").count() == 1


def test_offer_create_form_errors(client: Client, partner_caseworker: User) -> None:
    assert partner_caseworker.organisation is not None
    make_offer(partner_caseworker.organisation, "Homework club")
    login(client, partner_caseworker)
    bad = client.post(reverse("partners:offer_create"),
                      {**OFFER_POST, "min_age": "20", "needs": []})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "The maximum age cannot be below the minimum age." in html
    assert 'aria-invalid="true"' in html
    taken = client.post(reverse("partners:offer_create"), OFFER_POST)
    assert taken.status_code == 400
    assert "already has an offer with this name" in taken.content.decode()
    assert Offer.objects.count() == 1


def test_offer_edit_own_offer(client: Client, partner_caseworker: User) -> None:
    assert partner_caseworker.organisation is not None
    offer = make_offer(partner_caseworker.organisation, "Drop-in", capacity=2)
    login(client, partner_caseworker)
    page = client.get(reverse("partners:offer_edit", args=[offer.pk]))
    assert page.status_code == 200 and 'value="Drop-in"' in page.content.decode()
    response = client.post(reverse("partners:offer_edit", args=[offer.pk]),
                           {**OFFER_POST, "name": "Drop-in", "active": ""})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.capacity == 2 and not offer.active and offer.kind == "school_reintegration"


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organisations_offer_is_404(client: Client, partner_caseworker: User,
                                            other_org: Organisation, method: str) -> None:
    offer = make_offer(other_org, "Not yours", capacity=2)
    login(client, partner_caseworker)
    edit = reverse("partners:offer_edit", args=[offer.pk])
    capacity = reverse("partners:offer_capacity", args=[offer.pk])
    if method == "get":
        assert client.get(edit).status_code == 404
    else:
        assert client.post(edit, OFFER_POST).status_code == 404
        assert client.post(capacity, {"capacity": "9"}).status_code == 404
    offer.refresh_from_db()
    assert offer.name == "Not yours" and offer.capacity == 2


def test_capacity_with_htmx_swaps_the_cell(client: Client, partner_caseworker: User) -> None:
    assert partner_caseworker.organisation is not None
    offer = make_offer(partner_caseworker.organisation, capacity=2)
    login(client, partner_caseworker)
    url = reverse("partners:offer_capacity", args=[offer.pk])
    response = client.post(url, {"capacity": "7"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(f'<td class="places" id="places-{offer.pk}">')
    assert "7 open places" in html and "Saved." in html
    bad = client.post(url, {"capacity": "-3"}, headers={"HX-Request": "true"})
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()
    offer.refresh_from_db()
    assert offer.capacity == 7


def test_capacity_without_htmx_redirects_with_a_message(client: Client,
                                                        partner_caseworker: User) -> None:
    assert partner_caseworker.organisation is not None
    offer = make_offer(partner_caseworker.organisation, capacity=2)
    login(client, partner_caseworker)
    response = client.post(reverse("partners:offer_capacity", args=[offer.pk]),
                           {"capacity": "0"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("partners:offers")
    assert "No open places" in response.content.decode()


# --- agreements ----------------------------------------------------------------------------

def test_agreements_list_with_badges(client: Client, dpo: User, org: Organisation,
                                     partner_org: Organisation,
                                     other_org: Organisation) -> None:
    today = timezone.localdate()
    make_agreement(org, partner_org, title="Valid one")
    make_agreement(other_org, org, title="Ended one", ended=True)
    expired = make_agreement(org, partner_org, title="Expired one")
    Agreement.objects.filter(pk=expired.pk).update(starts_on=today - timedelta(days=60),
                                                   expires_on=today - timedelta(days=1))
    make_agreement(other_org, partner_org, title="Not ours")
    login(client, dpo)
    html = client.get(reverse("partners:agreements")).content.decode()
    assert "Valid one" in html and "Ended one" in html and "Expired one" in html
    assert "Not ours" not in html
    assert 'badge-ok">Valid' in html and 'badge-error">Ended' in html
    assert 'badge-off">Expired' in html
    assert html.index("Valid one") < html.index("Expired one")
    assert html.count("End this agreement") == 1  # only the valid one can be ended
    _csp_clean(html)


def test_supervisor_reads_agreements_but_cannot_end_them(
        client: Client, supervisor: User, org: Organisation, partner_org: Organisation) -> None:
    agreement = make_agreement(org, partner_org, title="Valid one")
    login(client, supervisor)
    html = client.get(reverse("partners:agreements")).content.decode()
    assert "Valid one" in html and "End this agreement" not in html
    response = client.post(reverse("partners:agreement_end", args=[agreement.pk]),
                           {"reason": "Supervisors only read agreements."})
    assert response.status_code == 403


def test_agreement_create(client: Client, dpo: User, partner_org: Organisation,
                          org: Organisation) -> None:
    login(client, dpo)
    page = client.get(reverse("partners:agreement_create")).content.decode()
    assert "Youth work partner" in page and f'value="{org.pk}"' not in page
    today = timezone.localdate()
    response = client.post(reverse("partners:agreement_create"), {
        "other_organisation": str(partner_org.pk), "title": "Youth work DSA",
        "legal_basis": "Art. 6(1)(e) GDPR", "scope": "Needs assessment, for support.",
        "reference": "DSA-1", "starts_on": today.isoformat(),
        "expires_on": (today + timedelta(days=365)).isoformat()})
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert (agreement.organisation_a_id, agreement.organisation_b_id) == (org.pk,
                                                                          partner_org.pk)
    assert AuditEntry.objects.filter(action="agreement.record").count() == 1


def test_agreement_create_errors(client: Client, dpo: User, partner_org: Organisation) -> None:
    login(client, dpo)
    today = timezone.localdate()
    data = {"other_organisation": str(partner_org.pk), "title": "Old", "legal_basis": "x",
            "scope": "y", "starts_on": (today - timedelta(days=90)).isoformat(),
            "expires_on": (today - timedelta(days=2)).isoformat()}
    response = client.post(reverse("partners:agreement_create"), data)
    assert response.status_code == 400
    assert "already expired" in response.content.decode()
    backwards = client.post(reverse("partners:agreement_create"), {
        **data, "starts_on": today.isoformat(), "expires_on": "2000-01-01"})
    assert backwards.status_code == 400
    assert "cannot expire before it starts" in backwards.content.decode()
    unknown = client.post(reverse("partners:agreement_create"),
                          {**data, "other_organisation": "999999"})
    assert unknown.status_code == 400
    assert not Agreement.objects.exists()


def test_agreement_end(client: Client, dpo: User, org: Organisation,
                       partner_org: Organisation) -> None:
    agreement = make_agreement(partner_org, org)
    login(client, dpo)
    url = reverse("partners:agreement_end", args=[agreement.pk])
    short = client.post(url, {"reason": "no"}, follow=True)
    assert "at least 10 characters" in short.content.decode()
    agreement.refresh_from_db()
    assert agreement.ended_at is None
    done = client.post(url, {"reason": "The partner closed the programme."}, follow=True)
    assert "has ended" in done.content.decode()
    again = client.post(url, {"reason": "The partner closed the programme."}, follow=True)
    assert again.status_code == 200 and "already ended" in again.content.decode()
    agreement.refresh_from_db()
    assert agreement.ended_at is not None
    assert agreement.ended_reason == "The partner closed the programme."


def test_ending_another_organisations_agreement_is_404(
        client: Client, dpo: User, partner_org: Organisation,
        other_org: Organisation) -> None:
    agreement = make_agreement(other_org, partner_org)
    login(client, dpo)
    response = client.post(reverse("partners:agreement_end", args=[agreement.pk]),
                           {"reason": "Not ours to end, clearly."})
    assert response.status_code == 404
    agreement.refresh_from_db()
    assert agreement.ended_at is None
