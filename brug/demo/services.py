"""The demo installation: organisations, people, sources, the demo messages and a few decisions.

Everything goes through the platform's own services (source mandate and activation, ingestion,
scoring jobs, decisions), so the demo shows what a real installation records, audit entries
included. Every function here is idempotent: running ``brug demo`` again re-asserts the same
state and adds nothing twice.

Preconditions for all writes: the database is migrated. The demo accounts share one published
password, so the management command refuses to run on a production configuration.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.accounts.services import replace_backup_codes
from brug.audit.services import audit_record
from brug.errors import Conflict
from brug.review.models import Decision, Label, Outcome
from brug.review.services import signal_decide
from brug.signals.models import Signal, SignalFlag, SignalStatus
from brug.sources.models import ImportRun, LegalBasis, Message, Source, SourceKind
from brug.sources.parsing import RowInput, parse_upload
from brug.sources.services import (
    RowRejected,
    clean_row,
    messages_ingest,
    source_activate,
    source_create,
    source_record_mandate,
    source_rotate_token,
)

DATA_FILE = Path(__file__).resolve().parent / "data" / "messages.jsonl"
DEMO_PASSWORD = "brug-demo-2026"
BACKUP_CODES = 5
# Demo accounts are recognised by this e-mail domain (".invalid" never delivers mail), so the
# demo never takes over an account somebody created by hand with the same username.
EMAIL_DOMAIN = "demo.brug.invalid"
DPIA_REFERENCE = "DPIA-MEC-2026-01"
RETENTION_DAYS = 90
PURPOSE = ("Early detection of online signals of radicalisation, hate and alienation in public "
           "channels of the city, so that prevention workers can offer support (local "
           "prevention plan, demo).")
# The newest demo message is shown as this old; the rest keep their spacing over 30 days.
NEWEST_MESSAGE_AGE = timedelta(minutes=20)

ORGANISATIONS: dict[str, str] = {
    OrganisationType.PREVENTION: "Stad Mechelen — Preventiedienst",
    OrganisationType.YOUTH_WORK: "JOC Mechelen (jeugdwerk)",
    OrganisationType.SOCIAL_WELFARE: "OCMW Mechelen / CPAS",
    OrganisationType.SCHOOL: "Stedelijk Lyceum De Brug (school, demo)",
    OrganisationType.EXIT_PROGRAMME: "Exit Vlaanderen",
    OrganisationType.MENTAL_HEALTH: "CGG Mechelen — geestelijke gezondheidszorg",
    OrganisationType.POLICE_LIAISON: "Lokale politie — verbindingsofficier",
}


@dataclass(frozen=True)
class DemoPerson:
    username: str
    role: str
    first_name: str
    last_name: str
    organisation: str = OrganisationType.PREVENTION
    admin: bool = False


PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("pia", Role.PREVENTION_WORKER, "Pia", "Peeters"),
    DemoPerson("noah", Role.PREVENTION_WORKER, "Noah", "Janssens"),
    DemoPerson("omar", Role.OUTREACH_WORKER, "Omar", "El Idrissi"),
    DemoPerson("cato", Role.COUNSELLOR, "Cato", "Verbeeck"),
    DemoPerson("sara", Role.SUPERVISOR, "Sara", "Maes"),
    DemoPerson("jules", Role.PARTNER_CASEWORKER, "Jules", "Wouters",
               organisation=OrganisationType.YOUTH_WORK),
    DemoPerson("dana", Role.DPO, "Dana", "De Smet"),
    DemoPerson("adam", Role.ADMINISTRATOR, "Adam", "Claes", admin=True),
)

UPLOAD_SOURCE = "Public channels export (demo)"
PUSH_SOURCE = "Partner push API (demo)"
FEED_SOURCE = "Neighbourhood forum feed (demo, no mandate)"
FEED_URL = "https://example.org/buurtforum/feed.xml"
# Messages from public gaming servers arrive through the partner's push API (a youth-work
# partner forwards what its moderators see); everything else comes in the upload.
PUSH_CHANNELS = frozenset({"public-server/gamers-mechelen", "public-server/gaming-be",
                           "public-server/zocker-ostbelgien"})


# --- organisations and people -------------------------------------------------------------

def demo_organisations_ensure() -> dict[str, Organisation]:
    """One organisation of every ``OrganisationType``, by name; returns them by type."""
    found: dict[str, Organisation] = {}
    created = 0
    with transaction.atomic():
        for kind, name in ORGANISATIONS.items():
            organisation, was_created = Organisation.objects.get_or_create(
                name=name, defaults={"kind": kind})
            if organisation.kind != kind:
                organisation.kind = kind
                organisation.save(update_fields=["kind"])
            created += was_created
            found[kind] = organisation
        audit_record(actor=None, action="demo.organisations", object_type="accounts.organisation",
                     details={"count": len(found), "created": created})
    return found


def demo_people_ensure(*, organisations: dict[str, Organisation],
                       people_to_make: Sequence[DemoPerson] | None = None) -> list[User]:
    """One account per ``Role`` (or per ``people_to_make``) with the demo password; raises
    ``Conflict`` if a username is already used by an account the demo did not create
    (recognised by its e-mail domain)."""
    people: list[User] = []
    created = 0
    with transaction.atomic():
        for person in PEOPLE if people_to_make is None else people_to_make:
            email = f"{person.username}@{EMAIL_DOMAIN}"
            user = User.objects.filter(username=person.username).first()
            if user is None:
                user = User(username=person.username, email=email)
                created += 1
            elif user.email != email:
                raise Conflict(f"An account named {person.username!r} exists and was not made by "
                               "the demo. Run the demo on a separate database.",
                               code="demo_username_taken")
            user.first_name, user.last_name = person.first_name, person.last_name
            user.organisation = organisations[person.organisation]
            user.role = person.role
            user.is_active = True
            user.is_staff = user.is_superuser = person.admin
            user.set_password(DEMO_PASSWORD)
            user.save()
            people.append(user)
        audit_record(actor=None, action="demo.people", object_type="accounts.user",
                     details={"count": len(people), "created": created,
                              "partners": people_to_make is not None})
    return people


def demo_backup_codes_issue(*, people: Sequence[User]) -> list[tuple[User, list[str]]]:
    """Fresh backup codes for every demo person (the second factor without an app): one
    confirmed static device each, as the account page makes them, with ``BACKUP_CODES`` codes.
    The old codes stop working."""
    issued: list[tuple[User, list[str]]] = []
    with transaction.atomic():
        for user in people:
            codes = replace_backup_codes(user, count=BACKUP_CODES)
            audit_record(actor=None, action="account.backup_codes_replaced", obj=user,
                         organisation_id=user.organisation_id,
                         details={"count": len(codes), "by": "demo"})
            issued.append((user, codes))
    return issued


# --- sources ----------------------------------------------------------------------------

def _source(actor: User, name: str, kind: str, description: str, feed_url: str = "") -> Source:
    existing = Source.objects.filter(organisation_id=actor.organisation_id or 0,
                                     name=name).first()
    return existing or source_create(actor=actor, name=name, kind=kind, description=description,
                                     feed_url=feed_url)


def _with_mandate(actor: User, source: Source) -> Source:
    if source.missing_mandate:
        source = source_record_mandate(actor=actor, source=source,
                                       legal_basis=LegalBasis.PUBLIC_TASK, purpose=PURPOSE,
                                       retention_days=RETENTION_DAYS,
                                       dpia_reference=DPIA_REFERENCE)
    return source_activate(actor=actor, source=source)


def demo_sources_ensure(*, actor: User) -> tuple[Source, Source, Source, str]:
    """The upload and push sources (mandate complete, active) and a feed source without a
    mandate that stays off. Returns them and a new push token (the old one stops working).

    Precondition: ``actor`` may manage sources in the prevention service.
    """
    upload = _with_mandate(actor, _source(
        actor, UPLOAD_SOURCE, SourceKind.UPLOAD,
        "Export of public posts in local groups, forums and channels (synthetic demo data)."))
    push = _with_mandate(actor, _source(
        actor, PUSH_SOURCE, SourceKind.PUSH,
        "Public gaming-server posts forwarded by the youth-work partner's moderation tool."))
    feed = _source(actor, FEED_SOURCE, SourceKind.FEED,
                   "A neighbourhood forum's public feed. No mandate is recorded, so it cannot be "
                   "switched on.", feed_url=FEED_URL)
    token = source_rotate_token(actor=actor, source=push)
    return upload, push, feed, token


# --- messages ---------------------------------------------------------------------------

def demo_rows(path: Path = DATA_FILE, *, now: datetime | None = None) -> list[RowInput]:
    """The demo file as numbered rows, read like an upload (bad lines keep their error).

    Dates are shifted so the newest message is ``NEWEST_MESSAGE_AGE`` old and the rest keep
    their spacing; ``url`` is made from the public channel and the id. Precondition: ``path``
    is a JSONL file in the format of ``brug/demo/data/README.md``.
    """
    parsed = parse_upload(path.name, path.read_bytes())
    latest: datetime | None = None
    for item in parsed.rows:
        # Only rows that will become messages count: a rejected row must not move the clock.
        when = _when(item.data) if _acceptable(item) else None
        if when is not None and (latest is None or when > latest):
            latest = when
    shift = ((now or timezone.now()) - NEWEST_MESSAGE_AGE - latest) if latest else timedelta(0)
    rows: list[RowInput] = []
    for item in parsed.rows:
        if item.data is None:
            rows.append(item)
            continue
        data: dict[str, Any] = dict(item.data)
        when = _when(data)
        if when is not None:
            data["posted_at"] = (when + shift).replace(microsecond=0).isoformat()
        channel, ident = data.get("source"), data.get("id")
        if isinstance(channel, str) and isinstance(ident, str) and channel and ident:
            data["url"] = f"https://example.org/{channel}/{ident}"
        rows.append(RowInput(item.row, data=data))
    return rows


def _acceptable(item: RowInput) -> bool:
    if item.data is None:
        return False
    try:
        clean_row(item.data)
    except RowRejected:
        return False
    return True


def _when(data: Any) -> datetime | None:
    value = data.get("posted_at") if isinstance(data, dict) else None
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if timezone.is_aware(when) else None


def _channel_of(item: RowInput) -> str:
    data = item.data
    if isinstance(data, dict) and data.get("source") in PUSH_CHANNELS:
        return SourceKind.PUSH
    return SourceKind.UPLOAD


def demo_messages_import(*, uploader: User, upload: Source, push: Source,
                         rows: Iterable[RowInput]) -> list[ImportRun]:
    """Ingest the demo rows once: the upload (by ``uploader``, bad lines included, so its
    report shows row errors) and the push share. A source that already has its demo import is
    skipped, so a second run adds no import and no message."""
    by_channel: dict[str, list[RowInput]] = {SourceKind.UPLOAD: [], SourceKind.PUSH: []}
    for item in rows:
        by_channel[_channel_of(item)].append(item)
    runs: list[ImportRun] = []
    for source, channel, actor in ((upload, SourceKind.UPLOAD, uploader),
                                   (push, SourceKind.PUSH, None)):
        if ImportRun.objects.filter(source=source, filename=DATA_FILE.name).exists():
            continue
        runs.append(messages_ingest(source=source, rows=by_channel[channel], channel=channel,
                                    actor=actor, filename=DATA_FILE.name))
    return runs


def demo_unscored(*, sources: Sequence[Source]) -> list[int]:
    """Ids of demo messages not scored yet (e.g. a previous run stopped before the jobs ran)."""
    return list(Message.objects.filter(source__in=sources, scored_at__isnull=True,
                                       score_error="").values_list("pk", flat=True))


# --- decisions --------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoDecision:
    status: str              # the state this example puts on the queue
    prefer: tuple[str, ...]  # demo ids that suit the example, best first
    # Otherwise the open signal scoring highest in this category ("": no stand-in, because
    # dismissing an arbitrary signal would show a wrong decision).
    category: str
    labels: tuple[str, ...]
    outcome: str
    reason: str
    legal_ground: str = ""


DECISIONS: tuple[DemoDecision, ...] = (
    DemoDecision(
        SignalStatus.DECIDED,
        ("demo-nl-079", "demo-nl-060", "demo-nl-064", "demo-en-092", "demo-en-006",
         "demo-de-075"), "",
        (Label.NOT_RELEVANT,), Outcome.DISMISS,
        "Read in full: an ordinary neighbourhood post with no threat and no target. The "
        "detector reacted to single words; dismissed, useful as a training label."),
    DemoDecision(
        SignalStatus.MONITORING, ("demo-fr-047", "demo-de-040", "demo-nl-057"), "alienation",
        (Label.GENUINE_GRIEVANCE,), Outcome.MONITOR,
        "Distrust of institutions and a sense of not being heard, no hostility towards a "
        "group. Look again in two weeks with the outreach team."),
    DemoDecision(
        SignalStatus.AWAITING_CONFIRMATION,
        ("demo-en-058", "demo-nl-029", "demo-fr-051", "demo-de-052"), "violent_intent",
        (Label.VIOLENT_INTENT, Label.HATE_SPEECH), Outcome.URGENT,
        "A concrete threat against a place of worship with a day and a weapon named. This "
        "cannot wait for the normal follow-up.",
        "State of necessity (art. 458 Criminal Code, duty of care): a serious and imminent "
        "threat to the life of others; inform the police liaison officer."),
)


def _pick_signal(organisation_id: int, sources: Sequence[Source],
                 example: DemoDecision) -> Signal | None:
    open_signals = Signal.objects.filter(organisation_id=organisation_id, source__in=sources,
                                         status=SignalStatus.OPEN)
    by_id = {s.message.external_id: s for s in open_signals.filter(
        message__external_id__in=example.prefer).select_related("message")}
    for external_id in example.prefer:
        if external_id in by_id:
            return by_id[external_id]
    if not example.category:
        return None
    candidates = list(open_signals.filter(flag_rows__category=example.category))
    return max(candidates, key=lambda s: float(s.scores.get(example.category, 0.0)),
               default=None)


def demo_decisions_ensure(*, reviewer: User, sources: Sequence[Source]) -> list[Decision]:
    """Make sure the queue shows every state: one decided, one monitored and one urgent signal
    awaiting a second reviewer. A state that some signal of the demo sources already has is
    left alone. Precondition: ``reviewer`` may review signals in the sources' organisation."""
    decisions: list[Decision] = []
    for example in DECISIONS:
        if Signal.objects.filter(source__in=sources, status=example.status).exists():
            continue
        signal = _pick_signal(reviewer.organisation_id or 0, sources, example)
        if signal is None:
            continue
        recheck = (timezone.localdate() + timedelta(days=14)
                   if example.outcome == Outcome.MONITOR else None)
        decisions.append(signal_decide(actor=reviewer, signal=signal, labels=example.labels,
                                       outcome=example.outcome, reason=example.reason,
                                       recheck_on=recheck, legal_ground=example.legal_ground))
    return decisions


