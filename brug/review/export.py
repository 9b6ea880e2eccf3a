"""The labels export as JSONL: one ``{"text", "lang", "labels"}`` object per line, the format
``brug train --labels`` reads (``brug.detection.datasets.reviewer_labels``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """One JSON object per line; text stays readable (no ASCII escaping)."""
    for row in rows:
        yield json.dumps({"text": row["text"], "lang": row.get("lang") or "",
                          "labels": list(row["labels"])}, ensure_ascii=False) + "\n"
