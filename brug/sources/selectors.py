"""Reads for sources and imports, always scoped to the actor's organisation."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap
from brug.errors import NotFound

from .models import ImportRun, Message, Source, SourceKind
from .services import token_digest

if TYPE_CHECKING:
    from brug.accounts.models import User


def _check_capability(actor: User, capability: str) -> int:
    """The actor's organisation id, if the role has ``capability``; else ``NotAllowed``."""
    return require_capability(actor, capability, _("Your role does not give access to sources."))


def sources_for(*, actor: User) -> QuerySet[Source]:
    """The actor's organisation's sources, each annotated with ``last_import_at``."""
    organisation_id = _check_capability(actor, Cap.SOURCE_VIEW)
    return (Source.objects.filter(organisation_id=organisation_id)
            .annotate(last_import_at=Max("imports__started_at")).order_by("name"))


def access_source(*, actor: User, id: int, capability: str = Cap.SOURCE_VIEW) -> Source:
    """The source if the actor's role has ``capability`` (else 403) and it belongs to the
    actor's organisation (else 404, so other organisations' sources stay invisible)."""
    organisation_id = _check_capability(actor, capability)
    source = Source.objects.filter(pk=id, organisation_id=organisation_id).first()
    if source is None:
        raise NotFound(_("This source does not exist."))
    return source


def access_import_run(*, actor: User, id: int) -> ImportRun:
    """One import report, under the same rules as its source."""
    organisation_id = _check_capability(actor, Cap.SOURCE_VIEW)
    run = (ImportRun.objects.select_related("source", "started_by")
           .filter(pk=id, source__organisation_id=organisation_id).first())
    if run is None:
        raise NotFound(_("This import does not exist."))
    return run


def recent_imports(*, source: Source, limit: int = 10) -> list[ImportRun]:
    """Precondition: ``source`` came from ``access_source``. The row errors (up to a thousand
    per run) are left unloaded: the list shows only counts."""
    return list(source.imports.select_related("started_by").defer("errors")
                .order_by("-started_at")[:limit])


@dataclass(frozen=True, slots=True)
class ScoringProgress:
    scored: int
    total: int

    @property
    def done(self) -> bool:
        return self.scored >= self.total

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.scored / self.total)


def scoring_progress(*, run: ImportRun) -> ScoringProgress:
    """How many of the run's messages the detector has handled (scored or failed)."""
    counts = Message.objects.filter(import_run=run).aggregate(
        total=Count("id"), scored=Count("id", filter=Q(scored_at__isnull=False)
                                        | ~Q(score_error="")))
    # Messages purged or deleted since the import no longer wait for anything.
    return ScoringProgress(scored=counts["scored"], total=counts["total"])


def source_for_token(token: str) -> Source | None:
    """The push source whose token this is, or None. Only digests are compared."""
    if not token or len(token) > 200:
        return None
    digest = token_digest(token)
    source = Source.objects.filter(token_digest=digest, kind=SourceKind.PUSH).first()
    if source is None or not hmac.compare_digest(source.token_digest, digest):
        return None
    return source


def feed_sources_due() -> list[int]:
    """Ids of active feed sources never polled or last polled over the poll interval ago."""
    cutoff = timezone.now() - timedelta(seconds=settings.BRUG_FEED_POLL_SECONDS)
    return list(Source.objects.filter(kind=SourceKind.FEED, is_active=True)
                .exclude(feed_url="")
                .filter(Q(feed_last_polled_at__isnull=True) | Q(feed_last_polled_at__lt=cutoff))
                .order_by("pk").values_list("pk", flat=True))
