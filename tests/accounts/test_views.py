from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings

from brug.accounts.models import User
from brug.audit.models import AuditEntry
from tests.factories import PASSWORD, login, totp_device

from .helpers import app_code, backup_codes, wrong_code

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

LOGIN = "/accounts/login/"


def sign_in(client: Client, user: User, **extra: str) -> _MonkeyPatchedWSGIResponse:
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD, **extra})


def is_verified(client: Client) -> bool:
    return client.get(reverse("web:home")).status_code == 200


# --- password step -------------------------------------------------------------------------

def test_login_page_has_labelled_fields(client: Client, db: None) -> None:
    html = client.get(LOGIN).content.decode()
    assert '<label for="id_username">' in html and '<label for="id_password">' in html
    assert 'autocomplete="current-password"' in html


def test_password_then_setup_for_a_person_without_an_app(client: Client,
                                                         prevention_worker: User) -> None:
    response = sign_in(client, prevention_worker)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:setup"))
    assert AuditEntry.objects.filter(action="account.password_passed",
                                     actor=prevention_worker).exists()


def test_password_then_verify_for_a_person_with_an_app(client: Client,
                                                       prevention_worker: User) -> None:
    totp_device(prevention_worker)
    response = sign_in(client, prevention_worker, next="/accounts/profile/")
    assert response["Location"] == "/accounts/verify/?next=%2Faccounts%2Fprofile%2F"


def test_wrong_password_shows_a_calm_error(client: Client, prevention_worker: User) -> None:
    response = client.post(LOGIN, {"username": prevention_worker.username, "password": "no"})
    assert response.status_code == 200
    assert "The username or password is not right" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_next_to_another_site_is_ignored(client: Client, prevention_worker: User,
                                         settings: Settings) -> None:
    settings.BRUG_REQUIRE_2FA = False
    response = sign_in(client, prevention_worker, next="https://evil.example/")
    assert response["Location"] == reverse("web:home")


def test_signed_in_person_visiting_login_goes_on(client: Client,
                                                 prevention_worker: User) -> None:
    login(client, prevention_worker)
    assert client.get(LOGIN)["Location"] == reverse("web:home")


def test_logout_is_post_only(client: Client, prevention_worker: User) -> None:
    login(client, prevention_worker)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="account.signed_out").count() == 1


# --- second factor -------------------------------------------------------------------------

def test_verify_with_the_app_code(client: Client, prevention_worker: User) -> None:
    device = totp_device(prevention_worker)
    sign_in(client, prevention_worker)
    key_before = client.session.session_key
    response = client.post(reverse("accounts:verify"),
                           {"token": app_code(device), "next": "/accounts/profile/"})
    assert response["Location"] == "/accounts/profile/"
    assert client.session.session_key != key_before
    assert is_verified(client)


def test_verify_with_a_wrong_code(client: Client, prevention_worker: User) -> None:
    device = totp_device(prevention_worker)
    sign_in(client, prevention_worker)
    response = client.post(reverse("accounts:verify"), {"token": wrong_code(device)})
    assert response.status_code == 400
    html = response.content.decode()
    assert "That code did not match" in html and 'aria-invalid="true"' in html
    assert not is_verified(client)


def test_verify_with_a_backup_code_warns_when_few_are_left(client: Client,
                                                           prevention_worker: User) -> None:
    totp_device(prevention_worker)
    codes = backup_codes(prevention_worker, count=2)
    sign_in(client, prevention_worker)
    response = client.post(reverse("accounts:verify"), {"token": codes[0]}, follow=True)
    assert "You have 1 backup codes left" in response.content.decode()


def test_verify_without_a_device_goes_to_setup(client: Client,
                                               prevention_worker: User) -> None:
    client.force_login(prevention_worker)
    assert client.get(reverse("accounts:verify"))["Location"].startswith(
        reverse("accounts:setup"))


def test_verify_needs_a_signed_in_person(client: Client, db: None) -> None:
    assert client.get(reverse("accounts:verify"))["Location"].startswith(LOGIN)


# --- enrolment -----------------------------------------------------------------------------

def _secret(html: str) -> str:
    match = re.search(r'<code class="secret" id="secret">([A-Z2-7 ]+)</code>', html)
    assert match, "the key for manual entry is shown"
    return match.group(1)


def test_setup_shows_a_qr_code_and_the_key_and_keeps_them_on_reload(
        client: Client, prevention_worker: User) -> None:
    client.force_login(prevention_worker)
    html = client.get(reverse("accounts:setup")).content.decode()
    assert 'src="data:image/svg+xml' in html
    assert 'alt="QR code' in html
    secret = _secret(html)
    assert _secret(client.get(reverse("accounts:setup")).content.decode()) == secret
    device = TOTPDevice.objects.get(user=prevention_worker)
    assert not device.confirmed
    from base64 import b32encode
    assert secret.replace(" ", "") == b32encode(device.bin_key).decode().rstrip("=")


