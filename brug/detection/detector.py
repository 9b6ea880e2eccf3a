"""The detector: lexicon -> fast first stage -> (gate) -> e5 heads -> context modifiers.

``Detector.load().score(texts)`` returns one :class:`Result` per text, in order. Scoring has no
side effects. Bad inputs (not a string, empty, too long) give a result with ``error`` set and do
not disturb the rest of the batch.
"""

from __future__ import annotations

import hashlib
import shutil
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import context
from .categories import (
    ALIENATION,
    CATEGORIES,
    COUNTER_SPEECH,
    EXTREMIST_NARRATIVE,
    HATE_SPEECH,
    MODIFIERS,
    TROLLING,
    VIOLENT_INTENT,
)
from .encoder import Encoder
from .features import sparse_decision, token_features
from .heads import LinearHeads
from .langid import LanguageIdentifier
from .lexicon import DATA_DIR, Lexicon, Match, dedupe_matches, glossary_scores
from .normalize import Token, canonical_text, plain_form, tokenize

DEFAULT_MODEL_DIR = Path(__file__).parent / "model"
FIRST_STAGE_FILE = "ngram_heads.npz"
LEARNED_FILE = "e5_heads.npz"

# Which lexicon evidence explains which category.
_EVIDENCE_CUES: dict[str, tuple[str, ...]] = {
    HATE_SPEECH: ("dehumanising", "negative_attribute", "violence"),
    VIOLENT_INTENT: ("violence",),
    EXTREMIST_NARRATIVE: (),
    ALIENATION: ("alienation",),
    TROLLING: ("irony",),
    COUNTER_SPEECH: ("condemnation", "reporting"),
}


class DetectorError(Exception):
    """The detector cannot be loaded (missing or malformed model folder)."""


@dataclass
class Analysis:
    """What the lexicon stage knows about one message."""

    text: str
    tokens: list[Token]
    matches: list[Match]
    canonical: str


@dataclass
class Result:
    id: str | None
    lang: str
    flags: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    model: str = ""
    languages: list[str] = field(default_factory=list)
    stage: str = ""  # "first_stage" or "learned": the last stage that scored the message
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"id": self.id, "error": self.error, "model": self.model}
        return {
            "id": self.id,
            "lang": self.lang,
            "flags": self.flags,
            "scores": self.scores,
            "evidence": self.evidence,
            "model": self.model,
            "languages": self.languages,
            "stage": self.stage,
        }


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


