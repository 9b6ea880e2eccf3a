"""Permission matrix lines for the conversation pages (part C: chat).

A conversation is for the client who owns the engagement and the counsellors on its team now.
The matrix never puts its own counsellor on the team, so on the staff pages every role is
denied: counsellors get 404 (not theirs to know about), the other roles 403 (no counsellor
role). ``TEAM`` is a need no role has; the team's own counsellors are tested in
tests/counselling/test_chat_pages.py. The WebSocket (``/ws/chat/<id>/``) is not a named URL:
its refusals are tested in tests/counselling/test_chat_socket.py.
"""

from __future__ import annotations

import uuid

from brug.accounts.roles import Role

from .matrix import CLIENT, Page

TEAM = "counselling.engagement.team"  # no role has it: only the engagement's current team

_ENGAGEMENT = {"kwargs": lambda o: {"engagement_id": o["engagement"].pk}}
_NOT_ON_TEAM = frozenset({Role.COUNSELLOR})

PAGES = [
    Page("portal:conversation", "get", CLIENT, org_object=True, **_ENGAGEMENT),
    Page("portal:conversation_send", "post", CLIENT, org_object=True,
         data=lambda o: {"text": "Matrix test: hello.", "ref": str(uuid.uuid4())},
         **_ENGAGEMENT),
    Page("counselling:conversation", "get", TEAM, hidden_from=_NOT_ON_TEAM, **_ENGAGEMENT),
    Page("counselling:conversation_send", "post", TEAM, hidden_from=_NOT_ON_TEAM,
         data=lambda o: {"text": "Matrix test: hello.", "ref": str(uuid.uuid4())},
         **_ENGAGEMENT),
]