def test_setup_confirm_shows_backup_codes_once_and_signs_in(client: Client,
                                                            prevention_worker: User) -> None:
    client.force_login(prevention_worker)
    client.get(reverse("accounts:setup"))
    device = TOTPDevice.objects.get(user=prevention_worker)
    response = client.post(reverse("accounts:setup"), {"token": app_code(device), "name": ""})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    tokens = StaticToken.objects.filter(device__user=prevention_worker)
    assert tokens.count() == 10
    for token in tokens:
        assert f"<li>{token.token}</li>" in html
    device.refresh_from_db()
    assert device.confirmed
    assert is_verified(client)
    # The setup page now belongs to the profile: it adds another app.
    assert "Add an authenticator app" in client.get(reverse("accounts:setup")).content.decode()


def test_setup_with_a_wrong_code_keeps_the_device_pending(client: Client,
                                                          prevention_worker: User) -> None:
    client.force_login(prevention_worker)
    client.get(reverse("accounts:setup"))
    device = TOTPDevice.objects.get(user=prevention_worker)
    response = client.post(reverse("accounts:setup"), {"token": wrong_code(device)})
    assert response.status_code == 400
    assert "That code did not match" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not is_verified(client)


def test_setup_post_after_the_pending_device_is_gone(client: Client,
                                                     prevention_worker: User) -> None:
    client.force_login(prevention_worker)
    response = client.post(reverse("accounts:setup"), {"token": "123456"}, follow=True)
    assert "This set-up has expired" in response.content.decode()


def test_a_password_alone_cannot_add_a_second_app(client: Client,
                                                  prevention_worker: User) -> None:
    totp_device(prevention_worker)
    client.force_login(prevention_worker)
    response = client.get(reverse("accounts:setup"))
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert TOTPDevice.objects.filter(user=prevention_worker).count() == 1


# --- profile -------------------------------------------------------------------------------

def test_profile_shows_organisation_role_and_devices(client: Client,
                                                     prevention_worker: User) -> None:
    login(client, prevention_worker)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "Mechelen prevention" in html
    assert "Prevention worker / analyst" in html
    assert "Pia Worker" in html
    assert 'aria-current="page"' in html
    assert 'value="45"' in html


def test_profile_saves_the_break_reminder(client: Client, prevention_worker: User) -> None:
    login(client, prevention_worker)
    response = client.post(reverse("accounts:profile"), {"prefs-break_reminder_minutes": "30"})
    assert response["Location"] == reverse("accounts:profile")
    prevention_worker.refresh_from_db()
    assert prevention_worker.break_reminder_minutes == 30


@pytest.mark.parametrize("value", ["4", "241", "abc", ""])
def test_profile_refuses_a_bad_break_reminder(client: Client, prevention_worker: User,
                                              value: str) -> None:
    login(client, prevention_worker)
    response = client.post(reverse("accounts:profile"),
                           {"prefs-break_reminder_minutes": value})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    prevention_worker.refresh_from_db()
    assert prevention_worker.break_reminder_minutes == 45


def test_password_change_keeps_the_session(client: Client, prevention_worker: User) -> None:
    login(client, prevention_worker)
    new = "a fresh and long passphrase 7"
    response = client.post(reverse("accounts:password"), {
        "pw-old_password": PASSWORD, "pw-new_password1": new, "pw-new_password2": new})
    assert response["Location"] == reverse("accounts:profile")
    prevention_worker.refresh_from_db()
    assert prevention_worker.check_password(new)
    assert is_verified(client)


def test_password_change_with_a_wrong_old_password(client: Client,
                                                   prevention_worker: User) -> None:
    login(client, prevention_worker)
    new = "a fresh and long passphrase 7"
    response = client.post(reverse("accounts:password"), {
        "pw-old_password": "wrong", "pw-new_password1": new, "pw-new_password2": new})
    assert response.status_code == 400
    prevention_worker.refresh_from_db()
    assert prevention_worker.check_password(PASSWORD)


def test_removing_devices(client: Client, prevention_worker: User,
                          second_reviewer: User) -> None:
    login(client, prevention_worker)
    only = TOTPDevice.objects.get(user=prevention_worker)
    response = client.post(reverse("accounts:device_remove", args=[only.pk]))
    assert response.status_code == 409
    assert "This is your only authenticator app" in response.content.decode()
    spare = TOTPDevice.objects.create(user=prevention_worker, name="spare", confirmed=True)
    foreign = totp_device(second_reviewer)
    assert client.post(reverse("accounts:device_remove", args=[foreign.pk])).status_code == 404
    response = client.post(reverse("accounts:device_remove", args=[spare.pk]))
    assert response["Location"] == reverse("accounts:profile")
    assert not TOTPDevice.objects.filter(pk=spare.pk).exists()
    assert TOTPDevice.objects.filter(pk=foreign.pk).exists()


def test_new_backup_codes_from_the_profile(client: Client, prevention_worker: User) -> None:
    login(client, prevention_worker)
    old = backup_codes(prevention_worker)
    response = client.post(reverse("accounts:backup_codes"))
    assert response.status_code == 200
    new = list(StaticToken.objects.filter(device__user=prevention_worker)
               .values_list("token", flat=True))
    assert len(new) == 10 and not set(old) & set(new)
    assert all(code in response.content.decode() for code in new)
    assert client.get(reverse("accounts:backup_codes")).status_code == 405
