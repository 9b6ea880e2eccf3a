"""Text encrypted at rest, with key rotation.

``SealedTextField`` stores a Fernet token (AES-128-CBC + HMAC-SHA256, from ``cryptography``)
and gives back the plain text in Python: the database, its backups and its dumps hold only
ciphertext. Keys come from ``BRUG_CONTENT_KEYS`` (comma-separated, newest first): the first
encrypts, every one decrypts (``MultiFernet``), so a new key can be put in front and old rows
re-encrypted with ``brug rotate-content-keys`` before the old key is dropped.

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
from django.db import models, transaction
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
        raise ContentKeyError("BRUG_CONTENT_KEYS is empty")
    return MultiFernet([_derive(k) for k in keys])


def key_ring() -> MultiFernet:
    """The current ``MultiFernet`` (cached per key list, so settings overrides take effect)."""
    return _ring(tuple(settings.BRUG_CONTENT_KEYS))


def key_id() -> str:
    """A short, non-secret name of the current (first) key, stored next to rotated rows."""
    first = settings.BRUG_CONTENT_KEYS[0]
    return hashlib.sha256(b"brug-content-key-id:" + first.encode()).hexdigest()[:8]


def seal_text(text: str) -> str:
    return key_ring().encrypt(text.encode("utf-8")).decode("ascii")


def unseal_text(token: str) -> str:
    try:
        return key_ring().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ContentKeyError(_("This text cannot be decrypted with the configured keys (was "
                                "a key removed from BRUG_CONTENT_KEYS?).")) from None


class SealedTextField(models.TextField):  # type: ignore[type-arg]
    """A ``TextField`` whose column holds only a Fernet token. Empty text stays empty.

    Not searchable or orderable by content (by design). ``max_length`` limits the plain text
    in forms; the column itself is unbounded (tokens are ~1.4x longer).
    """

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return unseal_text(value)

    def to_python(self, value: Any) -> Any:
        return value  # plain text in Python; tokens only ever meet the database

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return seal_text(str(value))


def sealed_fields() -> Iterator[tuple[type[models.Model], list[str]]]:
    """Every model with sealed columns, and their names."""
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, SealedTextField)]
        if names:
            yield model, names


def rotate_all(batch: int = 500, models_only: Sequence[str] = ()) -> dict[str, int]:
    """Re-encrypts every sealed column under the first key; returns rows rewritten per model.

    Reads the raw tokens (``values_list`` on the column would decrypt, so it goes through
    ``MultiFernet.rotate`` on the stored token directly), batch by batch in short transactions.
    """
    ring = key_ring()
    counts: dict[str, int] = {}
    for model, names in sealed_fields():
        label = model._meta.label
        if models_only and label not in models_only:
            continue
        table = model._meta.db_table
        columns = [str(f.column) for f in model._meta.concrete_fields if f.name in names]
        assert model._meta.pk is not None
        pk = str(model._meta.pk.column)
        from django.db import connection

        def quote(name: str) -> str:
            return str(connection.ops.quote_name(name))
        done = 0
        last: Any = None
        while True:
            where = f"WHERE {quote(pk)} > %s " if last is not None else ""
            sql = (f"SELECT {quote(pk)}, {', '.join(quote(c) for c in columns)} "
                   f"FROM {quote(table)} {where}ORDER BY {quote(pk)} LIMIT {int(batch)}")
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [last] if last is not None else [])
                rows = cursor.fetchall()
                if not rows:
                    break
                updates = []
                for row in rows:
                    new = [ring.rotate(v.encode("ascii")).decode("ascii") if v else v
                           for v in row[1:]]
                    updates.append([*new, row[0]])
                sets = ", ".join(f"{quote(c)} = %s" for c in columns)
                cursor.executemany(f"UPDATE {quote(table)} SET {sets} WHERE {quote(pk)} = %s",
                                   updates)
            done += len(rows)
            last = rows[-1][0]
        counts[label] = done
    return counts
