"""The message text with the detector's evidence marked, built safely in Python.

Every piece of the message is escaped; only our own ``<mark>`` and ``<sup>`` tags are markup.
Span offsets are character offsets into the text; spans that do not fit the text (a changed
text, bad data) are left out rather than failing the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass
class EvidenceNote:
    """One marked place in the text and what the detector saw there (no message text)."""

    number: int
    start: int
    end: int
    term: str
    source: str
    meaning: str = ""
    note: str = ""
    kind: str = ""
    target: str = ""
    lang: str = ""
    categories: list[str] = field(default_factory=list)
    modifiers: list[str] = field(default_factory=list)


def _span(raw: dict[str, Any], length: int) -> tuple[int, int] | None:
    span = raw.get("span")
    if not isinstance(span, list | tuple) or len(span) != 2:
        return None
    start, end = span
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (start, end)):
        return None
    if 0 <= start < end <= length:
        return start, end
    return None


def html_lang(value: Any) -> str:
    """A language code fit for a ``lang`` attribute ("any"/"und" mean none)."""
    code = str(value or "")
    return code if code.isalpha() and 2 <= len(code) <= 3 and code not in ("und", "any") else ""


def evidence_notes(text: str, evidence: Iterable[dict[str, Any]]) -> list[EvidenceNote]:
    """One note per distinct span (start, end, term), numbered in text order, with the
    categories and modifiers that cite it."""
    found: dict[tuple[int, int, str], EvidenceNote] = {}

    def add(raw: Any, category: str | None, modifier: str | None) -> None:
        if not isinstance(raw, dict):
            return
        where = _span(raw, len(text))
        if where is None:
            return
        term = str(raw.get("term", ""))
        key = (where[0], where[1], term)
        note = found.get(key)
        if note is None:
            note = found[key] = EvidenceNote(
                number=0, start=where[0], end=where[1], term=term,
                source=str(raw.get("source", "")), meaning=str(raw.get("meaning", "")),
                note=str(raw.get("note", "")), kind=str(raw.get("kind") or raw.get("cue") or ""),
                target=str(raw.get("target", "")), lang=html_lang(raw.get("lang")))
        if category and category not in note.categories:
            note.categories.append(category)
        if modifier and modifier not in note.modifiers:
            note.modifiers.append(modifier)

    for item in evidence:
        if not isinstance(item, dict):
            continue
        category = str(item.get("category", "")) or None
        for raw in item.get("spans") or []:
            add(raw, category, None)
        for mod in item.get("modifiers") or []:
            if isinstance(mod, dict):
                for raw in mod.get("spans") or []:
                    add(raw, None, str(mod.get("modifier", "")))
    notes = sorted(found.values(), key=lambda n: (n.start, -n.end, n.term))
    for number, note in enumerate(notes, start=1):
        note.number = number
    return notes


def highlighted(text: str, notes: list[EvidenceNote]) -> SafeString:
    """``text`` escaped, with each group of overlapping evidence spans in one ``<mark>``
    followed by the note numbers it carries."""
    groups: list[tuple[int, int, list[int]]] = []
    for note in sorted(notes, key=lambda n: (n.start, n.end)):
        if groups and note.start < groups[-1][1]:
            start, end, numbers = groups[-1]
            groups[-1] = (start, max(end, note.end), [*numbers, note.number])
        else:
            groups.append((note.start, note.end, [note.number]))
    out: list[str] = []
    pos = 0
    for start, end, numbers in groups:
        out.append(str(conditional_escape(text[pos:start])))
        refs = ",".join(str(n) for n in sorted(numbers))
        out.append(format_html('<mark>{}</mark><sup class="evidence-ref">[{}]</sup>',
                               text[start:end], refs))
        pos = end
    out.append(str(conditional_escape(text[pos:])))
    return mark_safe("".join(out))  # every piece above is escaped
