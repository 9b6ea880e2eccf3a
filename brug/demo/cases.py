"""The demo's casework (issue 4): partner people, offers, data-sharing agreements, and cases that
ran the AS-IS and TO-BE processes — months of completed history and a few open cases.

Everything goes through the platform's services: offers by a person of the partner organisation
(``offer_create``), agreements by the prevention service's data-protection officer
(``agreement_record``), cases opened with ``case_open`` (or a reviewer's "refer" decision,
``signal_decide``) and moved on only by doing inbox tasks with ``step_do`` — the one service
behind every task — and by the timer sweep the worker runs (``workflow.timers_sweep``).

History is walked in the past with ``time_machine`` (``tick=False``, see ``casewalk``), so every
timestamp the services write (case, steps, referral, audit entry) lies where it would have in
real life, and the AS-IS vs TO-BE report measures real durations. A seeded ``random.Random``
makes the demo the same on every machine. Each case is one transaction and is recognised by its
pseudonymous label, so running the demo again adds nothing twice.

Precondition: the demo organisations and people exist (``services.demo_people_ensure``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import time_machine
from django.utils import timezone

from brug.accounts.models import Organisation, User
from brug.accounts.roles import OrganisationType, Role
from brug.audit.services import audit_record
from brug.cases.models import Case, CaseStatus
from brug.cases.selectors import inbox
from brug.partners.models import Agreement, Offer
from brug.partners.services import agreement_record, offer_create
from brug.review.models import Decision, Label, Outcome
from brug.review.services import signal_decide
from brug.signals.models import Signal, SignalStatus
from brug.sources.models import Source

from . import casedata as text
from .casewalk import AS_IS, OUTCOME_PACE, PACE, TO_BE, Plan, Team, office, office_before, walk
from .services import ORGANISATIONS, PEOPLE, DemoPerson, demo_people_ensure

HISTORY = 24            # completed cases per process, by default
SEED = 2026
OFFERS_AGE = timedelta(days=300)  # offers exist from before the first case of the history
# Completed cases start in these windows (days ago): AS-IS is the older practice, TO-BE newer.
WINDOWS = {AS_IS: (285, 95), TO_BE: (215, 12)}

# Every partner organisation gets a caseworker who manages its offers and answers referrals
# (``jules`` of the youth-work partner comes with ``services.PEOPLE``).
PARTNER_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("lotte", Role.PARTNER_CASEWORKER, "Lotte", "Van den Broeck",
               organisation=OrganisationType.SOCIAL_WELFARE),
    DemoPerson("yara", Role.PARTNER_CASEWORKER, "Yara", "Benali",
               organisation=OrganisationType.SCHOOL),
    DemoPerson("bram", Role.PARTNER_CASEWORKER, "Bram", "Mertens",
               organisation=OrganisationType.EXIT_PROGRAMME),
    DemoPerson("ines", Role.PARTNER_CASEWORKER, "Inès", "Lambert",
               organisation=OrganisationType.MENTAL_HEALTH),
)
PARTNER_KINDS = (OrganisationType.YOUTH_WORK, OrganisationType.SOCIAL_WELFARE,
                 OrganisationType.SCHOOL, OrganisationType.EXIT_PROGRAMME,
                 OrganisationType.MENTAL_HEALTH)

# Paths through each process, most telling first (a small history keeps the first ones).
PATHS: dict[str, tuple[str, ...]] = {
    TO_BE: ("standard", "decline_second", "remind_once", "no_referral", "override_yes",
            "remind_twice_withdraw", "override_no", "decline_second", "remind_twice_wait",
            "remind_once", "no_referral", "decline_second"),
    AS_IS: ("standard", "declined_stop", "postponed", "no_referral", "standard",
            "declined_stop", "postponed", "no_referral"),
}
OUTCOMES = {TO_BE: (("completed", 40), ("engaged", 35), ("dropped_out", 15),
                    ("not_engaged", 10)),
            AS_IS: (("completed", 30), ("engaged", 25), ("dropped_out", 30),
                    ("not_engaged", 15))}

# --- people, offers, agreements -----------------------------------------------------------

def demo_partner_people_ensure(*, organisations: dict[str, Organisation]) -> list[User]:
    """A caseworker in every partner organisation without one in ``services.PEOPLE``, made like
    the other demo accounts (demo password, recognised by the demo e-mail domain)."""
    return demo_people_ensure(organisations=organisations, people_to_make=PARTNER_PEOPLE)


def _partner_people(organisations: dict[str, Organisation]) -> dict[int, User]:
    """The demo caseworker of each partner organisation, by organisation id."""
    names = [p.username for p in (*PEOPLE, *PARTNER_PEOPLE)
             if p.role == Role.PARTNER_CASEWORKER]
    ids = {organisations[k].pk for k in PARTNER_KINDS}
    found: dict[int, User] = {}
    for user in User.objects.filter(username__in=names, organisation_id__in=ids,
                                    role=Role.PARTNER_CASEWORKER).order_by("username"):
        found.setdefault(user.organisation_id or 0, user)
    return found


def demo_offers_ensure(*, organisations: dict[str, Organisation]) -> list[Offer]:
    """The demo offers, each created once by its organisation's caseworker (dated
    ``OFFERS_AGE`` ago, before the history's referrals)."""
    partners = _partner_people(organisations)
    offers: list[Offer] = []
    missing = []
    for spec in text.OFFERS:
        organisation = organisations[spec.organisation]
        offer = Offer.objects.filter(organisation=organisation, name=spec.name).first()
        if offer is None:
            missing.append(spec)
        else:
            offers.append(offer)
    if missing:
        with time_machine.travel(timezone.now() - OFFERS_AGE, tick=False):
            for spec in missing:
                offers.append(offer_create(
                    actor=partners[organisations[spec.organisation].pk], name=spec.name,
                    kind=spec.kind, region=spec.region, needs=spec.needs,
                    languages=spec.languages, description=spec.description,
                    eligibility=spec.eligibility, min_age=spec.min_age, max_age=spec.max_age,
                    capacity=spec.capacity))
    return offers


