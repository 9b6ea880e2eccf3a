"""Client portal pages of the account part: landing, sign-up, sign-in, sign-out, quick exit,
privacy notice, the dashboard, account settings and deleting the account.

Every view is ``never_cache`` (``Cache-Control: no-store``): after a quick exit, Back shows
nothing of the portal. Staff accounts are not clients: a signed-in staff member is sent to the
portal's sign-in like anyone else. Views parse input, call one service and render.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brug.errors import BrugError

from . import ratelimit
from . import services_clients as services
from .auth import client_from_session, client_login, client_logout, client_required
from .auth import request_client as _request_client
from .forms_portal import (
    ContactForm,
    DeleteForm,
    PassphraseForm,
    PreferencesForm,
    SettingsForm,
    SigninForm,
    SignupForm,
)
from .models import Client
from .selectors_portal import pool_for_signup, portal_dashboard
from .services_clients import COUNTRIES, PREFERENCES
from .viewhelpers import form_error
from .vocab import CounsellorKind, Format

TEMPLATES = "counselling/portal/"
# Per address, on top of the per-nickname sign-in pause: slows down scripts making accounts or
# trying nicknames. A shared address (a school, a youth centre) shares the count.
SIGNUP_LIMIT, SIGNUP_WINDOW = 10, 60 * 60
SIGNIN_LIMIT, SIGNIN_WINDOW = 30, 15 * 60


def _portal_next(request: HttpRequest) -> str:
    """``next`` from the query or form when it is a portal page of this site, else the
    dashboard. Only portal pages: a client has nothing to do elsewhere."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    root = reverse("portal:landing")
    if (candidate.startswith(root) and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        return candidate
    return reverse("portal:home")


def _with_language(response: HttpResponse, language: str) -> HttpResponse:
    """The portal in the client's language from the next page on (as ``set_language`` does)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE)
    return response


def _pool_query(request: HttpRequest) -> str:
    slug = request.GET.get("pool", "")
    return f"?pool={slug}" if slug and len(slug) <= 40 and slug.replace("-", "").isalnum() else ""


# --- before signing in ---------------------------------------------------------------------

@never_cache
@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if client_from_session(request.session) is not None:
        return redirect("portal:home")
    pool = pool_for_signup(request.GET.get("pool"))
    return render(request, f"{TEMPLATES}landing.html", {
        "pool": pool, "kinds": CounsellorKind.choices, "formats": Format.choices,
        "pool_query": _pool_query(request)})


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if client_from_session(request.session) is not None:
        return redirect("portal:home")
    pool = pool_for_signup(request.GET.get("pool"))
    if pool is None:
        return render(request, f"{TEMPLATES}account/not_open.html")
    form = SignupForm(request.POST or None,
                      initial={"language": request.LANGUAGE_CODE, "country": "BE"})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                ratelimit.check(f"portal.signup:{ratelimit.client_ip(request)}", SIGNUP_LIMIT,
                                SIGNUP_WINDOW, _("Many accounts were made from this connection "
                                                 "in the last hour. Please wait a while, then "
                                                 "try again."))
                client = services.client_signup(
                    pool=pool, nickname=data["nickname"], passphrase=data["passphrase"],
                    language=data["language"], country=data["country"],
                    contact_channel=data["contact_channel"],
                    contact_consent=data["contact_consent"])
            except BrugError as error:
                form_error(form, error)
                status = error.status
            else:
                client_login(request, client)
                messages.success(request, _("Welcome. Your account is ready. Remember your "
                                            "nickname and passphrase: they cannot be "
                                            "recovered."))
                return _with_language(redirect("portal:home"), client.language)
    return render(request, f"{TEMPLATES}signup.html", {
        "form": form, "pool": pool, "pool_query": _pool_query(request)}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if client_from_session(request.session) is not None:
        return HttpResponseRedirect(_portal_next(request))
    form = SigninForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                ratelimit.check(f"portal.signin:{ratelimit.client_ip(request)}", SIGNIN_LIMIT,
                                SIGNIN_WINDOW, _("There were many tries to sign in from this "
                                                 "connection. Please wait %(minutes)d minutes, "
                                                 "then try again.")
                                % {"minutes": SIGNIN_WINDOW // 60})
                client = services.client_authenticate(nickname=form.cleaned_data["nickname"],
                                                      passphrase=form.cleaned_data["passphrase"])
            except BrugError as error:
                form.add_error(None, error.message)
                status = error.status
            else:
                target = _portal_next(request)
                client_login(request, client)
                return _with_language(HttpResponseRedirect(target), client.language)
    return render(request, f"{TEMPLATES}signin.html", {
        "form": form, "next": _portal_next(request)}, status=status)


@never_cache
@require_POST
@client_required
def signout(request: HttpRequest) -> HttpResponse:
    client_logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("portal:landing")


@never_cache
@csrf_exempt
@require_POST
def quick_exit(request: HttpRequest) -> HttpResponse:
    """Ends the session (whoever's) and leaves for a neutral site. portal.js calls this with
    ``sendBeacon`` and replaces the page itself; without JavaScript the form posts here.

    Exempt from CSRF on purpose: a stale or missing token must never leave the session open
    behind a page that already left (a forged exit only signs someone out). Clear-Site-Data
    also asks the browser to drop this site's cache and storage.
    """
    client_logout(request)
    response = HttpResponseRedirect(settings.BRUG_QUICK_EXIT_URL or reverse("portal:landing"))
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@never_cache
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, f"{TEMPLATES}privacy.html", {
        "inactive_days": settings.BRUG_CLIENT_INACTIVE_DAYS,
        "signed_in": client_from_session(request.session) is not None})


# --- signed in -----------------------------------------------------------------------------

@never_cache
@require_GET
@client_required
def home(request: HttpRequest) -> HttpResponse:
    client = _request_client(request)
    return render(request, f"{TEMPLATES}home.html", {
        "client": client, "dashboard": portal_dashboard(client)})


def _account_context(client: Client, **given: forms.Form) -> dict[str, Any]:
    """The account page's forms: the one just posted (bound, with errors) or fresh ones."""
    return {
        "client": client,
        "country_name": dict(COUNTRIES).get(client.country, client.country),
        "settings_form": given.get("settings") or SettingsForm(
            initial={"language": client.language, "country": client.country}),
        "preferences_form": given.get("preferences") or PreferencesForm(
            initial={name: getattr(client, name) for name in PREFERENCES}),
        "contact_form": given.get("contact") or ContactForm(),
    }


def _account(request: HttpRequest, client: Client, status: int = 200,
             **given: forms.Form) -> HttpResponse:
    return render(request, f"{TEMPLATES}account.html", _account_context(client, **given),
                  status=status)


@never_cache
@require_GET
@client_required
def account(request: HttpRequest) -> HttpResponse:
    return _account(request, _request_client(request))


@never_cache
@require_POST
@client_required
def account_settings(request: HttpRequest) -> HttpResponse:
    client = _request_client(request)
    form = SettingsForm(request.POST)
    if form.is_valid():
        try:
            services.client_settings_set(client=client, language=form.cleaned_data["language"],
                                         country=form.cleaned_data["country"])
        except BrugError as error:
            form_error(form, error)
            return _account(request, client, error.status, settings=form)
        messages.success(request, _("Saved."))
        return _with_language(redirect("portal:account"), client.language)
    return _account(request, client, 400, settings=form)


@never_cache
@require_POST
@client_required
def account_preferences(request: HttpRequest) -> HttpResponse:
    client = _request_client(request)
    form = PreferencesForm(request.POST)
    if form.is_valid():
        try:
            services.client_preferences_set(client=client, preferences=form.cleaned_data)
        except BrugError as error:
            form_error(form, error)
            return _account(request, client, error.status, preferences=form)
        messages.success(request, _("Your choices are saved. They are used only to suggest "
                                    "counsellors; you always choose."))
        return redirect("portal:account")
    return _account(request, client, 400, preferences=form)


@never_cache
@require_POST
@client_required
def account_contact(request: HttpRequest) -> HttpResponse:
    client = _request_client(request)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.client_contact_set(client=client,
                                        contact_channel=form.cleaned_data["contact_channel"],
                                        consent=form.cleaned_data["contact_consent"])
        except BrugError as error:
            form_error(form, error)
            return _account(request, client, error.status, contact=form)
        messages.success(request, _("Your way to be reached is saved."))
        return redirect("portal:account")
    return _account(request, client, 400, contact=form)


@never_cache
@require_POST
@client_required
def account_contact_remove(request: HttpRequest) -> HttpResponse:
    services.client_contact_remove(client=_request_client(request))
    messages.success(request, _("Your way to be reached is removed."))
    return redirect("portal:account")


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def passphrase(request: HttpRequest) -> HttpResponse:
    client = _request_client(request)
    form = PassphraseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.client_passphrase_change(client=client,
                                                  old_passphrase=data["old_passphrase"],
                                                  new_passphrase=data["new_passphrase"])
            except BrugError as error:
                form_error(form, error)
                status = error.status
            else:
                client_login(request, client)  # other sessions end; this one goes on
                messages.success(request, _("Your passphrase is changed. Write the new one "
                                            "down somewhere safe."))
                return redirect("portal:account")
    return render(request, f"{TEMPLATES}account/passphrase.html", {"form": form},
                  status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@client_required
def delete(request: HttpRequest) -> HttpResponse:
    client = _request_client(request)
    form = DeleteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.client_delete(client=client, passphrase=form.cleaned_data["passphrase"])
            except BrugError as error:
                form_error(form, error)
                status = error.status
            else:
                client_logout(request)
                request.client = None  # type: ignore[attr-defined]  # no sign-out button now
                return render(request, f"{TEMPLATES}account/deleted.html")
    return render(request, f"{TEMPLATES}delete.html", {"form": form, "client": client},
                  status=status)
