"""Every role × every page and API endpoint: allowed or denied, from one table.

The expected answer for each role comes from ``brug.accounts.roles.CAPABILITIES``; the test
fails when a page is added without a line here, so nobody adds a page without deciding who
may use it. "Denied" means 403 for a person of the organisation, 404 for an outsider asking
for another organisation's object, and a redirect to the login page for an anonymous visitor.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from brug.accounts.models import User
from brug.accounts.roles import Cap, Role, role_can
from brug.cases.models import ProcessStep, StepStatus
from brug.cases.services import case_open, consent_record, goal_add, referral_send
from brug.review.models import Decision, Outcome
from brug.signals.models import SignalStatus
from brug.sources.models import ImportRun, SourceKind

from ..counselling.factories import (
    make_client,
    make_counsellor,
    make_engagement,
    make_pool,
    make_slot,
    portal_login,
)
from ..factories import login, make_message, make_signal, make_source, make_user
from ..partners.helpers import make_agreement, make_offer
from . import matrix
from .matrix import CLIENT, LOGIN, PUBLIC, STAFF_ADMIN, STEP, TOKEN, Page

PAGES = [
    Page("web:home", "get", LOGIN),
    Page("accounts:login", "get", PUBLIC),
    Page("accounts:logout", "post", LOGIN),
    Page("accounts:verify", "get", LOGIN),
    Page("accounts:setup", "get", LOGIN),
    Page("accounts:profile", "get", LOGIN),
    Page("accounts:password", "post", LOGIN),
    Page("accounts:backup_codes", "post", LOGIN),
    Page("accounts:device_remove", "post", LOGIN,
         kwargs=lambda o: {"device_id": o["device_id"]}),
    Page("sources:list", "get", Cap.SOURCE_VIEW),
    Page("sources:create", "get", Cap.SOURCE_MANAGE),
    Page("sources:detail", "get", Cap.SOURCE_VIEW, lambda o: {"pk": o["source"].pk},
         org_object=True),
    Page("sources:mandate", "get", Cap.SOURCE_MANAGE, lambda o: {"pk": o["source"].pk},
         org_object=True),
    Page("sources:activate", "post", Cap.SOURCE_MANAGE, lambda o: {"pk": o["source"].pk},
         org_object=True),
    Page("sources:deactivate", "post", Cap.SOURCE_MANAGE, lambda o: {"pk": o["source"].pk},
         org_object=True),
    Page("sources:upload", "get", Cap.SOURCE_UPLOAD, lambda o: {"pk": o["source"].pk},
         org_object=True),
    Page("sources:token", "post", Cap.SOURCE_MANAGE, lambda o: {"pk": o["push"].pk},
         org_object=True),
    Page("sources:import", "get", Cap.SOURCE_VIEW, lambda o: {"pk": o["import"].pk},
         org_object=True),
    Page("review:queue", "get", Cap.QUEUE_VIEW),
    Page("review:signal", "get", Cap.QUEUE_VIEW, lambda o: {"signal_id": o["signal"].pk},
         org_object=True),
    Page("review:decide", "post", Cap.SIGNAL_REVIEW, lambda o: {"signal_id": o["signal"].pk},
         data=lambda o: {"labels": ["not_relevant"], "outcome": "dismiss",
                         "reason": "Matrix test: a benign message."},
         org_object=True),
    Page("review:confirm", "post", Cap.SIGNAL_CONFIRM_URGENT,
         lambda o: {"decision_id": o["urgent"].pk},
         data=lambda o: {"confirm": "no", "reason": "Matrix test: not urgent after all."},
         org_object=True),
    Page("review:exposure", "post", Cap.QUEUE_VIEW),
    Page("review:break_later", "post", Cap.QUEUE_VIEW),
    Page("review:export", "get", Cap.LABELS_EXPORT),
    Page("audit:log", "get", Cap.AUDIT_VIEW),
    Page("audit:verify", "post", Cap.AUDIT_VIEW),
    Page("privacy:retention", "get", Cap.RETENTION_VIEW),
    Page("privacy:handle_reveal", "post", Cap.HANDLE_REVEAL,
         data=lambda o: {"message_id": o["signal"].message_id,
                         "reason": "Matrix test: outreach needs the handle."},
         org_object=True),
    Page("partners:offers", "get", Cap.OFFER_VIEW),
    Page("partners:offer_create", "get", Cap.OFFER_MANAGE),
    Page("partners:offer_edit", "get", Cap.OFFER_MANAGE, lambda o: {"pk": o["offer"].pk},
         org_object=True),
    Page("partners:offer_capacity", "post", Cap.OFFER_MANAGE,
         lambda o: {"pk": o["offer"].pk}, data=lambda o: {"capacity": "4"}, org_object=True),
    Page("partners:agreements", "get", Cap.AGREEMENT_VIEW),
    Page("partners:agreement_create", "get", Cap.AGREEMENT_MANAGE),
    # Outsiders (given the supervisor role below) lack AGREEMENT_MANAGE, so they get 403 here;
    # tests/partners checks that a DPO of a non-party organisation gets 404.
    Page("partners:agreement_end", "post", Cap.AGREEMENT_MANAGE,
         lambda o: {"pk": o["agreement"].pk},
         data=lambda o: {"reason": "Matrix test: the agreement ends."}),
    Page("cases:list", "get", Cap.CASE_VIEW),
    Page("cases:open", "get", Cap.CASE_OPEN),
    Page("cases:detail", "get", Cap.CASE_VIEW, lambda o: {"pk": o["case"].pk},
         org_object=True),
    Page("cases:consent", "post", Cap.CASE_WORK, lambda o: {"pk": o["case"].pk},
         data=lambda o: {"status": "given"}, org_object=True),
    Page("cases:goal_add", "post", Cap.CASE_WORK, lambda o: {"pk": o["case"].pk},
         data=lambda o: {"text": "Matrix goal"}, org_object=True),
    Page("cases:goal_update", "post", Cap.CASE_WORK, lambda o: {"pk": o["goal"].pk},
         data=lambda o: {"status": "achieved"}, org_object=True),
    Page("cases:team", "post", Cap.CASE_WORK, lambda o: {"pk": o["case"].pk},
         data=lambda o: {"owner": o["case"].owner_id}, org_object=True),
    Page("cases:close", "post", Cap.CASE_WORK, lambda o: {"pk": o["case"].pk},
         data=lambda o: {"reason": "x"}, org_object=True),
    Page("cases:diagram", "get", Cap.CASE_VIEW, lambda o: {"pk": o["case"].pk},
         org_object=True),
    Page("cases:inbox", "get", LOGIN),
    Page("cases:task", "get", STEP, lambda o: {"pk": o["step"].pk}, org_object=True),
    Page("cases:referrals", "get", Cap.REFERRAL_ANSWER),
    # The case side sees its referrals; a partner caseworker sees only referrals sent to its
    # own organisation, so this one (sent elsewhere) is a 404 for them.
    Page("cases:referral", "get", Cap.CASE_VIEW, lambda o: {"pk": o["referral"].pk},
         org_object=True, hidden_from=frozenset({Role.PARTNER_CASEWORKER})),
    Page("cases:processes", "get", Cap.PROCESS_VIEW),
    Page("cases:process", "get", Cap.PROCESS_VIEW, lambda o: {"pk": o["definition"].pk}),
    Page("cases:process_diagram", "get", Cap.PROCESS_VIEW,
         lambda o: {"pk": o["definition"].pk}),
    Page("cases:process_upload", "get", Cap.PROCESS_MANAGE),
    Page("cases:report", "get", Cap.PROCESS_VIEW),
    Page("admin:index", "get", STAFF_ADMIN),
    Page("api:push", "post", TOKEN),
    Page("api:health", "get", PUBLIC),
    Page("api:openapi-json", "get", PUBLIC),
    Page("api:openapi-view", "get", PUBLIC),
]


def _part_modules() -> list[Any]:
    """``tests/platform/matrix_*.py``: each part's ``PAGES`` and optional ``extra_objects``."""
    names = [m.name for m in pkgutil.iter_modules(matrix.__spec__.submodule_search_locations
                                                  or [__file__.rsplit("/", 1)[0]])
             if m.name.startswith("matrix_")]
    return [importlib.import_module(f"{__package__}.{name}") for name in sorted(names)]