class Detector:
    def __init__(
        self,
        config: dict[str, Any],
        lexicon: Lexicon,
        first_stage: LinearHeads | None,
        learned: LinearHeads | None,
        *,
        config_hash: str = "",
        lexicon_dir: Path = DATA_DIR,
    ) -> None:
        self.config = config
        self.lexicon = lexicon
        self.lexicon_dir = lexicon_dir
        self.first_stage = first_stage
        self.learned = learned
        self.encoder = Encoder()
        self.langid = LanguageIdentifier()
        self.config_hash = config_hash
        det = config.get("detector", {})
        self.name = str(det.get("name", "brug-detector"))
        self.version = str(det.get("version", "0"))
        self.max_chars = int(det.get("max_chars", 10_000))
        self.thresholds = {c: float(config.get("thresholds", {}).get(c, 0.5)) for c in CATEGORIES}
        gate = config.get("gate", {})
        self.gate_threshold = float(gate.get("threshold", 0.15))
        self.gate_cues = set(gate.get("cues", ()))
        self.context_cfg: dict[str, float] = dict(config.get("context", {}))
        self.blend = float(config.get("learned", {}).get("blend_first_stage", 0.0))
        #: versioned component names (and the lexicon data fingerprint) for stored signals
        self.components: dict[str, str] = {
            **{str(k): str(v) for k, v in config.get("components", {}).items()},
            "lexicon_data": lexicon.fingerprint,
        }

    # ------------------------------------------------------------------ loading and saving
    @property
    def model_id(self) -> str:
        return f"{self.name}@{self.version}"


    @classmethod
    def load(cls, path: str | Path | None = None) -> Detector:
        """The packaged detector, or one saved with :meth:`to_disk`."""
        return cls.from_disk(Path(path) if path else DEFAULT_MODEL_DIR)

    @classmethod
    def from_disk(cls, path: Path) -> Detector:
        cfg_path = path / "config.toml"
        if not cfg_path.exists():
            raise DetectorError(f"no detector at {path}: config.toml is missing")
        try:
            config = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise DetectorError(f"{cfg_path}: {exc}") from exc
        data = config.get("lexicon", {}).get("data", "builtin")
        lexicon_dir = DATA_DIR if data == "builtin" else (path / data)
        lexicon = Lexicon.from_disk(lexicon_dir)
        first = path / FIRST_STAGE_FILE
        learned = path / LEARNED_FILE
        return cls(
            config,
            lexicon,
            LinearHeads.load(first) if first.exists() else None,
            LinearHeads.load(learned) if learned.exists() else None,
            config_hash=_file_hash(cfg_path),
            lexicon_dir=lexicon_dir,
        )

    def to_disk(self, path: Path) -> None:
        """Write a self-contained copy: config, weights and the lexicon data it was built with."""
        path.mkdir(parents=True, exist_ok=True)
        config = dict(self.config)
        config["lexicon"] = {**config.get("lexicon", {}), "data": "lexicon"}
        (path / "lexicon").mkdir(exist_ok=True)
        for name in ("glossary.tsv", "targets.tsv", "cues.tsv"):
            src = self.lexicon_dir / name
            if src.exists() and src.resolve() != (path / "lexicon" / name).resolve():
                shutil.copyfile(src, path / "lexicon" / name)
        (path / "config.toml").write_text(dump_toml(config), encoding="utf-8")
        if self.first_stage is not None:
            self.first_stage.save(path / FIRST_STAGE_FILE)
        if self.learned is not None:
            self.learned.save(path / LEARNED_FILE)

    # ------------------------------------------------------------------ scoring
    def analyse(self, text: str, langs: Sequence[str] = ()) -> Analysis:
        """Tokens, lexicon matches and the de-obfuscated text. Context cues (short common
        words such as "was" or "not") only count in the message's own languages when these
        are known; group names, slurs and codes count in any language."""
        tokens = tokenize(text)
        matches = self.lexicon.match(text, tokens, dedupe=False)
        known = {lang for lang in langs if lang and lang != "und"}
        if known:
            matches = [m for m in matches if self._counts_in(m, known)]
        matches = dedupe_matches(matches)
        replacements: dict[int, str] = {}
        for m in matches:
            # put the intended word back for the encoder ("mslims" -> "muslims")
            if m.how in ("fuzzy", "joined", "obfuscated") and m.entry.source != "cue":
                replacements[m.start] = m.entry.term.lstrip("#")
        return Analysis(text, tokens, matches, canonical_text(text, tokens, replacements))

    def _counts_in(self, match: Match, langs: set[str]) -> bool:
        e = match.entry
        if e.lang in langs or e.lang == "any":
            return True
        if e.source == "cue":
            return False
        # a slur or group name from another language that is an ordinary word here does not
        # count ("retards" in French is "delays")
        surface = plain_form(match.surface.lstrip("#"))
        return not any(self.lexicon.vocabulary.common_in(surface, lang) for lang in langs)

    def validate(self, text: object) -> str | None:
        """An error message for input the detector cannot score, else None."""
        if not isinstance(text, str):
            return "text must be a string"
        if not text.strip():
            return "empty text"
        if len(text) > self.max_chars:
            return f"text too long ({len(text)} characters; the limit is {self.max_chars})"
        return None

    def score(
        self,
        texts: Sequence[object],
        langs: Sequence[str | None] | None = None,
        ids: Sequence[str | None] | None = None,
    ) -> list[Result]:
        if self.first_stage is None or self.learned is None:
            raise DetectorError("this detector has no trained weights; run `brug train` first")
        results: list[Result] = []
        valid: list[int] = []
        analyses: list[Analysis] = []
        for i, text in enumerate(texts):
            rid = ids[i] if ids else None
            error = self.validate(text)
            if error:
                results.append(Result(id=rid, lang="und", error=error, model=self.model_id))
                continue
            assert isinstance(text, str)
            given = langs[i] if langs else None
            found = self.langid.identify(text)[0] if not given else None
            lang = given or found or "und"
            languages = self.langid.languages(text, found) or ([lang] if lang != "und" else [])
            results.append(Result(id=rid, lang=lang, model=self.model_id, languages=languages))
            valid.append(i)
            analyses.append(self.analyse(text, [lang, *languages]))
        if not analyses:
            return results

        first = self.first_stage.calibrate(sparse_decision(
            [token_features(a.tokens) for a in analyses],
            self.first_stage.weights, self.first_stage.bias,
        ))
        by_first = self.first_stage_gate(first, self.first_stage.categories)
        gated = [k for k, a in enumerate(analyses) if by_first[k] or self.lexicon_gate(a)]
        learned = self._learned_scores([analyses[k] for k in gated])
        for row, k in enumerate(gated):
            # the two stages see different things (word forms vs. meaning): average them
            first[k] = (1.0 - self.blend) * learned[row] + self.blend * first[k]
        stage_of = {k: "learned" for k in gated}
        for k, i in enumerate(valid):
            self._finish(results[i], analyses[k], first[k], stage_of.get(k, "first_stage"))
        return results

    def first_stage_gate(
        self,
        scores: np.ndarray[Any, Any],
        categories: Sequence[str],
        threshold: float | None = None,
    ) -> np.ndarray[Any, Any]:
        """Per row of first-stage scores: does the first stage ask for a closer look? Yes when
        a signal category scores at least the gate threshold, or its own flag threshold if
        that is lower (the first stage alone never decides a flag the learned stage has not
        seen). Modifiers (trolling, counter speech) only change how a signal is read, so alone
        they send nothing on. ``threshold`` overrides the configured gate (for tuning)."""
        gate = self.gate_threshold if threshold is None else threshold
        cols = [i for i, c in enumerate(categories) if c not in MODIFIERS]
        limits = np.asarray([min(gate, self.thresholds[categories[i]]) for i in cols])
        passed: np.ndarray[Any, Any] = (scores[:, cols] >= limits).any(axis=1)
        return passed

    def lexicon_gate(self, analysis: Analysis) -> bool:
        """Whether the lexicon alone sends a message on to the encoder: a group name, a
        glossary term (not bare numbers or emoji, which are mostly innocent) or a strong cue."""
        return any(
            (m.entry.source == "target")
            or (m.entry.source == "glossary" and m.entry.kind not in ("number", "emoji"))
            or (m.entry.source == "cue" and m.entry.kind in self.gate_cues)
            for m in analysis.matches
        )

    def _chunks(self, analysis: Analysis) -> list[str]:
        size = int(self.context_cfg.get("long_text_chunk", 1200))
        text = analysis.canonical
        if len(text) <= size:
            return [text]
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        # prefer the chunks where the lexicon found something, then the opening
        hits = [0] * len(pieces)
        for m in analysis.matches:
            hits[min(m.start // size, len(pieces) - 1)] += 1
        order = sorted(range(len(pieces)), key=lambda j: (-hits[j], j))
        return [pieces[j] for j in sorted(order[: int(self.context_cfg.get("max_chunks", 4))])]

    def _learned_scores(self, analyses: Sequence[Analysis]) -> np.ndarray[Any, Any]:
        assert self.learned is not None
        chunks: list[str] = []
        owner: list[int] = []
        for k, a in enumerate(analyses):
            for c in self._chunks(a):
                chunks.append(c)
                owner.append(k)
        probs = self.learned.predict_dense(self.encoder.encode(chunks))
        out = np.zeros((len(analyses), len(self.learned.categories)), dtype=np.float32)
        for row, k in enumerate(owner):
            out[k] = np.maximum(out[k], probs[row])
        return out

    def _finish(
        self, result: Result, analysis: Analysis, probs: np.ndarray[Any, Any], stage: str
    ) -> None:
        assert self.learned is not None
        component = self.components["learned" if stage == "learned" else "first_stage"]
        model_scores = {c: float(p) for c, p in zip(self.learned.categories, probs, strict=True)}
        prior, drivers = glossary_scores(analysis.matches)
        base = {c: max(model_scores.get(c, 0.0), prior.get(c, 0.0)) for c in CATEGORIES}
        if context.group_references(analysis.matches):
            # a threat against a named group is hate speech by definition
            base[HATE_SPEECH] = max(base[HATE_SPEECH], base[VIOLENT_INTENT])
        mods, raised = context.modifiers(
            analysis.text, analysis.tokens, analysis.matches, base, self.thresholds,
            self.context_cfg,
        )
        base.update(raised)
        final = dict(base)
        for mod in mods:
            for c in mod.applies:
                final[c] *= mod.factor
        result.scores = {c: round(final[c], 3) for c in CATEGORIES}
        # A modifier is reported only where there is something for it to modify: on
        # messages that the first stage alone let pass it would be noise for reviewers.
        result.flags = [c for c in CATEGORIES if final[c] >= self.thresholds[c]
                        and (stage == "learned" or c not in MODIFIERS)]
        result.stage = stage
        for c in CATEGORIES:
            flagged = c in result.flags
            lowered = [m for m in mods if c in m.applies]
            if not flagged and not (base[c] >= self.thresholds[c] and lowered):
                continue
            result.evidence.append({
                "category": c,
                "flagged": flagged,
                "score": round(final[c], 3),
                "components": {component: round(model_scores.get(c, 0.0), 3),
                               self.components["lexicon"]: round(prior.get(c, 0.0), 3)},
                "spans": [m.as_evidence() for m in self._spans_for(c, analysis.matches,
                                                                   drivers.get(c, []))],
                "modifiers": [m.as_evidence() for m in lowered],
            })

    @staticmethod
    def _spans_for(category: str, matches: Sequence[Match], drivers: list[Match]) -> list[Match]:
        cues = _EVIDENCE_CUES[category]
        chosen = list(drivers)
        for m in matches:
            e = m.entry
            if (e.source == "cue" and e.kind in cues) or (
                category in (HATE_SPEECH, VIOLENT_INTENT) and context.is_group_reference(m)
            ):
                chosen.append(m)
        seen: set[tuple[int, int, str]] = set()
        out = []
        for m in sorted(chosen, key=lambda m: m.start):
            key = (m.start, m.end, m.entry.term)
            if key not in seen:
                seen.add(key)
                out.append(m)
        return out


def dump_toml(data: dict[str, Any]) -> str:
    """A minimal TOML writer for the detector config (tables of scalars and lists)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        s = str(v).replace("\\", "\\\\").replace('"', '\\"')
        return f'"{s}"'

    lines: list[str] = []
    for section, table in data.items():
        lines.append(f"[{section}]")
        for k, v in table.items():
            lines.append(f"{k} = {value(v)}")
        lines.append("")
    return "\n".join(lines)
