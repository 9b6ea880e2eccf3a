"""Text encrypted at rest, with key rotation.

``SealedTextField`` stores a Fernet token (AES-128-CBC + HMAC-SHA256, from ``cryptography``)
and gives back the plain text in Python: the database, its backups and its dumps hold only
ciphertext. Keys come from ``BRUG_CONTENT_KEYS`` (comma-separated, newest first): the first
encrypts, every one decrypts (``MultiFernet``), so a new key can be put in front and old rows
re-encrypted with ``brug rotate_content_keys`` before the old key is dropped (its ``--help``
gives the steps).

Any string works as a key: each is stretched to a Fernet key with SHA-256 and a purpose label,
so the same secret used elsewhere gives a different key here.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from brug.errors import BrugError

TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80, base64url-encoded


class ContentKeyError(BrugError):
    code = "content_key"
    status = 500


def _derive(secret: str) -> Fernet:
    digest = hashlib.sha256(b"brug-content-v1:" + secret.encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@cache
def _ring(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ContentKeyError(_("BRUG_CONTENT_KEYS is empty: no text can be encrypted or "
                                "decrypted."))
    return MultiFernet([_derive(k) for k in keys])


def _keys() -> tuple[str, ...]:
    # Surrounding spaces are dropped: "new, old" in an environment file must mean "old".
    return tuple(k.strip() for k in settings.BRUG_CONTENT_KEYS if k.strip())


def key_ring() -> MultiFernet:
    """The current ``MultiFernet`` (cached per key list, so settings overrides take effect)."""
    return _ring(_keys())


def _first_key() -> Fernet:
    keys = _keys()
    if not keys:
        _ring(keys)  # raises the clear error
    return _derive(keys[0])


def seal_text(text: str) -> str:
    return key_ring().encrypt(text.encode("utf-8")).decode("ascii")


def unseal_text(token: str) -> str:
    try:
        return key_ring().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError):  # not a token at all: plain text in the column
        raise ContentKeyError(_("This text cannot be decrypted with the configured keys (was "
                                "a key removed from BRUG_CONTENT_KEYS?).")) from None


class SealedTextField(models.TextField):  # type: ignore[type-arg]
    """A ``TextField`` whose column holds only a Fernet token. Empty text stays empty.

    Not searchable or orderable by content (by design): each encryption uses a fresh IV, so
    only ``isnull`` and ``exact`` are allowed as lookups, and ``exact`` is meaningful only with
    "" (a text never matches its own earlier token). Anything else (``icontains``, ``lower``)
    would silently see ciphertext, so it is refused with a ``FieldError``.
    ``max_length`` limits the plain text in forms; the column itself is unbounded (tokens are
    ~1.4x longer).
    """

    description = "Text encrypted at rest (Fernet)"

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ("isnull", "exact"):
            return None  # Django reports "Unsupported lookup"
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        return None  # no transforms either (lower, length...): they would see ciphertext

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return unseal_text(value)

    def to_python(self, value: Any) -> Any:
        return value  # plain text in Python; tokens only ever meet the database

    def get_prep_value(self, value: Any) -> Any:
        """Seals for saving; in a lookup only "" and None make sense (see the class)."""
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return seal_text(str(value))


def sealed_fields() -> Iterator[tuple[type[models.Model], list[str]]]:
    """Every concrete model with sealed columns in its own table, and their names.

    Proxies and unmanaged models share or lack a table; a child model of multi-table
    inheritance lists only its own columns (the parent's are rotated with the parent).
    """
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.name for f in model._meta.local_concrete_fields
                 if isinstance(f, SealedTextField)]
        if names:
            yield model, names


def _quote(name: str) -> str:
    return str(connection.ops.quote_name(name))


def _rotated(ring: MultiFernet, first: Fernet, token: str | None, where: str) -> str | None:
    """The token under the first key, or None when it already is (or the value is empty)."""
    if not token:
        return None
    raw = token.encode("ascii")
    try:
        first.decrypt(raw)
        return None
    except InvalidToken:
        pass
    try:
        return ring.rotate(raw).decode("ascii")
    except InvalidToken:
        raise ContentKeyError(
            _("%(where)s cannot be decrypted with any key in BRUG_CONTENT_KEYS: put the key it "
              "was written with back in the list (after the new one) and run again.")
            % {"where": where}) from None


def rotate_all(batch: int = 500, models_only: Sequence[str] = (),
               dry_run: bool = False) -> dict[str, int]:
    """Re-encrypts under the first key every sealed value that is not under it yet.

    Returns, per model label, how many rows needed it (with ``dry_run``: would need it; nothing
    is written). Rows already under the first key are left alone, so running it twice costs
    only reads. Reads raw tokens with SQL (the ORM would decrypt them) in primary-key batches,
    each batch in one short transaction with its rows locked (``FOR UPDATE`` where the database
    has it; SQLite's transactions here are IMMEDIATE), so an edit made meanwhile is not
    overwritten with the old text. Raises ``ContentKeyError`` naming the row when a token
    matches no configured key; batches done before it stay rotated (running again resumes).
    """
    ring = key_ring()
    first = _first_key()
    counts: dict[str, int] = {}
    lock = " FOR UPDATE" if connection.features.has_select_for_update and not dry_run else ""
    for model, names in sealed_fields():
        label = model._meta.label
        if models_only and label not in models_only:
            continue
        table = _quote(model._meta.db_table)
        columns = [str(f.column) for f in model._meta.local_concrete_fields if f.name in names]
        assert model._meta.pk is not None
        pk = _quote(str(model._meta.pk.column))
        select = f"SELECT {pk}, {', '.join(_quote(c) for c in columns)} FROM {table} "
        update = (f"UPDATE {table} SET {', '.join(f'{_quote(c)} = %s' for c in columns)} "
                  f"WHERE {pk} = %s")
        due = 0
        last: Any = None
        while True:
            where = f"WHERE {pk} > %s " if last is not None else ""
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"{select}{where}ORDER BY {pk} LIMIT {int(batch)}{lock}",
                               [last] if last is not None else [])
                rows = cursor.fetchall()
                if not rows:
                    break
                updates = []
                for row in rows:
                    new = [_rotated(ring, first, value, f"{label} #{row[0]} ({column})")
                           for value, column in zip(row[1:], columns, strict=True)]
                    if any(n is not None for n in new):
                        updates.append([n if n is not None else old
                                        for n, old in zip(new, row[1:], strict=True)]
                                       + [row[0]])
                if updates and not dry_run:
                    cursor.executemany(update, updates)
            due += len(updates)
            last = rows[-1][0]
        counts[label] = due
    return counts
