"""Deterministic synthetic training data for the Brug detector.

The generator fills hand-written templates (``templates/<lang>.json``) with
slot vocabularies and returns labelled messages for the six detector
categories.  It uses the standard library only and is fully deterministic for
a given ``seed``: the same arguments always give the same list.

The JSON schema is documented in ``README.md`` next to this module.  In short,
a language file holds protected ``groups`` (with surface variants and forms),
free ``slots`` (word lists, optionally with inflected forms), ``blocks`` of
templates that share labels, a ``case_type`` and a sampling weight, and a few
``style`` settings (casing, tails, reply prefix).

Usage::

    from brug.detection.training.synthetic import generate
    items = generate(langs=("nl", "en"), seed=1, per_lang=2000)

or from the command line (writes JSON Lines)::

    python -m brug.detection.training.synthetic --out synthetic.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["CATEGORIES", "SUPPORTED_LANGS", "generate", "validate_templates"]

CATEGORIES: tuple[str, ...] = (
    "hate_speech",
    "violent_intent",
    "extremist_narrative",
    "alienation",
    "trolling",
    "counter_speech",
)

SUPPORTED_LANGS: tuple[str, ...] = ("nl", "fr", "en", "de")

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

FormValue = str | tuple[str, ...]
Forms = Mapping[str, FormValue]
SlotEntry = str | Forms

# {name}, {name.form}, {^name.form}; "^" capitalises the filled value.
_REF_RE = re.compile(r"\{(\^?)([A-Za-z_][A-Za-z0-9_]*)(?:\.([A-Za-z0-9_]+))?\}")
_WORD_RE = re.compile(r"[^\W\d_]{4,}")
_ALNUM_RE = re.compile(r"[^\W_]+")
_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7", "g": "9"}
_VOWELS = "aeiouy"
_MAX_CONSECUTIVE_FAILS = 30


class TemplateError(ValueError):
    """Raised when a template file is malformed or a template cannot render."""


@dataclass(frozen=True)
class _Ref:
    name: str
    form: str | None
    cap: bool


@dataclass(frozen=True)
class _Template:
    text: str
    tokens: tuple[str | _Ref, ...]
    entities: tuple[str, ...]
    needed: Mapping[str, frozenset[str | None]]


@dataclass(frozen=True)
class _Group:
    key: str
    tags: frozenset[str]
    variants: tuple[Forms, ...]


@dataclass(frozen=True)
class _Block:
    case_type: str
    labels: frozenset[str]
    weight: float
    noise: float
    tags: frozenset[str]
    groups: frozenset[str]
    templates: tuple[_Template, ...]

    def accepts(self, group: _Group) -> bool:
        if self.groups and group.key not in self.groups:
            return False
        return not self.tags or bool(self.tags & group.tags)


@dataclass(frozen=True)
class _Style:
    lowercase_rate: float
    tail_rate: float
    tails: tuple[str, ...]
    reply_rate: float
    reply_prefix: str


@dataclass(frozen=True)
class _LangData:
    lang: str
    groups: tuple[_Group, ...]
    slots: Mapping[str, tuple[SlotEntry, ...]]
    blocks: tuple[_Block, ...]
    style: _Style


# ---------------------------------------------------------------------------
# JSON parsing (strict, so that typos in the data fail loudly)
# ---------------------------------------------------------------------------


def _as_dict(value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise TemplateError(f"{where}: expected an object")
    out: dict[str, object] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise TemplateError(f"{where}: keys must be strings")
        out[key] = item
    return out


def _as_list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise TemplateError(f"{where}: expected a list")
    return list(value)


def _as_str(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise TemplateError(f"{where}: expected a non-empty string")
    return value


def _as_float(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TemplateError(f"{where}: expected a number")
    return float(value)


def _str_tuple(value: object, where: str) -> tuple[str, ...]:
    return tuple(_as_str(v, f"{where}[{i}]") for i, v in enumerate(_as_list(value, where)))


def _form_value(value: object, where: str) -> FormValue:
    if isinstance(value, list):
        items = _str_tuple(value, where)
        if not items:
            raise TemplateError(f"{where}: empty list")
        return items
    return _as_str(value, where)


def _forms(value: object, where: str) -> dict[str, FormValue]:
    return {k: _form_value(v, f"{where}.{k}") for k, v in _as_dict(value, where).items()}


def _slot_entry(value: object, where: str) -> SlotEntry:
    if isinstance(value, str):
        return _as_str(value, where)
    return _forms(value, where)


def _parse_template(text: str, where: str) -> _Template:
    tokens: list[str | _Ref] = []
    entities: list[str] = []
    needed: dict[str, set[str | None]] = {}
    pos = 0
    for match in _REF_RE.finditer(text):
        if match.start() > pos:
            tokens.append(text[pos : match.start()])
        ref = _Ref(name=match.group(2), form=match.group(3), cap=bool(match.group(1)))
        tokens.append(ref)
        needed.setdefault(ref.name, set()).add(ref.form)
        if ref.name[0].isupper() and ref.name not in entities:
            entities.append(ref.name)
        pos = match.end()
    if pos < len(text):
        tokens.append(text[pos:])
    leftover = "".join(t for t in tokens if isinstance(t, str))
    if "{" in leftover or "}" in leftover:
        raise TemplateError(f"{where}: malformed slot reference in {text!r}")
    if "  " in text or text != text.strip():
        raise TemplateError(f"{where}: stray whitespace in {text!r}")
    return _Template(
        text=text,
        tokens=tuple(tokens),
        entities=tuple(entities),
        needed={k: frozenset(v) for k, v in needed.items()},
    )


def _parse_style(value: object) -> _Style:
    raw = _as_dict(value, "style")
    return _Style(
        lowercase_rate=_as_float(raw.get("lowercase_rate", 0.0), "style.lowercase_rate"),
        tail_rate=_as_float(raw.get("tail_rate", 0.0), "style.tail_rate"),
        tails=_str_tuple(raw.get("tails", []), "style.tails"),
        reply_rate=_as_float(raw.get("reply_rate", 0.0), "style.reply_rate"),
        reply_prefix=_as_str(raw.get("reply_prefix", "@user"), "style.reply_prefix"),
    )


def _parse_lang(lang: str, raw_value: object) -> _LangData:
    raw = _as_dict(raw_value, lang)
    if raw.get("lang") != lang:
        raise TemplateError(f"{lang}: 'lang' field does not match file name")

    groups: list[_Group] = []
    for key, gval in _as_dict(raw.get("groups"), f"{lang}.groups").items():
        where = f"{lang}.groups.{key}"
        graw = _as_dict(gval, where)
        shared = _forms(graw.get("shared", {}), f"{where}.shared")
        variants = tuple(
            {**shared, **_forms(v, f"{where}.variants[{i}]")}
            for i, v in enumerate(_as_list(graw.get("variants"), f"{where}.variants"))
        )
        if not variants:
            raise TemplateError(f"{where}: needs at least one variant")
        tags = frozenset(_str_tuple(graw.get("tags", []), f"{where}.tags"))
        groups.append(_Group(key=key, tags=tags, variants=variants))

    slots: dict[str, tuple[SlotEntry, ...]] = {}
    for name, sval in _as_dict(raw.get("slots"), f"{lang}.slots").items():
        where = f"{lang}.slots.{name}"
        entries = tuple(
            _slot_entry(v, f"{where}[{i}]") for i, v in enumerate(_as_list(sval, where))
        )
        if not entries:
            raise TemplateError(f"{where}: empty slot")
        slots[name] = entries

    group_keys = {g.key for g in groups}
    blocks: list[_Block] = []
    for i, bval in enumerate(_as_list(raw.get("blocks"), f"{lang}.blocks")):
        where = f"{lang}.blocks[{i}]"
        braw = _as_dict(bval, where)
        labels = frozenset(_str_tuple(braw.get("labels", []), f"{where}.labels"))
        unknown = labels - set(CATEGORIES)
        if unknown:
            raise TemplateError(f"{where}: unknown labels {sorted(unknown)}")
        only = frozenset(_str_tuple(braw.get("groups", []), f"{where}.groups"))
        if only - group_keys:
            raise TemplateError(f"{where}: unknown groups {sorted(only - group_keys)}")
        templates = tuple(
            _parse_template(_as_str(t, f"{where}.templates[{j}]"), f"{where}.templates[{j}]")
            for j, t in enumerate(_as_list(braw.get("templates"), f"{where}.templates"))
        )
        if not templates:
            raise TemplateError(f"{where}: no templates")
        for tpl in templates:
            for name in tpl.needed:
                if name != "G" and name not in slots:
                    raise TemplateError(f"{where}: unknown slot {{{name}}} in {tpl.text!r}")
        weight = _as_float(braw.get("weight", 1.0), f"{where}.weight")
        noise = _as_float(braw.get("noise", 0.0), f"{where}.noise")
        if weight < 0 or not 0 <= noise <= 1:
            raise TemplateError(f"{where}: weight must be >= 0 and noise in [0, 1]")
        blocks.append(
            _Block(
                case_type=_as_str(braw.get("case_type"), f"{where}.case_type"),
                labels=labels,
                weight=weight,
                noise=noise,
                tags=frozenset(_str_tuple(braw.get("tags", []), f"{where}.tags")),
                groups=only,
                templates=templates,
            )
        )
    if not blocks:
        raise TemplateError(f"{lang}: no blocks")
    return _LangData(
        lang=lang,
        groups=tuple(groups),
        slots=slots,
        blocks=tuple(blocks),
        style=_parse_style(raw.get("style", {})),
    )


@cache
def _load(lang: str) -> _LangData:
    if lang not in SUPPORTED_LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {SUPPORTED_LANGS}")
    path = TEMPLATE_DIR / f"{lang}.json"
    with path.open(encoding="utf-8") as handle:
        raw: object = json.load(handle)
    return _parse_lang(lang, raw)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _lookup(entry: SlotEntry, form: str | None, gender: str | None) -> FormValue | None:
    """Return the value of ``form`` for an entry, preferring ``form_<gender>``."""
    if isinstance(entry, str):
        return entry
    base = form or "default"
    if gender:
        value = entry.get(f"{base}_{gender}")
        if value is not None:
            return value
    return entry.get(base)


def _gender_of(entry: SlotEntry) -> str | None:
    if isinstance(entry, str):
        return None
    value = entry.get("g")
    return value if isinstance(value, str) else None


def _supports(entry: SlotEntry, forms: Iterable[str | None], gender: str | None) -> bool:
    return all(_lookup(entry, form, gender) is not None for form in forms)


def _pick(value: FormValue, rng: random.Random) -> str:
    return value if isinstance(value, str) else rng.choice(value)


def _capitalise(text: str) -> str:
    for i, char in enumerate(text):
        if char.isalpha():
            upper = char.upper()
            if len(upper) != 1:
                return text
            return text[:i] + upper + text[i + 1 :]
        if char not in "\"'«„“(¿¡":
            return text
    return text


def _render(
    tpl: _Template, block: _Block, data: _LangData, rng: random.Random
) -> tuple[str, list[tuple[int, int]]] | None:
    """Fill a template; returns the text and the character spans of group fills."""
    bound: dict[str, SlotEntry] = {}
    gender: str | None = None
    for name in tpl.entities:
        forms = tpl.needed[name]
        if name == "G":
            candidates = [
                g
                for g in data.groups
                if block.accepts(g) and any(_supports(v, forms, _gender_of(v)) for v in g.variants)
            ]
            if not candidates:
                return None
            group = rng.choice(candidates)
            entry: SlotEntry = rng.choice(
                [v for v in group.variants if _supports(v, forms, _gender_of(v))]
            )
        else:
            options = [e for e in data.slots[name] if _supports(e, forms, _gender_of(e))]
            if not options:
                return None
            entry = rng.choice(options)
        bound[name] = entry
        if gender is None:
            gender = _gender_of(entry)

    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    used: dict[str, set[str]] = {}
    length = 0
    for token in tpl.tokens:
        if isinstance(token, str):
            parts.append(token)
            length += len(token)
            continue
        if token.name in bound:
            ent = bound[token.name]
            value = _lookup(ent, token.form, _gender_of(ent))
            if value is None:
                return None
            text = _pick(value, rng)
        else:
            seen = used.setdefault(token.name, set())
            options = [
                e for e in data.slots[token.name] if _lookup(e, token.form, gender) is not None
            ]
            if not options:
                return None
            text = ""
            for _ in range(6):
                candidate = _lookup(rng.choice(options), token.form, gender)
                if candidate is None:
                    continue
                text = _pick(candidate, rng)
                if text not in seen:
                    break
            if not text:
                return None
            seen.add(text)
        if token.cap:
            text = _capitalise(text)
        if token.name == "G":
            spans.append((length, length + len(text)))
        parts.append(text)
        length += len(text)
    return "".join(parts), spans


# ---------------------------------------------------------------------------
# Surface noise (spelling variation) and social-media styling
# ---------------------------------------------------------------------------


def _noise_word(word: str, rng: random.Random) -> str:
    kinds = ["leet", "drop", "swap", "space", "repeat", "mask"]
    if len(word) < 4:
        kinds = ["leet", "space", "repeat"]
    kind = rng.choice(kinds)
    lower = word.lower()
    if kind == "leet":
        positions = [i for i, c in enumerate(lower) if c in _LEET]
        if not positions:
            return word + word[-1] * rng.randint(2, 4)
        chosen = set(rng.sample(positions, k=rng.randint(1, len(positions))))
        return "".join(_LEET[lower[i]] if i in chosen else c for i, c in enumerate(word))
    if kind == "drop":
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1 :]
    if kind == "swap":
        i = rng.randrange(1, len(word) - 2)
        if word[i] == word[i + 1]:
            return word[:i] + word[i + 2 :] if len(word) > 4 else word + word[-1] * 2
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "space":
        return " ".join(word)
    if kind == "mask":
        vowels = [i for i, c in enumerate(lower) if c in _VOWELS and 0 < i < len(word) - 1]
        if not vowels:
            return word[0] + "*" * (len(word) - 1)
        i = rng.choice(vowels)
        return word[:i] + "*" + word[i + 1 :]
    # repeat
    vowels = [i for i, c in enumerate(lower) if c in _VOWELS]
    i = rng.choice(vowels) if vowels else len(word) - 1
    return word[: i + 1] + word[i] * rng.randint(2, 4) + word[i + 1 :]


def _hashtag(text: str, start: int, rng: random.Random) -> str | None:
    """Join the word at ``start`` and the next one or two words into #CamelCase."""
    words = list(_ALNUM_RE.finditer(text))
    idx = next((i for i, m in enumerate(words) if m.start() <= start < m.end()), None)
    if idx is None:
        return None
    count = rng.randint(2, 3)
    chosen = words[idx : idx + count]
    if len(chosen) < 2:
        chosen = words[max(0, idx - 1) : idx + 1]
    if len(chosen) < 2:
        return None
    for left, right in itertools.pairwise(chosen):
        if text[left.end() : right.start()].strip():
            return None
    joined = "".join(m.group(0)[:1].upper() + m.group(0)[1:] for m in chosen)
    joined = "#" + joined if rng.random() < 0.7 else joined[:1].lower() + joined[1:]
    return text[: chosen[0].start()] + joined + text[chosen[-1].end() :]