PARTS = _part_modules()
for _part in PARTS:
    PAGES.extend(_part.PAGES)

ROLES = [role.value for role in Role]


def _named_urls() -> set[str]:
    """Every named URL in our namespaces (Django's admin: only its index, as a stand-in)."""
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                if p.namespace == "admin":
                    continue
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name and namespace:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns, "")
    names.discard("set_language")
    names.discard("api:api-root")  # django-ninja's mount point, not a page (404)
    return names | {"admin:index"}


def test_every_page_is_in_the_matrix() -> None:
    assert _named_urls() - {p.name for p in PAGES} == set(), \
        "a page has no line in the permission matrix: decide who may use it"


@pytest.fixture
def objects(org: Any, partner_org: Any, prevention_worker: User,
            second_reviewer: User) -> dict[str, Any]:
    source = make_source(org)
    push = make_source(org, kind=SourceKind.PUSH)
    signal = make_signal(make_message(source, "Matrix message", author="@matrix"),
                         ["hate_speech"])
    urgent_signal = make_signal(make_message(source, "Matrix urgent"), ["violent_intent"],
                                status=SignalStatus.AWAITING_CONFIRMATION)
    urgent = Decision.objects.create(signal=urgent_signal, reviewer=second_reviewer,
                                     labels=["violent_intent"], outcome=Outcome.URGENT,
                                     reason="Matrix test: explicit threat.",
                                     legal_ground="Matrix test: imminent danger.")
    run = ImportRun.objects.create(source=source, channel=SourceKind.UPLOAD)
    case = case_open(actor=prevention_worker, subject_label="Matrix client",
                     observation="Matrix test: a worker's own observation.")
    goal = goal_add(actor=prevention_worker, case_id=case.pk, text="Matrix goal")
    consent_record(actor=prevention_worker, case_id=case.pk, status="given")
    agreement = make_agreement(org, partner_org)
    referral = referral_send(actor=prevention_worker, case_id=case.pk,
                             offer_id=make_offer(partner_org).pk,
                             summary="Matrix test: a referral to the partner organisation.")
    step = ProcessStep.objects.get(case=case, status=StepStatus.OPEN)
    # Counselling: a client of the organisation's pool with a counsellor of the organisation.
    # The matrix's own counsellor is a fresh person, not on this client's team.
    pool = make_pool(org, slug="matrix")
    client = make_client(pool, nickname="matrix-client")
    profile = make_counsellor(org, username="matrix-counsellor")
    engagement = make_engagement(client, profile)
    objs: dict[str, Any] = {
        "source": source, "push": push, "signal": signal, "urgent": urgent,
        "import": run, "offer": make_offer(org),
        "agreement": agreement, "case": case, "goal": goal,
        "referral": referral, "step": step, "definition": case.process.definition,
        "pool": pool, "client": client, "profile": profile, "engagement": engagement,
        "slot": make_slot(profile)}
    for part in PARTS:
        extra = getattr(part, "extra_objects", None)
        if extra is not None:
            objs.update(extra(objs))
    return objs


