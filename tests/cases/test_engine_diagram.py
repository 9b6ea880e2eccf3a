"""The process diagram: vendored bpmn-js viewer, the include, and (in chromium) that the viewer
draws under Brug's own Content-Security-Policy without a single console error."""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.csp import build_policy  # type: ignore[import-untyped,unused-ignore]

from brug.cases.engine.parsing import inspect

from . import FIXTURES

BPMN_JS_VERSION = "18.31.1"
NONCE = "dGVzdC1ub25jZS1kaWFncmFt"
STATIC_FILES = ["vendor/bpmn-js/bpmn-viewer.production.min.js",
                "vendor/bpmn-js/assets/diagram-js.css", "vendor/bpmn-js/assets/bpmn-js.css",
                "vendor/bpmn-js/LICENSE", "vendor/bpmn-js/README.txt",
                "cases/diagram.js", "cases/diagram.css"]


def include(**context: Any) -> str:
    return render_to_string("cases/_diagram.html", {"csp_nonce": NONCE, **context})


def test_vendored_viewer_version_and_licence() -> None:
    for name in STATIC_FILES:
        assert finders.find(name), name
    viewer = Path(str(finders.find(STATIC_FILES[0]))).read_text("utf-8")
    assert viewer.startswith(f"/*! bpmn-js - bpmn-viewer v{BPMN_JS_VERSION} ")
    readme = Path(str(finders.find("vendor/bpmn-js/README.txt"))).read_text("utf-8")
    assert f"bpmn-js {BPMN_JS_VERSION}" in readme
    licence = Path(str(finders.find("vendor/bpmn-js/LICENSE"))).read_text("utf-8")
    assert "watermark" in licence


def test_include_renders_the_container() -> None:
    html = include(diagram_url="/cases/processes/7/diagram.bpmn",
                   current_ids=["Task_Answer", "Task_Call"], done_ids=["StartEvent_1"])
    assert 'role="img"' in html
    assert 'aria-label="Process diagram; the steps are listed in the table below"' in html
    assert 'data-bpmn-url="/cases/processes/7/diagram.bpmn"' in html
    assert 'data-bpmn-current="Task_Answer,Task_Call"' in html
    assert 'data-bpmn-done="StartEvent_1"' in html
    assert 'data-bpmn-error="The diagram could not be shown' in html
    for name in STATIC_FILES[:3] + STATIC_FILES[5:]:
        assert f"{settings.STATIC_URL}{name}" in html or f"/{settings.STATIC_URL}{name}" in html
    assert html.count(f'nonce="{NONCE}"') == 2
    assert "<script>" not in html and "style=" not in html      # nothing inline
    # no ids: empty attributes, not "None"
    empty = include(diagram_url="/d.bpmn", current_ids=[], done_ids=[])
    assert 'data-bpmn-current=""' in empty and 'data-bpmn-done=""' in empty


def test_include_escapes_its_values() -> None:
    html = include(diagram_url='/d.bpmn"><script>x</script>', current_ids=['a"b'], done_ids=[])
    assert "<script>x" not in html
    assert 'data-bpmn-current="a&quot;b"' in html


def test_diagram_script_uses_no_inline_or_eval() -> None:
    script = Path(str(finders.find("cases/diagram.js"))).read_text("utf-8")
    for forbidden in ("eval(", "new Function", "innerHTML", ".setAttribute(\"style\"",
                      "insertAdjacentHTML", "document.write"):
        assert forbidden not in script, forbidden
    assert "data-bpmn-current" in script and "data-bpmn-done" in script


# --- in chromium, under the real CSP -----------------------------------------------------------

@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        pytest.skip("Playwright is not installed")
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("BRUG_E2E_REQUIRED"):
            pytest.fail("Debian's chromium is not installed", pytrace=False)
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser
        finally:
            browser.close()


