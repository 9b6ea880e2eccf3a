"""``{{ value|problem }}``: a stored problem sentence in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template

from brug.sources.problems import problem_text

register = template.Library()


@register.filter(name="problem")
def problem(value: Any) -> str:
    """A row error of ``ImportRun.errors`` or a stored error text field, translated now."""
    return problem_text(value)
