"""Writes on a client's own account: sign-up, sign-in, settings, contact channel, passphrase,
deletion.

A client is anonymous: a nickname and a passphrase, nothing that identifies them is asked. The
nickname is refused when it looks like an e-mail address or a phone number. The optional
contact channel is stored sealed, and only with the client's explicit consent (the time of
consent is kept). Every write is audited without content: no nickname, no channel, no
passphrase, only ids and field names (``actor=None``, ``details={"by": "client", ...}``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    MinimumLengthValidator,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from brug.audit.services import audit_record
from brug.errors import Conflict, InvalidInput

from .models import Client, Pool
from .services_chat import chat_recheck_client, chat_revoke
from .vocab import AgeBand, CounsellorKind, Format, Gender, Language, Specialism

NICKNAME_MIN = 3
NICKNAME_MAX = 40
PASSPHRASE_MIN = 10
PASSPHRASE_MAX = 200
CONTACT_MAX = 200
SIGNIN_FAILURES = 5                   # failures in a row before signing in pauses
SIGNIN_PAUSE = timedelta(minutes=30)  # how long it pauses, per nickname

# Countries whose emergency numbers the portal shows; "ZZ" (ISO 3166 "unknown") is any other.
OTHER_COUNTRY = "ZZ"
COUNTRIES = [("BE", _lazy("Belgium")), ("NL", _lazy("The Netherlands")),
             ("FR", _lazy("France")), ("DE", _lazy("Germany")), ("LU", _lazy("Luxembourg")),
             (OTHER_COUNTRY, _lazy("Another country"))]

# The client's own choices for suggestions: field name -> allowed vocabulary codes.
PREFERENCES: dict[str, list[str]] = {
    "prefers_kinds": list(CounsellorKind.values),
    "prefers_formats": list(Format.values),
    "prefers_languages": list(Language.values),
    "prefers_genders": [g for g in Gender.values if g != Gender.UNSAID],
    "prefers_age_bands": list(AgeBand.values),
    "prefers_specialisms": list(Specialism.values),
}

_NICKNAME_CHARS = re.compile(r"^[\w .\-]+$")  # \w: letters and digits of any script, and _
_EMAIL_LIKE = re.compile(
    r"(@|\bat\b.*\bdot\b|[a-z0-9-]+\.(com|net|org|info|eu|be|nl|fr|de|lu|uk)\b)",
    re.IGNORECASE)
_PHONE_DIGITS = 7  # seven or more digits in a nickname look like a phone number


def client_audit_details(client: Client, **details: Any) -> dict[str, Any]:
    """The details of an audit entry for something the client did (no staff actor): who did
    it and ``details``, ids and field names only. Shared by every counselling service."""
    return {"by": "client", "client": client.pk, **details}


def _audit(client: Client, action: str, **details: object) -> None:
    audit_record(actor=None, action=f"counselling.client.{action}", obj=client,
                 details=client_audit_details(client, **details))


# --- checks --------------------------------------------------------------------------------

def nickname_key(nickname: str) -> str:
    """The form nicknames are compared in: Unicode-normalised and case-folded."""
    return unicodedata.normalize("NFKC", nickname).casefold()


def clean_nickname(nickname: str) -> str:
    """The nickname with spaces tidied. Raises ``InvalidInput`` (field ``nickname``) with a
    sentence the client can act on."""
    nickname = " ".join((nickname or "").split())
    if not NICKNAME_MIN <= len(nickname) <= NICKNAME_MAX:
        raise InvalidInput(_("Choose a nickname of %(min)d to %(max)d characters.")
                           % {"min": NICKNAME_MIN, "max": NICKNAME_MAX}, field="nickname")
    # Checked before the allowed characters, so an e-mail address gets the kind sentence
    # rather than a remark about "@".
    digits = sum(ch.isdigit() for ch in nickname)
    if _EMAIL_LIKE.search(nickname) or digits >= _PHONE_DIGITS or nickname.startswith("+"):
        raise InvalidInput(_("Please choose a nickname that does not identify you: not an "
                             "e-mail address or a phone number."),
                           code="identifying_nickname", field="nickname")
    if not _NICKNAME_CHARS.match(nickname):
        raise InvalidInput(_("A nickname can have letters, digits, spaces, dots, dashes and "
                             "underscores."), field="nickname")
    if len(nickname_key(nickname)) > NICKNAME_MAX:
        raise InvalidInput(_("Choose a shorter nickname."), field="nickname")
    return nickname


def check_passphrase(passphrase: str, field: str = "passphrase") -> None:
    """At least ``PASSPHRASE_MIN`` characters and not a commonly used password."""
    if len(passphrase or "") > PASSPHRASE_MAX:
        raise InvalidInput(_("A passphrase can have at most %(n)d characters.")
                           % {"n": PASSPHRASE_MAX}, field=field)
    try:
        validate_password(passphrase or "", password_validators=[
            MinimumLengthValidator(PASSPHRASE_MIN), CommonPasswordValidator()])
    except ValidationError as error:
        raise InvalidInput(" ".join(str(m) for m in error.messages), code="weak_passphrase",
                           field=field) from None


def _language(language: str) -> str:
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise InvalidInput(_("Choose one of the languages offered."), field="language")
    return language


def _country(country: str) -> str:
    if country not in {code for code, _name in COUNTRIES}:
        raise InvalidInput(_("Choose one of the countries offered."), field="country")
    return country


def _contact(contact_channel: str, consent: bool) -> str:
    channel = (contact_channel or "").strip()
    if not channel:
        raise InvalidInput(_("Write how we may reach you, or leave it out."),
                           field="contact_channel")
    if len(channel) > CONTACT_MAX:
        raise InvalidInput(_("Keep the contact channel under %(n)d characters.")
                           % {"n": CONTACT_MAX}, field="contact_channel")
    if not consent:
        # Refused rather than dropped: the client should know it was not kept.
        raise InvalidInput(_("To keep a way to reach you, tick the box to say we may store "
                             "it. Or leave the contact field empty."),
                           code="contact_without_consent", field="contact_consent")
    return channel


# --- sign-up and sign-in -------------------------------------------------------------------

def client_signup(*, pool: Pool, nickname: str, passphrase: str, language: str,
                  country: str, contact_channel: str = "",
                  contact_consent: bool = False) -> Client:
    """A new anonymous client of ``pool``. The passphrase is hashed (argon2 in production).

    Raises ``InvalidInput`` for a bad field and ``Conflict`` for a nickname in use (compared
    case-insensitively).
    """
    nickname = clean_nickname(nickname)
    check_passphrase(passphrase)
    language, country = _language(language), _country(country)
    channel = ""
    if (contact_channel or "").strip():
        channel = _contact(contact_channel, contact_consent)
    key = nickname_key(nickname)
    taken = Conflict(_("This nickname is already in use. Please choose another one."),
                     code="nickname_taken", field="nickname")
    if Client.objects.filter(nickname_key=key).exists():
        raise taken
    try:
        with transaction.atomic():
            client = Client.objects.create(
                nickname=nickname, nickname_key=key, passphrase=make_password(passphrase),
                pool=pool, language=language, country=country, contact_channel=channel,
                contact_consent_at=timezone.now() if channel else None)
            _audit(client, "signup", pool=pool.pk, contact_channel=bool(channel))
    except IntegrityError:  # the same nickname, signed up a moment ago
        raise taken from None
    return client


def _signin_refused() -> InvalidInput:
    # One sentence for every refusal (unknown nickname, wrong passphrase, paused), so nobody
    # can find out whether a nickname exists.
    return InvalidInput(_("That nickname and passphrase do not match. After %(n)d tries in a "
                          "row, signing in with a nickname pauses for %(minutes)d minutes.")
                        % {"n": SIGNIN_FAILURES,
                           "minutes": int(SIGNIN_PAUSE.total_seconds() // 60)},
                        code="signin_refused")


def _try_passphrase(client: Client, passphrase: str, *, via: str) -> bool | None:
    """Checks ``passphrase`` against ``client``, counting wrong ones in a row: after
    ``SIGNIN_FAILURES`` the client is paused for ``SIGNIN_PAUSE`` (sign-in, and the passphrase
    asked again on the account pages, share the count). None while paused, else whether it
    matched; a match clears the count.

    Precondition: inside ``transaction.atomic``, ``client`` selected for update; the caller
    commits before raising, so the count is kept.
    """
    now = timezone.now()
    if client.locked_until is not None and client.locked_until > now:
        return None
    stored = (client.failed_signins, client.locked_until)
    if client.locked_until is not None:  # a pause that is over starts a fresh count
        client.locked_until, client.failed_signins = None, 0
    matched = check_password(passphrase, client.passphrase)
    if matched:
        client.failed_signins = 0
    else:
        client.failed_signins += 1
        if client.failed_signins >= SIGNIN_FAILURES:
            client.locked_until, client.failed_signins = now + SIGNIN_PAUSE, 0
            audit_record(actor=None, action="counselling.client.signin_paused", obj=client,
                         details={"by": "system", "client": client.pk,
                                  "failures": SIGNIN_FAILURES, "via": via})
    # Written only when it changes: a plain sign-in costs no write.
    if stored != (client.failed_signins, client.locked_until):
        client.save(update_fields=["failed_signins", "locked_until"])
    return matched


def _passphrase_paused(field: str) -> InvalidInput:
    return InvalidInput(_("After %(n)d wrong passphrases in a row, checking it pauses for "
                          "%(minutes)d minutes. Please try again later.")
                        % {"n": SIGNIN_FAILURES,
                           "minutes": int(SIGNIN_PAUSE.total_seconds() // 60)},
                        code="passphrase_paused", field=field)


def client_authenticate(*, nickname: str, passphrase: str) -> Client:
    """The client with this nickname and passphrase. Raises ``InvalidInput`` otherwise.

    After ``SIGNIN_FAILURES`` failures in a row the nickname is locked for ``SIGNIN_PAUSE``:
    even the right passphrase is refused until then. A success clears the count.
    """
    key = nickname_key(" ".join((nickname or "").split()))
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(nickname_key=key).first()
        if client is None:
            make_password(passphrase)  # about as slow as a real check: no timing hint
            raise _signin_refused()
        matched = _try_passphrase(client, passphrase, via="signin")
    if not matched:  # raised after the block so the count is committed
        raise _signin_refused()
    return client


# --- the account page ----------------------------------------------------------------------

def client_settings_set(*, client: Client, language: str, country: str) -> Client:
    """The client's portal language and country (for the emergency numbers shown)."""
    client.language, client.country = _language(language), _country(country)
    with transaction.atomic():
        client.save(update_fields=["language", "country"])
        _audit(client, "settings", fields=["language", "country"])
    return client


