"""The push API (django-ninja): a partner system sends messages into one push source.

``POST /api/v1/messages`` with ``Authorization: Bearer <source token>``. The body must match
the schema as a whole (types, required fields, sizes): otherwise nothing is stored and the
answer is 422 listing the problems by row. Rows that match the schema are then checked one
by one like any other ingestion; the answer reports created, duplicate and rejected rows.
Pushing the same batch again is safe: known ids count as duplicates.

Every error is JSON ``{"error": {"code": ..., "message": ...}}``. The token API has no
cookies, so CSRF does not apply.

The interactive docs (``/api/docs``) use the Swagger UI files shipped with django-ninja, served
from our own static files (no CDN), and only when ``ninja`` is in ``INSTALLED_APPS`` (which
is what makes its templates and static files available). The schema is always at
``/api/openapi.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.defaultfilters import filesizeformat
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from brug.errors import BrugError

from .models import Source, SourceKind
from .problems import problem_text
from .selectors import source_for_token
from .services import messages_ingest

MAX_MESSAGES = settings.BRUG_PUSH_MAX_MESSAGES
MAX_CHARS = settings.BRUG_MESSAGE_MAX_CHARS


class SourceToken(HttpBearer):
    """The push source's token, as issued (once) on the source's page."""

    def authenticate(self, request: HttpRequest, token: str) -> Source | None:
        return source_for_token(token.strip())


api = NinjaAPI(
    title="Brug push API",
    version="1",
    description=(
        "Send online messages into one of your organisation's push sources. Each source has "
        "its own token (shown once when it is issued on the source's page). Messages are "
        "stored pseudonymously and scored in the background; a person reviews every signal."),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs" if "ninja" in settings.INSTALLED_APPS else None,
)


# --- schemas -------------------------------------------------------------------------------

class MessageIn(Schema):
    id: str | int = Field(
        ..., description="Your identifier for the message, unique within this source "
        "(at most 200 characters). Sending an id again counts as a duplicate.",
        examples=["post-4711"])
    text: str = Field(..., min_length=1, max_length=MAX_CHARS,
                      description=f"The message text (1 to {MAX_CHARS:,} characters).")
    author: str | None = Field(
        None, max_length=200,
        description="The author's handle. Brug stores a keyed pseudonym and an encrypted copy, "
        "never the handle in clear.")
    lang: str | None = Field(None, max_length=16,
                             description="Language code if known, such as nl, fr or en-GB.")
    posted_at: datetime | None = Field(
        None, description="When it was posted (ISO 8601; without an offset, Brug's time zone "
        "is assumed).")
    url: str | None = Field(None, max_length=1000,
                            description="Where the message can be found (http or https).")


class PushIn(Schema):
    messages: list[MessageIn] = Field(
        ..., min_length=1, max_length=MAX_MESSAGES,
        description=f"1 to {MAX_MESSAGES:,} messages; the body may be at most "
        f"{filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}.")


class RowErrorOut(Schema):
    row: int | None = Field(..., description="Position of the message in the list, from 1.")
    error: str = Field(..., description="What is wrong with it (never its content).")


class ImportOut(Schema):
    import_id: int = Field(..., description="The import's number, shown in Brug's reports.")
    received: int = Field(..., description="Messages in the request.")
    created: int = Field(..., description="New messages stored (and queued for scoring).")
    duplicates: int = Field(..., description="Messages whose id the source already had.")
    rejected: int = Field(..., description="Messages refused; see errors.")
    errors: list[RowErrorOut] = Field(..., description="One entry per refused message.")


class ErrorDetail(Schema):
    code: str = Field(..., description="Stable code, such as unauthorized, source_inactive, "
                      "malformed_json, body_too_large, too_many_messages, invalid_input.")
    message: str = Field(..., description="A sentence saying what to do about it.")
    rows: list[RowErrorOut] | None = Field(None, description="For invalid_input: problems "
                                           "by row.")


class ErrorOut(Schema):
    error: ErrorDetail


class HealthOut(Schema):
    status: str = Field(..., description="\"ok\" when the service answers.")


# --- errors --------------------------------------------------------------------------------

def _error(request: HttpRequest, status: int, code: str, message: str,
           **extra: Any) -> HttpResponse:
    return api.create_response(request, {"error": {"code": code, "message": message, **extra}},
                               status=status)


@api.exception_handler(BrugError)
def _brug_error(request: HttpRequest, exc: BrugError) -> HttpResponse:
    return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if request.headers.get("Authorization"):
        message = ("This token is not valid. Use the token shown when it was issued on the "
                   "source's page; issuing a new one makes the old one stop working.")
    else:
        message = "Send the source's token in the header 'Authorization: Bearer <token>'."
    response = _error(request, 401, "unauthorized", message)
    response["WWW-Authenticate"] = 'Bearer realm="brug"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc.message).startswith("Cannot parse request body"):
        return _error(request, 400, "malformed_json",
                      "The request body is not valid JSON. Send a JSON object such as "
                      "{\"messages\": [{\"id\": \"1\", \"text\": \"...\"}]}.")
    return _error(request, exc.status_code, "error", str(exc.message))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "body_too_large",
                  f"The request body is larger than "
                  f"{filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}. "
                  "Send the messages in smaller batches.")


def _row_problem(item: dict[str, Any]) -> tuple[int | None, str]:
    loc = [part for part in item.get("loc", ()) if part not in ("body", "payload")]
    message = str(item.get("msg", "invalid"))
    if len(loc) >= 2 and loc[0] == "messages" and isinstance(loc[1], int):
        field = ".".join(str(p) for p in loc[2:]) or "message"
        return loc[1] + 1, f"{field}: {message}"
    where = ".".join(str(p) for p in loc) or "body"
    return None, f"{where}: {message}"


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    for item in exc.errors:
        loc = [part for part in item.get("loc", ()) if part not in ("body", "payload")]
        if loc == ["messages"] and item.get("type") == "too_long":
            return _error(request, 413, "too_many_messages",
                          f"Send at most {MAX_MESSAGES:,} messages per request.")
    rows = [{"row": row, "error": error} for row, error in map(_row_problem, exc.errors)]
    return _error(request, 422, "invalid_input",
                  "The request does not match the schema, so nothing was stored. The problems "
                  "are listed by row (see /api/openapi.json).", rows=rows[:100])


# --- endpoints -----------------------------------------------------------------------------

_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut, 413: ErrorOut,
           422: ErrorOut}


@api.post("/v1/messages", auth=SourceToken(), response={200: ImportOut, **_ERRORS},
          url_name="push", summary="Push messages into a source",
          description="Stores new messages and queues them for scoring. 401: missing or wrong "
          "token; 403 source_inactive: the source is switched off; 413: too many messages or "
          "too large a body; 422: the body does not match the schema (nothing stored); 400: "
          "the body is not JSON.")
def push_messages(request: HttpRequest, payload: PushIn) -> ImportOut:
    source: Source = request.auth  # type: ignore[attr-defined]
    rows = [message.model_dump() for message in payload.messages]
    run = messages_ingest(source=source, rows=rows, channel=SourceKind.PUSH, actor=None)
    return ImportOut(import_id=run.pk, received=run.rows_total, created=run.rows_created,
                     duplicates=run.rows_duplicate, rejected=run.rows_rejected,
                     errors=[RowErrorOut(row=e.get("row"), error=problem_text(e))
                             for e in run.errors])


@api.get("/v1/health", auth=None, response=HealthOut, url_name="health",
         summary="Is the service up?")
def health(request: HttpRequest) -> HealthOut:
    return HealthOut(status="ok")
