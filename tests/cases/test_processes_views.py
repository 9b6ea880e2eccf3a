"""The process pages: the list, one version, its BPMN file, and uploading a new version.

Fixtures are a small inline process (a worker lane and a partner lane, two user tasks) stored
with ``definition_store``; the shipped ``to_be`` is used only where it exists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from brug.accounts.models import User
from brug.audit.models import AuditEntry
from brug.cases import reports, views_processes, workflow
from brug.cases.models import ProcessDefinition, ProcessInstance
from brug.cases.services import case_open
from brug.cases.workflow import definition_store
from tests.factories import login

pytestmark = pytest.mark.django_db

KEY = "street_work"
TO_BE = Path(workflow.PROCESSES_DIR) / "to_be" / "to_be.bpmn"


def bpmn(answer_name: str = "Answer the referral", *, extra: str = "") -> bytes:
    """Two user tasks, one per lane; ``answer_name`` changes the file (a new version)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Defs_sw" targetNamespace="https://x">
  <bpmn:process id="street_work" name="Street work" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_Worker" name="Prevention worker">
        <bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_Assess</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_Remind</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_Partner" name="Partner caseworker">
        <bpmn:flowNodeRef>Task_Answer</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>EndEvent_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" name="Case opened" />
    <bpmn:userTask id="Task_Assess" name="Assess the needs" camunda:formKey="brug:assessment" />
    <bpmn:serviceTask id="Task_Remind" name="Remind the partner" camunda:type="external"
        camunda:topic="remind_partner" />
    <bpmn:userTask id="Task_Answer" name="{answer_name}" camunda:formKey="brug:referral_answer" />
    {extra}
    <bpmn:endEvent id="EndEvent_1" name="Done" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Assess" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Assess" targetRef="Task_Remind" />
    <bpmn:sequenceFlow id="F3" sourceRef="Task_Remind" targetRef="Task_Answer" />
    <bpmn:sequenceFlow id="F4" sourceRef="Task_Answer" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>""".encode()


def metadata(key: str = KEY, title: str = "Street work") -> dict[str, object]:
    return {"key": key, "title": title, "description": "Two steps, two lanes.",
            "lanes": {"Lane_Worker": {"role": "prevention_worker", "organisation": "case"},
                      "Lane_Partner": {"role": "partner_caseworker",
                                       "organisation": "partner"}}}


def store(key: str = KEY, answer_name: str = "Answer the referral") -> ProcessDefinition:
    return definition_store(bpmn=bpmn(answer_name), metadata=metadata(key), actor=None)


def upload(client: Client, data: bytes, meta: str | None = None, *,
           meta_file: bytes | None = None) -> Any:
    post: dict[str, object] = {"bpmn": SimpleUploadedFile("p.bpmn", data, "application/xml")}
    if meta is not None:
        post["metadata_text"] = meta
    if meta_file is not None:
        post["metadata_file"] = SimpleUploadedFile("p.json", meta_file, "application/json")
    return client.post(reverse("cases:process_upload"), post)


# --- who may see what ------------------------------------------------------------------------

@pytest.mark.parametrize("persona,status", [
    ("prevention_worker", 200), ("outreach_worker", 200), ("supervisor", 200), ("dpo", 200),
    ("administrator", 200), ("counsellor", 403), ("partner_caseworker", 403)])
def test_process_pages_need_process_view(client: Client, request: pytest.FixtureRequest,
                                         persona: str, status: int) -> None:
    definition = store()
    login(client, request.getfixturevalue(persona))
    for url in (reverse("cases:processes"), reverse("cases:process", args=[definition.pk]),
                reverse("cases:process_diagram", args=[definition.pk]),
                reverse("cases:report")):
        assert client.get(url).status_code == status, url


@pytest.mark.parametrize("persona,status", [
    ("administrator", 200), ("supervisor", 403), ("prevention_worker", 403), ("dpo", 403)])
def test_only_administrators_may_upload(client: Client, request: pytest.FixtureRequest,
                                        persona: str, status: int) -> None:
    login(client, request.getfixturevalue(persona))
    assert client.get(reverse("cases:process_upload")).status_code == status
    response = upload(client, bpmn(), json.dumps(metadata()))
    assert response.status_code == (302 if status == 200 else 403)
    assert ProcessDefinition.objects.filter(key=KEY).exists() is (status == 200)


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("cases:processes"))
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"] or "login" in response["Location"]


# --- list, detail, diagram -------------------------------------------------------------------

def test_list_shows_each_key_with_its_versions_and_counts(
        client: Client, prevention_worker: User, administrator: User) -> None:
    first = store()
    case_open(actor=prevention_worker, subject_label="Client K-1", process_key=KEY,
              observation="Seen handing out flyers of a banned group.")
    definition_store(bpmn=bpmn("Answer quickly"), metadata=metadata(), actor=administrator)
    login(client, prevention_worker)
    response = client.get(reverse("cases:processes"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(reverse("cases:process", args=[first.pk])) == 1
    assert "Version 2" in html and "Version 1" in html
    assert "shipped with Brug" not in html
    assert f"uploaded by {administrator.label}" in html
    assert first.sha256[:12] in html
    rows = {d.version: (d.running, d.completed)  # type: ignore[attr-defined]
            for d in reports.process_versions(actor=prevention_worker, key=KEY)}
    assert rows == {1: (1, 0), 2: (0, 0)}


def test_list_counts_only_the_own_organisations_cases(
        prevention_worker: User, outsider: User) -> None:
    store()
    case_open(actor=outsider, subject_label="Client X-1", process_key=KEY,
              observation="Another municipality's case, not ours.")
    assert [(d.running, d.completed) for d in  # type: ignore[attr-defined]
            reports.process_versions(actor=prevention_worker)] == [(0, 0)]


@pytest.mark.skipif(not TO_BE.exists(), reason="the shipped to_be process is not there yet")
def test_first_visit_stores_the_shipped_processes(client: Client, supervisor: User) -> None:
    assert not ProcessDefinition.objects.exists()
    login(client, supervisor)
    response = client.get(reverse("cases:processes"))
    assert response.status_code == 200
    shipped = ProcessDefinition.objects.get(key="to_be")
    assert shipped.shipped and shipped.version == 1
    assert "shipped with Brug" in response.content.decode()


def test_detail_describes_lanes_forms_and_handlers(client: Client, dpo: User) -> None:
    definition = store()
    login(client, dpo)
    response = client.get(reverse("cases:process", args=[definition.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Street work" in html and "Two steps, two lanes." in html
    # lanes → role and organisation side
    assert "Partner caseworker" in html and "the partner the current referral was sent to" in html
    assert "the organisation that owns the case" in html
    # user tasks with their forms and what they record; service task with its handler
    assert "Assess the needs" in html and "<code>assessment</code>" in html
    assert "referral_answer" in html and "&quot;accepted&quot; or &quot;declined&quot;" in html
    assert "remind_partner" in html and "Remind the receiving partner" in html
    # the diagram viewer gets the BPMN file of this version
    assert f'data-bpmn-url="{reverse("cases:process_diagram", args=[definition.pk])}"' in html
    assert "Running cases keep the version they started on" in html
    assert "Upload a new version" not in html  # the DPO does not manage processes


def test_diagram_is_the_stored_xml(client: Client, prevention_worker: User) -> None:
    definition = store()
    login(client, prevention_worker)
    response = client.get(reverse("cases:process_diagram", args=[definition.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert response.content == bpmn()


def test_unknown_version_is_not_found(client: Client, prevention_worker: User) -> None:
    login(client, prevention_worker)
    assert client.get(reverse("cases:process", args=[999])).status_code == 404


def test_shipped_test_cases_run_against_the_version_and_list_failures(
        client: Client, supervisor: User, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / KEY
    (folder / "tests").mkdir(parents=True)
    (folder / f"{KEY}.bpmn").write_bytes(bpmn())
    (folder / "tests" / "a_path.json").write_text(json.dumps({
        "name": "assess, then the partner answers",
        "steps": [{"do": "Task_Assess"}, {"ready": ["Task_Answer"]}, {"do": "Task_Answer"}],
        "end": "EndEvent_1", "handlers": ["remind_partner"]}))
    (folder / "tests" / "b_wrong.json").write_text(json.dumps({
        "name": "expects the wrong task", "steps": [{"ready": ["Task_Answer"]}], "end": None}))
    monkeypatch.setattr(reports, "PROCESSES_DIR", tmp_path)
    definition = definition_store(bpmn=bpmn(), metadata=metadata(), actor=None, shipped=True)
    login(client, supervisor)
    html = client.get(reverse("cases:process", args=[definition.pk])).content.decode()
    assert "assess, then the partner answers" in html
    assert "expects the wrong task" in html
    assert "1 test case failed" in html
    assert "expected waiting [&#x27;Task_Answer&#x27;], found [&#x27;Task_Assess&#x27;]" in html
    assert "run against this version just now" in html


# --- upload ------------------------------------------------------------------------------------

def test_upload_of_a_broken_file_lists_every_problem(client: Client,
                                                     administrator: User) -> None:
    broken = bpmn(extra='<bpmn:scriptTask id="Task_Script" name="Compute"><bpmn:script>'
                        'x = 1</bpmn:script></bpmn:scriptTask>')
    meta = metadata()
    meta["lanes"]["Lane_Ghost"] = {"role": "supervisor", "organisation": "case"}  # type: ignore[index]
    login(client, administrator)
    response = upload(client, broken, json.dumps(meta))
    html = response.content.decode()
    assert response.status_code == 400
    assert "The process was not stored" in html
    assert "scriptTask &#x27;Compute&#x27; (id Task_Script)" in html
    assert not ProcessDefinition.objects.exists()


def test_upload_with_metadata_problems_names_the_lane(client: Client,
                                                      administrator: User) -> None:
    meta = metadata()
    meta["lanes"]["Lane_Ghost"] = {"role": "supervisor", "organisation": "case"}  # type: ignore[index]
    del meta["lanes"]["Lane_Partner"]  # type: ignore[attr-defined]
    login(client, administrator)
    response = upload(client, bpmn(), json.dumps(meta))
    html = response.content.decode()
    assert response.status_code == 400
    assert "2 problems were found" in html
    assert "Lane_Ghost" in html
    assert "User task &#x27;Answer the referral&#x27; (id Task_Answer) is in no mapped lane" \
        in html


@pytest.mark.parametrize("data,meta,expected", [
    (bpmn(), "{'key': 'x'}", "The metadata is not valid JSON"),
    (bpmn(), "", "The metadata is needed"),
    ("<?xml version='1.0' encoding='latin-1'?><x>café</x>".encode("latin-1"), "{}",
     "is not UTF-8 text"),
    (b"<not xml", json.dumps(metadata()), "not well-formed XML"),
    (b'<?xml version="1.0"?><root/>', json.dumps(metadata()), "This is not a BPMN 2.0 file"),
    (bpmn(), "[1, 2]", "The metadata must be a JSON object"),
    (bpmn(), "[" * 100_000, "The metadata is not valid JSON"),
])
def test_upload_problems_are_shown_never_a_500(client: Client, administrator: User,
                                                data: bytes, meta: str, expected: str) -> None:
    login(client, administrator)
    response = upload(client, data, meta)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not ProcessDefinition.objects.exists()


def test_upload_refuses_a_file_over_the_size_limit(client: Client, administrator: User,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views_processes, "MAX_BPMN_BYTES", 100)
    login(client, administrator)
    response = upload(client, bpmn(), json.dumps(metadata()))
    assert response.status_code == 400
    assert "The BPMN file is larger than" in response.content.decode()


def test_upload_takes_the_metadata_as_a_file(client: Client, administrator: User) -> None:
    login(client, administrator)
    response = upload(client, bpmn(), meta_file=json.dumps(metadata()).encode("utf-8-sig"))
    definition = ProcessDefinition.objects.get(key=KEY)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:process", args=[definition.pk])
    assert definition.uploaded_by == administrator and not definition.shipped


def test_upload_of_a_new_version_leaves_running_cases_on_theirs(
        client: Client, administrator: User, prevention_worker: User) -> None:
    store()
    running = case_open(actor=prevention_worker, subject_label="Client K-2", process_key=KEY,
                        observation="Talks about leaving school to join a group.")
    login(client, administrator)
    response = upload(client, bpmn("Answer within five days"), json.dumps(metadata()))
    v2 = ProcessDefinition.objects.get(key=KEY, version=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:process", args=[v2.pk])
    page = client.get(response["Location"]).content.decode()
    assert "stored as version 2" in page
    instance = ProcessInstance.objects.get(case=running)
    assert instance.definition.version == 1
    assert instance.definition_sha256 != v2.sha256
    later = case_open(actor=prevention_worker, subject_label="Client K-3", process_key=KEY,
                      observation="Shares propaganda videos in the class chat.")
    assert later.process.definition == v2
    assert AuditEntry.objects.filter(action="process.store", object_id=str(v2.pk)).exists()
    # the older version's page says a newer one exists
    old = client.get(reverse("cases:process", args=[instance.definition_id])).content.decode()
    assert "A newer version exists" in old


def test_uploading_the_same_file_again_changes_nothing(client: Client,
                                                       administrator: User) -> None:
    store()
    login(client, administrator)
    response = upload(client, bpmn(), json.dumps(metadata()))
    assert response.status_code == 302
    assert ProcessDefinition.objects.filter(key=KEY).count() == 1
    assert "already stored as version 1" in client.get(response["Location"]).content.decode()


def test_upload_form_can_start_from_an_existing_version(client: Client,
                                                        administrator: User) -> None:
    definition = store()
    login(client, administrator)
    html = client.get(reverse("cases:process_upload") + f"?from={definition.pk}"
                      ).content.decode()
    assert "&quot;key&quot;: &quot;street_work&quot;" in html


@pytest.mark.skipif(not list((TO_BE.parent / "tests").glob("*.json")),
                    reason="the shipped to_be process has no test cases yet")
def test_shipped_to_be_page_runs_its_test_cases(client: Client, supervisor: User) -> None:
    definition = workflow.definition_latest("to_be")
    login(client, supervisor)
    html = client.get(reverse("cases:process", args=[definition.pk])).content.decode()
    count = len(list((TO_BE.parent / "tests").glob("*.json")))
    assert f"All {count} test cases passed" in html
    assert "shipped with Brug" in html
