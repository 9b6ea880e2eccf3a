"""Counselling data, one module per part (clients, counsellors, sessions, care).

Everything a client or counsellor writes about a person is a ``SealedTextField``: encrypted at
rest with ``BRUG_CONTENT_KEYS``. There is no score of any kind on a client (DESIGN.md §3.1).
"""

from .care import (
    ExposureEntry,
    ExposureKind,
    Feeling,
    SupervisionSession,
    SupervisionStatus,
    WellbeingCheckin,
)
from .clients import Client, Notice, NoticeKind, Pool, SafetyPlan
from .counsellors import CounsellorProfile
from .sessions import (
    Appointment,
    AppointmentStatus,
    ChatMessage,
    ConcernNote,
    ConcernTopic,
    CounsellingGoal,
    Engagement,
    EngagementMember,
    EngagementStatus,
    GoalProgress,
    GoalReview,
    GoalStatus,
    Invitation,
    InvitationKind,
    InvitationStatus,
    SessionNote,
    Slot,
)

__all__ = [
    "Appointment", "AppointmentStatus", "ChatMessage", "Client", "ConcernNote", "ConcernTopic",
    "CounsellingGoal", "CounsellorProfile", "Engagement", "EngagementMember",
    "EngagementStatus", "ExposureEntry", "ExposureKind", "Feeling", "GoalProgress",
    "GoalReview", "GoalStatus", "Invitation", "InvitationKind", "InvitationStatus", "Notice",
    "NoticeKind", "Pool", "SafetyPlan", "SessionNote", "Slot", "SupervisionSession",
    "SupervisionStatus", "WellbeingCheckin",
]
