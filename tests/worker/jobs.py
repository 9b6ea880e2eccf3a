"""Tasks for the worker tests (module-level, as django.tasks requires)."""

from __future__ import annotations

from django.tasks import task

CALLS: list[str] = []


@task()
def remember(label: str) -> str:
    CALLS.append(label)
    return label


@task()
def periodic() -> None:
    CALLS.append("periodic")


@task(queue_name="scoring")
def on_another_queue() -> None:
    CALLS.append("scoring queue")


@task()
def explode() -> None:
    CALLS.append("explode")
    raise RuntimeError("boom")


def not_a_task() -> None:
    """A plain function: the scheduler must refuse it, not crash."""
