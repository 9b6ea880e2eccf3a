"""Pseudonyms and encrypted handles for message authors.

* ``pseudonym``: HMAC-SHA256 of the normalised handle under ``BRUG_PSEUDONYM_KEY``, scoped to
  one organisation, so the same handle gives unlinkable pseudonyms in two organisations.
* ``seal``/``unseal``: the raw handle, encrypted with Fernet (AES-128-CBC + HMAC, from
  ``cryptography``) under a key derived from ``BRUG_HANDLE_KEY``. Only ``handle_reveal``
  (audited) calls ``unseal``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

from brug.errors import BrugError


def _normalise(handle: str) -> str:
    return handle.strip().lstrip("@").casefold()


def pseudonym(handle: str, *, organisation_id: int) -> str:
    key = settings.BRUG_PSEUDONYM_KEY.encode()
    msg = f"{organisation_id}:{_normalise(handle)}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


@cache
def _fernet(key: str) -> Fernet:
    derived = hashlib.sha256(b"brug-handle-v1:" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(handle: str) -> bytes:
    return _fernet(settings.BRUG_HANDLE_KEY).encrypt(handle.encode("utf-8"))


def unseal(token: bytes) -> str:
    try:
        return _fernet(settings.BRUG_HANDLE_KEY).decrypt(bytes(token)).decode("utf-8")
    except InvalidToken:
        raise BrugError(_("This handle cannot be decrypted with the current key "
                          "(was BRUG_HANDLE_KEY changed?)."), code="handle_key") from None


def short_pseudonym(digest: str) -> str:
    """A short, readable form for screens ("author 3f9c·a1")."""
    return f"{digest[:4]}·{digest[4:6]}"