def _request(client: Client, page: Page, objs: dict[str, Any]) -> Any:
    url = reverse(page.name, kwargs=page.kwargs(objs))
    if page.method == "get":
        return client.get(url)
    return client.post(url, page.data(objs))


def _expected(role: str, page: Page, user: User) -> bool:
    if page.need == CLIENT or role in page.hidden_from:
        return False
    if "|" in page.need:  # either capability
        return any(role_can(role, need) for need in page.need.split("|"))
    if page.need in (LOGIN, PUBLIC):
        return True
    if page.need == STAFF_ADMIN:
        return user.is_staff
    if page.need == TOKEN:
        return False
    if page.need == STEP:
        return role == "prevention_worker"  # the open step is the worker's assessment
    return role_can(role, page.need)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(role: str, org: Any, objects: dict[str, Any]) -> None:
    failures = []
    for page in PAGES:
        user = make_user(role, org, is_staff=(role == Role.ADMINISTRATOR))
        objects["device_id"] = login(Client(), user).session["otp_device_id"].rsplit("/", 1)[-1]
        client = login(Client(), user)
        response = _request(client, page, objects)
        allowed = _expected(role, page, user)
        status = response.status_code
        if page.need == TOKEN:
            ok = status == 401
        elif page.need == CLIENT:
            ok = status == 302 and reverse("portal:signin") in response.get("Location", "")
        elif page.need == STAFF_ADMIN and not allowed:
            ok = status == 403
        elif allowed:
            ok = status < 500 and status not in (401, 403, 404)
        elif page.need == STEP or role in page.hidden_from:
            ok = status == 404
        else:
            ok = status == 403
        if not ok:
            failures.append(f"{page.method.upper()} {page.name}: got {status}, expected "
                            f"{'allowed' if allowed else 'denied'}")
    assert failures == [], f"{role}:\n" + "\n".join(failures)


