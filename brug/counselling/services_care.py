"""Writes for the care of counsellors: check-ins, the exposure log, caseload limits, publishing
profiles, and supervision sessions. Also the audited reads of what a supervisor may open (a
shared concern note, a supervision session).

Every function checks who may do it, runs in one transaction and writes a content-free audit
entry: ids, counts and field names, never a note, a feeling or a client's nickname.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import Conflict, InvalidInput

from .models import (
    ConcernNote,
    CounsellorProfile,
    ExposureEntry,
    ExposureKind,
    Feeling,
    NoticeKind,
    SupervisionSession,
    SupervisionStatus,
    WellbeingCheckin,
)
from .notices import notice_add
from .selectors_care import access_shared_concern, access_supervisee, access_supervision

if TYPE_CHECKING:
    from brug.accounts.models import User

CHECKIN_NOTE_MAX = 2000
EXPOSURE_MINUTES = (1, 600)
CASELOAD_LIMITS = (1, 60)
SUPERVISION_NOTES_MAX = 5000
SUPERVISION_AHEAD = timedelta(days=365)  # how far ahead a supervision can be planned


# --- the counsellor's own care ----------------------------------------------------------------

def checkin_record(*, actor: User, feeling: str, wants_to_talk: bool = False,
                   note: str = "") -> WellbeingCheckin:
    """A wellbeing check-in by the counsellor about themselves.

    The supervisor sees ``feeling`` and ``wants_to_talk``; ``note`` is sealed and only ever
    shown to the counsellor. The audit entry names the check-in, not what it says.
    """
    require_capability(actor, Cap.COUNSEL)
    if feeling not in Feeling.values:
        raise InvalidInput(_("Choose how you are feeling."), field="feeling")
    note = (note or "").strip()
    if len(note) > CHECKIN_NOTE_MAX:
        raise InvalidInput(_("Keep the note under %(n)d characters.") % {"n": CHECKIN_NOTE_MAX},
                           field="note")
    with transaction.atomic():
        checkin = WellbeingCheckin.objects.create(counsellor=actor, feeling=feeling,
                                                  wants_to_talk=wants_to_talk, note=note)
        audit_record(actor=actor, action="counselling.checkin", obj=checkin,
                     details={"with_note": bool(note)})
    return checkin


def exposure_add(*, actor: User, kind: str, minutes: int) -> ExposureEntry:
    """Logs minutes of exposure for the counsellor's own care (never for performance)."""
    require_capability(actor, Cap.COUNSEL)
    if kind not in ExposureKind.values:
        raise InvalidInput(_("Choose what you were exposed to."), field="kind")
    low, high = EXPOSURE_MINUTES
    if not low <= minutes <= high:
        raise InvalidInput(_("Enter between %(low)d and %(high)d minutes.")
                           % {"low": low, "high": high}, field="minutes")
    with transaction.atomic():
        entry = ExposureEntry.objects.create(counsellor=actor, kind=kind, minutes=minutes)
        audit_record(actor=actor, action="counselling.exposure.add", obj=entry,
                     details={"kind": kind, "minutes": minutes})
    return entry


# --- the supervisor's actions on a counsellor -------------------------------------------------

def _profile_of(counsellor: User) -> CounsellorProfile:
    """The counsellor's profile, locked. Precondition: inside ``transaction.atomic``."""
    profile = CounsellorProfile.objects.select_for_update().filter(user=counsellor).first()
    if profile is None:
        raise Conflict(_("%(name)s has not written a counsellor profile yet.")
                       % {"name": counsellor.label}, code="no_profile")
    return profile


def caseload_limit_set(*, actor: User, counsellor_id: int, limit: int) -> CounsellorProfile:
    """Sets how many clients the counsellor takes at most (new engagements stop there).

    A limit below the current caseload is allowed: nobody is dropped, the overview flags it.
    """
    low, high = CASELOAD_LIMITS
    with transaction.atomic():
        counsellor = access_supervisee(actor=actor, user_id=counsellor_id)
        if not low <= limit <= high:
            raise InvalidInput(_("A caseload limit is between %(low)d and %(high)d clients.")
                               % {"low": low, "high": high}, field="limit")
        profile = _profile_of(counsellor)
        previous = profile.caseload_limit
        profile.caseload_limit = limit
        profile.save(update_fields=["caseload_limit", "updated_at"])
        audit_record(actor=actor, action="counselling.caseload.set", obj=profile,
                     details={"counsellor": counsellor.pk, "from": previous, "to": limit})
    return profile


def profile_publish(*, actor: User, counsellor_id: int, publish: bool) -> CounsellorProfile:
    """Shows the counsellor's profile to clients, or hides it (clients already in counselling
    keep their counsellor). Publishing needs at least one language and one format: a client
    chooses by them."""
    with transaction.atomic():
        counsellor = access_supervisee(actor=actor, user_id=counsellor_id)
        profile = _profile_of(counsellor)
        if publish and not (profile.languages and profile.formats):
            raise Conflict(_("This profile cannot be shown to clients yet: it needs at least "
                             "one language and one way of talking (chat, call, in person). "
                             "Ask %(name)s to complete it.") % {"name": counsellor.label},
                           code="profile_incomplete")
        if profile.published != publish:
            profile.published = publish
            profile.save(update_fields=["published", "updated_at"])
            audit_record(actor=actor, action="counselling.profile.publish", obj=profile,
                         details={"counsellor": counsellor.pk, "published": publish})
    return profile


