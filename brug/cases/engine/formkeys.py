"""The approved user-task forms: ``camunda:formKey="brug:<key>"`` on a user task.

Each form is a Django form in ``brug.cases.forms`` backed by one service; when the person
submits it, the service's result is written into the process variables named here, which
gateway conditions may then read. A user task without a ``brug:`` form key gets the generic
"done" form (a note and a button), so any drawn process can run.
"""

from __future__ import annotations

FORM_KEYS: dict[str, dict[str, str]] = {
    # key: {variable: meaning}
    "assessment": {"assessed": "true once a needs assessment is recorded"},
    "consent": {"consent": '"given", "refused" or "not_possible"'},
    "consent_override": {"override": "true when a supervisor proceeds without consent"},
    "case_conference": {"conference_decision": '"refer" or "no_referral"'},
    "choose_offer": {"referral_id": "the referral that was sent"},
    "referral_answer": {"referral_answer": '"accepted" or "declined"'},
    "escalation": {"escalation_decision": '"wait" or "withdraw"'},
    "first_contact": {"first_contact": "true once the partner met the person"},
    "outcome": {"outcome": '"engaged", "not_engaged", "completed" or "dropped_out"'},
    "follow_up": {"follow_up_done": "true"},
    "close": {"closed": "true"},
    "done": {},
}

GENERIC = "done"


def form_key(raw: str | None) -> str | None:
    """The Brug form named by a Camunda form key, ``GENERIC`` for foreign keys, ``None`` when a
    ``brug:`` key is unknown (the import reports it)."""
    if not raw:
        return GENERIC
    if raw.startswith("brug:"):
        key = raw.removeprefix("brug:")
        return key if key in FORM_KEYS else None
    return GENERIC
