"""Emergency and crisis numbers per country, from ``data/emergency.json``.

The file is data an installation keeps up to date (every number carries the date it was last
checked). It is validated when loaded: a broken file stops with a message naming the file and
the entry, never with a half-shown list of numbers on a page someone opens in a crisis.
Labels exist in English, Dutch and French; other languages fall back to English.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language

DATA_FILE = Path(__file__).resolve().parent / "data" / "emergency.json"
LABEL_LANGUAGES = ("en", "nl", "fr")
KINDS = frozenset({"emergency", "police", "medical", "suicide_prevention", "listening"})
DEFAULT_COUNTRY = "BE"
_NUMBER = re.compile(r"^\+?[0-9][0-9 \-]{1,19}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class EmergencyDataError(ImproperlyConfigured):
    """The emergency file is missing or malformed; the message names the file and the entry."""


def _language() -> str:
    code = (get_language() or "en")[:2]
    return code if code in LABEL_LANGUAGES else "en"


@dataclass(frozen=True)
class EmergencyNumber:
    number: str
    kind: str
    labels: dict[str, str]
    verified_on: date
    languages: tuple[str, ...] = ()

    @property
    def tel(self) -> str:
        """The number for a ``tel:`` link (digits and a leading +)."""
        return re.sub(r"[^0-9+]", "", self.number)

    @property
    def label(self) -> str:
        return self.labels[_language()]

    @property
    def is_emergency(self) -> bool:
        return self.kind == "emergency"


@dataclass(frozen=True)
class Country:
    code: str
    names: dict[str, str]
    numbers: tuple[EmergencyNumber, ...]

    @property
    def name(self) -> str:
        return self.names[_language()]


@dataclass(frozen=True)
class EmergencyData:
    note: str
    countries: dict[str, Country]

    def country(self, code: str | None) -> Country | None:
        return self.countries.get((code or "").upper())

    def choices(self) -> list[tuple[str, str]]:
        """(code, name in the current language), sorted by name."""
        return sorted(((c.code, c.name) for c in self.countries.values()),
                      key=lambda pair: pair[1])


def _fail(path: Path, where: str, problem: str) -> EmergencyDataError:
    return EmergencyDataError(f"{path}: {where}: {problem}")


def _labels(path: Path, where: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _fail(path, where, "must be an object with a text per language")
    for language in LABEL_LANGUAGES:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            raise _fail(path, where, f"the {language!r} text is missing or empty")
    return {language: str(value[language]).strip() for language in LABEL_LANGUAGES}


def _number(path: Path, where: str, raw: Any) -> EmergencyNumber:
    if not isinstance(raw, dict):
        raise _fail(path, where, "must be an object")
    number = raw.get("number")
    if not isinstance(number, str) or not _NUMBER.match(number.strip()):
        raise _fail(path, f"{where}.number", f"{number!r} is not a phone number")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _fail(path, f"{where}.kind", f"{kind!r} is not one of {sorted(KINDS)}")
    try:
        verified_on = date.fromisoformat(str(raw.get("verified_on")))
    except ValueError:
        raise _fail(path, f"{where}.verified_on",
                    "must be the date the number was last checked (YYYY-MM-DD)") from None
    languages = raw.get("languages", [])
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        raise _fail(path, f"{where}.languages", "must be a list of language codes")
    return EmergencyNumber(number=number.strip(), kind=str(kind),
                           labels=_labels(path, f"{where}.label", raw.get("label")),
                           verified_on=verified_on, languages=tuple(languages))


def load(path: Path = DATA_FILE) -> EmergencyData:
    """Reads and validates an emergency file. Raises ``EmergencyDataError`` naming the entry.

    Every country needs at least one number of kind ``emergency`` (in Europe: 112).
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise _fail(path, "file", f"cannot be read ({error.strerror})") from None
    except ValueError as error:
        raise _fail(path, "file", f"is not valid JSON ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("countries"), dict) \
            or not raw["countries"]:
        raise _fail(path, "countries", "must be an object with at least one country")
    note = raw.get("note")
    if not isinstance(note, str) or not note.strip():
        raise _fail(path, "note", "must say that the installation checks these numbers")
    countries: dict[str, Country] = {}
    for code, entry in raw["countries"].items():
        where = f"countries.{code}"
        if not _COUNTRY.match(code):
            raise _fail(path, where, "the country code must be two capital letters (ISO 3166)")
        if not isinstance(entry, dict) or not isinstance(entry.get("numbers"), list):
            raise _fail(path, where, "must have a name and a list of numbers")
        numbers = tuple(_number(path, f"{where}.numbers[{i}]", item)
                        for i, item in enumerate(entry["numbers"]))
        if not any(n.is_emergency for n in numbers):
            raise _fail(path, f"{where}.numbers", "needs a number of kind 'emergency' (112)")
        countries[code] = Country(code=code, names=_labels(path, f"{where}.name",
                                                           entry.get("name")),
                                  numbers=numbers)
    return EmergencyData(note=note.strip(), countries=countries)


@cache
def emergency_data() -> EmergencyData:
    """The installation's numbers, loaded once per process."""
    return load(DATA_FILE)
