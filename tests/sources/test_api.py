"""The push API: token auth, idempotent pushes, JSON errors for every failure."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings

from brug.accounts.models import User
from brug.sources import services
from brug.sources.models import Message, Source, SourceKind
from brug.sources.services import source_deactivate, source_rotate_token
from tests.factories import make_source

URL = "/api/v1/messages"


@pytest.fixture
def push(supervisor: User, monkeypatch: pytest.MonkeyPatch) -> tuple[Source, str]:
    monkeypatch.setattr(services, "_enqueue_scoring", lambda ids: None)
    source = make_source(supervisor.organisation, kind=SourceKind.PUSH)  # type: ignore[arg-type]
    return source, source_rotate_token(actor=supervisor, source=source)


def _post(body: Any, token: str | None, raw: bytes | None = None) -> Any:
    client = Client(enforce_csrf_checks=True)  # the token API needs no CSRF token
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def _error(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()["error"]
    assert body["code"] and body["message"]
    return body


def _msgs(n: int) -> dict[str, Any]:
    return {"messages": [{"id": f"p{i}", "text": f"tekst {i}", "author": "@someone",
                          "lang": "nl", "posted_at": "2026-03-01T10:00:00+01:00",
                          "url": "https://example.org/x"} for i in range(n)]}


def test_good_push_then_duplicate_push(push: tuple[Source, str]) -> None:
    source, token = push
    response = _post(_msgs(3), token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["received"], body["created"], body["duplicates"], body["rejected"]) == \
        (3, 3, 0, 0)
    assert Message.objects.filter(source=source, import_run_id=body["import_id"]).count() == 3
    again = _post(_msgs(4), token).json()
    assert (again["created"], again["duplicates"]) == (1, 3)


def test_rows_refused_by_ingestion_are_listed(push: tuple[Source, str]) -> None:
    _, token = push
    body = {"messages": [{"id": "a", "text": "ok"},
                         {"id": "b", "text": "x", "url": "ftp://example.org/secret"}]}
    result = _post(body, token).json()
    assert result["created"] == 1 and result["rejected"] == 1
    assert result["errors"][0]["row"] == 2 and "secret" not in result["errors"][0]["error"]


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_missing_or_wrong_token_is_401(push: tuple[Source, str], token: str | None) -> None:
    response = _post(_msgs(1), token)
    assert response.status_code == 401
    assert _error(response)["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Message.objects.exists()


def test_old_token_stops_working_after_rotation(push: tuple[Source, str],
                                                supervisor: User) -> None:
    source, token = push
    source_rotate_token(actor=supervisor, source=source)
    assert _post(_msgs(1), token).status_code == 401


def test_inactive_source_is_403(push: tuple[Source, str], supervisor: User) -> None:
    source, token = push
    source_deactivate(actor=supervisor, source=source)
    response = _post(_msgs(1), token)
    assert response.status_code == 403
    assert _error(response)["code"] == "source_inactive"
    assert not Message.objects.exists()


def test_too_many_messages(push: tuple[Source, str]) -> None:
    _, token = push
    body = {"messages": [{"id": str(i), "text": "x"}
                         for i in range(settings.BRUG_PUSH_MAX_MESSAGES + 1)]}
    response = _post(body, token)
    assert response.status_code == 413
    assert _error(response)["code"] == "too_many_messages"
    assert not Message.objects.exists()


def test_oversized_text_is_422_by_row_and_nothing_stored(push: tuple[Source, str]) -> None:
    _, token = push
    body = {"messages": [{"id": "1", "text": "ok"}, {"id": "2", "text": "SECRET" * 2000}]}
    response = _post(body, token)
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "invalid_input"
    assert error["rows"][0]["row"] == 2 and error["rows"][0]["error"].startswith("text:")
    assert "SECRET" not in response.content.decode()
    assert not Message.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_oversized_body_is_413(push: tuple[Source, str]) -> None:
    _, token = push
    response = _post({"messages": [{"id": "1", "text": "x" * 2000}]}, token)
    assert response.status_code == 413
    assert _error(response)["code"] == "body_too_large"


@pytest.mark.parametrize("raw", [b"{not json", b'{"messages": [1, 2]', b"\xff\xfe"])
def test_malformed_json_is_400(push: tuple[Source, str], raw: bytes) -> None:
    _, token = push
    response = _post(None, token, raw=raw)
    assert response.status_code == 400
    assert _error(response)["code"] == "malformed_json"


@pytest.mark.parametrize("body", [{}, {"messages": "nope"}, {"messages": [{"text": "no id"}]},
                                  [1, 2], {"messages": []}])
def test_wrong_shape_is_422(push: tuple[Source, str], body: Any) -> None:
    _, token = push
    response = _post(body, token)
    assert response.status_code == 422
    assert _error(response)["code"] == "invalid_input"


def test_health_needs_no_auth(client: Client) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_openapi_schema_lists_and_documents_the_endpoint(client: Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operation = schema["paths"]["/api/v1/messages"]["post"]
    assert operation["security"] == [{"SourceToken": []}]
    assert "/api/v1/health" in schema["paths"]
    message = schema["components"]["schemas"]["MessageIn"]
    assert set(message["required"]) == {"id", "text"}
    for name, field in message["properties"].items():
        assert field.get("description"), f"MessageIn.{name} is not documented"
    for name, field in schema["components"]["schemas"]["ImportOut"]["properties"].items():
        assert field.get("description"), f"ImportOut.{name} is not documented"