def demo_agreements_ensure(*, dpo: User,
                           organisations: dict[str, Organisation]) -> list[Agreement]:
    """The prevention service's data-sharing agreements, each recorded once by its DPO on the
    day it started: most valid, one expired, none with the school."""
    prevention = organisations[OrganisationType.PREVENTION]
    today = timezone.localdate()
    agreements: list[Agreement] = []
    for spec in text.AGREEMENTS:
        partner = organisations[spec.organisation]
        agreement = Agreement.objects.filter(organisation_a=prevention, organisation_b=partner,
                                             title=spec.title).first()
        if agreement is None:
            starts = today + timedelta(days=spec.starts)
            moment = timezone.make_aware(datetime.combine(starts, time(10, 30)))
            with time_machine.travel(moment, tick=False):
                agreement = agreement_record(
                    actor=dpo, organisation_a_id=prevention.pk, organisation_b_id=partner.pk,
                    title=spec.title, legal_basis=text.LEGAL_BASIS, scope=text.SCOPE,
                    reference=spec.reference, starts_on=starts,
                    expires_on=today + timedelta(days=spec.expires))
        agreements.append(agreement)
    return agreements


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


# --- the plans ------------------------------------------------------------------------------

def _labels(rng: random.Random) -> Iterator[str]:
    """Codes like "A-07", never twice."""
    used: set[str] = set()
    while True:
        code = f"{rng.choice('ABCDEFGHJKLMNPRSTVZ')}-{rng.randrange(1, 100):02d}"
        if code not in used:
            used.add(code)
            yield code


def _label(code: str, language: str, age: int) -> str:
    if age >= 22:
        return f"{text.ADULT_WORDS.get(language, text.ADULT_WORD)} {code}"
    return f"{text.LABEL_WORDS.get(language, 'Jongere')} {code}"


SLACK = 1.2  # days per step for evenings and weekends (a step lands in office hours)


def _span(plan: Plan) -> float:
    """About the days the plan's case takes from opening to closing (its start is chosen so
    that it ends before today): the drawn delays of the steps its path passes, the timers it
    waits for, and a little for evenings and weekends."""
    path, first = plan.path, {name: values[0] for name, values in plan.delays.items()}
    if plan.process == AS_IS:
        names = ["done", "postponed" if path == "postponed" else "case_conference", "close"]
        if path != "no_referral":
            names += ["choose_offer", "referral_answer"]
        if path not in ("no_referral", "declined_stop"):
            names += ["first_contact", "outcome"]
        return sum(first[n] for n in names) + 14 + SLACK * len(names)
    names = ["assessment", "consent", "case_conference", "close"]
    if path.startswith("override"):
        names.append("consent_override")
    if path in ("no_referral", "override_no"):
        return sum(first[n] for n in names) + SLACK * len(names)
    names += ["choose_offer", "referral_answer", "first_contact", "outcome", "follow_up"]
    days = sum(first[n] for n in names)
    if path in ("decline_second", "remind_twice_withdraw"):
        days += plan.delays["choose_offer"][1] + plan.delays["referral_answer"][1]
    days += {"remind_once": 7.5, "remind_twice_wait": 16.5,
             "remind_twice_withdraw": 16.5}.get(path, 0)
    return days + SLACK * (len(names) + 2)


