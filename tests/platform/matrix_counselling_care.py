"""Permission matrix lines for care and supervision (brug/counselling/urls_supervision.py).

A supervision session is for its two people only (its supervisor and its counsellor): nobody
the matrix creates is one of them, so every role is denied; counsellors and supervisors, who
could be a party, get 404 (not theirs to know about), the others 403. ``PARTIES`` is a need no
role has; the sessions' own two people are tested in tests/counselling/test_care.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from brug.accounts.roles import Cap, Role
from brug.counselling.models import ConcernNote, ConcernTopic, SupervisionSession

from ..factories import make_user
from .matrix import Page

PARTIES = "counselling.supervision.parties"  # no role has it: only the session's two people


def extra_objects(objs: dict[str, Any]) -> dict[str, Any]:
    profile = objs["profile"]
    organisation = profile.user.organisation
    concern = ConcernNote.objects.create(
        engagement=objs["engagement"], author=profile, topic=ConcernTopic.COUNSELLOR_SAFETY,
        text="Matrix test: the client was hostile in the last session.",
        shared_with_supervisor=True)
    session = SupervisionSession.objects.create(
        counsellor=profile.user, supervisor=make_user(Role.SUPERVISOR, organisation),
        scheduled_for=timezone.now() + timedelta(days=7))
    return {"concern": concern, "supervision": session}


def _later() -> str:
    return (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


PAGES = [
    Page("counselling:care", "get", Cap.COUNSEL),
    Page("counselling:checkin", "post", Cap.COUNSEL,
         data=lambda o: {"feeling": "okay", "note": "Matrix test"}),
    Page("counselling:exposure_add", "post", Cap.COUNSEL,
         data=lambda o: {"kind": "content", "minutes": "20"}),
    Page("counselling:overview", "get", Cap.COUNSEL_SUPERVISE),
    Page("counselling:concern", "get", Cap.COUNSEL_SUPERVISE,
         lambda o: {"concern_id": o["concern"].pk}, org_object=True),
    Page("counselling:caseload", "post", Cap.COUNSEL_SUPERVISE,
         data=lambda o: {"counsellor": o["profile"].user_id, "limit": "10"}, org_object=True),
    Page("counselling:publish", "post", Cap.COUNSEL_SUPERVISE,
         data=lambda o: {"counsellor": o["profile"].user_id, "publish": "1"}, org_object=True),
    Page("counselling:supervision_plan", "post", Cap.COUNSEL_SUPERVISE,
         data=lambda o: {"counsellor": o["profile"].user_id, "scheduled_for": _later()},
         org_object=True),
    Page("counselling:supervision", "get", PARTIES,
         lambda o: {"session_id": o["supervision"].pk}, org_object=True,
         hidden_from=frozenset({Role.COUNSELLOR, Role.SUPERVISOR})),
]
