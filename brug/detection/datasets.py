"""Training material: the team's synthetic functional data, open datasets, reviewer labels.

Every loader yields :class:`Example` objects whose ``labels`` hold only what the source really
says; a category missing from ``labels`` is unknown and that example does not train its head.
Open datasets label *offensive vs. normal*, not hate against people for who they are, so they
only contribute the labels they can support (see the model card).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .categories import (
    ALIENATION,
    CATEGORIES,
    COUNTER_SPEECH,
    EXTREMIST_NARRATIVE,
    HATE_SPEECH,
    TROLLING,
    VIOLENT_INTENT,
)

# Labels a reviewer can give on the platform, mapped to detector categories.
REVIEW_LABELS = {
    "genuine_grievance": ALIENATION,
    "alienation": ALIENATION,
    "trolling": TROLLING,
    "hate_speech": HATE_SPEECH,
    "extremist_narrative": EXTREMIST_NARRATIVE,
    "violent_intent": VIOLENT_INTENT,
    "counter_speech": COUNTER_SPEECH,
    "not_relevant": None,
}


@dataclass
class Example:
    text: str
    lang: str
    labels: dict[str, int]
    source: str
    weight: float = 1.0
    case_type: str = ""
    meta: dict[str, str] = field(default_factory=dict)


class DataError(ValueError):
    """A training file is unusable (the message names the file and line)."""


def synthetic(seed: int = 0, per_lang: int = 4000) -> Iterator[Example]:
    from .training.synthetic import SUPPORTED_LANGS, TEMPLATE_DIR, generate

    langs = [lang for lang in SUPPORTED_LANGS if (TEMPLATE_DIR / f"{lang}.json").exists()]
    for item in generate(langs=langs, seed=seed, per_lang=per_lang):
        labels = {str(k): int(v) for k, v in dict(item["labels"]).items()}  # type: ignore[call-overload]
        yield Example(str(item["text"]), str(item["lang"]), labels, "synthetic",
                      case_type=str(item.get("case_type", "")))


def mlma(root: Path, weight: float = 0.3) -> Iterator[Example]:
    """MLMA (en, fr): 'normal' tweets are negatives; hateful ones aimed at a group positives."""
    for lang in ("en", "fr"):
        path = root / "mlma" / f"{lang}_dataset.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                sentiment = set(row.get("sentiment", "").split("_"))
                text = (row.get("tweet") or "").strip()
                if not text:
                    continue
                if sentiment == {"normal"}:
                    labels = {HATE_SPEECH: 0, VIOLENT_INTENT: 0}
                elif "hateful" in sentiment and row.get("target") not in ("other", ""):
                    labels = {HATE_SPEECH: 1}
                else:
                    continue
                yield Example(text, lang, labels, "mlma", weight)


def germeval(root: Path, weight: float = 0.3) -> Iterator[Example]:
    """GermEval 2018 (de): OTHER, PROFANITY and INSULT are not hate against groups."""
    path = root / "germeval2018" / "germeval2018.training.txt"
    if not path.exists():
        return
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3 or not parts[0].strip():
                continue
            text, _, fine = parts
            # OTHER also holds hostile remarks about refugees that the annotators did not call
            # offensive, so it says nothing reliable about hate speech.
            if fine == "OTHER":
                labels = {VIOLENT_INTENT: 0, COUNTER_SPEECH: 0, EXTREMIST_NARRATIVE: 0}
            elif fine in ("PROFANITY", "INSULT"):
                labels = {HATE_SPEECH: 0, VIOLENT_INTENT: 0, COUNTER_SPEECH: 0}
            else:
                continue
            yield Example(text, "de", labels, "germeval", weight)


def isarcasm(root: Path, weight: float = 0.3) -> Iterator[Example]:
    """iSarcasmEval (en): sarcastic tweets for the trolling modifier."""
    path = root / "isarcasmeval" / "train" / "train.En.csv"
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            text = (row.get("tweet") or "").strip()
            if not text or row.get("sarcastic") not in ("0", "1"):
                continue
            labels = {TROLLING: int(row["sarcastic"]), HATE_SPEECH: 0, VIOLENT_INTENT: 0}
            yield Example(text, "en", labels, "isarcasmeval", weight)


def dogwhistles(root: Path, weight: float = 0.5) -> Iterator[Example]:
    """Dog-whistle glossary (en): its example contexts carry coded extremist language."""
    path = root / "dogwhistles" / "glossary.tsv"
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            text = (row.get("Linguistic Context") or "").strip()
            if 20 <= len(text) <= 2000:
                yield Example(text, "en", {EXTREMIST_NARRATIVE: 1}, "dogwhistles", weight)


def reviewer_labels(path: Path) -> Iterator[Example]:
    """JSONL exported by the platform: {"text", "lang"?, "labels": [...] or {cat: 0/1}}."""
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path.name} line {n}: invalid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise DataError(f"{path.name} line {n}: expected an object with a text")
            raw = obj.get("labels", [])
            labels: dict[str, int]
            if isinstance(raw, dict):
                labels = {c: int(bool(v)) for c, v in raw.items() if c in CATEGORIES}
            elif isinstance(raw, list):
                unknown = [x for x in raw if x not in REVIEW_LABELS]
                if unknown:
                    raise DataError(f"{path.name} line {n}: unknown label {unknown[0]!r}")
                chosen = {REVIEW_LABELS[x] for x in raw}
                labels = {c: int(c in chosen) for c in CATEGORIES}
            else:
                raise DataError(f"{path.name} line {n}: labels must be a list or an object")
            yield Example(obj["text"], str(obj.get("lang") or ""), labels, "reviewers", 1.0)


def open_datasets(root: Path) -> Iterator[Example]:
    for loader in (mlma, germeval, isarcasm, dogwhistles):
        yield from loader(root)
