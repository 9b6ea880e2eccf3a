from __future__ import annotations

from django.test import Client

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.audit.models import AuditEntry
from tests.factories import login


def _superadmin(client: Client, administrator: User) -> Client:
    administrator.is_superuser = True
    administrator.save()
    return login(client, administrator)


def test_admin_lists_people_with_filters(client: Client, administrator: User,
                                         prevention_worker: User, dpo: User,
                                         other_org: Organisation) -> None:
    _superadmin(client, administrator)
    html = client.get("/admin/accounts/user/").content.decode()
    assert "pw" in html and "dpo" in html
    assert "By organisation" in html and "By role" in html
    filtered = client.get(f"/admin/accounts/user/?role__exact={Role.DPO}").content.decode()
    assert ">dpo<" in filtered and ">pw<" not in filtered


def test_admin_creates_a_person_with_a_hashed_password_and_audits(
        client: Client, administrator: User, org: Organisation) -> None:
    _superadmin(client, administrator)
    response = client.post("/admin/accounts/user/add/", {
        "username": "newcomer", "usable_password": "true",
        "password1": "a long new passphrase 99", "password2": "a long new passphrase 99",
        "first_name": "New", "last_name": "Comer", "organisation": org.pk,
        "role": Role.OUTREACH_WORKER,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    person = User.objects.get(username="newcomer")
    assert person.password != "a long new passphrase 99"
    assert person.check_password("a long new passphrase 99")
    assert person.organisation == org and person.role == Role.OUTREACH_WORKER
    entry = AuditEntry.objects.get(action="account.created")
    assert entry.object_id == str(person.pk)
    assert "passphrase" not in str(entry.details)


def test_admin_creates_an_organisation_and_audits(client: Client,
                                                  administrator: User) -> None:
    _superadmin(client, administrator)
    response = client.post("/admin/accounts/organisation/add/", {
        "name": "Leuven prevention", "kind": OrganisationType.PREVENTION})
    assert response.status_code == 302
    created = Organisation.objects.get(name="Leuven prevention")
    assert AuditEntry.objects.filter(action="organisation.created",
                                     object_id=str(created.pk)).exists()
    assert "Leuven prevention" in client.get("/admin/accounts/organisation/").content.decode()


def test_an_administrator_without_model_permissions_manages_people(
        client: Client, administrator: User, prevention_worker: User) -> None:
    login(client, administrator)
    assert not administrator.is_superuser
    assert client.get("/admin/accounts/user/").status_code == 200
    page = client.get(f"/admin/accounts/user/{prevention_worker.pk}/change/")
    assert page.status_code == 200
    # No way to grant superuser rights, and no deleting people.
    assert 'name="is_superuser"' not in page.content.decode()
    assert client.get(f"/admin/accounts/user/{prevention_worker.pk}/delete/").status_code == 403


def test_staff_without_the_administrator_role_sees_no_people(
        client: Client, supervisor: User) -> None:
    supervisor.is_staff = True
    supervisor.save()
    login(client, supervisor)
    assert client.get("/admin/accounts/user/").status_code == 403


def test_administrator_resets_a_persons_sign_in(client: Client, administrator: User,
                                                prevention_worker: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import totp_device

    totp_device(prevention_worker)
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "pw", "password": "wrong"})
    assert Client().post("/accounts/login/", {"username": "pw",
                                              "password": "x"}).status_code == 429
    login(client, administrator)
    response = client.post("/admin/accounts/user/", {
        "action": "reset_sign_in", "_selected_action": [prevention_worker.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=prevention_worker).exists()
    entry = AuditEntry.objects.get(action="account.sign_in_reset")
    assert entry.details["devices_removed"] == 1 and entry.details["lockouts_lifted"] >= 1
    from tests.factories import PASSWORD
    fresh = Client()
    response = fresh.post("/accounts/login/", {"username": "pw", "password": PASSWORD})
    assert response["Location"].startswith("/accounts/setup/")


def test_an_administrator_cannot_take_over_a_superuser(client: Client, administrator: User,
                                                       org: Organisation) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import make_user, totp_device

    root = make_user(Role.ADMINISTRATOR, org, username="root", is_staff=True,
                     is_superuser=True)
    totp_device(root)
    password = root.password
    login(client, administrator)
    assert client.get(f"/admin/accounts/user/{root.pk}/password/").status_code == 403
    response = client.post(f"/admin/accounts/user/{root.pk}/password/", {
        "password1": "a long new passphrase 99", "password2": "a long new passphrase 99"})
    assert response.status_code == 403
    client.post(f"/admin/accounts/user/{root.pk}/change/", {
        "username": "root", "first_name": "Taken", "organisation": org.pk,
        "role": Role.ADMINISTRATOR, "is_active": "on", "is_staff": "on"})
    client.post("/admin/accounts/user/", {"action": "reset_sign_in",
                                          "_selected_action": [root.pk]})
    root.refresh_from_db()
    assert root.password == password and root.first_name == ""
    assert TOTPDevice.objects.filter(user=root).exists()
    assert not AuditEntry.objects.filter(action__in=["account.changed",
                                                     "account.sign_in_reset"]).exists()
