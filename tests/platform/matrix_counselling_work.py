"""Permission matrix lines for the counsellor workspace (brug/counselling/urls_work.py) and the
client's care pages (brug/counselling/portal_urls_care_client.py).

Engagement pages and their forms: only counsellors have the capability, and the matrix's
counsellor is not on the matrix client's team, so they get 404 (not theirs to know about);
every other role gets 403, supervisors included (they never open an engagement). The client's
pages name one client's object: another client gets 404. The emergency protocol is for
counsellors and their supervisors alike: ``EITHER`` names both capabilities.
"""

from __future__ import annotations

from typing import Any

from brug.accounts.roles import Cap, Role
from brug.counselling.models import (
    CounsellingGoal,
    Engagement,
    EngagementMember,
    Invitation,
    InvitationStatus,
)

from ..counselling.factories import make_counsellor
from .matrix import CLIENT, PUBLIC, Page

EITHER = f"{Cap.COUNSEL}|{Cap.COUNSEL_SUPERVISE}"  # a role with either capability may
TEAM_ONLY = frozenset({Role.COUNSELLOR})


def extra_objects(objs: dict[str, Any]) -> dict[str, Any]:
    from django.utils import timezone

    engagement = objs["engagement"]
    goal = CounsellingGoal.objects.create(engagement=engagement, text="Matrix goal",
                                          written_by="client")
    colleague = make_counsellor(objs["profile"].user.organisation,
                                username="matrix-work-colleague")
    invitation = Invitation.objects.create(
        engagement=engagement, kind="tandem", from_counsellor=objs["profile"],
        to_counsellor=colleague, reason_for_client="Matrix test: a second counsellor.",
        status=InvitationStatus.AWAITING_CLIENT, client_asked_at=timezone.now())
    # A second engagement of the same client, for the one page that ends one.
    to_end = Engagement.objects.create(client=objs["client"])
    EngagementMember.objects.create(engagement=to_end, counsellor=objs["profile"])
    return {"work_goal": goal, "work_invitation": invitation, "work_to_end": to_end}


def _engagement(objs: dict[str, Any]) -> dict[str, Any]:
    return {"engagement_id": objs["engagement"].pk}


PAGES = [
    Page("counselling:home", "get", Cap.COUNSEL),
    Page("counselling:profile", "get", Cap.COUNSEL),
    Page("counselling:emergency", "get", EITHER),
    Page("counselling:engagement", "get", Cap.COUNSEL, _engagement, hidden_from=TEAM_ONLY),
    Page("counselling:goal_add", "post", Cap.COUNSEL, _engagement,
         data=lambda o: {"text": "Matrix goal", "review_every_days": "28"},
         hidden_from=TEAM_ONLY),
    Page("counselling:goal_review", "post", Cap.COUNSEL,
         lambda o: {"goal_id": o["work_goal"].pk}, data=lambda o: {"progress": "good"},
         hidden_from=TEAM_ONLY),
    Page("counselling:note_add", "post", Cap.COUNSEL, _engagement,
         data=lambda o: {"text": "Matrix note"}, hidden_from=TEAM_ONLY),
    Page("counselling:safety_plan", "post", Cap.COUNSEL, _engagement,
         data=lambda o: {"coping": "Matrix"}, hidden_from=TEAM_ONLY),
    Page("counselling:concern_add", "post", Cap.COUNSEL, _engagement,
         data=lambda o: {"topic": "other", "text": "Matrix test: a concern."},
         hidden_from=TEAM_ONLY),
    Page("counselling:invite", "post", Cap.COUNSEL, _engagement,
         data=lambda o: {"kind": "tandem", "to_counsellor": o["work_invitation"].pk,
                         "reason_for_client": "Matrix test: a colleague."},
         hidden_from=TEAM_ONLY),
    Page("counselling:leave", "post", Cap.COUNSEL, _engagement, hidden_from=TEAM_ONLY),
    Page("counselling:end", "post", Cap.COUNSEL, _engagement,
         data=lambda o: {"client_agreed": "on"}, hidden_from=TEAM_ONLY),
    Page("counselling:invitation_answer", "post", Cap.COUNSEL,
         lambda o: {"invitation_id": o["work_invitation"].pk},
         data=lambda o: {"answer": "agree"}, hidden_from=TEAM_ONLY),
    Page("portal:goals", "get", CLIENT, _engagement, org_object=True),
    Page("portal:safety_plan", "get", CLIENT),
    Page("portal:invitation", "get", CLIENT,
         lambda o: {"invitation_id": o["work_invitation"].pk}, org_object=True),
    Page("portal:engagement_end", "post", CLIENT,
         lambda o: {"engagement_id": o["work_to_end"].pk}, org_object=True),
    Page("portal:emergency", "get", PUBLIC),
]
