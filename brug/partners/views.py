"""Pages for partners' offers and data-sharing agreements.

Views parse input, call one service or selector and render. Offers hold no personal data:
everyone with ``Cap.OFFER_VIEW`` sees all organisations' active offers; only the offering
organisation changes them (another organisation's offer is a 404). Agreements are shown to
their two parties only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brug.accounts.access import request_actor, require_capability
from brug.accounts.roles import Cap
from brug.errors import BrugError

from .forms import AgreementForm, CapacityForm, EndAgreementForm, OfferFilterForm, OfferForm
from .matching import language_name
from .models import Offer
from .selectors import (
    OfferFilters,
    access_agreement,
    access_offer,
    agreement_parties_for,
    agreements_for_org,
    offer_regions,
    offers_visible,
)
from .services import (
    agreement_end,
    agreement_record,
    offer_create,
    offer_set_capacity,
    offer_update,
)
from .vocab import Need

OFFER_FORM_FIELDS = ("name", "kind", "description", "needs", "languages", "region",
                     "eligibility", "min_age", "max_age", "capacity", "receiving_role",
                     "active")


@dataclass(frozen=True, slots=True)
class OfferRow:
    offer: Offer
    own: bool
    needs: list[str]
    languages: list[str]


def _row(offer: Offer, organisation_id: int | None) -> OfferRow:
    labels = dict(Need.choices)
    return OfferRow(offer=offer, own=offer.organisation_id == organisation_id,
                    needs=[str(labels.get(n, n)) for n in offer.needs or []],
                    languages=[language_name(str(c)) for c in offer.languages or []])


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)


def _offers() -> HttpResponseRedirect:
    return redirect("partners:offers")


def _agreements() -> HttpResponseRedirect:
    return redirect("partners:agreements")


# --- offers --------------------------------------------------------------------------------

@never_cache
@login_required
@require_GET
def offer_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    organisation_id = require_capability(actor, Cap.OFFER_VIEW)
    form = OfferFilterForm(request.GET or None, regions=offer_regions())
    filters = form.filters() if request.GET else OfferFilters()
    can_manage = actor.can(Cap.OFFER_MANAGE)
    offers = offers_visible(actor=actor, filters=filters, include_own_inactive=can_manage)
    context = {"nav": "offers", "form": form, "filtered": bool(filters.as_query()),
               "rows": [_row(o, organisation_id) for o in offers], "can_manage": can_manage}
    if _is_htmx(request):
        return render(request, "partners/partials/offer_results.html", context)
    return render(request, "partners/offers.html", context)


def _offer_form_page(request: HttpRequest, form: OfferForm, offer: Offer | None) -> HttpResponse:
    return render(request, "partners/offer_form.html",
                  {"nav": "offers", "form": form, "offer": offer},
                  status=400 if form.errors else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def offer_create_view(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.OFFER_MANAGE, _("Your role does not allow changing offers."))
    form = OfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            offer = offer_create(actor=actor, **form.cleaned_data)
        except BrugError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The offer “%(name)s” is listed.") % {"name": offer.name})
            return _offers()
    return _offer_form_page(request, form, None)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    offer = access_offer(actor=actor, id=pk, capability=Cap.OFFER_MANAGE)
    initial = {name: getattr(offer, name) for name in OFFER_FORM_FIELDS}
    form = OfferForm(request.POST or None, initial=initial)
    # Open places change with every accepted referral: they are set on the list (one number,
    # one conditional update), never by re-saving a form loaded earlier.
    del form.fields["capacity"]
    if request.method == "POST" and form.is_valid():
        try:
            offer_update(actor=actor, offer_id=offer.pk, **form.cleaned_data)
        except BrugError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The offer “%(name)s” is saved.")
                             % {"name": form.cleaned_data["name"]})
            return _offers()
    return _offer_form_page(request, form, offer)


@login_required
@require_POST
def offer_capacity(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the open places of one's own offer; htmx swaps only the places cell."""
    actor = request_actor(request)
    offer = access_offer(actor=actor, id=pk, capability=Cap.OFFER_MANAGE)
    form = CapacityForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            offer = offer_set_capacity(actor=actor, offer_id=offer.pk,
                                       capacity=form.cleaned_data["capacity"])
        except BrugError as exc:
            error = exc.message
    else:
        error = " ".join(str(e) for e in form.errors.get("capacity", [])) or _(
            "Give a whole number.")
    if _is_htmx(request):
        return render(request, "partners/partials/capacity.html",
                      {"row": _row(offer, actor.organisation_id), "can_manage": True,
                       "error": error, "saved": not error}, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Open places of “%(name)s”: %(count)d.")
                         % {"name": offer.name, "count": offer.capacity})
    return _offers()


# --- agreements ----------------------------------------------------------------------------

@never_cache
@login_required
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    rows = agreements_for_org(actor=actor)
    return render(request, "partners/agreements.html", {
        "nav": "agreements", "rows": rows, "can_manage": actor.can(Cap.AGREEMENT_MANAGE),
        "end_form": EndAgreementForm()})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = AgreementForm(request.POST or None, organisations=agreement_parties_for(actor=actor))
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = dict(form.cleaned_data)
        assert actor.organisation_id is not None  # agreement_parties_for checked it
        try:
            agreement = agreement_record(
                actor=actor, organisation_a_id=actor.organisation_id,
                organisation_b_id=data.pop("other_organisation"), **data)
        except BrugError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The agreement “%(title)s” is recorded.")
                             % {"title": agreement.title})
            return _agreements()
    return render(request, "partners/agreement_form.html",
                  {"nav": "agreements", "form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def agreement_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    agreement = access_agreement(actor=actor, id=pk, capability=Cap.AGREEMENT_MANAGE)
    form = EndAgreementForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write why the agreement ends (at least 10 characters)."))
        return _agreements()
    try:
        agreement_end(actor=actor, agreement_id=agreement.pk,
                      reason=form.cleaned_data["reason"])
    except BrugError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The agreement “%(title)s” has ended. No new referral can "
                                    "rely on it.") % {"title": agreement.title})
    return _agreements()