def _add_noise(text: str, spans: Sequence[tuple[int, int]], rng: random.Random) -> str:
    targets: list[tuple[int, int]] = []
    if spans and rng.random() < 0.75:
        start, end = rng.choice(list(spans))
        targets = [(m.start() + start, m.end() + start) for m in _WORD_RE.finditer(text[start:end])]
        if not targets:
            targets = [
                (m.start() + start, m.end() + start)
                for m in re.finditer(r"[^\W\d_]{3,}", text[start:end])
            ]
    if not targets:
        targets = [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]
    if not targets:
        return text
    start, end = rng.choice(targets)
    if rng.random() < 0.15:
        joined = _hashtag(text, start, rng)
        if joined is not None:
            return joined
    return text[:start] + _noise_word(text[start:end], rng) + text[end:]


def _stylise(text: str, style: _Style, rng: random.Random) -> str:
    lowered = text.lower()
    if rng.random() < style.lowercase_rate and len(lowered) == len(text):
        return lowered
    return _capitalise(text)


def _decorate(text: str, style: _Style, rng: random.Random) -> str:
    if style.tails and rng.random() < style.tail_rate:
        tail = rng.choice(style.tails)
        if tail[:1].isalnum() or ord(tail[0]) > 0x2000:
            text = f"{text} {tail}"
        elif text[-1:] in ".!?" and tail[0] in ".!?":
            text = text.rstrip(".!?") + tail
        else:
            text = text + tail
    if not text.startswith("@") and rng.random() < style.reply_rate:
        text = f"{style.reply_prefix} {text}"
    return text


