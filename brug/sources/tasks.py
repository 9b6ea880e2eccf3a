"""Background jobs for sources (Django's ``django.tasks``, stored by django-tasks-db).

``brug worker`` runs ``feeds_poll_due`` every ``BRUG_FEED_POLL_SECONDS``; it enqueues one
``feed_poll`` per active feed source that is due.
"""

from __future__ import annotations

import logging

from django.tasks import task

from . import feeds
from .models import Source, SourceKind
from .selectors import feed_sources_due

log = logging.getLogger(__name__)


@task()
def feed_poll(source_id: int) -> dict[str, int] | None:
    """Poll one feed source now. A missing or non-feed source is skipped (it may have been
    deleted since the job was queued); fetch and feed errors are recorded on the source."""
    source = Source.objects.filter(pk=source_id, kind=SourceKind.FEED).first()
    if source is None:
        log.info("feed_poll: source %s is gone or not a feed; skipped", source_id)
        return None
    run = feeds.poll(source)
    return {"import": run.pk, "created": run.rows_created, "rejected": run.rows_rejected,
            "failed": int(bool(run.fatal_error))}


@task()
def feeds_poll_due() -> int:
    """Enqueue ``feed_poll`` for every active feed source whose last poll is too old."""
    due = feed_sources_due()
    for source_id in due:
        feed_poll.enqueue(source_id)
    return len(due)
