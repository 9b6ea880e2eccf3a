"""Staff must pass a second factor (TOTP) before any page but login and enrolment."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from brug.errors import NotAllowed

from .twofactor import is_verified, second_factor_url

# Paths that never need the second factor: static files, the language switch, and the API
# (which authenticates with source tokens, not sessions).
OPEN_PREFIXES = ("/i18n/", "/api/")
OPEN_URL_NAMES = ("accounts:login", "accounts:logout", "accounts:verify", "accounts:setup")


class RequireTwoFactorMiddleware:
    """With ``BRUG_REQUIRE_2FA`` on, a signed-in person who has not passed the second factor in
    this session is sent to verify (or set up) for every other page, the admin included.

    Precondition: runs after ``AuthenticationMiddleware``, ``OTPMiddleware`` and
    ``HtmxMiddleware``. With the setting off it does nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.BRUG_REQUIRE_2FA:
            response = self._check(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        static = "/" + str(settings.STATIC_URL or "static/").lstrip("/")
        if path.startswith((*OPEN_PREFIXES, static)):
            return True
        return any(path == reverse(name) for name in OPEN_URL_NAMES)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path
        if self._is_open(path):
            return None
        admin_root = reverse("admin:index")
        if path == reverse("admin:login"):
            # One sign-in page for everyone: the admin's own would skip the second factor.
            next_url = request.GET.get("next") or admin_root
            return HttpResponseRedirect(
                f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")
        if not request.user.is_authenticated:
            return None
        user = request.user
        if not is_verified(request):
            target = second_factor_url(user, request.get_full_path()
                                       if request.method == "GET" else "")
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(target)
            return HttpResponseRedirect(target)
        if path.startswith(admin_root) and not (user.is_active and user.is_staff):
            error = NotAllowed(_("The administration pages are for administrators only. "
                                 "Ask your administrator if you need a change."))
            return render(request, "web/error.html", {"error": error}, status=error.status)
        return None