def client_preferences_set(*, client: Client,
                           preferences: dict[str, Iterable[str]]) -> Client:
    """The client's own choices for suggestions (keys of ``PREFERENCES``; missing keys are
    cleared). Unknown codes are refused, not dropped."""
    unknown_fields = set(preferences) - set(PREFERENCES)
    if unknown_fields:
        raise InvalidInput(_("Unknown preference."), field=sorted(unknown_fields)[0])
    for name, allowed in PREFERENCES.items():
        values = list(dict.fromkeys(preferences.get(name, ())))
        bad = [v for v in values if v not in allowed]
        if bad:
            raise InvalidInput(_("Unknown choice “%(value)s”.") % {"value": bad[0]},
                               field=name)
        setattr(client, name, values)
    with transaction.atomic():
        client.save(update_fields=list(PREFERENCES))
        _audit(client, "preferences",
               counts={name: len(getattr(client, name)) for name in PREFERENCES})
    return client


def client_contact_set(*, client: Client, contact_channel: str, consent: bool) -> Client:
    """Keep a way to reach the client, sealed, with the moment of consent."""
    client.contact_channel = _contact(contact_channel, consent)
    client.contact_consent_at = timezone.now()
    with transaction.atomic():
        client.save(update_fields=["contact_channel", "contact_consent_at"])
        _audit(client, "contact_set")
    return client


