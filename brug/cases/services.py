"""Writes on cases and referrals. Each function checks who may do it, runs in one transaction,
writes its audit entry, and keeps the case's process instance in step.

Guardrails enforced here, whatever the process file says: a referral needs recorded consent
or a supervisor's override, a valid data-sharing agreement when it crosses organisations, and
an open place; a partner answers only referrals sent to its own organisation.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brug.accounts.access import require_capability
from brug.accounts.models import User
from brug.accounts.roles import Cap
from brug.audit.services import audit_record
from brug.errors import Conflict, InvalidInput, NotFound
from brug.partners.models import Offer
from brug.partners.vocab import LifeDomain, Need
from brug.review.services import clean_reason
from brug.signals.models import Signal

from . import workflow
from .models import (
    Assessment,
    Case,
    CaseNote,
    CaseOrigin,
    CaseStatus,
    Consent,
    ConsentOverride,
    ConsentStatus,
    Goal,
    GoalStatus,
    ProcessInstance,
    ProtectiveFactor,
    Referral,
    ReferralOutcome,
    ReferralStatus,
)
from .selectors import (
    access_case,
    access_referral,
    consent_state,
    referral_permitted_by_consent,
)

if TYPE_CHECKING:
    from brug.review.models import Decision

LABEL_MAX = 60


def _open_case(actor: User, case_id: int) -> Case:
    """The actor's open case, locked. Precondition: inside ``transaction.atomic``."""
    require_capability(actor, Cap.CASE_WORK)
    case = access_case(actor=actor, id=case_id, for_update=True)
    if case.status != CaseStatus.OPEN:
        raise Conflict(_("This case is closed."), code="case_closed")
    return case


def _choices(values: Iterable[str], allowed: list[str], field: str) -> list[str]:
    values = list(dict.fromkeys(values))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise InvalidInput(_("Unknown choice “%(value)s”.") % {"value": unknown[0]},
                           field=field)
    return values


# --- opening -------------------------------------------------------------------------------

def case_open(*, actor: User, subject_label: str, origin: str = CaseOrigin.OBSERVATION,
              observation: str = "", signal_ids: Iterable[int] = (), language: str = "",
              region: str = "", age: int | None = None,
              process_key: str = workflow.DEFAULT_PROCESS,
              decision: Decision | None = None) -> Case:
    """Open a case and start its process. Signals must belong to the actor's organisation.

    A case from the worker's own observation needs the observation written down.
    """
    org = require_capability(actor, Cap.CASE_OPEN)
    subject_label = (subject_label or "").strip()
    if not subject_label or len(subject_label) > LABEL_MAX:
        raise InvalidInput(_("Give the person a pseudonymous label of at most %(n)d "
                             "characters (not their name).") % {"n": LABEL_MAX},
                           field="subject_label")
    if origin not in CaseOrigin.values:
        raise InvalidInput(_("Say where the concern comes from."), field="origin")
    signal_ids = list(dict.fromkeys(signal_ids))
    if origin == CaseOrigin.OBSERVATION and len((observation or "").strip()) < 10:
        raise InvalidInput(_("Write down what you observed (at least 10 characters)."),
                           field="observation")
    if age is not None and not 10 <= age <= 99:
        raise InvalidInput(_("Age must be between 10 and 99, or left empty."), field="age")
    definition = workflow.definition_latest(process_key)
    with transaction.atomic():
        signals = list(Signal.objects.filter(pk__in=signal_ids, organisation_id=org)
                       .select_related("message"))
        if len(signals) != len(signal_ids):
            raise NotFound(_("There is no such signal in your organisation."))
        pseudonyms = {s.message.author_pseudonym for s in signals if s.message.author_pseudonym}
        case = Case.objects.create(
            organisation_id=org, subject_label=subject_label,
            subject_pseudonym=pseudonyms.pop() if len(pseudonyms) == 1 else "",
            origin=origin, observation=(observation or "").strip(), language=language.strip(),
            region=region.strip(), age=age, owner=actor)
        case.signals.set(signals)
        instance = workflow.instance_start(case=case, definition=definition, variables={
            "case_id": case.pk, "reminders": 0, "escalations": 0,
            "has_signals": bool(signals)})
        audit_record(actor=actor, action="case.open", obj=case, details={
            "origin": origin, "signals": [s.pk for s in signals],
            "decision": decision.pk if decision else None, "process": definition.key,
            "process_version": definition.version, "instance": instance.pk})
    return case


