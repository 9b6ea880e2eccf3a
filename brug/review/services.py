"""Writes on the review of signals: decisions, the urgent track (four eyes), the labels export.

Nothing here sends anything to anyone outside the platform: a decision is recorded, and what
follows (outreach, a case) is started by people in later steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import Conflict, InvalidInput, NotAllowed, NotFound
from brug.signals.models import Signal, SignalStatus

from .models import Decision, Label, Outcome
from .selectors import export_rows, org_id, require

if TYPE_CHECKING:
    from brug.accounts.models import User

REASON_MIN_CHARS = 10
DECIDABLE = (SignalStatus.OPEN, SignalStatus.MONITORING)


def clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_CHARS:
        # One whole sentence (no inserted words) so translators can word it naturally.
        raise InvalidInput(ngettext(
            "Write a reason of at least %(n)d character: colleagues and the people concerned "
            "must be able to follow it.",
            "Write a reason of at least %(n)d characters: colleagues and the people concerned "
            "must be able to follow it.", REASON_MIN_CHARS) % {"n": REASON_MIN_CHARS},
            code="reason_required", field="reason")
    return reason


def _lock_signal(actor: User, signal_id: int) -> Signal:
    signal = (Signal.objects.select_for_update()
              .filter(pk=signal_id, organisation_id=org_id(actor)).first())
    if signal is None:
        raise NotFound(_("There is no such signal in your organisation."))
    return signal


def signal_decide(*, actor: User, signal: Signal, labels: Iterable[str], outcome: str,
                  reason: str, recheck_on: date | None = None,
                  legal_ground: str = "") -> Decision:
    """Record a human decision on an open (or monitored, re-checked) signal.

    Preconditions: the actor has ``Cap.SIGNAL_REVIEW`` and belongs to the signal's
    organisation. ``reason`` is at least 10 characters; at least one known label; ``monitor``
    needs ``recheck_on`` after today; ``urgent`` needs ``legal_ground`` and then waits for a
    different reviewer (status AWAITING_CONFIRMATION). Other outcomes set DECIDED.
    """
    require(actor, Cap.SIGNAL_REVIEW)
    labels = list(dict.fromkeys(labels))
    if not labels:
        raise InvalidInput(_("Choose at least one label that describes the message."),
                           code="labels_required", field="labels")
    unknown = [x for x in labels if x not in Label.values]
    if unknown:
        raise InvalidInput(_("Unknown label “%(label)s”.") % {"label": unknown[0]},
                           code="invalid_label", field="labels")
    if outcome not in Outcome.values:
        raise InvalidInput(_("Choose what happens next (a decision)."), code="invalid_outcome",
                           field="outcome")
    reason = clean_reason(reason)
    legal_ground = (legal_ground or "").strip()
    if outcome == Outcome.MONITOR:
        if recheck_on is None or recheck_on <= timezone.localdate():
            raise InvalidInput(_("Monitoring needs a re-check date in the future."),
                               code="recheck_date", field="recheck_on")
    else:
        recheck_on = None
    if outcome == Outcome.URGENT and not legal_ground:
        raise InvalidInput(_("The urgent track needs the legal ground that allows it (for "
                             "example the article of law you rely on)."),
                           code="legal_ground_required", field="legal_ground")

    with transaction.atomic():
        locked = _lock_signal(actor, signal.pk)
        if locked.status == SignalStatus.AWAITING_CONFIRMATION:
            raise Conflict(_("This signal is on the urgent track and waits for a second "
                             "reviewer; it cannot be decided again now."), code="awaiting")
        if locked.status not in DECIDABLE:
            raise Conflict(_("This signal has already been decided. Only a monitored signal "
                             "can be decided again, at its re-check."), code="already_decided")
        decision = Decision.objects.create(
            signal=locked, reviewer=actor, labels=labels, outcome=outcome, reason=reason,
            recheck_on=recheck_on, legal_ground=legal_ground if outcome == Outcome.URGENT
            else "")
        previous = locked.status
        if outcome == Outcome.MONITOR:
            locked.status = SignalStatus.MONITORING
        elif outcome == Outcome.URGENT:
            locked.status = SignalStatus.AWAITING_CONFIRMATION
        else:
            locked.status = SignalStatus.DECIDED
        locked.recheck_on = recheck_on
        locked.save(update_fields=["status", "recheck_on"])
        if outcome == Outcome.REFER:
            from brug.cases.services import case_open_for_signal

            # Same transaction: a refer decision without its case would be a lost referral.
            # Before this service's own audit entry: every case service locks the case row
            # first and the audit head second; the same order here avoids a deadlock.
            case_open_for_signal(actor=actor, signal=locked, decision=decision)
        audit_record(actor=actor, action="signal.decided", obj=locked,
                     organisation_id=locked.organisation_id,
                     details={"decision_id": decision.pk, "outcome": outcome, "labels": labels,
                              "from_status": previous, "status": locked.status,
                              "recheck_on": recheck_on,
                              "legal_ground_recorded": bool(decision.legal_ground)})
    signal.status, signal.recheck_on = locked.status, locked.recheck_on
    return decision


def signal_confirm_urgent(*, actor: User, decision: Decision, confirm: bool,
                          reason: str) -> Decision:
    """A second, different reviewer confirms (signal DECIDED) or rejects (signal back to OPEN)
    an urgent decision.

    Preconditions: ``Cap.SIGNAL_CONFIRM_URGENT``, same organisation, the decision is urgent and
    still unconfirmed, and the actor is not the person who made it (four eyes).
    """
    require(actor, Cap.SIGNAL_CONFIRM_URGENT)
    reason = clean_reason(reason)
    with transaction.atomic():
        locked = (Decision.objects.select_for_update()
                  .filter(pk=decision.pk, signal__organisation_id=org_id(actor))
                  .first())
        if locked is None:
            raise NotFound(_("There is no such decision in your organisation."))
        if locked.outcome != Outcome.URGENT:
            raise Conflict(_("Only an urgent decision needs a second reviewer."),
                           code="not_urgent")
        if locked.confirmed is not None:
            raise Conflict(_("A second reviewer has already answered this urgent decision."),
                           code="already_confirmed")
        if locked.reviewer_id == actor.pk:
            raise NotAllowed(_("You made this urgent decision yourself. A different reviewer "
                               "must confirm or reject it (four eyes)."), code="four_eyes")
        signal = _lock_signal(actor, locked.signal_id)
        if signal.status != SignalStatus.AWAITING_CONFIRMATION:
            raise Conflict(_("This signal is no longer waiting for a second reviewer."),
                           code="not_awaiting")
        locked.confirmed = bool(confirm)
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.confirmation_reason = reason
        locked.save(update_fields=["confirmed", "confirmed_by", "confirmed_at",
                                   "confirmation_reason"])
        signal.status = SignalStatus.DECIDED if confirm else SignalStatus.OPEN
        signal.save(update_fields=["status"])
        audit_record(actor=actor, action="signal.urgent_confirmed" if confirm
                     else "signal.urgent_rejected", obj=signal,
                     organisation_id=signal.organisation_id,
                     details={"decision_id": locked.pk, "first_reviewer_id": locked.reviewer_id,
                              "status": signal.status})
    decision.confirmed, decision.confirmed_by = locked.confirmed, locked.confirmed_by
    decision.confirmed_at, decision.confirmation_reason = locked.confirmed_at, reason
    return decision


def signal_view_record(*, actor: User, signal: Signal, context_ids: list[int]) -> None:
    """Audit that the actor opened a signal page (message text and author context)."""
    audit_record(actor=actor, action="signal.viewed", obj=signal,
                 organisation_id=signal.organisation_id,
                 details={"message_id": signal.message_id, "context_message_ids": context_ids})


def labels_export(*, actor: User) -> Iterator[dict[str, object]]:
    """The organisation's reviewer labels for training, as a stream of rows.

    Checks ``Cap.LABELS_EXPORT`` and audits the start at once (not lazily); a second entry
    with the number of lines is written when the stream is complete, so an aborted export is
    visible in the log too.
    """
    require(actor, Cap.LABELS_EXPORT)
    audit_record(actor=actor, action="labels.export_started", object_type="review.decision")
    return _export_stream(actor)


def _export_stream(actor: User) -> Iterator[dict[str, object]]:
    count = 0
    for row in export_rows(actor=actor):
        count += 1
        yield row
    audit_record(actor=actor, action="labels.exported", object_type="review.decision",
                 details={"lines": count})
