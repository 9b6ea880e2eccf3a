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


R = Role
CAPABILITIES: dict[str, frozenset[str]] = {
    R.PREVENTION_WORKER: frozenset({
        Cap.QUEUE_VIEW, Cap.SIGNAL_REVIEW, Cap.SIGNAL_CONFIRM_URGENT, Cap.SOURCE_VIEW,
        Cap.SOURCE_UPLOAD}),
    R.OUTREACH_WORKER: frozenset({Cap.QUEUE_VIEW, Cap.HANDLE_REVEAL}),
    R.COUNSELLOR: frozenset(),
    R.SUPERVISOR: frozenset({
        Cap.QUEUE_VIEW, Cap.SIGNAL_REVIEW, Cap.SIGNAL_CONFIRM_URGENT, Cap.HANDLE_REVEAL,
        Cap.SOURCE_VIEW, Cap.SOURCE_UPLOAD, Cap.SOURCE_MANAGE, Cap.LABELS_EXPORT}),
    R.PARTNER_CASEWORKER: frozenset(),
    R.DPO: frozenset({Cap.AUDIT_VIEW, Cap.RETENTION_VIEW, Cap.SOURCE_VIEW}),
    # Administrators run the installation (people, organisations, sources) but read no content.
    R.ADMINISTRATOR: frozenset({Cap.SOURCE_VIEW, Cap.SOURCE_MANAGE}),
}


def role_can(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())