def _history(process: str, count: int, rng: random.Random, codes: Iterator[str],
             now: datetime) -> list[Plan]:
    paths = list(PATHS[process])
    paths = (paths + ["standard"] * count)[:count]
    rng.shuffle(paths)
    early, late = WINDOWS[process]
    plans = []
    for index, path in enumerate(paths):
        story = text.STORIES[(index * 5 + (process == AS_IS)) % len(text.STORIES)]
        outcome = _weighted(rng, OUTCOMES[process])
        delays = {name: [rng.uniform(low, high) for _ in range(3)]
                  for name, (low, high) in (*PACE[process].items(),
                                            ("outcome", OUTCOME_PACE[outcome]))}
        plan = Plan("", process, story, rng.choice(story.languages), rng.choice(text.REGIONS),
                     rng.randint(*story.ages), path, rng.randrange(1, 2**31), outcome=outcome,
                     delays=delays)
        latest = max(float(late), _span(plan) + 3)
        days = rng.uniform(latest, max(float(early), latest + 1))
        plan.start = office(now - timedelta(days=days), rng)
        plans.append(plan)
    plans.sort(key=lambda p: p.start)
    for plan in plans:
        plan.label = _label(next(codes), plan.language, plan.age)
    return plans


# The open cases of today: (process, stop before, story, age, language, partner, step ages).
CURRENT: tuple[tuple[str, str, int, int, str, str, dict[str, float]], ...] = (
    (TO_BE, "assessment", 7, 15, "nl", "", {"open": 0.1}),
    (TO_BE, "consent", 5, 19, "nl", "", {"open": 5, "assessment": 3}),
    (TO_BE, "case_conference", 1, 22, "fr", "", {"open": 10, "assessment": 9, "consent": 6}),
    (TO_BE, "choose_offer", 10, 16, "tr", "",
     {"open": 13, "assessment": 12, "consent": 9, "case_conference": 1}),
    (TO_BE, "referral_answer", 0, 16, "nl", OrganisationType.YOUTH_WORK,
     {"open": 15, "assessment": 14, "consent": 12, "case_conference": 4, "choose_offer": 1}),
    # Sent nine days ago: its five working days are over; the worker's sweep will remind.
    (TO_BE, "referral_answer", 4, 17, "en", OrganisationType.MENTAL_HEALTH,
     {"open": 21, "assessment": 19, "consent": 17, "case_conference": 11, "choose_offer": 9}),
    (TO_BE, "first_contact", 2, 23, "fr", OrganisationType.SOCIAL_WELFARE,
     {"open": 26, "assessment": 25, "consent": 23, "case_conference": 13, "choose_offer": 12,
      "referral_answer": 8}),
    (AS_IS, "case_conference", 7, 15, "nl", "", {"open": 7, "done": 6}),
    # Phoned a partner a month ago; nobody chases the answer.
    (AS_IS, "referral_answer", 3, 19, "ar", OrganisationType.SOCIAL_WELFARE,
     {"open": 52, "done": 50, "case_conference": 35.8, "choose_offer": 31}),
)


def _current(rng: random.Random, codes: Iterator[str], now: datetime) -> list[Plan]:
    plans = []
    for process, stop, story, age, language, partner, ages in CURRENT:
        plan = Plan(_label(next(codes), language, age), process, text.STORIES[story], language,
                     "Mechelen", age, "standard", rng.randrange(1, 2**31), stop=stop,
                     ages=ages, partner=partner)
        plan.start = office_before(now - timedelta(days=ages["open"]), rng)
        plans.append(plan)
    return plans


def demo_cases_ensure(*, organisations: dict[str, Organisation], history: int = HISTORY,
                      seed: int = SEED) -> int:
    """``history`` completed cases of each process over the past months, then today's open
    cases, each walked once (a case whose label exists is left alone). Returns how many cases
    were walked now. Preconditions: offers and agreements exist (``demo_offers_ensure``,
    ``demo_agreements_ensure``)."""
    prevention = organisations[OrganisationType.PREVENTION]
    staff = {u.username: u for u in User.objects.filter(
        organisation=prevention, username__in=[p.username for p in PEOPLE])}
    team = Team((staff["pia"], staff["noah"]), staff["sara"], _partner_people(organisations))
    now = timezone.now()
    rng = random.Random(seed)
    codes = _labels(random.Random(seed + 1))
    plans = [*_history(AS_IS, history, rng, codes, now),
             *_history(TO_BE, history, rng, codes, now)]
    plans.sort(key=lambda p: p.start)
    plans += _current(random.Random(seed + 2), codes, now)
    existing = set(Case.objects.filter(organisation=prevention)
                   .values_list("subject_label", flat=True))
    walked = clamped = 0
    for plan in plans:
        if plan.label in existing:
            continue
        _case, squeezed = walk(plan, team, organisations,
                               now - timedelta(minutes=1 if plan.ages else 60))
        walked += 1
        clamped += squeezed
    if walked:
        # "clamped": cases whose last steps had to wait for today (should stay 0 or close).
        audit_record(actor=None, action="demo.cases", object_type="cases.case",
                     organisation_id=prevention.pk,
                     details={"walked": walked, "clamped": clamped, "seed": seed})
    return walked


