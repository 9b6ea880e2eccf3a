"""Reads about people and their own sign-in devices. Everything is scoped to the actor."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brug.errors import NotFound

from .models import User


def totp_devices(*, actor: User) -> QuerySet[TOTPDevice]:
    """The actor's own confirmed authenticator apps, oldest first."""
    devices: QuerySet[TOTPDevice] = TOTPDevice.objects.filter(user=actor, confirmed=True)
    return devices.order_by("id")


def backup_codes_left(*, actor: User) -> int:
    return int(StaticToken.objects.filter(device__user=actor, device__confirmed=True).count())


def access_totp_device(*, actor: User, id: int, for_update: bool = False) -> TOTPDevice:
    """One of the actor's own confirmed app devices; ``NotFound`` for anyone else's."""
    qs = totp_devices(actor=actor)
    if for_update:
        qs = qs.select_for_update()
    device = qs.filter(pk=id).first()
    if device is None:
        raise NotFound(_("That authenticator app is not on your account (any more)."),
                       code="device_not_found")
    return device


def access_pending_totp_device(*, actor: User, id: int | None,
                               for_update: bool = False) -> TOTPDevice:
    """The actor's device that is waiting for its first code; ``NotFound`` if it is gone."""
    qs = TOTPDevice.objects.filter(user=actor, confirmed=False)
    if for_update:
        qs = qs.select_for_update()
    device = qs.filter(pk=id).first() if id is not None else None
    if device is None:
        raise NotFound(_("This set-up has expired. Scan the new QR code below and try again."),
                       code="setup_expired")
    return device
