"""Pages for the process definitions (list, one version, upload of a new version) and the
AS-IS vs TO-BE report.

Process definitions belong to the installation and hold no personal data; the report shows
counts and durations of the actor's organisation's cases only. Uploading is for administrators
(``Cap.PROCESS_MANAGE``); ``definition_store`` checks the file and writes the audit entry.
Running cases keep the version they started on (each instance points at its definition).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from brug.accounts.access import request_actor, require_capability
from brug.accounts.roles import Cap, Role
from brug.errors import BrugError, InvalidInput

from .engine.formkeys import FORM_KEYS
from .engine.handlers import HANDLERS
from .engine.parsing import MAX_BPMN_BYTES, Node, ProcessFileError, ProcessModel, inspect
from .models import ProcessDefinition
from .reports import (
    access_process_definition,
    process_report,
    process_versions,
    report_chart,
    shipped_tests,
)
from .workflow import definition_store, definitions_sync_shipped

logger = logging.getLogger("brug.cases")

MAX_METADATA_BYTES = 64 * 1024


# --- list and detail -----------------------------------------------------------------------

@never_cache
@login_required
@require_GET
def process_list(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.PROCESS_VIEW)
    if not ProcessDefinition.objects.exists():
        try:
            definitions_sync_shipped()
        except (BrugError, ValueError, OSError) as exc:  # a broken shipped file: say so
            logger.error("shipped processes could not be stored: %s", exc)
            messages.error(request, _("Brug's own process files could not be loaded: %(error)s")
                           % {"error": exc})
    keys: dict[str, list[ProcessDefinition]] = {}
    for definition in process_versions(actor=actor):
        keys.setdefault(definition.key, []).append(definition)
    return render(request, "cases/processes.html", {
        "nav": "processes", "keys": keys, "can_manage": actor.can(Cap.PROCESS_MANAGE)})


@dataclass(frozen=True)
class LaneRow:
    id: str
    name: str
    role: str
    side: str


@dataclass(frozen=True)
class TaskRow:
    node: Node
    lane: str
    detail: Any  # the form's variables (user tasks) or the handler (service tasks)


SIDES = {"case": gettext_lazy("the organisation that owns the case"),
         "partner": gettext_lazy("the partner the current referral was sent to")}


def _describe(model: ProcessModel, metadata: dict[str, Any]) -> dict[str, Any]:
    lanes_meta = metadata.get("lanes") or {}
    lanes = []
    for lane_id, name in model.lanes.items():
        spec = lanes_meta.get(lane_id) or {}
        role = spec.get("role", "")
        lanes.append(LaneRow(lane_id, name, str(Role(role).label) if role in Role.values else "",
                             str(SIDES.get(spec.get("organisation", ""), ""))))
    default_lane = metadata.get("default_lane")

    def lane(node: Node) -> str:
        lane_id = node.lane or default_lane or ""
        return model.lanes.get(lane_id, "")

    return {
        "lanes": lanes,
        "user_tasks": [TaskRow(n, lane(n), FORM_KEYS.get(n.form or "", {}))
                       for n in model.nodes.values() if n.kind == "user"],
        "service_tasks": [TaskRow(n, lane(n), HANDLERS.get(n.handler or ""))
                          for n in model.nodes.values() if n.kind == "service"],
        "timers": [TaskRow(n, lane(n), None)
                   for n in model.nodes.values() if n.kind == "timer"],
    }


@never_cache
@login_required
@require_GET
def process_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request_actor(request)
    definition = access_process_definition(actor=actor, id=pk)
    context: dict[str, Any] = {
        "nav": "processes", "definition": definition,
        "versions": process_versions(actor=actor, key=definition.key),
        "can_manage": actor.can(Cap.PROCESS_MANAGE), "problems": [], "no_ids": [],
    }
    try:
        model = inspect(definition.bpmn.encode("utf-8"))
    except ProcessFileError as exc:  # e.g. a handler that is no longer approved
        context["problems"] = exc.problems
    else:
        context.update(_describe(model, definition.metadata))
        context["tests"] = shipped_tests(definition)
    context["this"] = next((v for v in context["versions"] if v.pk == definition.pk), None)
    return render(request, "cases/process_detail.html", context)


@login_required
@require_GET
def process_diagram(request: HttpRequest, pk: int) -> HttpResponse:
    definition = access_process_definition(actor=request_actor(request), id=pk)
    response = HttpResponse(definition.bpmn, content_type="application/xml; charset=utf-8")
    # An uploaded file is data: never let a browser run anything it may hold.
    response["Content-Security-Policy"] = "sandbox"
    response["Content-Disposition"] = (
        f'inline; filename="{definition.key}-v{definition.version}.bpmn"')
    return response


# --- upload --------------------------------------------------------------------------------

class ProcessUploadForm(forms.Form):
    bpmn = forms.FileField(
        label=gettext_lazy("BPMN file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".bpmn,.xml"}))
    metadata_file = forms.FileField(
        label=gettext_lazy("Metadata file"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".json"}),
        help_text=gettext_lazy("The small JSON file beside the BPMN file. Or write it in the "
                               "box below."))
    metadata_text = forms.CharField(
        label=gettext_lazy("Metadata"), required=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false",
                                     "class": "code-input"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per request so the sentence follows the active language.
        self.fields["bpmn"].help_text = _(
            "A BPMN 2.0 file with one executable process, e.g. drawn in the Camunda "
            "Modeler. UTF-8. At most %(size)s.") % {"size": filesizeformat(MAX_BPMN_BYTES)}
        self.fields["metadata_text"].help_text = _(
            "JSON: the process key (the same key makes a new version), a title, a "
            "description and each lane's role and organisation (\"case\" or \"partner\").")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_file = bool(data.get("metadata_file"))
        has_text = bool((data.get("metadata_text") or "").strip())
        if has_file and has_text:
            self.add_error("metadata_text", _("Give the metadata once: as a file or in the "
                                              "box, not both."))
        elif not has_file and not has_text:
            self.add_error("metadata_text", _("The metadata is needed: upload its file or "
                                              "write it in the box."))
        return data


def _read_upload(data: dict[str, Any]) -> tuple[bytes, Any]:
    """The BPMN bytes and the parsed metadata; raises ``InvalidInput`` naming each problem
    (one per line)."""
    problems: list[str] = []
    upload = data["bpmn"]
    bpmn = b""
    if (upload.size or 0) > MAX_BPMN_BYTES:
        problems.append(_("The BPMN file is larger than %(size)s.")
                        % {"size": filesizeformat(MAX_BPMN_BYTES)})
    else:
        bpmn = upload.read()
        try:
            bpmn.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(_("The BPMN file is not UTF-8 text (a byte at position %(pos)d "
                              "cannot be read). Save it as UTF-8.") % {"pos": exc.start})
    metadata: Any = None
    if data.get("metadata_file"):
        meta_upload = data["metadata_file"]
        raw = meta_upload.read(MAX_METADATA_BYTES + 1)
        if len(raw) > MAX_METADATA_BYTES:
            problems.append(_("The metadata file is larger than %(size)s.")
                            % {"size": filesizeformat(MAX_METADATA_BYTES)})
            raw = b""
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(_("The metadata file is not UTF-8 text."))
            text = ""
    else:
        text = data.get("metadata_text") or ""
    if text:
        try:
            metadata = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(_("The metadata is not valid JSON: %(error)s at line %(line)d, "
                              "column %(column)d.")
                            % {"error": exc.msg, "line": exc.lineno, "column": exc.colno})
        except (RecursionError, ValueError):  # absurd nesting, gigantic numbers
            problems.append(_("The metadata is not valid JSON."))
    if problems:
        raise InvalidInput("\n".join(problems), code="process_upload_invalid")
    return bpmn, metadata


def _initial(request: HttpRequest) -> dict[str, Any]:
    """Start from an existing version's metadata (``?from=<pk>``): a new version keeps the
    key."""
    source = request.GET.get("from", "")
    if not source.isdigit():
        return {}
    definition = ProcessDefinition.objects.filter(pk=int(source)).only("metadata").first()
    if definition is None:
        return {}
    return {"metadata_text": json.dumps(definition.metadata, indent=2, ensure_ascii=False)}


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def process_upload(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    require_capability(actor, Cap.PROCESS_MANAGE,
                       _("Only administrators can upload a new process version."))
    if request.method == "POST":
        form = ProcessUploadForm(request.POST, request.FILES)
    else:
        form = ProcessUploadForm(initial=_initial(request))
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            bpmn, metadata = _read_upload(form.cleaned_data)
            known = set(ProcessDefinition.objects.filter(
                sha256=hashlib.sha256(bpmn).hexdigest()).values_list("pk", flat=True))
            definition = definition_store(bpmn=bpmn, metadata=metadata, actor=actor)
        except BrugError as exc:
            problems = [line for line in exc.message.splitlines() if line.strip()]
        except IntegrityError:  # another version of this key was stored at the same moment
            problems = [_("Another version of this process was stored at the same moment. "
                          "Look at the processes list, then try again.")]
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            # The engine's own checks explain what they know; anything else a file can
            # provoke in the BPMN library is still the file's problem, not a server error.
            logger.exception("unexpected error while checking an uploaded process file")
            problems = [_("The file could not be checked: the BPMN library stopped at a "
                          "problem Brug does not recognise. Open the file in a BPMN modeler, "
                          "check it there and try again.")]
        else:
            if definition.pk in known:
                messages.info(request, _("This file is already stored as version %(version)d; "
                                         "nothing changed.") % {"version": definition.version})
            else:
                messages.success(request, _("The process is stored as version %(version)d. "
                                            "New cases start on it; running cases keep their "
                                            "version.") % {"version": definition.version})
            return redirect("cases:process", pk=definition.pk)
    return render(request, "cases/process_upload.html",
                  {"nav": "processes", "form": form, "problems": problems},
                  status=400 if problems or form.errors else 200)


# --- the report ----------------------------------------------------------------------------

@never_cache
@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    data = process_report(actor=request_actor(request))
    return render(request, "cases/report.html", {
        "nav": "report", "report": data, "chart": report_chart(data),
        "groups": data.milestone_groups()})
