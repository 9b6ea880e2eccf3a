"""The Dutch and French catalogues: complete, well-formed, compiled, and used by the pages.

The catalogues live in ``brug/locale/<lang>/LC_MESSAGES/django.po`` (translated by hand) with
their compiled ``.mo`` committed next to them, so a fresh clone needs no GNU gettext. These tests
read both with a small parser and Python's own ``gettext`` module; they need no gettext tools.

When a test here fails after you added or changed a user-facing string, run::

    DJANGO_SETTINGS_MODULE=brug.test_settings .venv/bin/brug makemessages -l nl -l fr \
        --ignore=.venv --ignore=tests --ignore=benchmarks --ignore=node_modules \
        --ignore="brug/detection/*"
    # translate the new entries, remove "#, fuzzy", then:
    DJANGO_SETTINGS_MODULE=brug.test_settings .venv/bin/brug compilemessages --ignore=.venv
"""

from __future__ import annotations

import ast
import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from brug.accounts.models import User

from .factories import login

BRUG = Path(__file__).resolve().parent.parent / "brug"
LOCALE = BRUG / "locale"
LANGUAGES = ["nl", "fr"]


# --- a tiny .po reader ----------------------------------------------------------------------

@dataclass
class Entry:
    """One catalogue entry. ``msgstr`` maps the plural index (or -1 if singular) to text."""

    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    line: int = 0

    @property
    def where(self) -> str:
        return f"line {self.line} ({', '.join(self.references[:2]) or 'no reference'})"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted string: {text!r}")
    return re.sub(r'\\(.)', lambda m: _ESCAPES[m.group(1)], text[1:-1])


def read_po(path: Path) -> list[Entry]:
    """All entries of a .po file, the header (msgid "") first; obsolete (#~) entries skipped.

    Precondition: the file is UTF-8 and was written by gettext tools or by hand in their format.
    """
    entries: list[Entry] = []
    entry = Entry()
    started = False
    target: tuple[str, int] = ("", 0)
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate([*lines, ""], start=1):
        if not line.strip() or (line.startswith("#") and started):
            if started:
                entries.append(entry)
                entry, started = Entry(), False
            if not line.strip():
                continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#:"):
            entry.references += line[2:].split()
        elif line.startswith("#"):
            continue
        elif match := _KEYWORD.match(line):
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if not started:
                entry.line, started = number, True
            if keyword == "msgctxt":
                entry.msgctxt, target = value, ("msgctxt", 0)
            elif keyword == "msgid":
                entry.msgid, target = value, ("msgid", 0)
            elif keyword == "msgid_plural":
                entry.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                slot = int(index) if index is not None else -1
                entry.msgstr[slot], target = value, ("msgstr", slot)
        elif line.startswith('"'):
            value = _unquote(line)
            kind, slot = target
            if kind == "msgstr":
                entry.msgstr[slot] += value
            elif kind == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            elif kind == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            else:
                entry.msgid += value
        else:
            raise ValueError(f"{path}:{number}: cannot read {line!r}")
    return entries


def _plural_count(header: str) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header)
    assert match, "the header has no Plural-Forms"
    return int(match.group(1))


@pytest.fixture(scope="module", params=LANGUAGES)
def catalogue(request: pytest.FixtureRequest) -> tuple[str, list[Entry]]:
    lang: str = request.param
    return lang, read_po(LOCALE / lang / "LC_MESSAGES" / "django.po")


# --- placeholders ---------------------------------------------------------------------------

_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[sdifFeExXgGcr%]")
_BRACE = re.compile(r"\{[^{}]*\}")
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def placeholders(text: str, flags: set[str]) -> Counter[str]:
    """The parts a translation must keep unchanged: %-placeholders, {braces}, HTML tags."""
    found: Counter[str] = Counter()
    if "python-format" in flags:
        found.update(p for p in _PERCENT.findall(text) if p != "%%")
    if "python-brace-format" in flags:
        found.update(_BRACE.findall(text))
    found.update(_TAG.findall(text))
    return found


