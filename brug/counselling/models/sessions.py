"""The counselling relationship (an engagement) and everything in it: slots and appointments,
chat, goals, session notes and concern notes."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from brug.privacy.sealed import SealedTextField

from ..vocab import Format, Side
from .clients import Client
from .counsellors import CounsellorProfile


class EngagementStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class Engagement(models.Model):
    """A client's counselling with one counsellor, or a tandem of two (``EngagementMember``).

    Started by the client's choice of counsellor; one conversation (chat) per engagement.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="engagements")
    status = models.CharField(max_length=10, choices=EngagementStatus.choices,
                              default=EngagementStatus.ACTIVE)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=12, choices=Side.choices, blank=True)
    counsellors = models.ManyToManyField(CounsellorProfile, through="EngagementMember",
                                         related_name="engagements")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")


class EngagementMember(models.Model):
    """A counsellor on an engagement's team. ``left_at`` set: no longer on it (history kept)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="members")
    counsellor = models.ForeignKey(CounsellorProfile, on_delete=models.PROTECT,
                                   related_name="memberships")
    lead = models.BooleanField(default=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["engagement", "counsellor"], condition=Q(left_at__isnull=True),
            name="one_active_membership")]
        indexes = [models.Index(fields=["counsellor", "left_at"])]


class InvitationKind(models.TextChoices):
    TANDEM = "tandem", _("Tandem: a second counsellor joins")
    HANDOVER = "handover", _("Warm hand-over to another counsellor")


class InvitationStatus(models.TextChoices):
    AWAITING_COLLEAGUE = "awaiting_colleague", _("Waiting for the colleague")
    AWAITING_CLIENT = "awaiting_client", _("Waiting for the client")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Invitation(models.Model):
    """A counsellor proposes a colleague (tandem or hand-over); the colleague, then the client,
    must agree. The client may always say no."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE,
                                   related_name="invitations")
    kind = models.CharField(max_length=10, choices=InvitationKind.choices)
    from_counsellor = models.ForeignKey(CounsellorProfile, on_delete=models.PROTECT,
                                        related_name="+")
    to_counsellor = models.ForeignKey(CounsellorProfile, on_delete=models.PROTECT,
                                      related_name="invitations_received")
    reason_for_client = SealedTextField(_("why, in words for the client"), max_length=1000)
    note_for_colleague = SealedTextField(_("note for the colleague"), blank=True,
                                         max_length=2000)
    status = models.CharField(max_length=20, choices=InvitationStatus.choices,
                              default=InvitationStatus.AWAITING_COLLEAGUE)
    decline_reason = SealedTextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set when the colleague agreed and the client was asked: only then may the client see it.
    client_asked_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)


class Slot(models.Model):
    """A time a counsellor is available, stored in UTC, entered in the counsellor's zone."""

    counsellor = models.ForeignKey(CounsellorProfile, on_delete=models.CASCADE,
                                   related_name="slots")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    formats = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="slot_ends_after_start")]


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Held")
    MISSED = "missed", _("Missed")


class Appointment(models.Model):
    """A booked session. At most one booked appointment per slot (a database constraint).

    ``meeting_room`` is an unguessable room name on ``BRUG_MEETING_URL`` (voice, video);
    ``place`` is where an in-person session happens.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE,
                                   related_name="appointments")
    counsellor = models.ForeignKey(CounsellorProfile, on_delete=models.PROTECT,
                                   related_name="appointments")
    slot = models.ForeignKey(Slot, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="appointments")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    format = models.CharField(max_length=12, choices=Format.choices)
    place = models.CharField(max_length=200, blank=True)
    meeting_room = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.BOOKED)
    booked_by = models.CharField(max_length=12, choices=Side.choices)
    booked_at = models.DateTimeField(auto_now_add=True)
    cancelled_by = models.CharField(max_length=12, choices=Side.choices, blank=True)
    cancel_reason = SealedTextField(blank=True, max_length=500)
    rescheduled_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True,
                                         blank=True, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(
            fields=["slot"], condition=Q(status="booked"), name="one_booking_per_slot")]


class ChatMessage(models.Model):
    """One chat message, body sealed. ``client_ref`` (a UUID the sender chose) makes a resend
    after a lost connection land once."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE,
                                   related_name="messages")
    sender = models.CharField(max_length=12, choices=Side.choices)
    sender_counsellor = models.ForeignKey(CounsellorProfile, on_delete=models.SET_NULL,
                                          null=True, blank=True, related_name="+")
    body = SealedTextField()
    client_ref = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["engagement", "client_ref"],
                                               name="chat_message_once")]


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Working on it")
    ACHIEVED = "achieved", _("Achieved")
    CHANGED = "changed", _("Changed into another goal")
    LET_GO = "let_go", _("Let go")


class GoalProgress(models.TextChoices):
    NOT_YET = "not_yet", _("Not yet")
    A_LITTLE = "a_little", _("A little")
    GOOD = "good", _("Good progress")
    DONE = "done", _("Done")


class CounsellingGoal(models.Model):
    """A goal in the client's own words, agreed together and reviewed at intervals."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="goals")
    text = SealedTextField(_("goal, in the client's words"), max_length=500)
    written_by = models.CharField(max_length=12, choices=Side.choices)
    status = models.CharField(max_length=10, choices=GoalStatus.choices,
                              default=GoalStatus.OPEN)
    review_every_days = models.PositiveSmallIntegerField(_("review every (days)"), default=28)
    next_review_on = models.DateField(null=True, blank=True)
    outcome = SealedTextField(_("outcome"), blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class GoalReview(models.Model):
    goal = models.ForeignKey(CounsellingGoal, on_delete=models.CASCADE, related_name="reviews")
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(CounsellorProfile, on_delete=models.SET_NULL, null=True,
                           related_name="+")
    progress = models.CharField(max_length=10, choices=GoalProgress.choices)
    note = SealedTextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["at", "id"]


class SessionNote(models.Model):
    """The counsellor team's own note; never shown to the client or to supervisors."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="notes")
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="notes")
    author = models.ForeignKey(CounsellorProfile, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    text = SealedTextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ConcernTopic(models.TextChoices):
    SELF_HARM = "self_harm", _("The client's own safety")
    HARM_TO_OTHERS = "harm_to_others", _("Possible harm to others")
    CLIENT_SAFETY = "client_safety", _("Someone threatens the client")
    COUNSELLOR_SAFETY = "counsellor_safety", _("My own safety as a counsellor")
    OTHER = "other", _("Something else")


class ConcernNote(models.Model):
    """A counsellor's worry, in words: what was seen and what was done. Never a score."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE,
                                   related_name="concerns")
    author = models.ForeignKey(CounsellorProfile, on_delete=models.SET_NULL, null=True,
                               related_name="+")
    topic = models.CharField(max_length=20, choices=ConcernTopic.choices)
    text = SealedTextField(_("what you noticed and what you did"), max_length=3000)
    shared_with_supervisor = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
