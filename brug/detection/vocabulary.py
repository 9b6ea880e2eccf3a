"""Common words of the supported languages, to keep robust matching honest.

Fuzzy matching ("mslims" -> "moslims") and finding terms inside joined words
("ihatewomen") must not fire on ordinary words ("bigger", "transport", "Reiniger"). The word
frequencies come from ``wordfreq``'s bundled lists (no download); they are loaded on first
use, only for the languages Brug has lexicons for.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

from .langid import SUPPORTED

KNOWN_ZIPF = 1.5  # a word seen at least ~3 times per 100 million words is a real word
PIECE_ZIPF = 3.0  # pieces of a joined word must be common words
SHORT_PIECE_ZIPF = 4.0  # ... and very common when they are one to three letters long
MAX_JOINED = 40


class Vocabulary:
    def __init__(self, langs: tuple[str, ...] = SUPPORTED) -> None:
        self.langs = langs
        self._freq: dict[str, float] | None = None
        self._by_lang: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def _load(self) -> dict[str, float]:
        with self._lock:
            if self._freq is None:
                from wordfreq import get_frequency_dict

                floor = 10 ** (KNOWN_ZIPF - 9)
                merged: dict[str, float] = {}
                for lang in self.langs:
                    self._by_lang[lang] = get_frequency_dict(lang, wordlist="large")
                    for word, f in self._by_lang[lang].items():
                        if f >= floor and f > merged.get(word, 0.0):
                            merged[word] = f
                self._freq = merged
            return self._freq

    def zipf(self, word: str) -> float:
        f = self._load().get(word, 0.0)
        return math.log10(f) + 9 if f > 0 else 0.0

    def known(self, word: str) -> bool:
        return word in self._load()

    def common_in(self, word: str, lang: str) -> bool:
        """Whether `word` is an ordinary word of `lang` (zipf >= 3, e.g. French "retards")."""
        self._load()
        return self._by_lang.get(lang, {}).get(word, 0.0) >= 10 ** (PIECE_ZIPF - 9)

    def segment(
        self, word: str, is_term: Callable[[str], bool]
    ) -> list[tuple[int, int, str]] | None:
        """Split a joined word into common words and lexicon terms, fewest pieces first.

        Returns the (start, end, piece) of the lexicon terms in the best split, or None when
        the word cannot be split into known pieces or the split contains no term.
        """
        n = len(word)
        if n > MAX_JOINED or n < 6:
            return None
        freq = self._load()
        inf = n + 1
        best: list[tuple[int, int, int]] = [(0, 0, -1)] + [(inf, 0, -1)] * n  # pieces, terms, prev
        for i in range(1, n + 1):
            for j in range(max(0, i - 24), i):
                if best[j][0] >= inf:
                    continue
                piece = word[j:i]
                term = len(piece) >= 4 and is_term(piece)
                if not term:
                    f = freq.get(piece, 0.0)
                    need = SHORT_PIECE_ZIPF if len(piece) <= 3 else PIECE_ZIPF
                    if f <= 0 or math.log10(f) + 9 < need:
                        continue
                cand = (best[j][0] + 1, best[j][1] + int(term), j)
                # fewer pieces first; among equals prefer more lexicon terms
                if (cand[0], -cand[1]) < (best[i][0], -best[i][1]):
                    best[i] = cand
        if best[n][0] >= inf or best[n][0] < 2 or best[n][1] == 0:
            return None
        out = []
        i = n
        while i > 0:
            j = best[i][2]
            piece = word[j:i]
            if len(piece) >= 4 and is_term(piece):
                out.append((j, i, piece))
            i = j
        return out[::-1]