# --- counts and reset ---------------------------------------------------------------------

def demo_counts(*, sources: Sequence[Source]) -> dict[str, Any]:
    """Messages, signals per flag category and per state of the demo sources (counts only)."""
    flags = Counter(dict(SignalFlag.objects.filter(signal__source__in=sources)
                         .values_list("category").annotate(n=Count("pk"))))
    states = Counter(dict(Signal.objects.filter(source__in=sources)
                          .values_list("status").annotate(n=Count("pk"))))
    return {
        "messages": Message.objects.filter(source__in=sources).count(),
        "unscored": Message.objects.filter(source__in=sources, scored_at__isnull=True).count(),
        "signals": Signal.objects.filter(source__in=sources).count(),
        "flags": dict(flags),
        "states": dict(states),
    }


def demo_reset(*, organisation: Organisation | None) -> dict[str, int]:
    """Delete the demo sources with everything they brought in (messages, imports, signals,
    decisions), the demo casework: the service's cases (with their steps and referrals),
    the partners' demo offers and the demo agreements, and the counselling demo's clients, free
    times and care records. People and organisations stay (the
    audit log refers to them) and are re-asserted by the next run; the audit log itself is
    append-only and keeps its entries."""
    from .cases import demo_casework_reset, demo_organisations
    from .counselling import counselling_demo_reset

    if organisation is None:
        return {"sources": 0, "messages": 0, "cases": 0, "offers": 0, "agreements": 0,
                "clients": 0}
    with transaction.atomic():
        sources = Source.objects.filter(organisation=organisation,
                                        name__in=[UPLOAD_SOURCE, PUSH_SOURCE, FEED_SOURCE])
        counts = {"sources": sources.count(),
                  "messages": Message.objects.filter(source__in=sources).count()}
        # Cases first: referrals hold their offers and agreements.
        counts.update(demo_casework_reset(organisations=demo_organisations()))
        counts.update(counselling_demo_reset())
        Decision.objects.filter(signal__source__in=sources).delete()
        sources.delete()
        audit_record(actor=None, action="demo.reset", object_type="sources.source",
                     organisation_id=organisation.pk, details=counts)
    return counts


def demo_prevention_service() -> Organisation | None:
    return Organisation.objects.filter(name=ORGANISATIONS[OrganisationType.PREVENTION]).first()


def read_demo_file(path: Path = DATA_FILE) -> tuple[list[dict[str, Any]], list[int]]:
    """The file's valid messages and the line numbers of the lines that are not (for tests and
    for anyone checking an edited file). Valid means what an upload accepts: the same parser
    and row checks as ``brug.sources`` (JSON object, id, text within the limit, language...)."""
    good: list[dict[str, Any]] = []
    bad: list[int] = []
    for item in parse_upload(path.name, path.read_bytes()).rows:
        if item.data is not None and _acceptable(item):
            good.append(dict(item.data))
        else:
            bad.append(item.row)
    return good, bad
