"""The shipped processes' own JSON test cases run in the suite (each walks one path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from brug.cases import workflow
from brug.cases.engine import testcases

FOLDERS = workflow.shipped_folders()
CASES = [(folder, path) for folder in FOLDERS for path in sorted((folder / "tests").glob("*.json"))]


def test_both_processes_are_shipped() -> None:
    assert {f.name for f in FOLDERS} == {"to_be", "as_is"}


@pytest.mark.parametrize(("folder", "path"), CASES, ids=[f"{f.name}/{p.stem}" for f, p in CASES])
def test_process_case(folder: Path, path: Path) -> None:
    import json

    bpmn, model, _meta = testcases.load_folder(folder)
    result = testcases.run_case(bpmn, model, json.loads(path.read_text("utf-8")), path)
    assert result.ok, "\n".join(result.failures)


def test_a_wrongly_wired_diagram_fails_its_cases() -> None:
    """The cases can fail: swap the consent condition and the happy path no longer passes."""
    import json

    folder = workflow.PROCESSES_DIR / "to_be"
    bpmn, _model, _meta = testcases.load_folder(folder)
    broken = bpmn.replace(b'consent == "given"', b'consent == "refused"')
    assert broken != bpmn
    from brug.cases.engine.parsing import inspect

    model = inspect(broken)
    results = [testcases.run_case(broken, model, json.loads(p.read_text("utf-8")), p)
               for p in sorted((folder / "tests").glob("*.json"))]
    assert any(not r.ok for r in results)
