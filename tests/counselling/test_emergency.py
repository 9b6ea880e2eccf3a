"""Emergency numbers: the shipped file, its validation, the public page and the protocol."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import translation

from brug.accounts.models import Organisation, User
from brug.accounts.roles import Role
from brug.counselling.emergency import DATA_FILE, EmergencyDataError, emergency_data, load

from ..factories import login, make_user
from .factories import make_client, make_pool, portal_login

EXPECTED = {
    "BE": {"112", "101", "1813", "0800 32 123", "106", "107"},
    "NL": {"112", "0800-0113", "0900-8844"},
    "FR": {"112", "15", "17", "3114"},
    "DE": {"112", "110", "0800 111 0 111"},
    "LU": {"112", "113", "454545"},
}


def _raw() -> dict[str, Any]:
    return dict(json.loads(DATA_FILE.read_text("utf-8")))


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "emergency.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data), "utf-8")
    return path


# --- the file ------------------------------------------------------------------------------

def test_the_shipped_file_has_every_number_with_three_labels_and_a_date() -> None:
    data = load()
    assert {code: {n.number for n in c.numbers} for code, c in data.countries.items()} \
        == EXPECTED
    for country in data.countries.values():
        assert country.numbers[0].number == "112"  # the emergency number comes first
        for number in country.numbers:
            assert set(number.labels) == {"en", "nl", "fr"}
            assert number.verified_on.year >= 2026
    assert "must check" in data.note
    belgium = data.countries["BE"]
    assert {n.number: n.tel for n in belgium.numbers}["0800 32 123"] == "080032123"
    assert "Zelfmoordlijn" in {n.number: n.label for n in belgium.numbers}["1813"]


def test_labels_follow_the_language_and_fall_back_to_english() -> None:
    police = next(n for n in emergency_data().countries["BE"].numbers if n.number == "101")
    with translation.override("nl"):
        assert police.label == "Politie"
        assert emergency_data().countries["DE"].name == "Duitsland"
    with translation.override("fr"):
        assert police.label == "Police"
    with translation.override("de"):
        assert police.label == "Police"
    assert emergency_data().country("xx") is None
    assert emergency_data().country("lu") is not None


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.pop("note"), "note"),
    (lambda d: d.update(countries={}), "countries"),
    (lambda d: d["countries"].update(be=d["countries"]["BE"]), "countries.be"),
    (lambda d: d["countries"]["BE"]["numbers"][2]["label"].pop("fr"),
     "countries.BE.numbers[2].label: the 'fr' text"),
    (lambda d: d["countries"]["NL"]["numbers"][1].update(number="call 113"),
     "countries.NL.numbers[1].number"),
    (lambda d: d["countries"]["FR"]["numbers"][0].update(kind="danger"),
     "countries.FR.numbers[0].kind"),
    (lambda d: d["countries"]["DE"]["numbers"][2].update(verified_on="last year"),
     "countries.DE.numbers[2].verified_on"),
    (lambda d: d["countries"]["LU"].update(numbers=d["countries"]["LU"]["numbers"][1:]),
     "needs a number of kind 'emergency'"),
    (lambda d: d["countries"]["BE"]["name"].update(nl=" "), "countries.BE.name"),
])
def test_a_broken_file_stops_with_a_message_naming_the_entry(
        tmp_path: Path, change: Any, message: str) -> None:
    data = copy.deepcopy(_raw())
    change(data)
    path = _write(tmp_path, data)
    with pytest.raises(EmergencyDataError) as caught:
        load(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_unreadable_or_invalid_json_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmergencyDataError, match="not valid JSON"):
        load(_write(tmp_path, "{not json"))
    with pytest.raises(EmergencyDataError, match="cannot be read"):
        load(tmp_path / "missing.json")


# --- the public page -------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_emergency_page_is_public_calm_and_uncached(client: HttpClient) -> None:
    response = client.get(reverse("portal:emergency"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "If you or someone else is in danger now, call 112." in body
    assert 'href="tel:112"' in body and "Zelfmoordlijn" in body  # Belgium by default
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert 'style="' not in body and "<script>" not in body


@pytest.mark.django_db
def test_a_chosen_country_or_the_clients_own_is_shown(client: HttpClient,
                                                      org: Organisation) -> None:
    body = client.get(reverse("portal:emergency"), {"country": "FR"}).content.decode()
    assert "3114" in body and "Zelfmoordlijn" not in body
    body = client.get(reverse("portal:emergency"), {"country": "ZZ"}).content.decode()
    assert "Zelfmoordlijn" in body  # an unknown choice: the default country
    person = make_client(make_pool(org), country="NL")
    body = portal_login(client, person).get(reverse("portal:emergency")).content.decode()
    assert "0800-0113" in body and "Zelfmoordlijn" not in body


@pytest.mark.django_db
def test_a_country_without_numbers_still_gets_112(client: HttpClient,
                                                  org: Organisation) -> None:
    person = make_client(make_pool(org), country="PT")
    body = portal_login(client, person).get(reverse("portal:emergency")).content.decode()
    assert "112 works everywhere" in body


# --- the counsellors' protocol ---------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [
    (Role.COUNSELLOR, 200), (Role.SUPERVISOR, 200), (Role.PREVENTION_WORKER, 403),
    (Role.DPO, 403), (Role.ADMINISTRATOR, 403)])
def test_the_protocol_is_for_counsellors_and_supervisors(
        client: HttpClient, org: Organisation, role: str, status: int) -> None:
    response = login(client, make_user(role, org)).get(reverse("counselling:emergency"))
    assert response.status_code == status


@pytest.mark.django_db
def test_the_protocol_lists_the_steps_in_order_with_numbers(client: HttpClient,
                                                            counsellor: User) -> None:
    response = login(client, counsellor).get(reverse("counselling:emergency"),
                                             {"country": "LU"})
    body = response.content.decode()
    steps = ["Stay in contact.", "Ask where they are.", "Immediate danger: call 112.",
             "Tell your supervisor now.", "Write a concern note.",
             "Look after yourself afterwards."]
    positions = [body.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "SOS Détresse" in body and 'href="tel:454545"' in body
    assert "checked on" in body


def test_anonymous_visitors_of_the_protocol_go_to_sign_in(client: HttpClient,
                                                          db: None) -> None:
    response = client.get(reverse("counselling:emergency"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