def test_outsider_gets_404_on_every_object_of_another_organisation(
        outsider: User, objects: dict[str, Any]) -> None:
    """A supervisor of another organisation has every capability that names an object."""
    outsider.role = Role.SUPERVISOR
    outsider.save()
    failures = []
    for page in PAGES:
        if not page.org_object or page.need == CLIENT:
            continue
        response = _request(login(Client(), outsider), page, objects)
        if response.status_code != 404:
            failures.append(f"{page.name}: {response.status_code}")
    assert failures == []


def test_anonymous_visitors_are_sent_to_login(objects: dict[str, Any]) -> None:
    objects["device_id"] = 1
    failures = []
    for page in PAGES:
        if page.need in (PUBLIC, TOKEN, STAFF_ADMIN, CLIENT) or page.name == "accounts:logout":
            continue
        response = _request(Client(), page, objects)
        location = response.get("Location", "")
        if response.status_code != 302 or reverse("accounts:login") not in location:
            failures.append(f"{page.name}: {response.status_code} {location}")
    assert failures == []


def test_client_pages_are_for_signed_in_clients_only(objects: dict[str, Any]) -> None:
    """Anonymous visitors go to the portal's sign-in; the signed-in client gets the page."""
    failures = []
    for page in PAGES:
        if page.need != CLIENT:
            continue
        response = _request(Client(), page, objects)
        if response.status_code != 302 or reverse("portal:signin") not in response.get(
                "Location", ""):
            failures.append(f"anonymous {page.name}: {response.status_code}")
        response = _request(portal_login(Client(), objects["client"]), page, objects)
        if response.status_code >= 400:
            failures.append(f"client {page.name}: {response.status_code}")
    assert failures == []


def test_another_client_gets_404_on_a_clients_objects(objects: dict[str, Any]) -> None:
    """Pages naming one client's object (``org_object`` on a CLIENT page): others get 404."""
    stranger = make_client(objects["pool"], nickname="matrix-stranger")
    failures = []
    for page in PAGES:
        if page.need != CLIENT or not page.org_object:
            continue
        response = _request(portal_login(Client(), stranger), page, objects)
        if response.status_code != 404:
            failures.append(f"{page.name}: {response.status_code}")
    assert failures == []
