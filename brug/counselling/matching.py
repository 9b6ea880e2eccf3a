"""Choosing a counsellor: the portal's filter list and suggestions from the client's own wishes.

Matching ranks counsellors, never clients (DESIGN.md §3.1, §3.7): the only input about the
client is what they asked for themselves (filters on the page, or ``Client.prefers_*``), and
every suggestion says why in plain sentences, misses included. Nothing is stored.

A counsellor can be listed when their profile is published and their organisation is in the
client's pool. They can be chosen when they also accept new clients and are under their
caseload limit; the others are listed as "Not taking new clients now".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from brug.accounts.roles import CAPABILITIES, Cap

from .models import (
    Appointment,
    AppointmentStatus,
    Client,
    CounsellorProfile,
    EngagementStatus,
    Slot,
)
from .vocab import MEETING_FORMATS, AgeBand, CounsellorKind, Format, Gender, Language, Specialism

SOON = timedelta(days=7)  # "has a free time this week"

FORMAT_OFFERED: dict[str, Promise] = {
    Format.CHAT: _lazy("Offers chat"),
    Format.VOICE: _lazy("Offers voice calls"),
    Format.VIDEO: _lazy("Offers video"),
    Format.IN_PERSON: _lazy("Meets in person"),
}
FORMAT_MISSING: dict[str, Promise] = {
    Format.CHAT: _lazy("Does not offer chat"),
    Format.VOICE: _lazy("Does not offer voice calls"),
    Format.VIDEO: _lazy("Does not offer video"),
    Format.IN_PERSON: _lazy("Does not meet in person"),
}
GENDER_MATCH: dict[str, Promise] = {
    Gender.WOMAN: _lazy("A woman, as you asked"),
    Gender.MAN: _lazy("A man, as you asked"),
    Gender.NON_BINARY: _lazy("Non-binary, as you asked"),
}
SPECIALISM_MATCH: dict[str, Promise] = {
    Specialism.FAR_RIGHT: _lazy("Knows about the far right"),
    Specialism.JIHADISM: _lazy("Knows about jihadism"),
    Specialism.FAR_LEFT: _lazy("Knows about the far left"),
    Specialism.CONSPIRACY: _lazy("Knows about conspiracy narratives"),
    Specialism.INCEL: _lazy("Knows about incel and misogynist movements"),
    Specialism.ONLINE_HATE: _lazy("Knows about online hate and harassment"),
    Specialism.FAMILY: _lazy("Supports families and friends"),
}


@dataclass(frozen=True)
class Wishes:
    """What a client asked for; an empty tuple means "no preference"."""

    kinds: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    specialisms: tuple[str, ...] = ()

    @classmethod
    def of(cls, client: Client) -> Wishes:
        """The client's stored preferences (their own choices, never inferred)."""
        return cls(tuple(client.prefers_kinds), tuple(client.prefers_formats),
                   tuple(client.prefers_languages), tuple(client.prefers_genders),
                   tuple(client.prefers_age_bands), tuple(client.prefers_specialisms))


@dataclass(frozen=True)
class Choice:
    """A counsellor as the client sees them in a list, with the reasons in sentences.

    ``reasons`` holds what fits first, then the ``misses`` honest misses at its end.
    ``open`` is False when the counsellor is not taking new clients (listed, not choosable).
    """

    profile: CounsellorProfile
    reasons: list[str]
    next_slot: Slot | None
    open: bool = True
    misses: int = 0
    fits: int = 0  # how many of the client's wishes (by kind of wish) this counsellor meets

    @property
    def good(self) -> list[str]:
        return self.reasons[:len(self.reasons) - self.misses]

    @property
    def bad(self) -> list[str]:
        return self.reasons[len(self.reasons) - self.misses:]


def meeting_service_on() -> bool:
    return bool(settings.BRUG_MEETING_URL)


def usable_formats(codes: Iterable[str]) -> list[str]:
    """The formats that can happen now: voice and video need a meeting service."""
    on = meeting_service_on()
    return [f for f in codes if f in Format.values and (on or f not in MEETING_FORMATS)]


def offered_formats(profile: CounsellorProfile) -> list[str]:
    return usable_formats(profile.formats)