def client_contact_remove(*, client: Client) -> Client:
    """Forget the contact channel and the consent for it."""
    client.contact_channel, client.contact_consent_at = "", None
    with transaction.atomic():
        client.save(update_fields=["contact_channel", "contact_consent_at"])
        _audit(client, "contact_remove")
    return client


def client_passphrase_change(*, client: Client, old_passphrase: str,
                             new_passphrase: str) -> Client:
    """A new passphrase, after the current one. Every other session of the client ends (the
    session hash follows the passphrase hash); the caller signs the current one in again.

    Wrong current passphrases count towards the sign-in pause, so nobody at an unlocked screen
    can try passphrases here instead."""
    with transaction.atomic():
        matched = _try_passphrase(Client.objects.select_for_update().get(pk=client.pk),
                                  old_passphrase, via="passphrase")
    if matched is None:
        raise _passphrase_paused("old_passphrase")
    if not matched:
        raise InvalidInput(_("Your current passphrase is not right."),
                           field="old_passphrase")
    check_passphrase(new_passphrase, field="new_passphrase")
    if new_passphrase == old_passphrase:
        raise InvalidInput(_("Choose a passphrase that differs from the current one."),
                           field="new_passphrase")
    client.passphrase = make_password(new_passphrase)
    with transaction.atomic():
        client.save(update_fields=["passphrase"])
        _audit(client, "passphrase")
        chat_recheck_client(client.pk)  # sockets of the ended sessions close on commit
    return client


def client_delete(*, client: Client, passphrase: str) -> None:
    """Delete the client and everything that hangs on them (engagements and their messages,
    goals, notes and appointments, the safety plan, notices): the database cascades.

    The passphrase is asked again so nobody at an unlocked screen can do it; wrong ones count
    towards the sign-in pause. The audit entry names only the row id, never the nickname.
    """
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        matched = _try_passphrase(locked, passphrase, via="delete")
        if matched:
            engagement_ids = list(locked.engagements.values_list("pk", flat=True))
            audit_record(actor=None, action="counselling.client.delete", obj=locked,
                         details={"by": "client", "engagements": len(engagement_ids)})
            locked.delete()
            for engagement_id in engagement_ids:  # every open chat on them closes on commit
                chat_revoke(engagement_id)
    if matched is None:
        raise _passphrase_paused("passphrase")
    if not matched:
        raise InvalidInput(_("That passphrase is not right. Your account was not deleted."),
                           field="passphrase")
