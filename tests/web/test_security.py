"""The security settings, checked through real requests."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from brug import settings as production_settings
from brug.accounts.models import User
from tests.accounts.helpers import app_code, backup_codes, wrong_code
from tests.factories import PASSWORD, login, make_user, totp_device

LOGIN = "/accounts/login/"


def test_csp_header_is_present_without_unsafe_inline(client: Client, db: None) -> None:
    response = client.get(LOGIN)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_frames_are_refused(client: Client, db: None) -> None:
    assert client.get(LOGIN)["X-Frame-Options"] == "DENY"
    assert client.get(LOGIN)["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_http_only(client: Client, prevention_worker: User) -> None:
    assert settings.SESSION_COOKIE_HTTPONLY
    response = client.post(LOGIN, {"username": prevention_worker.username,
                                   "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_production_hashes_passwords_with_argon2_first() -> None:
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher",
                                     "django.contrib.auth.hashers.PBKDF2PasswordHasher"])
def test_passwords_are_stored_with_argon2(db: None) -> None:
    person = make_user()
    assert person.password.startswith("argon2$argon2id$")
    assert person.check_password(PASSWORD)


def test_login_locks_out_after_the_configured_failures(client: Client,
                                                       prevention_worker: User) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        response = client.post(LOGIN, {"username": "pw", "password": "wrong"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": "pw", "password": "wrong"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Signing in is paused for a while" in html
    assert "You can try again in 30 minutes." in html
    # Even the right password does not get in now.
    response = client.post(LOGIN, {"username": "pw", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=2)
def test_lockout_follows_the_setting(client: Client, prevention_worker: User) -> None:
    assert client.post(LOGIN, {"username": "pw", "password": "x"}).status_code == 200
    assert client.post(LOGIN, {"username": "pw", "password": "x"}).status_code == 429


def test_a_signed_in_but_unverified_person_is_redirected(client: Client,
                                                         prevention_worker: User) -> None:
    totp_device(prevention_worker)
    client.post(LOGIN, {"username": "pw", "password": PASSWORD})
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))


def test_a_valid_app_code_lets_the_person_in(client: Client, prevention_worker: User) -> None:
    device = totp_device(prevention_worker)
    client.post(LOGIN, {"username": "pw", "password": PASSWORD})
    client.post(reverse("accounts:verify"), {"token": app_code(device)})
    assert client.get(reverse("web:home")).status_code == 200
    # The same code cannot be replayed in another session.
    other = Client()
    other.post(LOGIN, {"username": "pw", "password": PASSWORD})
    assert other.post(reverse("accounts:verify"),
                      {"token": app_code(device)}).status_code == 400


def test_a_wrong_app_code_does_not(client: Client, prevention_worker: User) -> None:
    device = totp_device(prevention_worker)
    client.post(LOGIN, {"username": "pw", "password": PASSWORD})
    assert client.post(reverse("accounts:verify"),
                       {"token": wrong_code(device)}).status_code == 400
    assert client.get(reverse("web:home")).status_code == 302


def test_a_backup_code_works_once(prevention_worker: User) -> None:
    totp_device(prevention_worker)
    code = backup_codes(prevention_worker, count=1)[0]
    first, second = Client(), Client()
    for browser in (first, second):
        browser.post(LOGIN, {"username": "pw", "password": PASSWORD})
    first.post(reverse("accounts:verify"), {"token": code})
    assert first.get(reverse("web:home")).status_code == 200
    TOTPDevice.objects.update(throttling_failure_count=0)
    assert second.post(reverse("accounts:verify"), {"token": code}).status_code == 400
    assert second.get(reverse("web:home")).status_code == 302


# --- no inline scripts, styles or handlers on our pages ------------------------------------

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style", re.I), "<style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize("persona", ["prevention_worker", "supervisor", "dpo", "counsellor",
                                     "administrator"])
def test_pages_have_no_inline_code(client: Client, persona: str,
                                   request: pytest.FixtureRequest) -> None:
    person = request.getfixturevalue(persona)
    pages = [LOGIN]
    login(client, person)
    pages += [reverse("web:home"), reverse("accounts:profile"), reverse("accounts:setup"),
              "/no/such/page/"]
    for url in pages:
        html = client.get(url).content.decode()
        for pattern, what in INLINE:
            assert not pattern.search(html), f"{what} on {url}"
        # Every visible input on these pages has a label.
        for field_id in re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*'
                                   r'\bid="([^"]+)"', html):
            assert f'for="{field_id}"' in html, f"no label for #{field_id} on {url}"