def free_slots(queryset: QuerySet[Slot] | None = None) -> QuerySet[Slot]:
    """Future slots without a booked appointment."""
    booked = Appointment.objects.filter(slot=OuterRef("pk"), status=AppointmentStatus.BOOKED)
    return ((queryset if queryset is not None else Slot.objects.all())
            .filter(starts_at__gt=timezone.now()).exclude(Exists(booked)))


def free_slots_to_move(appointment: Appointment, limit: int) -> list[Slot]:
    """Other free times of the appointment's counsellor that offer its format (moving a
    session keeps the counsellor and the way of talking)."""
    slots = free_slots(Slot.objects.filter(counsellor_id=appointment.counsellor_id))
    if appointment.slot_id is not None:
        slots = slots.exclude(pk=appointment.slot_id)
    return [s for s in slots.order_by("starts_at", "id")[:limit]
            if appointment.format in s.formats]


def choosable_profiles(pool_id: int) -> QuerySet[CounsellorProfile]:
    """Profiles a client of pool ``pool_id`` may be offered: published, of an active account
    that still has the counsellor role (a counsellor who moved to another role keeps their
    profile row), in an organisation of the pool. The one rule for the list, suggestions,
    choosing and colleagues proposed to a client."""
    roles = [role for role, caps in CAPABILITIES.items() if Cap.COUNSEL in caps]
    return CounsellorProfile.objects.filter(
        published=True, user__is_active=True, user__role__in=roles,
        user__organisation__counselling_pools=pool_id)


def listable(client: Client) -> QuerySet[CounsellorProfile]:
    """Choosable profiles of the client's pool, with ``active_cases`` and ``next_slot_id``."""
    active = Q(memberships__left_at__isnull=True,
               memberships__engagement__status=EngagementStatus.ACTIVE)
    next_slot = free_slots().filter(counsellor=OuterRef("pk")).order_by("starts_at", "id")
    return (choosable_profiles(client.pool_id)
            .annotate(active_cases=Count("memberships__engagement", filter=active,
                                         distinct=True),
                      next_slot_id=Subquery(next_slot.values("pk")[:1]))
            .order_by("display_name", "id"))


def is_open(profile: CounsellorProfile) -> bool:
    """Taking new clients: accepting, and under the caseload limit. Precondition: ``profile``
    comes from ``listable`` (``active_cases`` annotated)."""
    active_cases: int = getattr(profile, "active_cases", 0)
    return profile.accepting and active_cases < profile.caseload_limit


def _labels(values: Iterable[str], choices: type[Language] | type[Specialism]) -> str:
    names = dict(choices.choices)
    return ", ".join(str(names.get(v, v)) for v in values)


def _explain(profile: CounsellorProfile, wishes: Wishes) -> tuple[list[str], list[str], int]:
    """Sentences that fit, sentences that miss, and how many kinds of wish fit."""
    good: list[str] = []
    bad: list[str] = []
    fits = 0
    languages = dict(Language.choices)
    if wishes.languages:
        spoken = [lang for lang in wishes.languages if lang in profile.languages]
        good += [_("Speaks %(language)s") % {"language": languages.get(lang, lang)}
                 for lang in spoken]
        fits += bool(spoken)
        if not spoken and len(wishes.languages) == 1:
            bad.append(_("Does not speak %(language)s")
                       % {"language": _labels(wishes.languages, Language)})
        elif not spoken:
            bad.append(_("Speaks none of: %(languages)s")
                       % {"languages": _labels(wishes.languages, Language)})
    if wishes.kinds:
        kind = str(dict(CounsellorKind.choices).get(profile.kind, profile.kind))
        if profile.kind in wishes.kinds:
            good.append(_("%(kind)s, as you asked") % {"kind": kind})
            fits += 1
        else:
            bad.append(_("%(kind)s, not the type you asked for") % {"kind": kind})
    if wishes.formats:
        offered = offered_formats(profile)
        good += [str(FORMAT_OFFERED[f]) for f in wishes.formats
                 if f in offered and f in FORMAT_OFFERED]
        bad += [str(FORMAT_MISSING[f]) for f in wishes.formats
                if f not in offered and f in FORMAT_MISSING]
        fits += any(f in offered for f in wishes.formats)
    if wishes.genders:
        if profile.gender in wishes.genders and profile.gender in GENDER_MATCH:
            good.append(str(GENDER_MATCH[profile.gender]))
            fits += 1
        else:
            bad.append(_("Not the gender you asked for"))
    if wishes.age_bands:
        age = str(dict(AgeBand.choices).get(profile.age_band, profile.age_band))
        if profile.age_band in wishes.age_bands:
            good.append(_("Aged %(age)s, as you asked") % {"age": age})
            fits += 1
        else:
            bad.append(_("Aged %(age)s, not the age you asked for") % {"age": age})
    if wishes.specialisms:
        known = [s for s in wishes.specialisms if s in profile.specialisms]
        good += [str(SPECIALISM_MATCH[s]) for s in known if s in SPECIALISM_MATCH]
        fits += bool(known)
        if not known and len(wishes.specialisms) == 1:
            bad.append(_("Does not list %(subject)s among their subjects")
                       % {"subject": _labels(wishes.specialisms, Specialism)})
        elif not known:
            bad.append(_("Lists none of these subjects: %(subjects)s")
                       % {"subjects": _labels(wishes.specialisms, Specialism)})
    return good, bad, fits


