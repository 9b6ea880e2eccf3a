"""The fixed signal categories. Definitions with examples: docs/categories.md."""

from __future__ import annotations

HATE_SPEECH = "hate_speech"
VIOLENT_INTENT = "violent_intent"
EXTREMIST_NARRATIVE = "extremist_narrative"
ALIENATION = "alienation"
TROLLING = "trolling"
COUNTER_SPEECH = "counter_speech"

#: Categories in priority order (a review queue sorts violent intent first).
CATEGORIES: tuple[str, ...] = (
    VIOLENT_INTENT,
    HATE_SPEECH,
    EXTREMIST_NARRATIVE,
    ALIENATION,
    TROLLING,
    COUNTER_SPEECH,
)
#: Modifiers change how a message should be read; they lower other categories' scores.
MODIFIERS: tuple[str, ...] = (TROLLING, COUNTER_SPEECH)

DESCRIPTIONS: dict[str, str] = {
    HATE_SPEECH: "Attacks on people for a protected characteristic: derogation, "
    "dehumanisation, slurs, threats against a group or its members.",
    VIOLENT_INTENT: "Threats, calls for violence, or glorification of violence.",
    EXTREMIST_NARRATIVE: "Ideological markers: replacement/ZOG/NWO-type conspiracies, glorified "
    "extremist groups or attackers, accelerationism, jihadist or far-right propaganda, codes.",
    ALIENATION: "Grievance, injustice, humiliation, hopelessness, loneliness, distrust of "
    "institutions: the signals that someone might be reached with support.",
    TROLLING: "Irony, provocation, shitposting (a modifier: lowers how literally to read it).",
    COUNTER_SPEECH: "Quoting or reporting hate in order to reject it (a modifier).",
}
