"""Pages for sources: list, create, mandate, switch on/off, push token, upload, import report.

Views parse input, call one service or selector and render. Access: ``access_source`` checks
the role's capability (403) and the organisation (404). No page here shows message content.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from brug.accounts.access import request_actor
from brug.accounts.roles import Cap
from brug.errors import BrugError, NotAllowed

from .forms import MandateForm, SourceForm, UploadForm
from .models import SourceKind
from .parsing import check_size, parse_upload
from .selectors import (
    access_import_run,
    access_source,
    recent_imports,
    scoring_progress,
    sources_for,
)
from .services import (
    messages_ingest,
    missing_mandate_words,
    source_activate,
    source_create,
    source_deactivate,
    source_record_mandate,
    source_rotate_token,
)


def _detail(source_id: int) -> HttpResponseRedirect:
    return redirect("sources:detail", pk=source_id)


@never_cache
@login_required
@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    sources = list(sources_for(actor=actor))
    rows = [{"source": s, "missing": missing_mandate_words(s)} for s in sources]
    return render(request, "sources/list.html", {
        "nav": "sources", "rows": rows, "can_manage": actor.can(Cap.SOURCE_MANAGE)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def source_create_view(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    if not actor.can(Cap.SOURCE_MANAGE):
        raise NotAllowed(_("Your role does not allow creating sources."))
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = source_create(actor=actor, **form.cleaned_data)
        except BrugError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Source created. Record its mandate before switching "
                                        "it on."))
            return redirect("sources:mandate", pk=source.pk)
    return render(request, "sources/create.html", {"nav": "sources", "form": form},
                  status=400 if form.errors else 200)


@never_cache
@login_required
@require_GET
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    source = access_source(actor=actor, id=pk)
    context = {
        "nav": "sources", "source": source, "imports": recent_imports(source=source),
        "missing": missing_mandate_words(source),
        "can_manage": actor.can(Cap.SOURCE_MANAGE),
        "can_upload": actor.can(Cap.SOURCE_UPLOAD) and source.kind == SourceKind.UPLOAD,
    }
    if source.kind == SourceKind.PUSH:
        context["push_url"] = request.build_absolute_uri(reverse("api:push"))
    return render(request, "sources/detail.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def source_mandate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    source = access_source(actor=actor, id=pk, capability=Cap.SOURCE_MANAGE)
    initial = {"legal_basis": source.legal_basis, "purpose": source.purpose,
               "retention_days": source.retention_days, "dpia_reference": source.dpia_reference}
    form = MandateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            source_record_mandate(actor=actor, source=source, **form.cleaned_data)
        except BrugError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The mandate is recorded."))
            return _detail(source.pk)
    return render(request, "sources/mandate.html",
                  {"nav": "sources", "source": source, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def source_activate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    source = access_source(actor=actor, id=pk, capability=Cap.SOURCE_MANAGE)
    try:
        source_activate(actor=actor, source=source)
    except BrugError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The source is switched on."))
    return _detail(source.pk)


@login_required
@require_POST
def source_deactivate_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    source = access_source(actor=actor, id=pk, capability=Cap.SOURCE_MANAGE)
    source_deactivate(actor=actor, source=source)
    messages.success(request, _("The source is switched off; it accepts no messages now."))
    return _detail(source.pk)


@never_cache
@login_required
@require_POST
def source_token(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a new push token and show it this once (the page is not cached)."""
    actor = request_actor(request)
    source = access_source(actor=actor, id=pk, capability=Cap.SOURCE_MANAGE)
    try:
        token = source_rotate_token(actor=actor, source=source)
    except BrugError as exc:
        messages.error(request, exc.message)
        return _detail(source.pk)
    # never_cache makes this "no-store": the token must not linger in any cache.
    return render(request, "sources/token.html", {
        "nav": "sources", "source": source, "token": token,
        "push_url": request.build_absolute_uri(reverse("api:push"))})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def source_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Parse and store the file in the request (bulk, fast); scoring runs in the background."""
    actor = request_actor(request)
    source = access_source(actor=actor, id=pk, capability=Cap.SOURCE_UPLOAD)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size or 0)
            parsed = parse_upload(upload.name or "", upload.read())
            run = messages_ingest(source=source, rows=parsed.rows, channel=SourceKind.UPLOAD,
                                  actor=actor, filename=upload.name or "")
        except BrugError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("sources:import", pk=run.pk)
    return render(request, "sources/upload.html",
                  {"nav": "sources", "source": source, "form": form},
                  status=400 if form.errors else 200)


@never_cache
@login_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """One import's counts and row errors; htmx polls the progress part until scoring is done."""
    run = access_import_run(actor=request_actor(request), id=pk)
    progress = scoring_progress(run=run)
    context = {"nav": "sources", "run": run, "source": run.source, "progress": progress}
    if getattr(request, "htmx", False):
        return render(request, "sources/partials/progress.html", context)
    return render(request, "sources/import.html", context)