def _soon(slot: Slot | None) -> bool:
    return slot is not None and slot.starts_at <= timezone.now() + SOON


def _choices(profiles: Sequence[CounsellorProfile], wishes: Wishes, *,
             with_time: bool = False) -> list[Choice]:
    """One query for all next free slots, whatever the number of profiles. ``with_time``:
    also say whether there is a free time this week."""
    slot_ids = [getattr(p, "next_slot_id", None) for p in profiles]
    slots = Slot.objects.in_bulk([i for i in slot_ids if i is not None])
    choices = []
    for profile, slot_id in zip(profiles, slot_ids, strict=True):
        slot = slots.get(slot_id) if slot_id is not None else None
        good, bad, fits = _explain(profile, wishes)
        if with_time and _soon(slot):
            good.append(_("Has a free time this week"))
        elif with_time:
            bad.append(_("No free time this week"))
        choices.append(Choice(profile=profile, reasons=good + bad, next_slot=slot,
                              open=is_open(profile), misses=len(bad), fits=fits))
    return choices


def _wanted(profile: CounsellorProfile, wishes: Wishes) -> bool:
    """Filters on the list: each kind of wish narrows (any of its values will do)."""
    return ((not wishes.kinds or profile.kind in wishes.kinds)
            and (not wishes.formats or bool(set(wishes.formats) & set(offered_formats(profile))))
            and (not wishes.languages or bool(set(wishes.languages) & set(profile.languages)))
            and (not wishes.genders or profile.gender in wishes.genders)
            and (not wishes.age_bands or profile.age_band in wishes.age_bands)
            and (not wishes.specialisms
                 or bool(set(wishes.specialisms) & set(profile.specialisms))))


def counsellors_for(client: Client, *, kinds: Iterable[str] = (), formats: Iterable[str] = (),
                    languages: Iterable[str] = (), genders: Iterable[str] = (),
                    age_bands: Iterable[str] = (),
                    specialisms: Iterable[str] = ()) -> list[Choice]:
    """The portal's list: counsellors of the client's pool that pass the client's filters.

    Those taking new clients come first, then by name; the others are listed (``open`` False)
    so the client knows they exist. Two queries, whatever the number of counsellors.
    """
    wishes = Wishes(tuple(kinds), tuple(formats), tuple(languages), tuple(genders),
                    tuple(age_bands), tuple(specialisms))
    profiles = [p for p in listable(client) if _wanted(p, wishes)]
    choices = _choices(profiles, wishes)
    return sorted(choices, key=lambda c: not c.open)  # stable: names stay in order


def suggestions(client: Client, limit: int = 3) -> list[Choice]:
    """Up to ``limit`` counsellors the client can choose now, best fit to their stored wishes
    first: most kinds of wish met, then a free time this week, then the soonest free time.

    Misses are kept in each choice's reasons: a suggestion is an explanation, not a verdict.
    """
    wishes = Wishes.of(client)
    profiles = [p for p in listable(client) if is_open(p)]
    choices = _choices(profiles, wishes, with_time=True)
    far = timezone.now() + timedelta(days=3650)
    choices.sort(key=lambda c: (-c.fits, not _soon(c.next_slot),
                                c.next_slot.starts_at if c.next_slot else far))
    return choices[:limit]


def choosable(client: Client, counsellor_id: int) -> CounsellorProfile | None:
    """The profile when the client may see it (published, in their pool), else None."""
    return listable(client).filter(pk=counsellor_id).first()