def test_placeholder_reader_catches_changes() -> None:
    flags = {"python-format"}
    assert placeholders("%(n)d of %(total)s, 100%%", flags) == Counter(["%(n)d", "%(total)s"])
    assert placeholders("%(n)s", flags) != placeholders("%(n)d", flags)
    assert placeholders('<code class="x">%s</code>', flags) == Counter(
        ['<code class="x">', "</code>", "%s"])
    assert placeholders("{low} and {high}", {"python-brace-format"}) == Counter(
        ["{low}", "{high}"])


# --- the catalogues -------------------------------------------------------------------------

def test_catalogue_header(catalogue: tuple[str, list[Entry]]) -> None:
    lang, entries = catalogue
    header = entries[0]
    assert header.msgid == "", "the first entry must be the header"
    assert "fuzzy" not in header.flags
    assert f"Language: {lang}\n" in header.msgstr[-1]
    assert "charset=UTF-8" in header.msgstr[-1]
    assert len(entries) > 400, "the catalogue looks truncated"


def test_every_entry_is_translated_and_not_fuzzy(catalogue: tuple[str, list[Entry]]) -> None:
    lang, entries = catalogue
    forms = _plural_count(entries[0].msgstr[-1])
    problems = []
    for entry in entries[1:]:
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r} at {entry.where}")
        expected = set(range(forms)) if entry.msgid_plural is not None else {-1}
        if set(entry.msgstr) != expected:
            problems.append(f"wrong plural forms {sorted(entry.msgstr)}: {entry.msgid!r}")
        if not all(text.strip() for text in entry.msgstr.values()):
            problems.append(f"untranslated: {entry.msgid!r} at {entry.where}")
    assert not problems, f"{lang}: " + "\n".join(problems)


def test_placeholders_and_tags_are_kept(catalogue: tuple[str, list[Entry]]) -> None:
    lang, entries = catalogue
    problems = []
    for entry in entries[1:]:
        source = placeholders(entry.msgid, entry.flags)
        if entry.msgid_plural is None:
            if placeholders(entry.msgstr[-1], entry.flags) != source:
                problems.append(f"{entry.msgid!r} -> {entry.msgstr[-1]!r}")
            continue
        plural = placeholders(entry.msgid_plural, entry.flags)
        allowed = set(source) | set(plural)
        for index, text in entry.msgstr.items():
            found = placeholders(text, entry.flags)
            # A singular form may leave out the count ("one entry"), nothing may be invented.
            if not set(found) <= allowed or (index > 0 and set(found) != set(plural)):
                problems.append(f"{entry.msgid_plural!r} [{index}] -> {text!r}")
    assert not problems, f"{lang}: placeholders differ:\n" + "\n".join(problems)


def test_catalogue_has_no_duplicate_entries(catalogue: tuple[str, list[Entry]]) -> None:
    lang, entries = catalogue
    keys = Counter((e.msgctxt, e.msgid) for e in entries)
    assert [k for k, n in keys.items() if n > 1] == [], lang


