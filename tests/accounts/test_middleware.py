from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from brug.accounts.models import User
from tests.factories import login, totp_device


def test_unverified_person_is_sent_to_verify_with_next(client: Client,
                                                       prevention_worker: User) -> None:
    totp_device(prevention_worker)
    client.force_login(prevention_worker)
    response = client.get("/accounts/profile/?tab=x")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/verify/?next=%2Faccounts%2Fprofile%2F%3Ftab%3Dx"


def test_unverified_person_without_an_app_is_sent_to_setup(client: Client,
                                                           prevention_worker: User) -> None:
    client.force_login(prevention_worker)
    assert client.get(reverse("web:home"))["Location"].startswith(reverse("accounts:setup"))


def test_a_post_is_not_carried_through_the_redirect(client: Client,
                                                    prevention_worker: User) -> None:
    totp_device(prevention_worker)
    client.force_login(prevention_worker)
    response = client.post(reverse("accounts:profile"), {"prefs-break_reminder_minutes": "9"})
    assert response["Location"] == reverse("accounts:verify")
    prevention_worker.refresh_from_db()
    assert prevention_worker.break_reminder_minutes == 45


def test_htmx_requests_get_a_client_redirect(client: Client, prevention_worker: User) -> None:
    totp_device(prevention_worker)
    client.force_login(prevention_worker)
    response = client.get(reverse("web:home"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("accounts:verify"))


@pytest.mark.parametrize("path", ["/static/web/brug.css", "/i18n/setlang/", "/api/anything",
                                  "/accounts/login/", "/accounts/verify/",
                                  "/accounts/setup/"])
def test_open_paths_are_not_redirected_to_the_second_factor(
        client: Client, prevention_worker: User, path: str) -> None:
    totp_device(prevention_worker)
    client.force_login(prevention_worker)
    response = client.get(path)
    location = response.get("Location", "")
    # The sign-in pages may send the person on to verify themselves; nothing else may.
    if path.startswith("/accounts/"):
        assert response.status_code in (200, 302)
        assert "next=%2Faccounts" not in location
    else:
        assert not location.startswith(reverse("accounts:verify"))


def test_logout_works_before_the_second_factor(client: Client,
                                               prevention_worker: User) -> None:
    totp_device(prevention_worker)
    client.force_login(prevention_worker)
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_switched_off_nothing_changes(client: Client, prevention_worker: User,
                                      settings: Settings) -> None:
    settings.BRUG_REQUIRE_2FA = False
    totp_device(prevention_worker)
    client.force_login(prevention_worker)
    assert client.get(reverse("web:home")).status_code == 200


def test_anonymous_people_go_to_login(client: Client, db: None) -> None:
    assert client.get(reverse("web:home"))["Location"].startswith(reverse("accounts:login"))


# --- the Django admin ----------------------------------------------------------------------

def test_admin_login_is_the_brug_login(client: Client, db: None) -> None:
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_admin_needs_the_second_factor(client: Client, administrator: User) -> None:
    totp_device(administrator)
    client.force_login(administrator)
    assert client.get("/admin/")["Location"].startswith(reverse("accounts:verify"))


def test_admin_is_for_staff_only(client: Client, supervisor: User) -> None:
    login(client, supervisor)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "for administrators only" in response.content.decode()


def test_verified_administrator_gets_into_the_admin(client: Client,
                                                    administrator: User) -> None:
    login(client, administrator)
    administrator.is_superuser = True
    administrator.save()
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/?role__exact=dpo").status_code == 200