def supervision_plan(*, actor: User, counsellor_id: int,
                     scheduled_for: datetime) -> SupervisionSession:
    """Plans a supervision session and tells the counsellor (an in-app notice).

    Precondition: ``scheduled_for`` is aware (the form read it in the supervisor's zone).
    It must fall within ``SUPERVISION_AHEAD`` from now (a date near the end of the calendar
    could not even be shown in every time zone).
    """
    if timezone.is_naive(scheduled_for):
        raise InvalidInput(_("Give the date and time of the supervision."),
                           field="scheduled_for")
    now = timezone.now()
    if scheduled_for < now:
        raise InvalidInput(_("Choose a time in the future."), field="scheduled_for")
    if scheduled_for > now + SUPERVISION_AHEAD:
        raise InvalidInput(_("Choose a time within the next %(days)d days.")
                           % {"days": SUPERVISION_AHEAD.days}, field="scheduled_for")
    with transaction.atomic():
        counsellor = access_supervisee(actor=actor, user_id=counsellor_id)
        session = SupervisionSession.objects.create(counsellor=counsellor, supervisor=actor,
                                                    scheduled_for=scheduled_for)
        notice_add(kind=NoticeKind.SUPERVISION, user=counsellor,
                   params={"at": scheduled_for, "name": actor.label},
                   url=reverse("counselling:supervision", kwargs={"session_id": session.pk}))
        audit_record(actor=actor, action="counselling.supervision.plan", obj=session,
                     details={"counsellor": counsellor.pk})
    return session


# --- supervision sessions (the supervisor and the counsellor) ---------------------------------

def supervision_read(*, actor: User, session_id: int) -> SupervisionSession:
    """Opens a supervision session for one of its two people; the view is audited."""
    with transaction.atomic():
        session = access_supervision(actor=actor, session_id=session_id)
        audit_record(actor=actor, action="counselling.supervision.view", obj=session,
                     organisation_id=session.counsellor.organisation_id,
                     details={"counsellor": session.counsellor_id})
    return session


_MOVES = {
    SupervisionStatus.PLANNED: {SupervisionStatus.PLANNED, SupervisionStatus.HELD,
                                SupervisionStatus.CANCELLED},
    SupervisionStatus.HELD: {SupervisionStatus.HELD},
    SupervisionStatus.CANCELLED: {SupervisionStatus.CANCELLED},
}


def supervision_update(*, actor: User, session_id: int, notes: str,
                       status: str) -> SupervisionSession:
    """Saves the shared notes and marks the session held or cancelled (either of its two
    people may). A held or cancelled session stays so; its notes can still be completed.
    Marking it held records when (``held_at``): the overview's "last supervision"."""
    if status not in SupervisionStatus.values:
        raise InvalidInput(_("Choose whether the session is planned, held or cancelled."),
                           field="status")
    notes = (notes or "").strip()
    if len(notes) > SUPERVISION_NOTES_MAX:
        raise InvalidInput(_("Keep the notes under %(n)d characters.")
                           % {"n": SUPERVISION_NOTES_MAX}, field="notes")
    with transaction.atomic():
        session = access_supervision(actor=actor, session_id=session_id, for_update=True)
        if status not in _MOVES[SupervisionStatus(session.status)]:
            raise Conflict(_("This session was already marked %(status)s.")
                           % {"status": session.get_status_display()}, code="supervision_done")
        changed = []
        if notes != session.notes:
            session.notes = notes
            changed.append("notes")
        if status != session.status:
            session.status = status
            changed.append("status")
            if status == SupervisionStatus.HELD:
                session.held_at = timezone.now()
                changed.append("held_at")
        if changed:
            session.save(update_fields=changed)
            audit_record(actor=actor, action="counselling.supervision.update", obj=session,
                         organisation_id=session.counsellor.organisation_id,
                         details={"fields": changed, "status": session.status})
    return session


def concern_read(*, actor: User, concern_id: int) -> ConcernNote:
    """Opens a concern note a counsellor shared with supervisors; every read is audited."""
    with transaction.atomic():
        concern = access_shared_concern(actor=actor, concern_id=concern_id)
        # No topic: "self_harm" next to an engagement id is health data in an append-only log.
        audit_record(actor=actor, action="counselling.concern.view", obj=concern,
                     details={"engagement": concern.engagement_id})
    return concern


def overview_viewed(*, actor: User, counsellors: int) -> None:
    """Records that a supervisor looked at the counsellors' care numbers (workers' data)."""
    with transaction.atomic():
        audit_record(actor=actor, action="counselling.overview.view",
                     details={"counsellors": counsellors})
