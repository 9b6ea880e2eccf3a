"""The metadata beside a BPMN file: which role and organisation each lane is."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from brug.cases.engine.metadata import LaneRole, check_metadata
from brug.cases.engine.parsing import ProcessFileError, inspect

from . import REFERRAL, REFERRAL_METADATA, bpmn, flow

MODEL = inspect(REFERRAL)


def meta(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(REFERRAL_METADATA)
    raw.update(changes)
    return raw


def problems(raw: Any, model: Any = MODEL) -> list[str]:
    with pytest.raises(ProcessFileError) as info:
        check_metadata(raw, model)
    return info.value.problems


def test_valid_metadata() -> None:
    result = check_metadata(meta(description="Five working days for an answer."), MODEL)
    assert result.key == "referral"
    assert result.title == "Referral"
    assert result.lane_for("Lane_Partner") == LaneRole("partner_caseworker", "partner")
    assert result.lane_for(None) is None
    assert result.as_dict()["lanes"]["Lane_Worker"] == {"role": "prevention_worker",
                                                        "organisation": "case"}


def test_unmapped_lane_with_user_tasks_is_named() -> None:
    raw = meta(lanes={"Lane_Worker": {"role": "prevention_worker", "organisation": "case"}})
    assert problems(raw) == ["User task 'Answer the referral' (id Task_Answer) is in no mapped "
                             "lane; map its lane to a role."]


def test_roles_that_read_no_case_content_cannot_hold_a_lane() -> None:
    for role, side in (("administrator", "case"), ("dpo", "case"), ("counsellor", "case"),
                       ("supervisor", "partner")):
        raw = meta(lanes={**REFERRAL_METADATA["lanes"],
                          "Lane_Partner": {"role": role, "organisation": side}})
        assert problems(raw)[0].startswith("Lane 'Lane_Partner' needs an organisation (")


def test_unknown_role_or_side_is_refused() -> None:
    for spec in ({"role": "janitor", "organisation": "case"},
                 {"role": "supervisor", "organisation": "elsewhere"},
                 {"role": "supervisor"}, "supervisor"):
        raw = meta(lanes={**REFERRAL_METADATA["lanes"], "Lane_Partner": spec})
        found = problems(raw)
        assert found[0].startswith("Lane 'Lane_Partner' needs an organisation (")
        assert "partner_caseworker" in found[0]
        # the lane is then unmapped, so its user task is reported too
        assert any("Task_Answer" in p for p in found)


def test_unknown_lane_id_is_refused() -> None:
    raw = meta(lanes={**REFERRAL_METADATA["lanes"],
                      "Lane_Ghost": {"role": "supervisor", "organisation": "case"}})
    found = problems(raw)
    assert len(found) == 1
    assert found[0].startswith("The metadata names lane 'Lane_Ghost', which the diagram lacks "
                               "(lanes: Lane_Partner, Lane_Worker")


def test_key_title_and_shape_are_checked() -> None:
    assert problems([]) == ["The metadata must be a JSON object."]
    found = problems({"key": "Bad Key", "title": " ", "lanes": []})
    assert found[:3] == [
        "The metadata needs a 'key' of lower-case letters, digits and _.",
        "The metadata needs a 'title' of at most 200 characters.",
        "The metadata needs 'lanes': an object from lane id to role."]


def test_default_lane_places_tasks_outside_lanes() -> None:
    body = ('<bpmn:laneSet><bpmn:lane id="Lane_Worker" name="Worker">'
            "<bpmn:flowNodeRef>Task_In</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>"
            '<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Task_In")
            + '<bpmn:userTask id="Task_In"/>' + flow("Task_In", "Task_Out")
            + '<bpmn:userTask id="Task_Out" name="Drawn outside"/>' + flow("Task_Out", "End_1")
            + '<bpmn:endEvent id="End_1"/>')
    model = inspect(bpmn(body))
    lanes = {"Lane_Worker": {"role": "prevention_worker", "organisation": "case"}}
    assert problems(meta(lanes=lanes), model) == [
        "User task 'Drawn outside' (id Task_Out) is in no mapped lane; map its lane to a role."]
    result = check_metadata(meta(lanes=lanes, default_lane="Lane_Worker"), model)
    assert result.lane_for(model.nodes["Task_Out"].lane) == LaneRole("prevention_worker", "case")
    assert problems(meta(lanes=lanes, default_lane="Lane_Nope"), model)[0] == (
        "'default_lane' must be one of the mapped lanes.")


LANELESS = bpmn('<bpmn:startEvent id="StartEvent_1"/>' + flow("StartEvent_1", "Task_A")
                + '<bpmn:userTask id="Task_A" name="Do it"/>' + flow("Task_A", "End_1")
                + '<bpmn:endEvent id="End_1"/>', process_id="Process_Plain")


def test_file_without_lanes_cannot_be_mapped_today() -> None:
    model = inspect(LANELESS)
    assert model.lanes == {}
    assert problems(meta(lanes={}), model) == [
        "User task 'Do it' (id Task_A) is in no mapped lane; map its lane to a role."]


def test_file_without_lanes_maps_its_process_as_the_lane() -> None:
    model = inspect(LANELESS)
    raw = meta(lanes={"Process_Plain": {"role": "prevention_worker", "organisation": "case"}},
               default_lane="Process_Plain")
    result = check_metadata(raw, model)
    assert result.lane_for(model.nodes["Task_A"].lane) == LaneRole("prevention_worker", "case")