def case_open_for_signal(*, actor: User, signal: Signal, decision: Decision) -> Case:
    """After a "refer" decision: link the signal to the author's open case, or open one.

    Called by ``review.services.signal_decide`` inside its transaction.
    """
    pseudonym = signal.message.author_pseudonym
    if pseudonym:
        existing = (Case.objects.select_for_update()
                    .filter(organisation_id=signal.organisation_id, status=CaseStatus.OPEN,
                            subject_pseudonym=pseudonym).order_by("opened_at").first())
        if existing is not None:
            existing.signals.add(signal)
            audit_record(actor=actor, action="case.signal_linked", obj=existing,
                         details={"signal": signal.pk, "decision": decision.pk})
            return existing
    label = _("Author %(code)s") % {"code": pseudonym[:6] if pseudonym else signal.pk}
    return case_open(actor=actor, subject_label=label, origin=CaseOrigin.SIGNAL,
                     signal_ids=[signal.pk], language=signal.lang or "", decision=decision)


# --- the case file ---------------------------------------------------------------------------

def assessment_record(*, actor: User, case_id: int, needs: Iterable[str], needs_notes: str = "",
                      protective: Iterable[str] = (), protective_notes: str = "",
                      concerns: str = "") -> Assessment:
    """A new needs assessment (the earlier ones stay). Written by people; nothing is scored."""
    with transaction.atomic():
        case = _open_case(actor, case_id)
        needs_list = _choices(needs, Need.values, "needs")
        if not needs_list and not (needs_notes or "").strip():
            raise InvalidInput(_("Tick at least one need or describe the needs in words."),
                               field="needs")
        assessment = Assessment.objects.create(
            case=case, needs=needs_list, needs_notes=needs_notes.strip(),
            protective=_choices(protective, ProtectiveFactor.values, "protective"),
            protective_notes=protective_notes.strip(), concerns=concerns.strip(),
            written_by=actor)
        # Needs can be special-category data (health, beliefs): the audit log (kept after the
        # case expires) records only that an assessment was written.
        audit_record(actor=actor, action="case.assessment", obj=case,
                     details={"assessment": assessment.pk, "needs_count": len(needs_list)})
    return assessment


def goal_add(*, actor: User, case_id: int, text: str, domain: str = "",
             agreed_with_person: bool = False) -> Goal:
    with transaction.atomic():
        case = _open_case(actor, case_id)
        text = (text or "").strip()
        if len(text) < 3:
            raise InvalidInput(_("Write the goal in a few words."), field="text")
        if domain and domain not in LifeDomain.values:
            raise InvalidInput(_("Unknown life domain."), field="domain")
        goal = Goal.objects.create(case=case, text=text, domain=domain,
                                   agreed_with_person=agreed_with_person, created_by=actor)
        audit_record(actor=actor, action="case.goal_add", obj=case,
                     details={"goal": goal.pk, "agreed": agreed_with_person})
    return goal


def goal_update(*, actor: User, goal_id: int, status: str) -> Goal:
    if status not in GoalStatus.values:
        raise InvalidInput(_("Unknown goal status."), field="status")
    with transaction.atomic():
        goal = Goal.objects.filter(pk=goal_id).first()
        if goal is None:
            raise NotFound(_("There is no such goal."))
        _open_case(actor, goal.case_id)
        goal.status = status
        goal.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="case.goal_update", obj=goal.case,
                     details={"goal": goal.pk, "status": status})
    return goal


def consent_record(*, actor: User, case_id: int, status: str, note: str = "") -> Consent:
    if status not in ConsentStatus.values:
        raise InvalidInput(_("Choose what the person said."), field="status")
    with transaction.atomic():
        case = _open_case(actor, case_id)
        consent = Consent.objects.create(case=case, status=status, note=(note or "").strip(),
                                         recorded_by=actor)
        audit_record(actor=actor, action="case.consent", obj=case,
                     details={"consent": consent.pk, "status": status})
    return consent


def consent_override(*, actor: User, case_id: int, reason: str,
                     legal_ground: str = "") -> ConsentOverride:
    """A supervisor proceeds without consent. Needs a written reason; logged."""
    require_capability(actor, Cap.CONSENT_OVERRIDE, _(
        "Only a supervisor can decide to go on without the person's consent."))
    reason = clean_reason(reason)
    with transaction.atomic():
        case = _open_case(actor, case_id)
        status, _override = consent_state(case)
        if status == ConsentStatus.GIVEN:
            raise Conflict(_("The person has given consent: no override is needed."),
                           code="consent_given")
        override = ConsentOverride.objects.create(case=case, supervisor=actor, reason=reason,
                                                  legal_ground=(legal_ground or "").strip())
        # The reason is kept with the override (and shown on the case); the audit log records
        # who decided and when, without the free text.
        audit_record(actor=actor, action="case.consent_override", obj=case,
                     details={"override": override.pk, "consent": status or "not_recorded",
                              "legal_ground_recorded": bool(override.legal_ground)})
    return override