def _mo_catalog(lang: str) -> dict[object, str]:
    with open(LOCALE / lang / "LC_MESSAGES" / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog: dict[object, str] = getattr(compiled, "_catalog")  # noqa: B009 (no public API)
    return catalog


def test_compiled_mo_matches_the_po(catalogue: tuple[str, list[Entry]]) -> None:
    """The committed .mo holds exactly the .po's translations (else: run compilemessages)."""
    lang, entries = catalogue
    expected: dict[object, str] = {}
    for entry in entries:
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[key] = entry.msgstr[-1]
        else:
            for index, text in entry.msgstr.items():
                expected[(key, index)] = text
    compiled = _mo_catalog(lang)
    # msgfmt drops POT-Creation-Date from the header; compare the header's plural rule only.
    header = re.compile(r"Plural-Forms: .*")
    assert header.findall(str(expected.pop(""))) == header.findall(compiled.pop(""))
    stale = {k for k in expected.keys() | compiled.keys() if expected.get(k) != compiled.get(k)}
    assert not stale, (f"{lang}: django.mo is out of date with django.po for "
                       f"{sorted(map(str, stale))[:5]}; run compilemessages")


# --- source strings reach the catalogue -----------------------------------------------------

_TEMPLATE_TRANSLATE = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')(?:\s+(?:as\s+\w+|noop))*\s*%\}""")
_TEMPLATE_UNDERSCORE = re.compile(r"""\b_\((?:"([^"]*)"|'([^']*)')\)""")
_PYTHON_UNDERSCORE = re.compile(
    r"""\b(?:_|gettext|gettext_lazy)\(\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')\s*\)""")


def _source_strings() -> dict[str, str]:
    """Single-literal translatable strings in templates and Python code, with where they are.

    Only the simple, unambiguous forms are read (``{% translate "x" %}``, ``_("x")``); the
    full extraction is makemessages' job. This catches a string added without re-extracting.
    """
    found: dict[str, str] = {}
    for path in sorted(BRUG.rglob("*")):
        relative = path.relative_to(BRUG).as_posix()
        if relative.startswith(("detection/", "locale/")) or "/migrations/" in relative:
            continue
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            for pattern in (_TEMPLATE_TRANSLATE, _TEMPLATE_UNDERSCORE):
                for match in pattern.finditer(text):
                    string = match.group(1) if match.group(1) is not None else match.group(2)
                    found.setdefault(string, relative)
        elif path.suffix == ".py":
            text = path.read_text(encoding="utf-8")
            for match in _PYTHON_UNDERSCORE.finditer(text):
                found.setdefault(ast.literal_eval(match.group(1)), relative)
    return found


def test_source_strings_are_in_the_catalogues() -> None:
    strings = _source_strings()
    assert "Skip to content" in strings and "Review queue" in strings  # the reader works
    for lang in LANGUAGES:
        known = {e.msgid for e in read_po(LOCALE / lang / "LC_MESSAGES" / "django.po")}
        missing = sorted(f"{where}: {s!r}" for s, where in strings.items() if s not in known)
        assert not missing, (f"{lang}: strings not in the catalogue (run makemessages and "
                             f"translate):\n" + "\n".join(missing))


# --- translations in use --------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "expected"), [
    ("nl", {"Review queue": "Beoordelingswachtrij", "Retention period": "Bewaartermijn",
            "Data-protection officer": "Functionaris voor gegevensbescherming"}),
    ("fr", {"Review queue": "File d'évaluation", "Retention period": "Délai de conservation",
            "Data-protection officer": "Délégué à la protection des données"}),
])
def test_django_loads_the_catalogues(lang: str, expected: dict[str, str]) -> None:
    with translation.override(lang):
        for source, target in expected.items():
            assert translation.gettext(source) == target


@pytest.mark.parametrize(("lang", "count", "expected"), [
    ("nl", 0, "0 dagen"), ("nl", 1, "1 dag"), ("nl", 2, "2 dagen"),
    # French treats zero as singular.
    ("fr", 0, "0 jour"), ("fr", 1, "1 jour"), ("fr", 30, "30 jours"),
])
def test_plural_forms(lang: str, count: int, expected: str) -> None:
    with translation.override(lang):
        text = translation.ngettext("%(days)s day", "%(days)s days", count) % {"days": count}
    assert text == expected


@pytest.mark.parametrize(("lang", "heading", "button"), [
    ("nl", "Aanmelden bij Brug", "Verder"),
    ("fr", "Se connecter à Brug", "Continuer"),
    ("en", "Sign in to Brug", "Continue"),
])
def test_login_page_follows_accept_language(client: Client, db: None, lang: str,
                                            heading: str, button: str) -> None:
    response = client.get("/accounts/login/", headers={"accept-language": f"{lang},en;q=0.5"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}"' in html
    assert f"<h1>{heading}</h1>" in html
    assert button in html


def test_language_switcher_changes_the_language(client: Client, db: None) -> None:
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/"
    # The choice (a cookie) wins over the browser's Accept-Language.
    page = client.get("/accounts/login/", headers={"accept-language": "nl"}).content.decode()
    assert '<html lang="fr"' in page
    assert "Se connecter à Brug" in page
    assert 'value="fr" lang="fr" selected' in page

    client.post("/i18n/setlang/", {"language": "nl", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="nl"' in page and "Aanmelden bij Brug" in page


def test_signed_in_page_in_dutch(client: Client, prevention_worker: User) -> None:
    login(client, prevention_worker)
    page = client.get("/", headers={"accept-language": "nl"}).content.decode()
    assert '<html lang="nl"' in page
    assert "Welkom, Pia" in page
    assert "Beoordelingswachtrij" in page  # the nav
    assert "Afmelden" in page
    assert "Review queue" not in page
