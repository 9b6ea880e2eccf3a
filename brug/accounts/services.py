"""Writes about people: sign-in events, second-factor devices, preferences, passwords.

Every function takes the acting person as ``actor`` (keyword-only), runs in one transaction and
writes its own audit entry. Audit details hold ids and counts only, never codes or secrets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brug.audit.services import audit_record
from brug.errors import Conflict, InvalidInput

from .models import Organisation, User
from .selectors import (
    access_pending_totp_device,
    access_totp_device,
    backup_codes_left,
    totp_devices,
)

BACKUP_CODE_COUNT = 10
BREAK_MINUTES_MIN = 5
BREAK_MINUTES_MAX = 240
BACKUP_DEVICE_NAME = "backup"


def normalise_token(token: str) -> str:
    """Codes as people type them: spaces and dashes removed, backup codes in lower case."""
    return re.sub(r"[\s-]+", "", token or "").lower()


# --- sign-in events ------------------------------------------------------------------------

def user_record_sign_in(*, actor: User) -> None:
    """Audit a correct password. Precondition: ``actor`` was just authenticated."""
    with transaction.atomic():
        audit_record(actor=actor, action="account.password_passed", obj=actor)


def user_record_sign_out(*, actor: User) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="account.signed_out", obj=actor)


def second_factor_verify(*, actor: User, token: str) -> Device:
    """Check a code against all of the actor's confirmed devices (app codes and backup codes).

    Returns the device that accepted the code; a backup code is used up by this. Raises
    ``InvalidInput`` when no device accepts it (each device's own throttling applies: after
    wrong codes a device refuses for a growing number of seconds).
    """
    token = normalise_token(token)
    if not token or len(token) > 16:
        raise InvalidInput(_("Enter the 6-digit code from your app, or one of your backup "
                             "codes."), code="code_missing")
    # Throttling (django-otp) refuses even a right code for a few seconds after wrong ones.
    was_throttled = _app_throttled(actor)
    with transaction.atomic():
        device = match_token(actor, token)
        if device is None:
            audit_record(actor=actor, action="account.second_factor_failed", obj=actor)
        else:
            kind = "backup_code" if isinstance(device, StaticDevice) else "app"
            details: dict[str, Any] = {"device": device.persistent_id, "kind": kind}
            if isinstance(device, StaticDevice):
                details["backup_codes_left"] = device.token_set.count()
            audit_record(actor=actor, action="account.second_factor_passed", obj=actor,
                         details=details)
    if device is None:
        if was_throttled:
            raise InvalidInput(_("That code did not match, and there were several wrong codes "
                                 "in a row. Wait a minute, then enter the newest code from "
                                 "your app."), code="code_throttled")
        raise InvalidInput(_("That code did not match. Check that the clock on your phone is "
                             "right and enter the newest code, or use a backup code."),
                           code="code_wrong")
    return device


def _app_throttled(actor: User) -> bool:
    return any(not device.verify_is_allowed()[0] for device in totp_devices(actor=actor))


# --- enrolment -----------------------------------------------------------------------------

def totp_device_start(*, actor: User, name: str = "") -> TOTPDevice:
    """Create a new, unconfirmed authenticator-app device for the actor.

    Earlier unconfirmed devices of the actor are removed: only the newest QR code works.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=actor, name=(name or _("Authenticator app"))[:64],
                                           confirmed=False)
        audit_record(actor=actor, action="account.device_started", obj=device)
    return device


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    backup_codes: list[str]  # empty when the person already had backup codes


def totp_device_confirm(*, actor: User, device_id: int | None, token: str,
                        name: str = "") -> Enrolment:
    """Confirm the actor's pending device with a code from the app.

    On the first device, also creates ``BACKUP_CODE_COUNT`` backup codes (returned once, stored
    only as django-otp static tokens). Raises ``NotFound`` if the pending device is gone and
    ``InvalidInput`` if the code does not match.
    """
    code = normalise_token(token)
    if not code.isdigit():
        raise InvalidInput(_("Enter the 6-digit code your app shows (numbers only)."),
                           code="code_not_digits")
    with transaction.atomic():
        device = access_pending_totp_device(actor=actor, id=device_id, for_update=True)
        if not device.verify_is_allowed()[0]:
            raise InvalidInput(_("There were several wrong codes in a row. Wait a minute, then "
                                 "enter the newest code from your app."), code="code_throttled")
        if not device.verify_token(code):
            audit_record(actor=actor, action="account.device_confirm_failed", obj=device)
            verified = False
        else:
            verified = True
            device.confirmed = True
            if name.strip():
                device.name = name.strip()[:64]
            device.save(update_fields=["confirmed", "name"])
            codes: list[str] = []
            if not backup_codes_left(actor=actor):
                codes = replace_backup_codes(actor)
            audit_record(actor=actor, action="account.device_confirmed", obj=device,
                         details={"backup_codes_created": len(codes)})
    if not verified:
        raise InvalidInput(_("That code did not match. Scan the QR code again if needed, wait "
                             "for a new code and enter it."), code="code_wrong")
    return Enrolment(device=device, backup_codes=codes)


