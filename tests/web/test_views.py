from __future__ import annotations

import re

from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from brug.accounts.models import Organisation, User
from brug.signals.models import SignalStatus
from tests.factories import login, make_message, make_signal, make_source, make_user

HOME = "/"


def _open_signals(org: Organisation, n: int, category: str = "hate_speech") -> None:
    source = make_source(org)
    for _ in range(n):
        make_signal(make_message(source), [category])


def test_queue_roles_see_their_organisations_counts(
        client: Client, prevention_worker: User, org: Organisation, other_org: Organisation,
        django_assert_max_num_queries: object) -> None:
    _open_signals(org, 3)
    _open_signals(org, 1, "violent_intent")
    _open_signals(other_org, 7)
    login(client, prevention_worker)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = client.get(HOME)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<p class="queue-total">4</p>' in html
    assert re.search(r"Hate speech</span></th><td class=\"num\">3</td>", html)
    assert "bar-hate_speech bar-w-100" in html and "bar-violent_intent bar-w-35" in html
    assert f'href="{reverse("review:queue")}"' in html and "Open the review queue" in html
    # Counts only: no message text, no handles on the start page.
    assert "Een bericht" not in html and "@someone" not in html


def test_query_count_does_not_grow_with_signals(client: Client, prevention_worker: User,
                                                org: Organisation,
                                                django_assert_max_num_queries: object) -> None:
    _open_signals(org, 25)
    login(client, prevention_worker)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get(HOME).status_code == 200


def test_urgent_waiting_for_a_second_reviewer_is_mentioned(
        client: Client, supervisor: User, org: Organisation) -> None:
    source = make_source(org)
    make_signal(make_message(source), ["violent_intent"],
                status=SignalStatus.AWAITING_CONFIRMATION)
    login(client, supervisor)
    html = client.get(HOME).content.decode()
    assert "1 urgent decision needs a second reviewer." in html
    assert f'href="{reverse("sources:list")}"' in html and "Manage sources" in html


def test_empty_queue_has_no_chart_but_a_table(client: Client, outreach_worker: User) -> None:
    login(client, outreach_worker)
    html = client.get(HOME).content.decode()
    assert '<p class="queue-total">0</p>' in html
    assert "bar-chart" not in html and "<table" in html


def test_dpo_sees_audit_and_retention_not_the_queue(client: Client, dpo: User,
                                                    org: Organisation) -> None:
    _open_signals(org, 2)
    login(client, dpo)
    html = client.get(HOME).content.decode()
    assert f'href="{reverse("audit:log")}"' in html
    assert f'href="{reverse("privacy:retention")}"' in html
    assert "queue-total" not in html and "Open the review queue" not in html


def test_counsellors_find_their_counselling_workspace_not_the_queue(
        client: Client, counsellor: User, org: Organisation) -> None:
    _open_signals(org, 2)
    login(client, counsellor)
    html = client.get(HOME).content.decode()
    assert f'href="{reverse("counselling:home")}"' in html
    assert f'href="{reverse("counselling:care")}"' in html
    assert f'href="{reverse("counselling:overview")}"' not in html
    assert "queue-total" not in html
    assert f'href="{reverse("review:queue")}"' not in html


def test_partners_see_their_inbox_and_referrals_not_the_queue(
        client: Client, partner_caseworker: User, org: Organisation) -> None:
    _open_signals(org, 2)
    login(client, partner_caseworker)
    html = client.get(HOME).content.decode()
    assert f'href="{reverse("counselling:home")}"' not in html
    assert f'href="{reverse("cases:inbox")}"' in html
    assert f'href="{reverse("cases:referrals")}"' in html
    assert f'href="{reverse("review:queue")}"' not in html


def test_staff_see_the_administration_link(client: Client, administrator: User) -> None:
    login(client, administrator)
    html = client.get(HOME).content.decode()
    assert 'href="/admin/"' in html
    assert "queue-total" not in html


def test_a_person_without_organisation_is_told_whom_to_ask(client: Client, db: None) -> None:
    person = make_user()
    person.organisation = None
    person.save()
    login(client, person)
    html = client.get(HOME).content.decode()
    assert "not linked to an organisation" in html


# --- chrome and error pages ----------------------------------------------------------------

def test_navigation_marks_the_current_page_and_follows_capabilities(
        client: Client, prevention_worker: User) -> None:
    login(client, prevention_worker)
    html = client.get(reverse("accounts:profile")).content.decode()
    nav = html[html.index('<nav'):html.index('</nav>')]
    assert re.search(r'href="/accounts/profile/"[^>]*aria-current="page"', nav)
    assert f'href="{reverse("review:queue")}"' in nav
    assert f'href="{reverse("sources:list")}"' in nav
    assert f'href="{reverse("audit:log")}"' not in nav
    assert 'action="/accounts/logout/"' in nav


def test_language_switcher_keeps_its_button(client: Client, db: None) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert '<label for="language-select">' in html
    assert re.search(r'<select id="language-select" name="language">', html)
    assert '<option value="nl" lang="nl"' in html
    assert 'class="secondary compact">Change</button>' in html


def test_pages_switch_language(client: Client, db: None) -> None:
    response = client.post("/i18n/setlang/", {"language": "nl", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert '<html lang="nl"' in client.get(reverse("accounts:login")).content.decode()


def test_404_page(client: Client, prevention_worker: User) -> None:
    login(client, prevention_worker)
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html and "Back to the start page" in html


def test_403_page(client: Client, db: None) -> None:
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied
    request = RequestFactory().get("/x/")
    from django.contrib.auth.models import AnonymousUser
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied("no"))
    assert response.status_code == 403
    assert "This page is not open to you" in response.content.decode()


def test_500_page_renders_without_a_request(db: None) -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and "<script" not in html


def test_csrf_failure_page(prevention_worker: User) -> None:
    client = Client(enforce_csrf_checks=True)
    login(client, prevention_worker)
    response = client.post(reverse("accounts:profile"), {"prefs-break_reminder_minutes": "30"})
    assert response.status_code == 403
    assert "Nothing was saved" in response.content.decode()


def test_brug_error_renders_the_error_page(client: Client, prevention_worker: User) -> None:
    login(client, prevention_worker)
    from django_otp.plugins.otp_totp.models import TOTPDevice
    only = TOTPDevice.objects.get(user=prevention_worker)
    response = client.post(reverse("accounts:device_remove", args=[only.pk]))
    html = response.content.decode()
    assert response.status_code == 409
    assert 'class="notice notice-error" role="alert"' in html


def test_brug_error_on_htmx_goes_to_the_message_area(client: Client,
                                                     prevention_worker: User) -> None:
    login(client, prevention_worker)
    from django_otp.plugins.otp_totp.models import TOTPDevice
    only = TOTPDevice.objects.get(user=prevention_worker)
    response = client.post(reverse("accounts:device_remove", args=[only.pk]),
                           headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 409
    assert html.startswith('<div id="messages"') and "only authenticator app" in html
    # Not into the element that sent the request (a form would vanish with its input).
    assert response["HX-Retarget"] == "#messages" and response["HX-Reswap"] == "outerHTML"


def test_navigation_waits_for_the_second_factor(client: Client, prevention_worker: User) -> None:
    from tests.factories import totp_device
    totp_device(prevention_worker)
    client.force_login(prevention_worker)
    html = client.get(reverse("accounts:verify")).content.decode()
    nav = html[html.index('<nav'):html.index('</nav>')]
    assert f'href="{reverse("review:queue")}"' not in nav
    assert 'href="/accounts/profile/"' not in nav
    assert 'action="/accounts/logout/"' in nav
