"""Reading the audit log: the DPO's view of their organisation's entries and the system's.

Entries carry no message content, but they say who looked at what, so reading them is itself
an audited act (``access_audit_log`` records "audit.view").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap

from .models import AuditEntry
from .services import audit_record

if TYPE_CHECKING:
    from brug.accounts.models import User

SYSTEM = "system"  # the "person" filter value for entries written by jobs (no actor)


@dataclass(frozen=True)
class AuditFilters:
    """What the DPO asked for. Every field is optional; empty means "any"."""

    action: str = ""
    person: str = ""  # a user id, or SYSTEM
    date_from: date | None = None
    date_to: date | None = None
    object_type: str = ""
    object_id: str = ""

    def as_details(self) -> dict[str, Any]:
        """The filters as content-free audit details (ids, names of actions, dates)."""
        return {key: (value.isoformat() if isinstance(value, date) else value)
                for key, value in vars(self).items() if value not in ("", None)}


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries_visible(*, actor: User) -> QuerySet[AuditEntry]:
    """Entries of the actor's organisation plus system-wide ones (no organisation).

    Precondition: the actor has ``Cap.AUDIT_VIEW`` (checked by ``access_audit_log``).
    """
    return AuditEntry.objects.filter(
        Q(organisation_id=actor.organisation_id) | Q(organisation_id__isnull=True))


def audit_entries_filtered(*, actor: User, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The visible entries narrowed by ``filters``, newest first."""
    entries = audit_entries_visible(actor=actor)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.person == SYSTEM:
        entries = entries.filter(actor_id__isnull=True)
    elif filters.person:
        entries = entries.filter(actor_id=int(filters.person))
    if filters.date_from:
        entries = entries.filter(at__gte=_start_of(filters.date_from))
    if filters.date_to:
        # The whole "to" day is included.
        entries = entries.filter(at__lt=_start_of(filters.date_to + timedelta(days=1)))
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.object_id:
        entries = entries.filter(object_id=filters.object_id)
    # Entries never change, so only the columns the page shows are read (no joins).
    return entries.order_by("-id").only(
        "id", "at", "actor_id", "actor_label", "organisation_id", "action", "object_type",
        "object_id", "reason", "details")


def audit_action_choices(*, actor: User) -> list[str]:
    """Distinct action names among the visible entries (for the filter's drop-down)."""
    return list(audit_entries_visible(actor=actor).order_by("action")
                .values_list("action", flat=True).distinct())


def audit_object_type_choices(*, actor: User) -> list[str]:
    return list(audit_entries_visible(actor=actor).exclude(object_type="")
                .order_by("object_type").values_list("object_type", flat=True).distinct())


def audit_people_choices(*, actor: User) -> list[tuple[str, str]]:
    """(value, label) for the person filter: the organisation's members, then the system."""
    from brug.accounts.models import User

    organisation = actor.organisation_id or 0  # can() implies one; 0 would match nothing
    members = User.objects.filter(organisation_id=organisation).order_by(
        "last_name", "first_name", "username")
    return [(str(member.pk), member.label) for member in members] + [(SYSTEM, _("System"))]


def ensure_can_view_audit(actor: User) -> None:
    """Raises ``NotAllowed`` unless the actor's role reads the audit log (the DPO)."""
    require_capability(actor, Cap.AUDIT_VIEW,
                       _("Only the data-protection officer can read the audit log."))


def access_audit_log(*, actor: User, filters: AuditFilters, page: int = 1
                     ) -> QuerySet[AuditEntry]:
    """The entries a DPO may read, filtered; records the viewing as "audit.view".

    Raises ``NotAllowed`` without ``Cap.AUDIT_VIEW``. The entry itself names only the filters
    and the page number.
    """
    ensure_can_view_audit(actor)
    audit_record(actor=actor, action="audit.view",
                 details={"filters": filters.as_details(), "page": page})
    return audit_entries_filtered(actor=actor, filters=filters)
