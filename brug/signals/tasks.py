"""Background jobs for signals (queue "scoring", and the periodic monitoring re-check)."""

from __future__ import annotations

from django.tasks import task


@task(queue_name="scoring")
def score_messages(message_ids: list[int]) -> dict[str, int]:
    """Score one batch of messages (see ``brug.signals.services.messages_score``)."""
    from .services import messages_score

    return messages_score(message_ids=message_ids)


@task()
def monitoring_recheck_due() -> int:
    """Monitored signals whose re-check date has come go back to the queue."""
    from .services import signals_reopen_due

    return signals_reopen_due()
