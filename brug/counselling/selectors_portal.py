"""Reads for the client portal's own pages: which pool a visitor signs up to, and the
dashboard. Everything here is the signed-in client's own data only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from brug.errors import NotFound

from .models import (
    Appointment,
    AppointmentStatus,
    Client,
    Engagement,
    EngagementMember,
    EngagementStatus,
    Notice,
    Pool,
)
from .notices import notice_text, notices_mark_read, notices_unread_for_client

UPCOMING_MAX = 10


def pool_for_signup(slug: str | None) -> Pool | None:
    """The pool named in the address (``?pool=<slug>``), else the first one; None when there
    is no pool yet (the portal is not open). Raises ``NotFound`` for an unknown name."""
    if slug:
        pool = Pool.objects.filter(slug=slug).first()
        if pool is None:
            raise NotFound(_("This address does not lead to a counselling service. Check the "
                             "link you were given."))
        return pool
    return Pool.objects.order_by("id").first()


@dataclass(frozen=True)
class EngagementCard:
    """One active counselling on the dashboard, with links to what belongs to it."""

    engagement: Engagement
    counsellor_names: list[str]
    conversation_url: str
    goals_url: str


@dataclass(frozen=True)
class NoticeLine:
    text: str
    url: str
    notice: Notice


@dataclass
class Dashboard:
    upcoming: list[Appointment] = field(default_factory=list)
    notices: list[NoticeLine] = field(default_factory=list)
    engagements: list[EngagementCard] = field(default_factory=list)
    counsellors_url: str = ""
    safety_plan_url: str = ""


def _local(url: str) -> str:
    """A notice's link only when it stays on this site (a path, no host of its own)."""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set()):
        return url
    return ""


def portal_dashboard(client: Client) -> Dashboard:
    """The client's start page: booked sessions to come, unread notices (then marked read),
    active counselling with the counsellors' shown names.

    A fixed number of queries, whatever the number of engagements or notices.
    """
    now = timezone.now()
    upcoming = list(Appointment.objects
                    .filter(engagement__client=client, status=AppointmentStatus.BOOKED,
                            starts_at__gte=now)
                    .select_related("counsellor").order_by("starts_at", "id")[:UPCOMING_MAX])
    members = Prefetch("members", to_attr="active_members", queryset=(
        EngagementMember.objects.filter(left_at__isnull=True).select_related("counsellor")
        .order_by("-lead", "joined_at", "id")))
    engagements = list(Engagement.objects.filter(client=client,
                                                 status=EngagementStatus.ACTIVE)
                       .prefetch_related(members).order_by("-started_at", "-id"))
    cards = [EngagementCard(
        engagement=e,
        counsellor_names=[m.counsellor.display_name for m in getattr(e, "active_members", [])],
        conversation_url=reverse("portal:conversation", kwargs={"engagement_id": e.pk}),
        goals_url=reverse("portal:goals", kwargs={"engagement_id": e.pk})) for e in engagements]
    unread = notices_unread_for_client(client)
    # Rendered now, in the reader's language, then marked read: shown once.
    lines = [NoticeLine(text=notice_text(n), notice=n, url=_local(n.url)) for n in unread]
    if unread:
        notices_mark_read(unread)
    return Dashboard(upcoming=upcoming, notices=lines, engagements=cards,
                     counsellors_url=reverse("portal:counsellors"),
                     safety_plan_url=reverse("portal:safety_plan"))
