from __future__ import annotations

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brug.accounts import services
from brug.accounts.models import User
from brug.audit.models import AuditEntry
from brug.errors import Conflict, InvalidInput, NotFound
from tests.factories import totp_device

from .helpers import app_code, backup_codes, wrong_code


def actions(user: User) -> list[str]:
    return list(AuditEntry.objects.filter(actor=user).values_list("action", flat=True))


def test_app_code_is_accepted_and_audited(prevention_worker: User) -> None:
    device = totp_device(prevention_worker)
    accepted = services.second_factor_verify(actor=prevention_worker, token=app_code(device))
    assert accepted.persistent_id == device.persistent_id
    entry = AuditEntry.objects.get(action="account.second_factor_passed")
    assert entry.details == {"device": device.persistent_id, "kind": "app"}


def test_code_with_spaces_is_accepted(prevention_worker: User) -> None:
    device = totp_device(prevention_worker)
    code = app_code(device)
    assert services.second_factor_verify(actor=prevention_worker, token=f" {code[:3]} {code[3:]} ")


def test_wrong_code_is_refused_and_the_failure_stays_in_the_audit_log(
        prevention_worker: User) -> None:
    device = totp_device(prevention_worker)
    with pytest.raises(InvalidInput) as caught:
        services.second_factor_verify(actor=prevention_worker, token=wrong_code(device))
    assert caught.value.code == "code_wrong"
    assert actions(prevention_worker) == ["account.second_factor_failed"]


def test_repeated_wrong_codes_tell_the_person_to_wait(prevention_worker: User) -> None:
    device = totp_device(prevention_worker)
    with pytest.raises(InvalidInput):
        services.second_factor_verify(actor=prevention_worker, token=wrong_code(device))
    with pytest.raises(InvalidInput) as caught:
        # Throttled: even the right code is refused for a moment.
        services.second_factor_verify(actor=prevention_worker, token=app_code(device))
    assert caught.value.code == "code_throttled"


def test_empty_code_is_refused(prevention_worker: User) -> None:
    totp_device(prevention_worker)
    with pytest.raises(InvalidInput):
        services.second_factor_verify(actor=prevention_worker, token="  ")


def test_backup_code_works_once(prevention_worker: User) -> None:
    totp_device(prevention_worker)
    code = backup_codes(prevention_worker)[0]
    device = services.second_factor_verify(actor=prevention_worker, token=code.upper())
    assert isinstance(device, StaticDevice)
    with pytest.raises(InvalidInput):
        services.second_factor_verify(actor=prevention_worker, token=code)


def test_another_persons_code_does_not_work(prevention_worker: User,
                                            second_reviewer: User) -> None:
    other = totp_device(second_reviewer)
    totp_device(prevention_worker)
    with pytest.raises(InvalidInput):
        services.second_factor_verify(actor=prevention_worker, token=app_code(other))


def test_enrolment_confirms_the_device_and_makes_ten_backup_codes(
        prevention_worker: User) -> None:
    first = services.totp_device_start(actor=prevention_worker)
    device = services.totp_device_start(actor=prevention_worker)
    # Only the newest QR code counts.
    assert not TOTPDevice.objects.filter(pk=first.pk).exists()
    with pytest.raises(InvalidInput):
        services.totp_device_confirm(actor=prevention_worker, device_id=device.pk,
                                     token=wrong_code(device))
    device.refresh_from_db()
    assert not device.confirmed
    with pytest.raises(InvalidInput) as caught:
        services.totp_device_confirm(actor=prevention_worker, device_id=device.pk,
                                     token=app_code(device))
    assert caught.value.code == "code_throttled"
    device.throttle_reset()
    enrolment = services.totp_device_confirm(actor=prevention_worker, device_id=device.pk,
                                             token=app_code(device), name="work phone")
    device.refresh_from_db()
    assert device.confirmed and device.name == "work phone"
    assert len(enrolment.backup_codes) == services.BACKUP_CODE_COUNT == 10
    assert len(set(enrolment.backup_codes)) == 10
    stored = set(StaticToken.objects.filter(device__user=prevention_worker)
                 .values_list("token", flat=True))
    assert stored == set(enrolment.backup_codes)
    assert "account.device_confirmed" in actions(prevention_worker)
    # No code or secret in the audit details.
    for entry in AuditEntry.objects.all():
        assert device.key not in str(entry.details)
        assert not set(enrolment.backup_codes) & set(str(entry.details).split("'"))


