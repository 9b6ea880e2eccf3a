"""Sign-in (password, then a code from an authenticator app), enrolment and the profile.

Views parse input, call one service and render. Expected failures from services arrive as
``BrugError``; where they belong to a form field they are shown next to it.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from brug.accounts.access import request_actor
from brug.errors import InvalidInput, NotFound

from . import selectors, services
from .forms import CodeForm, ConfirmDeviceForm, LoginForm, PreferencesForm, ProfilePasswordForm
from .twofactor import is_verified, needs_second_factor, safe_next, second_factor_url

# The device being set up lives in the session, so reloading the page keeps the same QR code.
SETUP_SESSION_KEY = "brug_setup_device"


def _finish_second_factor(request: HttpRequest, device: Device) -> None:
    otp_login(request, device)
    # A new session key once the person is fully signed in (no fixation across the steps).
    request.session.cycle_key()


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request)
    if request.user.is_authenticated:
        user = request_actor(request)
        if needs_second_factor(request):
            return redirect(second_factor_url(user, next_url))
        return redirect(next_url)
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        auth_login(request, user)
        services.user_record_sign_in(actor=user)
        if settings.BRUG_REQUIRE_2FA:
            return redirect(second_factor_url(user, next_url))
        return redirect(next_url)
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.user_record_sign_out(actor=request_actor(request))
    auth_logout(request)
    messages.success(request, _("You are signed out. Take care."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@sensitive_post_parameters("token")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user = request_actor(request)
    next_url = safe_next(request)
    if is_verified(request):
        return redirect(next_url)
    if not user_has_device(user, confirmed=True):
        return redirect(second_factor_url(user, next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_verify(actor=user, token=form.cleaned_data["token"])
        except InvalidInput as error:
            form.add_error("token", error.message)
        else:
            _finish_second_factor(request, device)
            if isinstance(device, StaticDevice):  # a backup code was used up
                left = selectors.backup_codes_left(actor=user)
                if left <= 3:
                    messages.warning(request, _(
                        "You have %(count)d backup codes left. Make new ones on your profile.")
                        % {"count": left})
            return redirect(next_url)
    return render(request, "accounts/verify.html", {"form": form, "next": next_url},
                  status=400 if form.errors else 200)


def _qr_data_uri(device: TOTPDevice) -> str:
    # An SVG data URI: no external image service, allowed by the CSP's img-src 'self' data:.
    return str(segno.make(device.config_url, error="m").svg_data_uri(
        scale=5, border=4, dark="#111827", light="#ffffff"))


def _grouped_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@sensitive_post_parameters("token")
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup_view(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app. Only without a confirmed device, or after passing the second
    factor: otherwise a stolen password would be enough to add an attacker's phone."""
    user = request_actor(request)
    next_url = safe_next(request)
    has_device = user_has_device(user, confirmed=True)
    if has_device and not is_verified(request):
        return redirect(second_factor_url(user, next_url))
    pending_id = request.session.get(SETUP_SESSION_KEY)
    form = ConfirmDeviceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                enrolment = services.totp_device_confirm(
                    actor=user, device_id=pending_id, token=form.cleaned_data["token"],
                    name=form.cleaned_data["name"])
            except NotFound as error:
                messages.error(request, error.message)
                request.session.pop(SETUP_SESSION_KEY, None)
                return redirect(f"{reverse('accounts:setup')}?{request.GET.urlencode()}")
            except InvalidInput as error:
                form.add_error("token", error.message)
            else:
                request.session.pop(SETUP_SESSION_KEY, None)
                if not is_verified(request):
                    _finish_second_factor(request, enrolment.device)
                messages.success(request, _("Your authenticator app is set up."))
                if enrolment.backup_codes:
                    return _backup_codes_page(request, enrolment.backup_codes, next_url)
                return redirect(next_url if not has_device else reverse("accounts:profile"))
        status = 400
    try:
        device = selectors.access_pending_totp_device(actor=user, id=pending_id)
    except NotFound:
        device = services.totp_device_start(actor=user)
        request.session[SETUP_SESSION_KEY] = device.pk
    context: dict[str, Any] = {
        "form": form, "next": next_url, "qr": _qr_data_uri(device),
        "secret": _grouped_secret(device), "adding": has_device,
        "nav": "profile" if has_device else "",
    }
    return render(request, "accounts/setup.html", context, status=status)


def _backup_codes_page(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    """Backup codes are shown exactly once, in this response; Brug cannot show them again."""
    response = render(request, "accounts/backup_codes.html",
                      {"codes": codes, "next": next_url, "nav": "profile"})
    response["Cache-Control"] = "no-store"
    return response


# --- profile -------------------------------------------------------------------------------

def _profile(request: HttpRequest, *, preferences: PreferencesForm | None = None,
             password: ProfilePasswordForm | None = None, status: int = 200) -> HttpResponse:
    user = request_actor(request)
    context = {
        "nav": "profile",
        "person": user,
        "preferences": preferences or PreferencesForm.for_user(user, prefix="prefs"),
        "password_form": password or ProfilePasswordForm(user, prefix="pw"),
        "devices": list(selectors.totp_devices(actor=user)),
        "backup_codes_left": selectors.backup_codes_left(actor=user),
    }
    return render(request, "accounts/profile.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    """The person's own page; POST saves the break reminder."""
    if request.method == "GET":
        return _profile(request)
    user = request_actor(request)
    form = PreferencesForm(request.POST, prefix="prefs")
    if not form.is_valid():
        return _profile(request, preferences=form, status=400)
    services.user_update_preferences(
        actor=user, break_reminder_minutes=form.cleaned_data["break_reminder_minutes"])
    messages.success(request, _("Your break reminder is saved."))
    return redirect("accounts:profile")


@sensitive_post_parameters()
@login_required
@require_POST
def password_view(request: HttpRequest) -> HttpResponse:
    user = request_actor(request)
    form = ProfilePasswordForm(user, request.POST, prefix="pw")
    if not form.is_valid():
        return _profile(request, password=form, status=400)
    services.user_change_password(actor=user, new_password=form.cleaned_data["new_password1"])
    # Keep this session signed in (and verified); other sessions of the person end.
    update_session_auth_hash(request, user)
    messages.success(request, _("Your password is changed."))
    return redirect("accounts:profile")


@login_required
@require_POST
def device_remove_view(request: HttpRequest, device_id: int) -> HttpResponse:
    services.totp_device_remove(actor=request_actor(request), device_id=device_id)
    messages.success(request, _("The authenticator app is removed from your account."))
    return redirect("accounts:profile")


@never_cache
@login_required
@require_POST
def backup_codes_view(request: HttpRequest) -> HttpResponse:
    codes = services.backup_codes_replace(actor=request_actor(request))
    return _backup_codes_page(request, codes, reverse("accounts:profile"))

