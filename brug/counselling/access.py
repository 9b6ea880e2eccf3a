"""Who may see which engagement: the only way views and consumers fetch one.

* A counsellor sees an engagement while on its team (an active ``EngagementMember``); any other
  counsellor, even of the same organisation, gets 404: they are not theirs to know about.
* A client sees only their own engagements (404 otherwise).
* Supervisors do not open engagements; they see caseloads and care (``services_care``), and
  concern notes the counsellor shared with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap
from brug.errors import Conflict, NotFound

from .models import Client, CounsellorProfile, Engagement, EngagementStatus

if TYPE_CHECKING:
    from brug.accounts.models import User


def _not_found() -> NotFound:
    return NotFound(_("This conversation does not exist or is not yours."))


def counsellor_profile_of(actor: User) -> CounsellorProfile:
    """The actor's counsellor profile. Raises ``NotAllowed`` without the counsellor role and
    ``Conflict`` (with what to do) when the profile is not written yet."""
    require_capability(actor, Cap.COUNSEL)
    profile = CounsellorProfile.objects.filter(user=actor).first()
    if profile is None:
        raise Conflict(_("Write your counsellor profile first: clients choose from it."),
                       code="no_profile")
    return profile


def access_engagement(*, actor: User, engagement_id: int,
                      active_only: bool = False) -> Engagement:
    """An engagement the actor counsels on now. ``active_only``: refuse an ended one (409)."""
    require_capability(actor, Cap.COUNSEL)
    engagement = (Engagement.objects.select_related("client")
                  .filter(pk=engagement_id, members__counsellor__user=actor,
                          members__left_at__isnull=True).first())
    if engagement is None:
        raise _not_found()
    if active_only and engagement.status != EngagementStatus.ACTIVE:
        raise Conflict(_("This counselling has ended."), code="engagement_ended")
    return engagement


def access_client_engagement(*, client: Client, engagement_id: int,
                             active_only: bool = False) -> Engagement:
    """One of the client's own engagements (404 for anyone else's)."""
    engagement = Engagement.objects.filter(pk=engagement_id, client=client).first()
    if engagement is None:
        raise _not_found()
    if active_only and engagement.status != EngagementStatus.ACTIVE:
        raise Conflict(_("This counselling has ended."), code="engagement_ended")
    engagement.client = client
    return engagement


def active_counsellors(engagement: Engagement) -> list[CounsellorProfile]:
    """The counsellors on the engagement's team now, the lead first."""
    return [m.counsellor for m in engagement.members.filter(left_at__isnull=True)
            .select_related("counsellor", "counsellor__user").order_by("-lead", "joined_at")]
