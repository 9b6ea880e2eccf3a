"""Where a signed-in person goes next: the second factor, or the page they asked for.

Shared by the login views and ``RequireTwoFactorMiddleware`` so both send people to the same
place.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import user_has_device

from .models import User


def safe_next(request: HttpRequest, default: str | None = None) -> str:
    """The ``next`` URL from the query or form if it stays on this site, else the start page."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default or resolve_url(settings.LOGIN_REDIRECT_URL)


def is_verified(request: HttpRequest) -> bool:
    """Whether the signed-in person passed the second factor in this session.

    Precondition: ``django_otp.middleware.OTPMiddleware`` has run (it adds ``is_verified``).
    """
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def needs_second_factor(request: HttpRequest) -> bool:
    """True for a signed-in person who must still enter a code before using Brug."""
    return (bool(settings.BRUG_REQUIRE_2FA) and request.user.is_authenticated
            and not is_verified(request))


def second_factor_url(user: User, next_url: str = "") -> str:
    """The verify page for a person with a confirmed device, else the set-up page."""
    name = "accounts:verify" if user_has_device(user, confirmed=True) else "accounts:setup"
    url = reverse(name)
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    return url