def _dedup_key(text: str) -> str:
    """Key used for de-duplication: case- and punctuation-insensitive."""
    return "".join(c for c in text.casefold() if c.isalnum() or ord(c) > 0x2000)


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------


def _allocate(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` proportionally to ``weights`` (largest remainder)."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    raw = [total * w / weight_sum for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


class _BlockState:
    def __init__(self, block: _Block) -> None:
        self.block = block
        self.active = list(range(len(block.templates)))
        self.fails = [0] * len(block.templates)

    @property
    def exhausted(self) -> bool:
        return not self.active


def _fill(
    state: _BlockState,
    wanted: int,
    data: _LangData,
    rng: random.Random,
    seen: set[str],
    out: list[dict[str, object]],
) -> int:
    block = state.block
    labels = {c: int(c in block.labels) for c in CATEGORIES}
    made = 0
    while made < wanted and state.active:
        slot = rng.randrange(len(state.active))
        index = state.active[slot]
        rendered = _render(block.templates[index], block, data, rng)
        text: str | None = None
        if rendered is not None:
            text, spans = rendered
            text = _stylise(text, data.style, rng)
            if block.noise and rng.random() < block.noise:
                text = _add_noise(text, spans, rng)
            # De-duplicate on the core text, so that a tail or reply prefix alone
            # never turns a repeated sentence into a "new" item.
            key = _dedup_key(text)
            if key in seen:
                text = None
            else:
                seen.add(key)
                text = _decorate(text, data.style, rng)
        if text is None:
            state.fails[index] += 1
            if rendered is None or state.fails[index] >= _MAX_CONSECUTIVE_FAILS:
                state.active.pop(slot)
            continue
        state.fails[index] = 0
        out.append(
            {
                "text": text,
                "lang": data.lang,
                "labels": dict(labels),
                "case_type": block.case_type,
                "source": "synthetic",
            }
        )
        made += 1
    return made


def _generate_lang(
    data: _LangData, rng: random.Random, per_lang: int, seen: set[str]
) -> list[dict[str, object]]:
    states = [_BlockState(b) for b in data.blocks]
    targets = _allocate(per_lang, [b.weight for b in data.blocks])
    out: list[dict[str, object]] = []
    for state, target in zip(states, targets, strict=True):
        _fill(state, target, data, rng, seen, out)
    # Blocks whose template space ran out leave a shortfall; spread it over the
    # remaining blocks by weight.
    while len(out) < per_lang:
        open_states = [s for s in states if not s.exhausted and s.block.weight > 0]
        if not open_states:
            break
        state = rng.choices(open_states, weights=[s.block.weight for s in open_states])[0]
        _fill(state, 1, data, rng, seen, out)
    rng.shuffle(out)
    return out


def generate(
    langs: Iterable[str] = ("nl", "fr", "en", "de"),
    seed: int = 0,
    per_lang: int = 4000,
) -> list[dict[str, object]]:
    """Generate labelled synthetic messages.

    Returns ``per_lang`` items per language (fewer only if the template space
    of a language is exhausted).  Every item is a dict with ``text``, ``lang``,
    ``labels`` (one 0/1 value per entry of :data:`CATEGORIES`), ``case_type``
    and ``source`` (always ``"synthetic"``).  Texts are unique across the
    whole result (compared case- and punctuation-insensitively) and the output
    is identical for identical arguments.
    """
    if per_lang < 0:
        raise ValueError("per_lang must be >= 0")
    lang_list = list(dict.fromkeys(langs))
    datasets = [_load(lang) for lang in lang_list]
    seen: set[str] = set()
    items: list[dict[str, object]] = []
    for data in datasets:
        rng = random.Random(f"brug-synthetic:{seed}:{data.lang}")
        items.extend(_generate_lang(data, rng, per_lang, seen))
    return items


def validate_templates(langs: Iterable[str] = SUPPORTED_LANGS, tries: int = 25) -> dict[str, int]:
    """Check that every template of every language can be rendered.

    Raises :class:`TemplateError` naming the first template that never
    renders; returns the number of templates per language.
    """
    counts: dict[str, int] = {}
    for lang in langs:
        data = _load(lang)
        rng = random.Random(f"validate:{lang}")
        total = 0
        for block in data.blocks:
            for tpl in block.templates:
                total += 1
                if not any(_render(tpl, block, data, rng) for _ in range(tries)):
                    raise TemplateError(f"{lang}/{block.case_type}: cannot render {tpl.text!r}")
        counts[lang] = total
    return counts


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--langs", default=",".join(SUPPORTED_LANGS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-lang", type=int, default=4000)
    parser.add_argument("--out", default="-", help="output JSON Lines file ('-' for stdout)")
    args = parser.parse_args(argv)
    items = generate(
        langs=[x.strip() for x in str(args.langs).split(",") if x.strip()],
        seed=int(args.seed),
        per_lang=int(args.per_lang),
    )
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    if args.out == "-":
        sys.stdout.write(lines)
    else:
        Path(str(args.out)).write_text(lines, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
