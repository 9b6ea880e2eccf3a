"""context.v1: modifiers that change how a message should be read.

Each modifier names what it saw (spans), which categories it lowers and by how much. They
encode what a reviewer knows: hate speech needs a protected group; quoting hate to reject it is
counter speech; a slur used by a member of the group is often reclaimed; a negated insult is
not an insult; irony makes threats and despair less literal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .categories import (
    ALIENATION,
    COUNTER_SPEECH,
    EXTREMIST_NARRATIVE,
    HATE_SPEECH,
    TROLLING,
    VIOLENT_INTENT,
)
from .lexicon import Match
from .normalize import Token

_QUOTES = re.compile(r"[\"“”«»„‟]|(?:^|\s)'[^']{6,}'")
RULE_BONUS = 0.3  # how much explicit counter-speech cues add to the learned score


@dataclass
class Modifier:
    name: str
    factor: float
    applies: tuple[str, ...]
    reason: str
    spans: list[Match] = field(default_factory=list)

    def as_evidence(self) -> dict[str, object]:
        return {
            "modifier": self.name,
            "factor": round(self.factor, 3),
            "reason": self.reason,
            "spans": [m.as_evidence() for m in self.spans],
        }


def _cues(matches: Sequence[Match], *kinds: str) -> list[Match]:
    return [m for m in matches if m.entry.source == "cue" and m.entry.kind in kinds]


def is_group_reference(m: Match) -> bool:
    """Whether a match names a protected group: a neutral name, a slur, a group-directed code."""
    e = m.entry
    return e.source == "target" or (
        e.source == "glossary" and bool(e.target or e.category == HATE_SPEECH)
    )


def group_references(matches: Sequence[Match]) -> list[Match]:
    return [m for m in matches if is_group_reference(m)]


def counter_speech_cues(text: str, matches: Sequence[Match]) -> tuple[float, list[Match]]:
    condemn = _cues(matches, "condemnation")
    report = _cues(matches, "reporting")
    bonus = 0.0
    if condemn:
        bonus += RULE_BONUS
    if report and _QUOTES.search(text):
        bonus += RULE_BONUS * 0.7
    return min(bonus, RULE_BONUS * 1.5), condemn + report


def _negated(tokens: Sequence[Token], matches: Sequence[Match]) -> list[Match]:
    """Negative words (dehumanising, negative attribute) with a negation up to 3 tokens before."""
    negations = _cues(matches, "negation")
    if not negations:
        return []
    starts = [t.start for t in tokens]
    out = []
    for m in _cues(matches, "dehumanising", "negative_attribute"):
        idx = next((i for i, s in enumerate(starts) if s >= m.start), len(starts))
        window_start = starts[max(0, idx - 3)] if starts else 0
        near = [n for n in negations if window_start <= n.start < m.start]
        if near:
            out.extend([near[-1], m])
    return out


# A slur right after "we/my/as ..." is usually spoken from inside the group ("my niggas",
# "wir Schwuchteln", "als flikker"), which is how slurs are reclaimed.
_SELF_WORDS = {
    "we", "us", "our", "my", "as", "wij", "ons", "onze", "mijn", "als", "wir", "uns",
    "unsere", "meine", "mein", "nous", "nos", "notre", "mes", "mon", "ma", "comme",
}


def _self_reference(tokens: Sequence[Token], slurs: Sequence[Match]) -> list[Match]:
    out: list[Match] = []
    for m in slurs:
        before = [t for t in tokens if t.end <= m.start][-2:]
        # "we" or "as a" directly before the slur; articles may sit in between
        if before and (before[-1].key in _SELF_WORDS
                       or (len(before) == 2 and before[0].key in _SELF_WORDS
                           and len(before[1].key) <= 3)):
            out.append(m)
    return out


def modifiers(
    text: str,
    tokens: Sequence[Token],
    matches: Sequence[Match],
    scores: Mapping[str, float],
    thresholds: Mapping[str, float],
    cfg: Mapping[str, float],
) -> tuple[list[Modifier], dict[str, float]]:
    """Modifiers for one message, and the (possibly raised) modifier scores themselves."""
    mods: list[Modifier] = []
    raised: dict[str, float] = {}

    bonus, cs_spans = counter_speech_cues(text, matches)
    cs = scores.get(COUNTER_SPEECH, 0.0)
    if bonus and cs >= 0.15:
        cs = min(1.0, cs + bonus)
        raised[COUNTER_SPEECH] = cs
    if cs >= thresholds.get(COUNTER_SPEECH, 0.5):
        weight = float(cfg.get("counter_speech_weight", 0.8))
        mods.append(Modifier(
            COUNTER_SPEECH, 1.0 - weight * cs, (HATE_SPEECH, VIOLENT_INTENT, EXTREMIST_NARRATIVE),
            "reads as quoting, reporting or rejecting hate", cs_spans,
        ))

    troll = scores.get(TROLLING, 0.0)
    if troll >= thresholds.get(TROLLING, 0.5):
        weight = float(cfg.get("trolling_weight", 0.4))
        mods.append(Modifier(
            TROLLING, 1.0 - weight * troll, (VIOLENT_INTENT, ALIENATION),
            "ironic or provocative register", _cues(matches, "irony"),
        ))

    groups = group_references(matches)
    if not groups:
        mods.append(Modifier(
            "no_protected_group", float(cfg.get("no_target_factor", 0.45)), (HATE_SPEECH,),
            "no protected group or slur is named", [],
        ))

    negated = _negated(tokens, matches)
    if negated:
        mods.append(Modifier(
            "negation", float(cfg.get("negated_factor", 0.5)), (HATE_SPEECH,),
            "the negative statement is negated", negated,
        ))

    slurs = [m for m in groups if m.entry.kind == "slur"]
    in_group = _cues(matches, "in_group") + _self_reference(tokens, slurs)
    if in_group and slurs:
        mods.append(Modifier(
            "in_group_use", float(cfg.get("in_group_factor", 0.4)), (HATE_SPEECH,),
            "the speaker presents as a member of the group (possible reclaimed use)",
            in_group + slurs,
        ))
    return mods, raised