# --- cases from reviewed signals ----------------------------------------------------------

# Demo messages that read as a young person who needs support rather than as a threat; one
# "refer" decision each (another message of the same author would join the same case).
REFERRALS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("demo-nl-040", "demo-nl-039", "demo-nl-041"),
     "Leest als een jongere die zich nergens meer thuis voelt en alleen online nog erkenning "
     "vindt. Geen dreiging, wel nood aan steun: doorverwijzen via een dossier."),
    (("demo-en-017", "demo-en-014"),
     "A young person who says nobody listens and that nobody would notice if he disappeared. "
     "No threat to others; he needs a person to talk to. Open a case and refer."),
)


def demo_signal_cases_ensure(*, reviewer: User, sources: Sequence[Source]) -> list[Decision]:
    """One "refer" decision (which opens a case) per ``REFERRALS`` entry, on an open signal of
    the demo sources by an author who has no case yet; a run that finds them made adds none.
    Runs after ``services.demo_decisions_ensure``, whose picks it leaves alone."""
    made = Decision.objects.filter(signal__source__in=sources, outcome=Outcome.REFER).count()
    decisions: list[Decision] = []
    for prefer, reason in REFERRALS[made:]:
        taken = set(Case.objects.filter(organisation_id=reviewer.organisation_id or 0)
                    .exclude(subject_pseudonym="").values_list("subject_pseudonym", flat=True))
        candidates = [s for s in Signal.objects.filter(
            source__in=sources, status=SignalStatus.OPEN, message__external_id__in=prefer)
            .select_related("message") if s.message.author_pseudonym not in taken]
        candidates.sort(key=lambda s: prefer.index(s.message.external_id))
        if not candidates:
            continue
        decisions.append(signal_decide(
            actor=reviewer, signal=candidates[0], labels=(Label.GENUINE_GRIEVANCE,),
            outcome=Outcome.REFER, reason=reason))
    return decisions


# --- summary and reset ----------------------------------------------------------------------

@dataclass
class CaseworkCounts:
    offers: int
    full_offers: int
    agreements: dict[str, str]           # partner organisation -> "valid" | "expired" | "none"
    cases: dict[str, dict[str, int]]     # process key -> {"open": n, "closed": n}
    inbox: list[tuple[str, int]]         # demo username -> open tasks in their inbox


def demo_casework_counts(*, organisations: dict[str, Organisation],
                         people: Sequence[User]) -> CaseworkCounts:
    prevention = organisations[OrganisationType.PREVENTION]
    names = [o.name for o in text.OFFERS]
    offers = Offer.objects.filter(name__in=names)
    today = timezone.localdate()
    agreements: dict[str, str] = {}
    for kind in PARTNER_KINDS:
        partner = organisations[kind]
        found = [a for a in Agreement.objects.filter(organisation_a=prevention,
                                                     organisation_b=partner)]
        agreements[partner.name] = ("valid" if any(a.valid_on(today) for a in found)
                                    else "expired" if found else "none")
    per_process: dict[str, dict[str, int]] = {}
    for key, status in (Case.objects.filter(organisation=prevention)
                        .values_list("process__definition__key", "status")):
        counts = per_process.setdefault(key or "", {"open": 0, "closed": 0})
        counts["open" if status == CaseStatus.OPEN else "closed"] += 1
    return CaseworkCounts(offers.count(), offers.filter(capacity=0).count(), agreements,
                          per_process, [(u.username, inbox(u).count()) for u in people])


def demo_casework_reset(*, organisations: dict[str, Organisation]) -> dict[str, int]:
    """Delete the prevention service's cases (with everything in them), the demo offers and
    agreements. Call inside a transaction (``services.demo_reset``)."""
    prevention = organisations.get(OrganisationType.PREVENTION)
    if prevention is None:
        return {"cases": 0, "offers": 0, "agreements": 0}
    case_rows = Case.objects.filter(organisation=prevention)
    counts = {"cases": case_rows.count()}
    case_rows.delete()
    offers = Offer.objects.filter(organisation__in=organisations.values(),
                                  name__in=[o.name for o in text.OFFERS])
    agreements = Agreement.objects.filter(organisation_a=prevention,
                                          title__in=[a.title for a in text.AGREEMENTS])
    counts["offers"], counts["agreements"] = offers.count(), agreements.count()
    offers.delete()
    agreements.delete()
    return counts


def demo_organisations() -> dict[str, Organisation]:
    """The demo organisations by type (those that exist)."""
    by_name = {o.name: o for o in Organisation.objects.filter(name__in=ORGANISATIONS.values())}
    return {kind: by_name[name] for kind, name in ORGANISATIONS.items() if name in by_name}
