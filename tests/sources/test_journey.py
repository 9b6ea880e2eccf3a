"""The sources journey in a real browser, with the real CSP: a supervisor creates a source,
is refused switching it on without a mandate, records the mandate, switches it on, uploads a
CSV and watches the import report update itself (htmx polling) as scoring finishes. axe-core
checks the pages (WCAG 2.1 AA: no serious or critical violations)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from brug.accounts.models import User
from brug.sources.models import ImportRun, Message, Source
from tests.e2e.axe import axe_violations, describe, serious
from tests.e2e.conftest import (  # noqa: F401 - fixtures used by name
    ConsoleLog,
    browser,
    context,
    page_and_log,
)
from tests.factories import login

pytestmark = [pytest.mark.e2e]


def _signed_in(ctx: Any, live_server: Any, user: User) -> None:
    """The browser gets the session of a person who passed the password and TOTP steps."""
    client = login(Client(), user)
    cookie = client.cookies["sessionid"]
    ctx.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def _accessible(chromium: Any, page: Any, name: str) -> None:
    found = serious(axe_violations(chromium, page.url, page.context.storage_state()))
    assert not found, describe(found, name)


def test_supervisor_sets_up_a_source_and_uploads(
        transactional_db: None, live_server: Any, browser: Any,  # noqa: F811
        page_and_log: tuple[Any, ConsoleLog], supervisor: User, tmp_path: Any) -> None:  # noqa: F811
    page, log = page_and_log
    _signed_in(page.context, live_server, supervisor)
    page.goto(f"{live_server.url}{reverse('sources:list')}")
    page.get_by_role("button", name="New source").click()
    page.get_by_label("Name").fill("Forum export")
    page.get_by_label("File upload (CSV or JSONL)").check()
    page.get_by_role("button", name="Create source").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Mandate for Forum export")
    _accessible(browser, page, "the mandate form")
    page.get_by_role("link", name="Forum export").click()
    page.get_by_role("button", name="Switch on").click()
    expect(page.get_by_role("alert")).to_contain_text("Missing: legal basis")

    page.get_by_role("button", name="Record mandate").click()
    page.get_by_label("Legal basis").select_option("public_task")
    page.get_by_label("Purpose").fill("Municipal prevention plan")
    page.get_by_label("Retention period (days)").fill("60")
    page.get_by_label("DPIA reference").fill("DPIA-2026-1")
    page.get_by_role("button", name="Record mandate").click()
    page.get_by_role("button", name="Switch on").click()
    expect(page.get_by_text("The source is switched on.")).to_be_visible()
    _accessible(browser, page, "the source page")
    assert Source.objects.get(name="Forum export").is_active

    csv_file = tmp_path / "export.csv"
    csv_file.write_bytes(b"id,text,author\n1,een,@a\n2,,@b\n3,drie,@c\n")
    page.get_by_role("button", name="Upload a file").click()
    page.get_by_label("File").set_input_files(str(csv_file))
    page.get_by_role("button", name="Upload").click()

    expect(page).to_have_url(re.compile(r"/sources/imports/\d+/$"))
    expect(page.get_by_text("text is missing.")).to_be_visible()
    expect(page.get_by_text("Scored 0 of 2")).to_be_visible()
    _accessible(browser, page, "the import report")
    run = ImportRun.objects.get()
    Message.objects.filter(import_run=run).update(scored_at=timezone.now())
    expect(page.get_by_text("Scored 2 of 2")).to_be_visible(timeout=6000)
    expect(page.locator("[hx-trigger]")).to_have_count(0)  # polling stopped

    page.goto(f"{live_server.url}{reverse('sources:list')}")
    _accessible(browser, page, "the source list")
    assert not log.errors, log.errors
