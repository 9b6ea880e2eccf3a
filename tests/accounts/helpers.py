"""Codes for the second factor, computed the way an authenticator app does."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brug.accounts.models import User


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the app shows now (or ``steps_ahead`` periods later; tolerance is one)."""
    return f"{totp(device.bin_key, step=device.step, drift=steps_ahead):06d}"


def wrong_code(device: TOTPDevice) -> str:
    valid = {app_code(device, d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def backup_codes(user: User, count: int = 3) -> list[str]:
    device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [f"code{n:04d}" for n in range(count)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes
