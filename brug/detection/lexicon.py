"""The lexicon component: the team's glossary, group terms and context cues, matched robustly.

Data files (TSV, UTF-8, header row) live in ``brug/detection/data``:

- ``glossary.tsv``: term, lang, category, kind, meaning, variants, target, note
- ``targets.tsv``: lang, group, term (neutral names of protected groups)
- ``cues.tsv``: lang, cue, term (negation, reporting, condemnation, violence, ...)

Matching is done on token keys (see :mod:`brug.detection.normalize`), with three fallbacks for
words that do not match exactly: two neighbouring tokens joined ("musl ims"), one edit away for
longer terms ("mslims", "muslmis"), and a term hidden inside a long joined word
("deportallmuslims").
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .categories import CATEGORIES
from .normalize import Token, phrase_key, plain_form, tokenize, word_key
from .vocabulary import Vocabulary

DATA_DIR = Path(__file__).parent / "data"
GLOSSARY_COLUMNS = ("term", "lang", "category", "kind", "meaning", "variants", "target", "note")

# How much one glossary match says on its own, by kind (a prior; the learned component and the
# context modifiers do the rest). Numbers and emoji are weak: "88" is also an age.
KIND_WEIGHT = {
    "slur": 0.7,
    "phrase": 0.65,
    "code": 0.6,
    "symbol": 0.6,
    "slang": 0.45,
    "number": 0.3,
    "emoji": 0.3,
}
FUZZY_MIN_LEN = 5


@dataclass(frozen=True, slots=True)
class Entry:
    """One lexicon entry. ``source`` is glossary, target or cue."""

    term: str
    lang: str
    source: str
    category: str = ""  # glossary: one of CATEGORIES
    kind: str = ""  # glossary: slur, code, ...; cue: the cue type
    meaning: str = ""
    target: str = ""  # protected group key
    note: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    entry: Entry
    start: int
    end: int
    surface: str
    how: str  # exact | obfuscated | joined | fuzzy | inside

    def as_evidence(self) -> dict[str, object]:
        e = self.entry
        out: dict[str, object] = {
            "span": [self.start, self.end],
            "text": self.surface,
            "term": e.term,
            "source": e.source,
            "match": self.how,
        }
        if e.source == "glossary":
            out.update(category=e.category, kind=e.kind, meaning=e.meaning, lang=e.lang)
            if e.note:
                out["note"] = e.note
        if e.target:
            out["target"] = e.target
        if e.source == "cue":
            out["cue"] = e.kind
        return out


class LexiconError(ValueError):
    """A lexicon file has a malformed row (the message names file and line)."""


def _read_tsv(path: Path, columns: Sequence[str]) -> Iterable[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise LexiconError(f"{path.name}: missing columns {', '.join(missing)}")
        for n, row in enumerate(reader, start=2):
            if not (row.get(columns[0]) or "").strip():
                continue
            yield n, {k: (row.get(k) or "").strip() for k in columns}


def load_entries(data_dir: Path = DATA_DIR) -> list[tuple[str, Entry]]:
    """(surface form, entry) pairs; a glossary row yields one pair per variant."""
    entries: list[tuple[str, Entry]] = []
    glossary = data_dir / "glossary.tsv"
    if glossary.exists():
        for n, row in _read_tsv(glossary, GLOSSARY_COLUMNS):
            if row["category"] not in CATEGORIES:
                raise LexiconError(f"glossary.tsv line {n}: unknown category {row['category']!r}")
            forms = [row["term"], *[v for v in row["variants"].split("|") if v.strip()]]
            entry = Entry(
                term=row["term"], lang=row["lang"], source="glossary",
                category=row["category"], kind=row["kind"], meaning=row["meaning"],
                target=row["target"], note=row["note"],
            )
            entries.extend((form, entry) for form in dict.fromkeys(f.strip() for f in forms))
    targets = data_dir / "targets.tsv"
    if targets.exists():
        for _, row in _read_tsv(targets, ("lang", "group", "term")):
            entry = Entry(term=row["term"], lang=row["lang"], source="target",
                          target=row["group"])
            entries.append((row["term"], entry))
    cues = data_dir / "cues.tsv"
    if cues.exists():
        for _, row in _read_tsv(cues, ("lang", "cue", "term")):
            entry = Entry(term=row["term"], lang=row["lang"], source="cue", kind=row["cue"])
            entries.append((row["term"], entry))
    return entries


def _deletes(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


def _within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance <= 1, or one transposition of neighbours."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2 and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    return any(a == b[:i] + b[i + 1 :] for i in range(len(b)))


class Lexicon:
    """Indexes entries by token keys; :meth:`match` finds them in a token list."""

    name = "lexicon"
    version = "v1"

    def __init__(
        self, entries: Sequence[tuple[str, Entry]], vocabulary: Vocabulary | None = None
    ) -> None:
        self.vocabulary = vocabulary or Vocabulary()
        self.entries = [entry for _, entry in entries]
        self.single: dict[str, list[Entry]] = defaultdict(list)
        self.multi: dict[str, list[tuple[tuple[str, ...], Entry]]] = defaultdict(list)
        self.fuzzy: dict[str, set[str]] = defaultdict(set)
        self.inside_keys: set[str] = set()
        seen: set[tuple[tuple[str, ...], Entry]] = set()
        for form, entry in entries:
            keys = phrase_key(form)
            if not keys or (keys, entry) in seen:
                continue
            seen.add((keys, entry))
            if len(keys) == 1:
                key = keys[0]
                same = (entry.source, entry.lang, entry.target, entry.category, entry.kind)
                if any((e.source, e.lang, e.target, e.category, e.kind) == same
                       for e in self.single[key]):
                    continue  # "#moslims" and "moslims" are one entry
                self.single[key].append(entry)
                if self._robust(entry) and len(key) >= FUZZY_MIN_LEN and key.isalpha():
                    for d in _deletes(key) | {key}:
                        self.fuzzy[d].add(key)
                if self._robust(entry) and len(key) >= 4 and key.isalpha():
                    self.inside_keys.add(key)
            else:
                self.multi[keys[0]].append((keys, entry))
        for options in self.multi.values():
            options.sort(key=lambda item: -len(item[0]))
        # one C-level scan instead of a Python loop over every term
        self._inside_re = re.compile(
            "|".join(re.escape(k) for k in sorted(self.inside_keys, key=len, reverse=True))
            or r"(?!x)x"
        )
        digest = hashlib.sha256()
        for e in sorted(self.entries, key=lambda e: (e.source, e.lang, e.term, e.kind)):
            digest.update(repr((e.source, e.lang, e.term, e.kind, e.category, e.target)).encode())
        self.fingerprint = digest.hexdigest()[:12]

    @staticmethod
    def _robust(entry: Entry) -> bool:
        """Entries that are worth fuzzy matching: group names and slurs/glossary terms."""
        return entry.source in ("target", "glossary") or entry.kind in ("dehumanising", "violence")

    def _is_term(self, piece: str) -> bool:
        return any(self._robust(e) for e in self.single.get(word_key(piece), ()))

    @classmethod
    def from_disk(cls, data_dir: Path = DATA_DIR) -> Lexicon:
        return cls(load_entries(data_dir))

    def match(self, text: str, tokens: Sequence[Token], dedupe: bool = True) -> list[Match]:
        """Matches in reading order. With ``dedupe``, one match per span and group/term."""
        flat: list[Token] = []
        for tok in tokens:
            flat.append(tok)
            # camelCase and hashtag pieces are matched as well as the whole token
            flat.extend(tok.parts)
        matches: list[Match] = []
        matched_at: set[int] = set()
        n = len(flat)
        i = 0
        while i < n:
            tok = flat[i]
            for keys, entry in self.multi.get(tok.key, ()):
                k = len(keys)
                window = flat[i : i + k]
                if len(window) == k and tuple(t.key for t in window) == keys:
                    end = window[-1].end
                    matches.append(Match(entry, tok.start, end, text[tok.start : end], "exact"))
                    matched_at.update(range(i, i + k))
            for entry in self.single.get(tok.key, ()):
                how = "obfuscated" if tok.obfuscated else "exact"
                matches.append(Match(entry, tok.start, tok.end, tok.text, how))
                matched_at.add(i)
            i += 1
        # Fallbacks for words that matched nothing.
        for i, tok in enumerate(flat):
            if i in matched_at or tok.kind not in ("word", "hashtag") or tok.parts:
                continue
            if i + 1 < n and (i + 1) not in matched_at and flat[i + 1].kind == "word":
                joined = tok.key + flat[i + 1].key
                joined_entries = [e for e in self.single.get(joined, ()) if self._robust(e)]
                if joined_entries:
                    end = flat[i + 1].end
                    for entry in joined_entries:
                        matches.append(Match(entry, tok.start, end, text[tok.start : end],
                                             "joined"))
                    matched_at.update((i, i + 1))
                    continue
            key = tok.key
            if len(key) < FUZZY_MIN_LEN - 1 or not key.isalpha():
                continue
            plain = plain_form(tok.text.lstrip("#@").replace(" ", ""))
            candidates: set[str] = set()
            for d in _deletes(key) | {key}:
                candidates |= self.fuzzy.get(d, set())
            best = sorted(c for c in candidates if _within_one_edit(key, c))
            # the vocabulary is consulted only when there is a candidate: ordinary words are
            # not misspelt slurs ("bigger", "transport", "Reiniger")
            if best and not self.vocabulary.known(plain):
                for entry in self.single[best[0]]:
                    if self._robust(entry):
                        matches.append(Match(entry, tok.start, tok.end, tok.text, "fuzzy"))
                matched_at.add(i)
                continue
            if len(key) < 8 or not self._inside_re.search(key):
                continue
            if self.vocabulary.known(plain):
                continue
            letters = "".join(ch for ch in plain if ch.isalpha())
            for _, _, piece in self.vocabulary.segment(letters, self._is_term) or ():
                for entry in self.single[word_key(piece)]:
                    if self._robust(entry):
                        matches.append(Match(entry, tok.start, tok.end, tok.text, "inside"))
        return dedupe_matches(matches) if dedupe else matches


def dedupe_matches(matches: list[Match]) -> list[Match]:
    seen: set[tuple[int, int, str, str, str]] = set()
    out = []
    for m in sorted(matches, key=lambda m: (m.start, -m.end)):
        e = m.entry
        # one group named once is one match, whatever spelling variants the lexicon holds
        k = (m.start, m.end, e.source, e.target if e.source == "target" else e.term, e.kind)
        if k not in seen:
            seen.add(k)
            out.append(m)
    return out


def tokenize_and_match(lexicon: Lexicon, text: str) -> tuple[list[Token], list[Match]]:
    tokens = tokenize(text)
    return tokens, lexicon.match(text, tokens)


def glossary_scores(matches: Iterable[Match]) -> tuple[dict[str, float], dict[str, list[Match]]]:
    """Per-category prior from glossary matches: 1 - prod(1 - weight) over distinct terms."""
    by_cat: dict[str, dict[str, float]] = defaultdict(dict)
    drivers: dict[str, list[Match]] = defaultdict(list)
    for m in matches:
        e = m.entry
        if e.source != "glossary":
            continue
        w = KIND_WEIGHT.get(e.kind, 0.4)
        if m.how in ("fuzzy", "inside"):
            w *= 0.8
        by_cat[e.category][e.term] = max(w, by_cat[e.category].get(e.term, 0.0))
        drivers[e.category].append(m)
    scores: dict[str, float] = {}
    for cat, weights in by_cat.items():
        p = 1.0
        for w in weights.values():
            p *= 1.0 - w
        scores[cat] = 1.0 - p
    return scores, dict(drivers)
