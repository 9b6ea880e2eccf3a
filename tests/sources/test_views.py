"""Source pages: scoping (other organisation 404, role without access 403), forms, upload,
the import report and its htmx progress."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from brug.accounts.models import User
from brug.sources import services
from brug.sources.models import ImportRun, LegalBasis, Message, Source, SourceKind
from brug.sources.problems import problem
from tests.factories import login, make_source


@pytest.fixture(autouse=True)
def _no_scoring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "_enqueue_scoring", lambda ids: None)


def _csp_clean(html: str) -> None:
    """No inline script, style attribute or on* handler (the CSP would block them)."""
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


def test_list_shows_status_and_missing_mandate(client: Client, prevention_worker: User,
                                               django_assert_max_num_queries: Any) -> None:
    org = prevention_worker.organisation
    assert org is not None
    make_source(org, name="Active one")
    Source.objects.create(organisation=org, name="Half done", kind=SourceKind.UPLOAD,
                          legal_basis=LegalBasis.CONSENT, retention_days=30)
    for i in range(5):
        make_source(org, name=f"More {i}")
    login(client, prevention_worker)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("sources:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Active one" in html and "Half done" in html
    assert "Missing: purpose and DPIA reference" in html
    assert "badge-off" in html and "badge-ok" in html
    assert reverse("sources:create") not in html  # a prevention worker does not manage
    _csp_clean(html)


def test_list_is_scoped_to_the_organisation(client: Client, outsider: User,
                                            prevention_worker: User) -> None:
    assert prevention_worker.organisation is not None
    make_source(prevention_worker.organisation, name="Mechelen forum")
    login(client, outsider)
    response = client.get(reverse("sources:list"))
    assert response.status_code == 200 and "Mechelen forum" not in response.content.decode()


@pytest.mark.parametrize("name", ["sources:detail", "sources:upload", "sources:mandate"])
def test_other_organisation_gets_404(client: Client, outsider: User, supervisor: User,
                                     name: str) -> None:
    assert supervisor.organisation is not None
    source = make_source(supervisor.organisation)
    outsider.role = "supervisor"
    outsider.save()
    login(client, outsider)
    assert client.get(reverse(name, args=[source.pk])).status_code == 404


def test_other_organisation_import_report_is_404(client: Client, outsider: User,
                                                 prevention_worker: User) -> None:
    assert prevention_worker.organisation is not None
    source = make_source(prevention_worker.organisation)
    run = ImportRun.objects.create(source=source, channel=SourceKind.UPLOAD)
    login(client, outsider)
    assert client.get(reverse("sources:import", args=[run.pk])).status_code == 404


@pytest.mark.parametrize("name", ["sources:list", "sources:create"])
def test_counsellor_gets_403(client: Client, counsellor: User, name: str) -> None:
    login(client, counsellor)
    assert client.get(reverse(name)).status_code == 403


def test_counsellor_gets_403_on_detail(client: Client, counsellor: User) -> None:
    assert counsellor.organisation is not None
    source = make_source(counsellor.organisation)
    login(client, counsellor)
    assert client.get(reverse("sources:detail", args=[source.pk])).status_code == 403


def test_prevention_worker_cannot_manage(client: Client, prevention_worker: User) -> None:
    assert prevention_worker.organisation is not None
    source = make_source(prevention_worker.organisation, active=False)
    login(client, prevention_worker)
    assert client.post(reverse("sources:activate", args=[source.pk])).status_code == 403
    source.refresh_from_db()
    assert not source.is_active


def test_create_record_mandate_and_activate(client: Client, supervisor: User) -> None:
    login(client, supervisor)
    response = client.post(reverse("sources:create"),
                           {"name": "Forum export", "kind": SourceKind.UPLOAD})
    source = Source.objects.get(name="Forum export")
    assert response.status_code == 302
    assert response["Location"] == reverse("sources:mandate", args=[source.pk])
    # Switching on before the mandate: refused with the missing parts named.
    response = client.post(reverse("sources:activate", args=[source.pk]), follow=True)
    assert "Missing: legal basis, purpose, retention period (days) and DPIA reference" in \
        response.content.decode()
    source.refresh_from_db()
    assert not source.is_active
    response = client.post(reverse("sources:mandate", args=[source.pk]), {
        "legal_basis": LegalBasis.PUBLIC_TASK, "purpose": "Prevention plan",
        "retention_days": "60", "dpia_reference": "DPIA-1"})
    assert response.status_code == 302
    client.post(reverse("sources:activate", args=[source.pk]))
    source.refresh_from_db()
    assert source.is_active and source.retention_days == 60
    assert source.mandate_recorded_by == supervisor
    html = client.get(reverse("sources:detail", args=[source.pk])).content.decode()
    assert "Prevention plan" in html and "DPIA-1" in html
    _csp_clean(html)


def test_mandate_form_requires_every_part(client: Client, supervisor: User) -> None:
    assert supervisor.organisation is not None
    source = make_source(supervisor.organisation, active=False)
    login(client, supervisor)
    response = client.post(reverse("sources:mandate", args=[source.pk]),
                           {"legal_basis": "", "purpose": "", "retention_days": "0",
                            "dpia_reference": ""})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()


def test_feed_form_needs_address(client: Client, supervisor: User) -> None:
    login(client, supervisor)
    response = client.post(reverse("sources:create"), {"name": "F", "kind": SourceKind.FEED})
    assert response.status_code == 400
    assert not Source.objects.exists()


def test_token_is_shown_once_with_curl_example(client: Client, supervisor: User) -> None:
    assert supervisor.organisation is not None
    source = make_source(supervisor.organisation, kind=SourceKind.PUSH)
    login(client, supervisor)
    response = client.post(reverse("sources:token", args=[source.pk]))
    html = response.content.decode()
    source.refresh_from_db()
    token = re.search(r'id="token-value"[^>]*value="([^"]+)"', html)
    assert token is not None and token.group(1).endswith(source.token_hint[1:])
    assert "no-store" in response["Cache-Control"]
    assert "curl -X POST http://testserver/api/v1/messages" in html
    detail = client.get(reverse("sources:detail", args=[source.pk])).content.decode()
    assert token.group(1) not in detail and source.token_hint in detail
    assert client.get(reverse("sources:token", args=[source.pk])).status_code == 405


def _upload(client: Client, source: Source, name: str, content: bytes) -> Any:
    return client.post(reverse("sources:upload", args=[source.pk]),
                       {"file": SimpleUploadedFile(name, content)})


def test_upload_then_report_lists_row_errors(client: Client, prevention_worker: User) -> None:
    assert prevention_worker.organisation is not None
    source = make_source(prevention_worker.organisation)
    login(client, prevention_worker)
    form = client.get(reverse("sources:upload", args=[source.pk])).content.decode()
    assert 'accept=".csv' in form and 'enctype="multipart/form-data"' in form
    _csp_clean(form)
    response = _upload(client, source, "export.csv",
                       b"id,text,author\n1,een,@a\n2,,@b\n3,drie,@c\n")
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sources:import", args=[run.pk])
    assert run.rows_created == 2 and run.filename == "export.csv"
    html = client.get(response["Location"]).content.decode()
    assert "text is missing." in html
    assert "Scored 0 of 2" in html and 'hx-trigger="every 2s"' in html
    _csp_clean(html)


def test_progress_partial_stops_polling_when_done(client: Client,
                                                  prevention_worker: User) -> None:
    assert prevention_worker.organisation is not None
    source = make_source(prevention_worker.organisation)
    login(client, prevention_worker)
    _upload(client, source, "x.jsonl", b'{"id": "1", "text": "a"}\n{"id": "2", "text": "b"}\n')
    run = ImportRun.objects.get()
    url = reverse("sources:import", args=[run.pk])
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Scored 0 of 2" in partial and "every 2s" in partial and "<html" not in partial
    Message.objects.filter(import_run=run, external_id="1").update(scored_at=timezone.now())
    Message.objects.filter(import_run=run, external_id="2").update(score_error="failed")
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Scored 2 of 2" in partial and "hx-trigger" not in partial


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("x.xlsx", b"id,text\n1,a\n", "cannot read files of this type"),
    ("x.csv", b"", "The submitted file is empty."),
    ("x.csv", b"who,what\n1,a\n", "must name the columns"),
])
def test_upload_refuses_bad_files_clearly(client: Client, prevention_worker: User,
                                          name: str, content: bytes, expected: str) -> None:
    assert prevention_worker.organisation is not None
    source = make_source(prevention_worker.organisation)
    login(client, prevention_worker)
    response = _upload(client, source, name, content)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not ImportRun.objects.exists()


def test_upload_into_inactive_source_is_refused(client: Client,
                                                prevention_worker: User) -> None:
    assert prevention_worker.organisation is not None
    source = make_source(prevention_worker.organisation, active=False)
    login(client, prevention_worker)
    response = _upload(client, source, "x.csv", b"id,text\n1,a\n")
    assert response.status_code == 400
    assert "switched off" in response.content.decode()
    assert not Message.objects.exists()


def test_row_errors_follow_the_readers_language(client: Client, prevention_worker: User,
                                                supervisor: User) -> None:
    """Row errors are stored untranslated: a Dutch upload reads in French to a French reader."""
    assert prevention_worker.organisation is not None
    source = make_source(prevention_worker.organisation)
    login(client, prevention_worker)
    response = client.post(reverse("sources:upload", args=[source.pk]),
                           {"file": SimpleUploadedFile("x.jsonl",
                                                       b'{"id": "1", "text": "a"}\n'
                                                       b'{"id": "2"}\n[[[\n')},
                           headers={"accept-language": "nl"})
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.rows_rejected == 2
    # An old row written before errors were stored untranslated: shown as it was written.
    run.errors = [*run.errors, {"row": 9, "error": "Oude fout van 100%."}]
    run.save(update_fields=["errors"])

    reader = Client()
    login(reader, supervisor)
    html = reader.get(response["Location"], headers={"accept-language": "fr"}).content.decode()
    assert '<html lang="fr"' in html
    assert "text est manquant." in html
    assert "La ligne 3 n&#x27;est pas du JSON valide" in html
    assert "ontbreekt" not in html and "Regel 3" not in html and "is missing" not in html
    assert "Oude fout van 100%." in html


def test_feed_error_follows_the_readers_language(client: Client,
                                                 prevention_worker: User) -> None:
    assert prevention_worker.organisation is not None
    source = make_source(prevention_worker.organisation, kind=SourceKind.FEED,
                         feed_url="https://example.org/feed")
    services.feed_poll_failed(source=source, error=problem(gettext_noop(
        "The feed server answered with HTTP status %(status)d."), status=503))
    run = ImportRun.objects.get()
    login(client, prevention_worker)
    for url in (reverse("sources:detail", args=[source.pk]),
                reverse("sources:import", args=[run.pk])):
        html = client.get(url, headers={"accept-language": "nl"}).content.decode()
        assert "De feedserver antwoordde met HTTP-status 503." in html
        assert "answered with" not in html
    # Older rows hold a finished sentence, shown unchanged.
    Source.objects.filter(pk=source.pk).update(feed_last_error="Old {error} text")
    html = client.get(reverse("sources:detail", args=[source.pk]),
                      headers={"accept-language": "nl"}).content.decode()
    assert "Old {error} text" in html


def test_detail_lists_imports_in_fixed_queries(client: Client, prevention_worker: User,
                                               django_assert_max_num_queries: Any) -> None:
    assert prevention_worker.organisation is not None
    source = make_source(prevention_worker.organisation)
    for _ in range(6):
        ImportRun.objects.create(source=source, channel=SourceKind.UPLOAD,
                                 started_by=prevention_worker, rows_total=2, rows_rejected=1,
                                 errors=[{"row": 2, "error": "text is missing."}])
    login(client, prevention_worker)
    url = reverse("sources:detail", args=[source.pk])
    client.get(url)  # warm the session and caches
    with django_assert_max_num_queries(8) as captured:
        html = client.get(url).content.decode()
    assert html.count("Import ") >= 6
    # The row errors are not loaded for a page that shows only counts.
    assert not any('"errors"' in q["sql"] and "sources_importrun" in q["sql"]
                   for q in captured.captured_queries)