class _Site:
    """A tiny same-origin site: one page with the include, the BPMN files, the static files,
    every response under ``settings.SECURE_CSP`` (as Django's CSP middleware builds it)."""

    def __init__(self, page: str) -> None:
        self.page = page.encode()
        policy = build_policy(dict(settings.SECURE_CSP), NONCE)  # type: ignore[arg-type]
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                status, body, kind = site.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Security-Policy", policy)
                self.send_header("X-Content-Type-Options", "nosniff")
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, bytes, str]:
        if path == "/":
            return 200, self.page, "text/html; charset=utf-8"
        if path == "/favicon.ico":
            return 204, b"", "image/x-icon"
        if path.startswith("/files/") and (FIXTURES / path.removeprefix("/files/")).is_file():
            return 200, (FIXTURES / path.removeprefix("/files/")).read_bytes(), "application/xml"
        prefix = "/" + settings.STATIC_URL.lstrip("/")
        found = path.startswith(prefix) and finders.find(path.removeprefix(prefix))
        if found:
            kind = {".js": "text/javascript", ".css": "text/css"}.get(Path(str(found)).suffix,
                                                                     "text/plain")
            return 200, Path(str(found)).read_bytes(), kind
        return 404, b"not found", "text/plain"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _render(chromium: Any, url: str, current: list[str], done: list[str]) -> dict[str, Any]:
    page_html = ('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
                 "</head><body><main>"
                 + include(diagram_url=url, current_ids=current, done_ids=done)
                 + "<table><tr><td>steps</td></tr></table></main></body></html>")
    site = _Site(page_html)
    errors: list[str] = []
    try:
        page = chromium.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning")
                else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                             "console.error('CSP: ' + e.violatedDirective));")
        page.goto(site.url)
        page.wait_for_selector("[data-bpmn-state=ready], [data-bpmn-state=failed]",
                               timeout=15_000)
        result: dict[str, Any] = page.evaluate("""() => {
            const box = document.querySelector('.brug-diagram');
            const svg = box.querySelector('svg');
            const ids = cls => [...box.querySelectorAll('.' + cls)].map(e => e.dataset.elementId);
            return {state: box.dataset.bpmnState, text: box.textContent,
                    current: ids('brug-current'), done: ids('brug-done'),
                    shapes: box.querySelectorAll('.djs-shape').length,
                    svgRole: svg && svg.getAttribute('role'),
                    svgLabel: svg && svg.getAttribute('aria-label'),
                    watermark: !!box.querySelector('.bjs-powered-by')};
        }""")
        page.close()
    finally:
        site.close()
    result["errors"] = errors
    return result


@pytest.mark.e2e
def test_viewer_draws_under_the_csp_with_markers(chromium: Any) -> None:
    model = inspect((FIXTURES / "bpmnjs_referral.bpmn").read_bytes())
    refer = next(n.id for n in model.nodes.values() if n.name == "Refer to a partner")
    shown = _render(chromium, "/files/bpmnjs_referral.bpmn",
                    current=[refer, "does-not-exist"], done=["StartEvent_1"])
    assert shown["errors"] == []
    assert shown["state"] == "ready"
    assert shown["shapes"] > 10
    assert shown["current"] == [refer]
    assert shown["done"] == ["StartEvent_1"]
    assert shown["watermark"]            # the licence requires the bpmn.io mark to stay
    assert shown["svgRole"] == "img"
    assert shown["svgLabel"] == "Process diagram; the steps are listed in the table below"


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["camunda_loanApproval.bpmn", "camunda_loan-granting.bpmn",
                                  "bpmn-server_buy-used-car-with-lanes.bpmn"])
def test_viewer_draws_outside_files(chromium: Any, name: str) -> None:
    shown = _render(chromium, f"/files/{name}", current=[], done=[])
    assert (shown["state"], shown["errors"]) == ("ready", [])


@pytest.mark.e2e
@pytest.mark.parametrize("url", ["/files/missing.bpmn", "https://example.org/d.bpmn",
                                 "/files/README.md"])
def test_viewer_failure_shows_the_translated_message(chromium: Any, url: str) -> None:
    shown = _render(chromium, url, current=[], done=[])
    assert shown["state"] == "failed"
    assert shown["text"] == ("The diagram could not be shown; the steps are listed in the "
                             "table below.")
    # only the browser's own line about the 404 may appear, never a CSP refusal or a crash
    assert all("status of 404" in e for e in shown["errors"]), shown["errors"]
