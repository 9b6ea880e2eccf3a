"""Language identification with the model bundled in ``py3langid`` (97 languages, BSD).

Returns ISO 639-1 codes, or ``"und"`` when the text is too short or too unclear to tell.
Mixed-language messages are split into sentences and each confident sentence is identified, so
``languages`` lists every language that carries at least one sentence.
"""

from __future__ import annotations

import re
import threading
from typing import Any

# Languages Brug has lexicons and functional tests for; a close call among these wins.
SUPPORTED = ("nl", "fr", "en", "de")
MIN_CONFIDENCE = 0.5
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_LETTERS = re.compile(r"[^\W\d_]{2,}")


class LanguageIdentifier:
    name = "py3langid"

    def __init__(self) -> None:
        self._model: Any = None
        self._supported: Any = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._model is None:
                from py3langid.langid import MODEL_DIR, MODEL_FILE
                from py3langid.langid import LanguageIdentifier as Ident

                self._model = Ident.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
                self._supported = Ident.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)
                self._supported.set_languages(list(SUPPORTED))
            return self._model, self._supported

    def identify(self, text: str) -> tuple[str, float]:
        """(language, confidence) of one text."""
        if len(_LETTERS.findall(text)) < 2:
            return "und", 0.0
        model, supported = self._load()
        lang, prob = model.classify(text)
        if prob >= MIN_CONFIDENCE:
            return str(lang), float(prob)
        # Short or slangy text: if one of our languages is a clear favourite among them, and
        # the open-set model ranked it near the top, take it.
        ranked = [code for code, _ in model.rank(text)[:5]]
        lang2, prob2 = supported.classify(text)
        if lang2 in ranked and prob2 >= 0.8:
            return str(lang2), float(prob2) * float(prob)
        return "und", float(prob)

    def languages(self, text: str, whole: str | None = None) -> list[str]:
        """All languages with a confident sentence, most frequent first. ``whole`` is the
        language already found for the whole text, reused when it has only one sentence."""
        sentences = _SENTENCE.split(text)
        if len(sentences) == 1 and whole is not None:
            return [whole] if whole != "und" and len(_LETTERS.findall(text)) >= 4 else []
        counts: dict[str, int] = {}
        for sentence in sentences:
            if len(_LETTERS.findall(sentence)) < 4:
                continue
            lang, _ = self.identify(sentence)
            if lang != "und":
                counts[lang] = counts.get(lang, 0) + 1
        return sorted(counts, key=lambda k: -counts[k])