def team_set(*, actor: User, case_id: int, owner_id: int, member_ids: Iterable[int]) -> Case:
    with transaction.atomic():
        case = _open_case(actor, case_id)
        ids = set(member_ids) | {owner_id}
        people = {u.pk: u for u in User.objects.filter(
            pk__in=ids, organisation_id=case.organisation_id, is_active=True)
            if u.can(Cap.CASE_WORK)}
        if set(people) != ids:
            raise InvalidInput(_("The case team can only hold active colleagues of your "
                                 "organisation who work on cases."), field="team")
        case.owner = people[owner_id]
        case.save(update_fields=["owner"])
        case.team.set([people[i] for i in ids if i != owner_id])
        audit_record(actor=actor, action="case.team", obj=case,
                     details={"owner": owner_id, "team": sorted(ids - {owner_id})})
    return case


def case_close(*, actor: User, case_id: int, reason: str, stop_process: bool = True) -> Case:
    """Close a case: live referrals are withdrawn (their places given back) and, unless the
    process itself is closing the case (``stop_process=False``), its process instance stops
    with its open inbox steps."""
    reason = clean_reason(reason)
    with transaction.atomic():
        case = _open_case(actor, case_id)
        live = case.referrals.select_for_update().filter(
            status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED])
        for referral in live:
            _end_referral(referral, ReferralStatus.WITHDRAWN, actor, reason)
            audit_record(actor=actor, action="referral.withdraw", obj=referral,
                         details={"case": case.pk, "because": "case_closed"})
        case.status = CaseStatus.CLOSED
        case.closed_at = timezone.now()
        case.closed_reason = reason
        case.save(update_fields=["status", "closed_at", "closed_reason"])
        stopped = 0
        instance = ProcessInstance.objects.select_for_update().filter(case=case).first()
        if stop_process and instance is not None:
            stopped = workflow.instance_stop(instance=instance)
        audit_record(actor=actor, action="case.close", obj=case,
                     details={"steps_cancelled": stopped})
    return case


# --- referrals -----------------------------------------------------------------------------

def referral_send(*, actor: User, case_id: int, offer_id: int, summary: str,
                  match_reasons: Iterable[str] = ()) -> Referral:
    """Send the case to a partner's offer. Refused without consent (or a supervisor's
    override), without a valid data-sharing agreement across organisations, or when the offer
    has no open place."""
    from brug.partners.selectors import agreement_valid_between

    summary = (summary or "").strip()
    if len(summary) < 10:
        raise InvalidInput(_("Write what the partner needs to know (at least 10 characters); "
                             "share only what the referral needs."), field="summary")
    with transaction.atomic():
        case = _open_case(actor, case_id)
        if not referral_permitted_by_consent(case):
            raise Conflict(_("The person has not given consent and no supervisor has recorded "
                             "an override: this case cannot be referred yet."),
                           code="consent_missing")
        if case.referrals.filter(status__in=[ReferralStatus.SENT,
                                             ReferralStatus.ACCEPTED]).exists():
            raise Conflict(_("This case already has a referral in progress."),
                           code="referral_live")
        offer = Offer.objects.select_related("organisation").filter(pk=offer_id,
                                                                    active=True).first()
        if offer is None:
            raise NotFound(_("There is no such offer."))
        if offer.capacity <= 0:
            raise Conflict(_("%(offer)s has no open place now.") % {"offer": offer.name},
                           code="no_capacity")
        agreement = None
        if offer.organisation_id != case.organisation_id:
            agreement = agreement_valid_between(case.organisation_id, offer.organisation_id,
                                                timezone.localdate())
            if agreement is None:
                raise Conflict(_("There is no valid data-sharing agreement with %(org)s: no "
                                 "referral can be sent there.") % {"org": offer.organisation},
                               code="no_agreement")
        referral = Referral.objects.create(
            case=case, offer=offer, partner_id=offer.organisation_id, agreement=agreement,
            summary=summary, match_reasons=[str(r) for r in match_reasons], sent_by=actor)
        audit_record(actor=actor, action="referral.send", obj=referral, details={
            "case": case.pk, "offer": offer.pk, "partner": offer.organisation_id,
            "agreement": agreement.pk if agreement else None})
    return referral


def _partner_referral(actor: User, referral_id: int) -> Referral:
    """A referral sent to the actor's organisation, locked, while the data-sharing agreement it
    was sent under is still valid."""
    from brug.partners.selectors import agreement_valid_between

    org = require_capability(actor, Cap.REFERRAL_ANSWER, _(
        "Only the partner the referral was sent to can answer it."))
    referral = access_referral(actor=actor, id=referral_id, for_update=True)
    if referral.partner_id != org:
        raise NotFound(_("There is no such referral for your organisation."))
    if referral.agreement_id is not None and agreement_valid_between(
            referral.case.organisation_id, referral.partner_id, timezone.localdate()) is None:
        raise Conflict(_("The data-sharing agreement this referral was sent under is no longer "
                         "valid: nothing more can be recorded on it. Contact the referring "
                         "organisation."), code="agreement_ended")
    return referral


