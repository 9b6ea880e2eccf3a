"""Turns expected failures (``BrugError``) into a message or a JSON error instead of a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django_htmx.http import reswap, retarget

from brug.errors import BrugError


class BrugErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, BrugError):
            return None
        wants_json = request.accepts("application/json") and not request.accepts("text/html")
        if request.path.startswith("/api/") or wants_json:
            return JsonResponse({"error": exception.as_dict()}, status=exception.status)
        if getattr(request, "htmx", False):
            # Into the page's message area, whatever the request targeted: the element that
            # sent it (a form, a counter) stays, so the person can correct and try again.
            messages.error(request, exception.message)
            response = render(request, "web/partials/messages.html", status=exception.status)
            return reswap(retarget(response, "#messages"), "outerHTML")
        # The client portal has its own calm look (and no staff navigation).
        portal = request.path.startswith("/help/")
        template = "counselling/portal/error.html" if portal else "web/error.html"
        response = render(request, template, {"error": exception}, status=exception.status)
        if portal:
            add_never_cache_headers(response)  # like every portal page: nothing after quick exit
        return response