def test_a_second_app_keeps_the_existing_backup_codes(prevention_worker: User) -> None:
    totp_device(prevention_worker)
    codes = backup_codes(prevention_worker)
    device = services.totp_device_start(actor=prevention_worker)
    enrolment = services.totp_device_confirm(actor=prevention_worker, device_id=device.pk,
                                             token=app_code(device))
    assert enrolment.backup_codes == []
    assert StaticToken.objects.filter(token=codes[0]).exists()


def test_confirming_needs_digits_and_an_own_pending_device(prevention_worker: User,
                                                          second_reviewer: User) -> None:
    device = services.totp_device_start(actor=prevention_worker)
    with pytest.raises(InvalidInput):
        services.totp_device_confirm(actor=prevention_worker, device_id=device.pk, token="abc")
    with pytest.raises(NotFound):
        services.totp_device_confirm(actor=second_reviewer, device_id=device.pk,
                                     token=app_code(device))
    with pytest.raises(NotFound):
        services.totp_device_confirm(actor=prevention_worker, device_id=None, token="123456")


def test_the_last_app_cannot_be_removed(prevention_worker: User,
                                        second_reviewer: User) -> None:
    device = totp_device(prevention_worker)
    with pytest.raises(Conflict):
        services.totp_device_remove(actor=prevention_worker, device_id=device.pk)
    spare = TOTPDevice.objects.create(user=prevention_worker, name="spare", confirmed=True)
    with pytest.raises(NotFound):
        services.totp_device_remove(actor=second_reviewer, device_id=spare.pk)
    services.totp_device_remove(actor=prevention_worker, device_id=spare.pk)
    assert list(TOTPDevice.objects.filter(user=prevention_worker)) == [device]
    assert "account.device_removed" in actions(prevention_worker)


def test_backup_codes_replace_invalidates_the_old_ones(prevention_worker: User) -> None:
    old = backup_codes(prevention_worker)
    new = services.backup_codes_replace(actor=prevention_worker)
    assert len(new) == 10
    assert not StaticToken.objects.filter(token__in=old).exists()
    assert actions(prevention_worker) == ["account.backup_codes_replaced"]


@pytest.mark.parametrize("minutes", [5, 60, 240])
def test_break_reminder_within_range_is_saved(prevention_worker: User, minutes: int) -> None:
    services.user_update_preferences(actor=prevention_worker, break_reminder_minutes=minutes)
    prevention_worker.refresh_from_db()
    assert prevention_worker.break_reminder_minutes == minutes
    entry = AuditEntry.objects.get(action="account.preferences_changed")
    assert entry.details == {"break_reminder_minutes": [45, minutes]}


@pytest.mark.parametrize("minutes", [0, 4, 241, -3])
def test_break_reminder_out_of_range_is_refused(prevention_worker: User, minutes: int) -> None:
    with pytest.raises(InvalidInput):
        services.user_update_preferences(actor=prevention_worker,
                                         break_reminder_minutes=minutes)
    prevention_worker.refresh_from_db()
    assert prevention_worker.break_reminder_minutes == 45
    assert actions(prevention_worker) == []


def test_password_change_is_audited_without_the_password(prevention_worker: User) -> None:
    services.user_change_password(actor=prevention_worker, new_password="a new long passphrase")
    prevention_worker.refresh_from_db()
    assert prevention_worker.check_password("a new long passphrase")
    entry = AuditEntry.objects.get(action="account.password_changed")
    assert "passphrase" not in str(entry.details) + entry.reason