def referral_answer(*, actor: User, referral_id: int, accept: bool, reason: str) -> Referral:
    """The partner accepts (takes one open place) or declines, with a reason either way."""
    from brug.partners.services import offer_place_take

    reason = clean_reason(reason)
    with transaction.atomic():
        referral = _partner_referral(actor, referral_id)
        if referral.status != ReferralStatus.SENT:
            raise Conflict(_("This referral has already been answered."), code="answered")
        if accept:
            offer_place_take(offer_id=referral.offer_id, actor=actor)
            referral.place_taken = True
        referral.status = ReferralStatus.ACCEPTED if accept else ReferralStatus.DECLINED
        referral.answered_by, referral.answered_at = actor, timezone.now()
        referral.answer_reason = reason
        referral.save()
        audit_record(actor=actor, action="referral.answer", obj=referral,
                     details={"accepted": accept, "case": referral.case_id})
    return referral


def referral_first_contact(*, actor: User, referral_id: int, on: date) -> Referral:
    with transaction.atomic():
        referral = _partner_referral(actor, referral_id)
        if referral.status != ReferralStatus.ACCEPTED:
            raise Conflict(_("First contact can only be recorded on an accepted referral."),
                           code="not_accepted")
        if on > timezone.localdate() or on < timezone.localdate(referral.sent_at):
            raise InvalidInput(_("The date of first contact must lie between the referral and "
                                 "today."), field="on")
        referral.first_contact_on, referral.first_contact_at = on, timezone.now()
        referral.save(update_fields=["first_contact_on", "first_contact_at"])
        audit_record(actor=actor, action="referral.first_contact", obj=referral,
                     details={"case": referral.case_id})
    return referral


def referral_outcome(*, actor: User, referral_id: int, outcome: str, domain: str = "",
                     note: str = "") -> Referral:
    """Close the loop: what came of the referral and where re-inclusion happened."""
    if outcome not in ReferralOutcome.values:
        raise InvalidInput(_("Choose the outcome."), field="outcome")
    if domain and domain not in LifeDomain.values:
        raise InvalidInput(_("Unknown life domain."), field="domain")
    with transaction.atomic():
        referral = _partner_referral(actor, referral_id)
        if referral.status != ReferralStatus.ACCEPTED:
            raise Conflict(_("An outcome can only be recorded on an accepted referral."),
                           code="not_accepted")
        referral.outcome, referral.outcome_domain = outcome, domain
        referral.outcome_note = (note or "").strip()
        referral.outcome_at, referral.outcome_by = timezone.now(), actor
        referral.save()
        _end_referral(referral, ReferralStatus.ENDED, actor, "")
        audit_record(actor=actor, action="referral.outcome", obj=referral,
                     details={"outcome": outcome, "domain": domain, "case": referral.case_id})
    return referral


def referral_withdraw(*, actor: User, referral_id: int, reason: str) -> Referral:
    """The case side takes a referral back (e.g. no answer after escalation)."""
    reason = clean_reason(reason)
    with transaction.atomic():
        referral = access_referral(actor=actor, id=referral_id, for_update=True)
        _open_case(actor, referral.case_id)
        if referral.status not in (ReferralStatus.SENT, ReferralStatus.ACCEPTED):
            raise Conflict(_("This referral is no longer in progress."), code="not_live")
        _end_referral(referral, ReferralStatus.WITHDRAWN, actor, reason)
        audit_record(actor=actor, action="referral.withdraw", obj=referral,
                     details={"case": referral.case_id})
    return referral


def _end_referral(referral: Referral, status: str, actor: User, reason: str) -> None:
    from brug.partners.services import offer_place_release

    if referral.place_taken:
        offer_place_release(offer_id=referral.offer_id, actor=actor)
        referral.place_taken = False
    referral.status = status
    if status == ReferralStatus.WITHDRAWN and reason:
        referral.withdraw_reason = reason
    referral.save()


def live_referral(case: Case) -> Referral | None:
    return (case.referrals.filter(status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED])
            .order_by("-sent_at").first())


def case_note_add(*, actor: User, case_id: int, kind: str, text: str, step_name: str = "",
                  decision: str = "", participants: str = "") -> CaseNote | None:
    """A note written while doing a step (case conference, follow-up, a generic step).
    Nothing is stored when there is neither text nor a decision."""
    with transaction.atomic():
        case = _open_case(actor, case_id)
        if not (text or "").strip() and not decision:
            return None
        note = CaseNote.objects.create(case=case, kind=kind, step_name=step_name,
                                       decision=decision, participants=participants.strip(),
                                       text=(text or "").strip(), written_by=actor)
        audit_record(actor=actor, action="case.note", obj=case,
                     details={"note": note.pk, "kind": kind, "decision": decision})
    return note
