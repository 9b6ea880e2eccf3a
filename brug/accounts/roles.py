"""Roles and what each may do. One table, read by every access check and by the tests.

A capability names an action on a kind of data. Scoping by organisation is separate: every
selector filters on the actor's organisation as well.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PREVENTION_WORKER = "prevention_worker", _("Prevention worker / analyst")
    OUTREACH_WORKER = "outreach_worker", _("Outreach worker")
    COUNSELLOR = "counsellor", _("Counsellor")
    SUPERVISOR = "supervisor", _("Supervisor")
    PARTNER_CASEWORKER = "partner_caseworker", _("Partner caseworker")
    DPO = "dpo", _("Data-protection officer")
    ADMINISTRATOR = "administrator", _("Administrator")


class OrganisationType(models.TextChoices):
    PREVENTION = "prevention", _("Municipal prevention service")
    YOUTH_WORK = "youth_work", _("Youth work")
    SOCIAL_WELFARE = "social_welfare", _("Social welfare")
    SCHOOL = "school", _("School")
    EXIT_PROGRAMME = "exit_programme", _("Exit programme")
    MENTAL_HEALTH = "mental_health", _("Mental-health service")
    POLICE_LIAISON = "police_liaison", _("Police liaison")


class Cap:
    """Capability names (strings, so they read well in tests and audit entries)."""

    QUEUE_VIEW = "queue.view"              # see the review queue and open a signal
    SIGNAL_REVIEW = "signal.review"        # record labels and a decision
    SIGNAL_CONFIRM_URGENT = "signal.confirm_urgent"  # second reviewer on the urgent track
    HANDLE_REVEAL = "handle.reveal"        # decrypt an author's raw handle (audited)
    SOURCE_VIEW = "source.view"
    SOURCE_UPLOAD = "source.upload"        # upload a file into an active source
    SOURCE_MANAGE = "source.manage"        # create sources, record the mandate, activate, tokens
    LABELS_EXPORT = "labels.export"        # reviewers' labels as training JSONL
    AUDIT_VIEW = "audit.view"              # read-only audit log
    RETENTION_VIEW = "retention.view"      # purge counts and retention settings
    # Cases, referrals and partners (issue 4)
    CASE_VIEW = "case.view"                # open the organisation's case files
    CASE_OPEN = "case.open"                # open a case (from a "refer" decision or directly)
    CASE_WORK = "case.work"                # assessment, goals, consent, team, tasks in a case
    CONSENT_OVERRIDE = "consent.override"  # proceed without consent, with a reason (logged)
    REFERRAL_ANSWER = "referral.answer"    # a partner accepts/declines and records outcomes
    OFFER_VIEW = "offer.view"              # see partners' offers (no personal data)
    OFFER_MANAGE = "offer.manage"          # list and update one's own organisation's offers
    AGREEMENT_VIEW = "agreement.view"      # data-sharing agreements of one's organisation
    AGREEMENT_MANAGE = "agreement.manage"  # record or end a data-sharing agreement
    PROCESS_VIEW = "process.view"          # process definitions and the AS-IS/TO-BE report
    PROCESS_MANAGE = "process.manage"      # upload a new version of a BPMN process
    # Online counselling (issue 5)
    COUNSEL = "counsel.work"               # own profile, slots, own clients' conversations
    COUNSEL_SUPERVISE = "counsel.supervise"  # caseloads, care and supervision of counsellors


R = Role
_CASEWORK = frozenset({Cap.CASE_VIEW, Cap.CASE_OPEN, Cap.CASE_WORK, Cap.OFFER_VIEW,
                       Cap.PROCESS_VIEW})
CAPABILITIES: dict[str, frozenset[str]] = {
    R.PREVENTION_WORKER: frozenset({
        Cap.QUEUE_VIEW, Cap.SIGNAL_REVIEW, Cap.SIGNAL_CONFIRM_URGENT, Cap.SOURCE_VIEW,
        Cap.SOURCE_UPLOAD}) | _CASEWORK,
    R.OUTREACH_WORKER: frozenset({Cap.QUEUE_VIEW, Cap.HANDLE_REVEAL}) | _CASEWORK,
    R.COUNSELLOR: frozenset({Cap.OFFER_VIEW, Cap.COUNSEL}),
    R.SUPERVISOR: frozenset({
        Cap.QUEUE_VIEW, Cap.SIGNAL_REVIEW, Cap.SIGNAL_CONFIRM_URGENT, Cap.HANDLE_REVEAL,
        Cap.SOURCE_VIEW, Cap.SOURCE_UPLOAD, Cap.SOURCE_MANAGE, Cap.LABELS_EXPORT,
        Cap.CONSENT_OVERRIDE, Cap.OFFER_MANAGE, Cap.AGREEMENT_VIEW,
        Cap.COUNSEL_SUPERVISE}) | _CASEWORK,
    # A partner sees only what was referred to it (selectors scope by referral, not by case).
    R.PARTNER_CASEWORKER: frozenset({Cap.REFERRAL_ANSWER, Cap.OFFER_VIEW, Cap.OFFER_MANAGE}),
    R.DPO: frozenset({Cap.AUDIT_VIEW, Cap.RETENTION_VIEW, Cap.SOURCE_VIEW, Cap.AGREEMENT_VIEW,
                      Cap.AGREEMENT_MANAGE, Cap.PROCESS_VIEW}),
    # Administrators run the installation (people, organisations, sources, process versions)
    # but read no content.
    R.ADMINISTRATOR: frozenset({Cap.SOURCE_VIEW, Cap.SOURCE_MANAGE, Cap.OFFER_VIEW,
                                Cap.OFFER_MANAGE, Cap.AGREEMENT_VIEW, Cap.PROCESS_VIEW,
                                Cap.PROCESS_MANAGE}),
}


def role_can(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())
