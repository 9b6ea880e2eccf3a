"""Human, translated labels for the detector's raw terms on the review pages.

The detector (``brug/detection``) is Django-free and speaks in stable English keys: evidence
sources (glossary, target, cue), glossary kinds and cue types (from ``glossary.tsv`` and
``cues.tsv``), protected groups (``targets.tsv``), context modifiers and their reasons
(``context.py``). Reviewers read labels in their own language instead. A key unknown here (a
new row in a data file) is shown as it is, so nothing disappears from the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.translation import get_language_info, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from brug.review.forms import LANGUAGE_NAMES
from brug.review.models import Label
from brug.review.selectors import CATEGORY_LABELS

register = template.Library()

# Kinds of glossary entry (glossary.tsv, column "kind").
GLOSSARY_KINDS: dict[str, Any] = {
    "slur": pgettext_lazy("glossary kind", "slur"),
    "phrase": pgettext_lazy("glossary kind", "phrase"),
    "code": pgettext_lazy("glossary kind", "code word"),
    "symbol": pgettext_lazy("glossary kind", "symbol"),
    "slang": pgettext_lazy("glossary kind", "slang"),
    "number": pgettext_lazy("glossary kind", "number code"),
    "emoji": pgettext_lazy("glossary kind", "emoji"),
}

# Types of context cue (cues.tsv, column "cue").
CUE_KINDS: dict[str, Any] = {
    "alienation": pgettext_lazy("cue type", "alienation"),
    "condemnation": pgettext_lazy("cue type", "condemnation"),
    "dehumanising": pgettext_lazy("cue type", "dehumanising language"),
    "in_group": pgettext_lazy("cue type", "speaker belongs to the group"),
    "irony": pgettext_lazy("cue type", "irony"),
    "negation": pgettext_lazy("cue type", "negation"),
    "negative_attribute": pgettext_lazy("cue type", "negative attribute"),
    "positive": pgettext_lazy("cue type", "positive wording"),
    "profanity": pgettext_lazy("cue type", "profanity"),
    "question": pgettext_lazy("cue type", "question"),
    "reporting": pgettext_lazy("cue type", "reporting or quoting"),
    "violence": pgettext_lazy("cue type", "violent wording"),
}

# Protected groups (targets.tsv, column "group"), in neutral wording.
TARGET_GROUPS: dict[str, Any] = {
    "arab": pgettext_lazy("protected group", "Arab people"),
    "asian": pgettext_lazy("protected group", "Asian people"),
    "black": pgettext_lazy("protected group", "Black people"),
    "disabled": pgettext_lazy("protected group", "people with a disability"),
    "gay": pgettext_lazy("protected group", "LGBTQ+ people"),
    "immigrant": pgettext_lazy("protected group", "people with a migration background"),
    "jew": pgettext_lazy("protected group", "Jewish people"),
    "moroccan": pgettext_lazy("protected group", "people of Moroccan origin"),
    "muslim": pgettext_lazy("protected group", "Muslims"),
    "refugee": pgettext_lazy("protected group", "refugees and asylum seekers"),
    "roma": pgettext_lazy("protected group", "Roma and Travellers"),
    "trans": pgettext_lazy("protected group", "trans people"),
    "turkish": pgettext_lazy("protected group", "people of Turkish origin"),
    "women": pgettext_lazy("protected group", "women"),
}

# Context modifiers (context.py, ``Modifier.name``).
MODIFIERS: dict[str, Any] = {
    "counter_speech": _("Counter speech"),
    "trolling": _("Trolling"),
    "no_protected_group": _("No protected group named"),
    "negation": pgettext_lazy("modifier", "Negation"),
    "in_group_use": _("Use from within the group"),
}

# The detector's English reasons (context.py), keyed by their exact text: a reason the detector
# rewords no longer matches and is then shown in English rather than mistranslated.
MODIFIER_REASONS: dict[str, Any] = {
    "reads as quoting, reporting or rejecting hate":
        _("reads as quoting, reporting or rejecting hate"),
    "ironic or provocative register": _("ironic or provocative register"),
    "no protected group or slur is named": _("no protected group or slur is named"),
    "the negative statement is negated": _("the negative statement is negated"),
    "the speaker presents as a member of the group (possible reclaimed use)":
        _("the speaker presents as a member of the group (possible reclaimed use)"),
}


def _label(table: dict[str, Any], value: Any) -> str:
    key = str(value or "")
    return str(table.get(key, key))


@register.filter
def category_name(value: Any) -> str:
    """A detector category (``hate_speech``) by its translated name; an unknown one as it is."""
    return _label(CATEGORY_LABELS, value)


@register.filter
def glossary_kind(value: Any) -> str:
    """A glossary kind in the page's language; an unknown kind as it is."""
    return _label(GLOSSARY_KINDS, value)


@register.filter
def cue_kind(value: Any) -> str:
    return _label(CUE_KINDS, value)


@register.filter
def target_group(value: Any) -> str:
    return _label(TARGET_GROUPS, value)


@register.filter
def modifier_name(value: Any) -> str:
    return _label(MODIFIERS, value)


@register.filter
def modifier_names(values: Iterable[Any] | None) -> str:
    """A list of modifier keys as one comma-separated, translated string."""
    return ", ".join(modifier_name(v) for v in values or [])


@register.filter
def modifier_reason(value: Any) -> str:
    """The translated reason, or "" when the detector's text is not known here (the template
    then shows the English original, marked ``lang="en"``)."""
    found = MODIFIER_REASONS.get(str(value or ""))
    return str(found) if found is not None else ""


@register.filter
def decision_labels(values: Iterable[Any] | None) -> str:
    """A decision's label keys as their translated names, comma-separated."""
    names = dict(Label.choices)
    return ", ".join(str(names.get(str(v), v)) for v in values or [])


@register.filter
def language_name(code: Any) -> str:
    """The name of a message language ("nl" -> "Dutch", translated); "—" when there is none.

    Brug's own names first (they include "und" = unknown), then Django's list; a code neither
    knows is shown as it is.
    """
    key = str(code or "")
    if not key:
        return "—"
    if key in LANGUAGE_NAMES:
        return str(LANGUAGE_NAMES[key])
    try:
        return str(get_language_info(key)["name_translated"])
    except KeyError:
        return key
