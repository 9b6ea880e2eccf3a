"""The approved list of service-task handlers.

A BPMN service task names its handler with Camunda's external-task topic
(``camunda:type="external" camunda:topic="remind_partner"``). Only the names below are accepted
when a file is imported. Each handler has a pure effect on the process variables (run by the
engine, also in the JSON test cases) and may have a side effect inside Brug (a reminder in an
inbox, a note to the supervisor) that the cases app plugs in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Variables = dict[str, Any]


@dataclass(frozen=True)
class Handler:
    name: str
    description: str
    effect: Callable[[Variables], Variables]


def _count(key: str) -> Callable[[Variables], Variables]:
    def effect(data: Variables) -> Variables:
        value = data.get(key)
        return {key: (value if isinstance(value, int) else 0) + 1}
    return effect


def _nothing(data: Variables) -> Variables:
    return {}


HANDLERS: dict[str, Handler] = {h.name: h for h in [
    Handler("remind_partner",
            "Remind the receiving partner that a referral waits for an answer "
            "(counts 'reminders').", _count("reminders")),
    Handler("notify_supervisor",
            "Put a note in the inbox of the case organisation's supervisors "
            "(counts 'escalations').", _count("escalations")),
    Handler("notify_owner", "Put a note in the case owner's inbox.", _nothing),
    Handler("release_place",
            "Give the referral's place back to the offer when a referral ends.", _nothing),
]}
