"""`brug train` end to end on a small sample (real embeddings, real fitting)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brug.detection import Detector
from brug.detection.datasets import DataError, reviewer_labels
from brug.detection.train import train


def test_train_small_writes_a_loadable_detector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRUG_CACHE", str(tmp_path / "cache"))
    labels = tmp_path / "reviewed.jsonl"
    labels.write_text(
        json.dumps({"text": "Niemand luistert ooit naar mensen zoals wij", "lang": "nl",
                    "labels": ["genuine_grievance"]}) + "\n", encoding="utf-8")
    out = tmp_path / "model"
    report = train(data_dir=None, labels=[labels], out=out, per_lang=60, log=lambda _: None)
    assert report["examples"]["reviewers"] == 1
    assert 0.0 < report["gate"]["threshold"] < 1.0
    detector = Detector.from_disk(out)
    result = detector.score(["Goeiedag allemaal"])[0]
    assert set(result.scores) == set(report["learned"]) | set(result.scores)
    assert (out / "training-report.json").exists()


def test_reviewer_labels_reject_unknown_labels(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "x", "labels": ["maybe"]}\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 1"):
        list(reviewer_labels(path))
