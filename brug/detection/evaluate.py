"""`brug eval`: run a functional test suite and report per-language and per-case-type figures.

A suite is a folder of ``cases_*.jsonl`` files with objects
``{"id", "lang", "text", "label": "hateful"|"non-hateful", "case_type", "flags": [...]}``.
Hateful vs. non-hateful is read from the ``hate_speech`` flag; ``flags`` lists other categories
the message should also raise (checked as recall).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .categories import HATE_SPEECH
from .detector import Detector

COUNTER_TYPES = ("counter_quote", "counter_report", "counter_direct")


class SuiteError(ValueError):
    pass


def load_cases(folder: Path) -> list[dict[str, Any]]:
    files = sorted(folder.glob("cases_*.jsonl")) if folder.is_dir() else [folder]
    if not files or not files[0].exists():
        raise SuiteError(f"no cases_*.jsonl in {folder}")
    cases = []
    for path in files:
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                obj = json.loads(line)
                if obj.get("label") not in ("hateful", "non-hateful") or not obj.get("text"):
                    raise SuiteError(f"{path.name} line {n}: needs text and label")
                cases.append(obj)
    return cases


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def macro_f1(gold: Sequence[bool], pred: Sequence[bool]) -> float:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    tn = sum((not g) and (not p) for g, p in zip(gold, pred, strict=True))
    fp = sum((not g) and p for g, p in zip(gold, pred, strict=True))
    fn = sum(g and (not p) for g, p in zip(gold, pred, strict=True))
    return (_f1(tp, fp, fn) + _f1(tn, fn, fp)) / 2


def evaluate(detector: Detector, cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    results = detector.score([c["text"] for c in cases], langs=[c.get("lang") for c in cases])
    by_lang: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    by_type: dict[str, list[bool]] = defaultdict(list)
    flag_hits: dict[str, list[bool]] = defaultdict(list)
    errors = []
    for case, res in zip(cases, results, strict=True):
        gold = case["label"] == "hateful"
        pred = HATE_SPEECH in res.flags
        by_lang[case.get("lang", "und")].append((gold, pred))
        by_type[case.get("case_type", "?")].append(gold == pred)
        for flag in case.get("flags") or []:
            flag_hits[flag].append(flag in res.flags)
        if gold != pred:
            errors.append({"id": case.get("id"), "text": case["text"], "gold": case["label"],
                           "case_type": case.get("case_type"),
                           "hate_speech": res.scores.get(HATE_SPEECH)})
    languages = {
        lang: {
            "n": len(pairs),
            "macro_f1": round(macro_f1([g for g, _ in pairs], [p for _, p in pairs]), 3),
            "accuracy": round(sum(g == p for g, p in pairs) / len(pairs), 3),
        }
        for lang, pairs in sorted(by_lang.items())
    }
    counter = [ok for t in COUNTER_TYPES for ok in by_type.get(t, [])]
    return {
        "model": detector.model_id,
        "n": len(cases),
        "languages": languages,
        "case_types": {t: {"n": len(v), "accuracy": round(sum(v) / len(v), 3)}
                       for t, v in sorted(by_type.items())},
        "counter_speech_accuracy": round(sum(counter) / len(counter), 3) if counter else None,
        "flag_recall": {f: {"n": len(v), "recall": round(sum(v) / len(v), 3)}
                        for f, v in sorted(flag_hits.items())},
        "errors": errors,
    }


def format_report(report: dict[str, Any]) -> str:
    lines = [f"model {report['model']}, {report['n']} cases", "",
             f"{'language':<10}{'n':>6}{'macro-F1':>10}{'accuracy':>10}"]
    for lang, m in report["languages"].items():
        lines.append(f"{lang:<10}{m['n']:>6}{m['macro_f1']:>10.3f}{m['accuracy']:>10.3f}")
    lines += ["", f"{'case type':<28}{'n':>6}{'accuracy':>10}"]
    for t, m in report["case_types"].items():
        mark = "  <0.60" if m["accuracy"] < 0.6 else ""
        lines.append(f"{t:<28}{m['n']:>6}{m['accuracy']:>10.3f}{mark}")
    lines += ["", f"counter speech accuracy: {report['counter_speech_accuracy']}"]
    if report["flag_recall"]:
        lines += ["", f"{'expected flag':<28}{'n':>6}{'recall':>10}"]
        for f, m in report["flag_recall"].items():
            lines.append(f"{f:<28}{m['n']:>6}{m['recall']:>10.3f}")
    return "\n".join(lines)
