"""The small metadata file beside each BPMN file: which role and organisation each lane is.

``<name>.json``::

    {"key": "to_be", "title": "...", "description": "...",
     "lanes": {"Lane_Worker": {"role": "prevention_worker", "organisation": "case"},
               "Lane_Partner": {"role": "partner_caseworker", "organisation": "partner"}}}

``organisation`` is ``case`` (the organisation that owns the case) or ``partner`` (the
organisation the current referral was sent to). ``default_lane`` (optional) places user tasks
that are drawn outside any lane.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .parsing import ProcessFileError, ProcessModel

# Who may hold a lane: on the case side, the roles that work on cases; on the partner side, the
# role that answers referrals. (Administrators and DPOs read no case content.)
SIDE_ROLES = {"case": {"prevention_worker", "outreach_worker", "supervisor"},
              "partner": {"partner_caseworker"}}
ROLES = set().union(*SIDE_ROLES.values())
SIDES = set(SIDE_ROLES)
KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")  # the key column holds 40 characters


@dataclass(frozen=True)
class LaneRole:
    role: str
    organisation: str  # "case" or "partner"


@dataclass(frozen=True)
class Metadata:
    key: str
    title: str
    description: str
    lanes: dict[str, LaneRole]
    default_lane: str | None

    def lane_for(self, lane_id: str | None) -> LaneRole | None:
        return self.lanes.get(lane_id or self.default_lane or "")

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "description": self.description,
                "lanes": {k: {"role": v.role, "organisation": v.organisation}
                          for k, v in self.lanes.items()},
                "default_lane": self.default_lane}


def check_metadata(raw: Any, model: ProcessModel) -> Metadata:
    """Validate the metadata against the process; every user task must land in a mapped lane."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise ProcessFileError(["The metadata must be a JSON object."])
    key = raw.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        problems.append("The metadata needs a 'key' of lower-case letters, digits and _.")
    title = raw.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        problems.append("The metadata needs a 'title' of at most 200 characters.")
    lanes: dict[str, LaneRole] = {}
    raw_lanes = raw.get("lanes")
    if not isinstance(raw_lanes, dict):
        problems.append("The metadata needs 'lanes': an object from lane id to role.")
        raw_lanes = {}
    # The process id stands for the whole pool: files drawn without lanes map it as a lane
    # and name it as default_lane.
    known = {*model.lanes, model.process_id}
    for lane_id, spec in raw_lanes.items():
        if lane_id not in known:
            problems.append(f"The metadata names lane {lane_id!r}, which the diagram lacks "
                            f"(lanes: {', '.join(sorted(model.lanes)) or 'none'}; or the "
                            f"process id {model.process_id!r} for the whole pool).")
            continue
        if not isinstance(spec, dict) or spec.get("organisation") not in SIDES or \
                spec.get("role") not in SIDE_ROLES[spec["organisation"]]:
            problems.append(
                f"Lane {lane_id!r} needs an organisation ('case' or 'partner') and a role that "
                f"may work there (case: {', '.join(sorted(SIDE_ROLES['case']))}; partner: "
                f"{', '.join(sorted(SIDE_ROLES['partner']))}).")
            continue
        lanes[lane_id] = LaneRole(spec["role"], spec["organisation"])
    default_lane = raw.get("default_lane")
    if default_lane is not None and (not isinstance(default_lane, str)
                                     or default_lane not in lanes):
        problems.append("'default_lane' must be one of the mapped lanes.")
    for node in model.user_tasks:
        lane = node.lane or default_lane
        if lane not in lanes:
            problems.append(f"User task '{node.name}' (id {node.id}) is in no mapped lane; "
                            "map its lane to a role.")
    if problems:
        raise ProcessFileError(problems)
    return Metadata(str(key), str(title).strip(), str(raw.get("description") or ""), lanes,
                    default_lane)