def totp_device_remove(*, actor: User, device_id: int) -> None:
    """Remove one of the actor's own confirmed app devices.

    Raises ``Conflict`` for the last one: without a device the person could not sign in.
    """
    with transaction.atomic():
        device = access_totp_device(actor=actor, id=device_id, for_update=True)
        if not totp_devices(actor=actor).exclude(pk=device.pk).exists():
            raise Conflict(_("This is your only authenticator app. Add another one before "
                             "removing it, or ask an administrator to reset your sign-in."),
                           code="last_device")
        audit_record(actor=actor, action="account.device_removed", obj=device)
        device.delete()


def replace_backup_codes(person: User, *, count: int = BACKUP_CODE_COUNT) -> list[str]:
    """The one place backup codes are made: ``count`` new codes replace the person's old ones.

    Precondition: inside the calling service's transaction, which writes the audit entry.
    """
    StaticDevice.objects.filter(user=person).delete()
    device = StaticDevice.objects.create(user=person, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _index in range(count)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def backup_codes_replace(*, actor: User) -> list[str]:
    """New backup codes for the actor (the old ones stop working). Returned once, to show."""
    with transaction.atomic():
        codes = replace_backup_codes(actor)
        audit_record(actor=actor, action="account.backup_codes_replaced", obj=actor,
                     details={"count": len(codes)})
    return codes


# --- profile -------------------------------------------------------------------------------

def user_update_preferences(*, actor: User, break_reminder_minutes: int) -> User:
    """Change the actor's own break reminder (``BREAK_MINUTES_MIN``–``BREAK_MINUTES_MAX``)."""
    if not BREAK_MINUTES_MIN <= break_reminder_minutes <= BREAK_MINUTES_MAX:
        raise InvalidInput(_("Choose a break reminder between %(low)d and %(high)d minutes.")
                           % {"low": BREAK_MINUTES_MIN, "high": BREAK_MINUTES_MAX},
                           code="break_minutes_range")
    with transaction.atomic():
        before = actor.break_reminder_minutes
        actor.break_reminder_minutes = break_reminder_minutes
        actor.save(update_fields=["break_reminder_minutes"])
        audit_record(actor=actor, action="account.preferences_changed", obj=actor,
                     details={"break_reminder_minutes": [before, break_reminder_minutes]})
    return actor


def user_change_password(*, actor: User, new_password: str) -> User:
    """Set the actor's password. Precondition: the old password and the validators were
    checked (Django's ``PasswordChangeForm``); the view keeps the session signed in."""
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        audit_record(actor=actor, action="account.password_changed", obj=actor)
    return actor


def user_save_by_admin(*, actor: User, person: User, created: bool,
                       changed_fields: list[str]) -> User:
    """Save a person edited in the Django admin (hashing happened in the admin's form)."""
    with transaction.atomic():
        person.save()
        audit_record(actor=actor, action="account.created" if created else "account.changed",
                     obj=person, organisation_id=person.organisation_id,
                     details={"fields": sorted(changed_fields)})
    return person


def organisation_save_by_admin(*, actor: User, organisation: Organisation, created: bool,
                               changed_fields: list[str]) -> Organisation:
    """Save an organisation edited in the Django admin."""
    with transaction.atomic():
        organisation.save()
        audit_record(actor=actor,
                     action="organisation.created" if created else "organisation.changed",
                     obj=organisation, organisation_id=organisation.pk,
                     details={"fields": sorted(changed_fields)})
    return organisation


def user_reset_sign_in(*, actor: User, person: User) -> dict[str, int]:
    """An administrator resets a person's sign-in: removes their authenticator apps and backup
    codes (they set up a new app at the next sign-in) and lifts a lockout.

    Precondition: the caller checked that ``actor`` administers people.
    """
    from axes.utils import reset as axes_reset

    with transaction.atomic():
        apps = TOTPDevice.objects.filter(user=person).delete()[0]
        backups = StaticDevice.objects.filter(user=person).delete()[0]
        attempts = int(axes_reset(username=person.get_username()) or 0)
        counts = {"devices_removed": apps + backups, "lockouts_lifted": attempts}
        audit_record(actor=actor, action="account.sign_in_reset", obj=person,
                     organisation_id=person.organisation_id, details=counts)
    return counts
