"""Tokenisation and normalisation that survives obfuscation.

Every token keeps its character span in the original text, so evidence can always be shown
where it was written. A token's *key* is the form used for matching: NFKC, homoglyphs mapped
to Latin, lower-cased, leetspeak undone, accents and inner punctuation removed, repeated
letters squeezed ("Mu$$lllims" -> "muslims"). Lexicon entries are keyed with the same function,
so both sides meet in the middle.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

# Cyrillic and Greek letters that look like Latin ones. Only applied inside tokens that also
# contain Latin letters, so genuine Russian or Greek text is left alone.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "А": "A", "В": "B", "Е": "E",
        "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y",
        "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S", "α": "a", "β": "b", "ε": "e", "ι": "i",
        "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
        "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ı": "i",
    }
)
_LATIN = re.compile(r"[a-zA-Z]")
_NONLATIN_LOOKALIKE = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f\u0131]")

# Leetspeak, applied only to tokens that mix letters with digits or symbols ("r4ts", "mu$lims");
# pure numbers stay numbers so that codes such as 88 or 1488 keep their meaning.
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
     "@": "a", "$": "s", "€": "e", "!": "i", "|": "l", "+": "t", "2": "z", "6": "g"}
)
_INNER_PUNCT = re.compile(r"[.\-_*·•]")
_APOSTROPHES = re.compile(r"['’]")
_REPEATS = re.compile(r"(.)\1+")
_LONG_REPEATS = re.compile(r"(.)\1{2,}")
# Whole-token shorthands where digits stand for syllables, not letters.
_SHORTHAND = {
    "h8": "hate", "h8ers": "haters", "h8er": "hater", "h8s": "hates", "h8t": "hate",
    "gr8": "great", "m8": "mate", "m8s": "mates", "w8": "wait", "l8r": "later",
    "2day": "today", "2morrow": "tomorrow", "b4": "before", "4ever": "forever",
}

_EMOJI = (
    "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u3030\u303d\u3297\u3299"
)
_TOKEN_RE = re.compile(
    rf"(?P<emoji>[{_EMOJI}](?:[\ufe0f\U0001f3fb-\U0001f3ff]|\u200d[{_EMOJI}])*)"
    r"|(?P<echo>\(\(\(|\)\)\))"
    r"|(?P<word>[#@]?[\w@$€|!+]+(?:[.\-_'’*·•][\w@$€|!+]+)*)"
)
_FRENCH_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_CAMEL = re.compile(r"[A-Z]?[a-z\u00e0-\u00ff]+|[A-Z]+(?![a-z])|\d+")


@dataclass(slots=True)
class Token:
    """A token with its span in the original text and its matching key."""

    text: str
    start: int
    end: int
    key: str
    kind: str = "word"  # word | number | emoji | echo | mention | hashtag
    obfuscated: bool = False  # leetspeak, homoglyphs, spacing or inner punctuation undone
    parts: list[Token] = field(default_factory=list)  # camelCase/hashtag pieces


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=200_000)
def plain_form(word: str) -> str:
    """A word with obfuscation undone but spelling otherwise kept ("R4TS!!" -> "rats")."""
    w = unicodedata.normalize("NFKC", word)
    if _NONLATIN_LOOKALIKE.search(w) and _LATIN.search(w):
        w = w.translate(_HOMOGLYPHS)
    w = w.casefold().strip("!|+")  # trailing "!!!" is punctuation, not leet
    if w in _SHORTHAND:
        return _SHORTHAND[w]
    if w.isdigit():
        return w
    if any(c.isalpha() for c in w) and any(
        not (c.isalpha() or c in "'’") for c in _INNER_PUNCT.sub("", w)
    ):
        w = w.translate(_LEET)
    w = _INNER_PUNCT.sub("", w)
    return _LONG_REPEATS.sub(r"\1\1", w)


@lru_cache(maxsize=200_000)
def word_key(word: str) -> str:
    """The matching key of one word (also used for lexicon entries): the plain form without
    accents or apostrophes and with repeated letters squeezed. Numbers stay as written."""
    w = plain_form(word)
    if w.isdigit():
        return w
    w = _APOSTROPHES.sub("", strip_accents(w))
    return _REPEATS.sub(r"\1", w)


def phrase_key(phrase: str) -> tuple[str, ...]:
    """Keys of a multi-word lexicon entry, tokenised like a message."""
    return tuple(t.key for t in tokenize(phrase) if t.key)


def _is_obfuscated(raw: str) -> bool:
    return plain_form(raw) != unicodedata.normalize("NFKC", raw).casefold().strip("!|+")


def _split_camel(tok: Token) -> list[Token]:
    body_start = tok.start + (1 if tok.text[:1] in "#@" else 0)
    body = tok.text[body_start - tok.start :]
    pieces = list(_CAMEL.finditer(body))
    if len(pieces) < 2:
        return []
    out = []
    for m in pieces:
        s, e = body_start + m.start(), body_start + m.end()
        out.append(Token(m.group(), s, e, word_key(m.group()), "word", tok.obfuscated))
    return out


def tokenize(text: str) -> list[Token]:
    """Split text into tokens, joining spaced-out letters ("m u s l i m s") into one token."""
    tokens: list[Token] = []
    for m in _TOKEN_RE.finditer(text):
        raw = m.group()
        if m.lastgroup == "emoji":
            tokens.append(Token(raw, m.start(), m.end(), raw.replace("\ufe0f", ""), "emoji"))
            continue
        if m.lastgroup == "echo":
            tokens.append(Token(raw, m.start(), m.end(), "((()))", "echo"))
            continue
        start = m.start()
        stripped = raw.rstrip("!|+")  # "muslims!!!": the exclamation marks are punctuation
        if stripped and any(c.isalnum() for c in stripped):
            raw = stripped
        elision = _FRENCH_ELISION.match(raw)
        if elision and len(raw) > elision.end():
            start += elision.end()
            raw = raw[elision.end() :]
        kind = "word"
        body = raw
        if raw[0] == "#":
            kind, body = "hashtag", raw[1:]
        elif raw[0] == "@" and len(raw) > 1 and raw[1:].isalnum():
            kind = "mention"
        if not body:
            continue
        key = word_key(body)
        if not key:
            continue
        if body.isdigit():
            kind = "number"
        obfuscated = kind != "mention" and _is_obfuscated(body)
        tok = Token(raw, start, start + len(raw), key, kind, obfuscated)
        if kind == "hashtag" or (any(c.isupper() for c in body[1:]) and not body.isupper()):
            tok.parts = _split_camel(tok)
        tokens.append(tok)
    return _join_spaced(text, tokens)


def _join_spaced(text: str, tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        j = i
        while (
            j < len(tokens)
            and len(tokens[j].key) == 1
            and tokens[j].kind == "word"
            and (j == i or text[tokens[j - 1].end : tokens[j].start] in (" ", "  ", ".", "-", "_"))
        ):
            j += 1
        if j - i >= 3:
            first, last = tokens[i], tokens[j - 1]
            raw = text[first.start : last.end]
            key = word_key("".join(t.text for t in tokens[i:j]))
            out.append(Token(raw, first.start, last.end, key, "word", True))
            i = j
        else:
            out.append(tokens[i])
            i += 1
    return out


def canonical_text(text: str, tokens: list[Token], replacements: dict[int, str]) -> str:
    """The text with de-obfuscated forms put back, for the encoder.

    ``replacements`` maps a token's start offset to the form that should replace it (for
    example the lexicon entry a misspelt word was matched to). Obfuscated tokens without a
    replacement are replaced by their key.
    """
    parts: list[str] = []
    pos = 0
    for tok in tokens:
        new = replacements.get(tok.start)
        if new is None and tok.obfuscated and tok.kind == "word":
            new = plain_form(tok.text.replace(" ", ""))
        if new is None:
            continue
        parts.append(text[pos : tok.start])
        parts.append(new)
        pos = tok.end
    parts.append(text[pos:])
    return "".join(parts)
