"""The words of counselling: counsellor types, formats, specialisms and the like."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CounsellorKind(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional counsellor")
    PSYCHOLOGIST = "psychologist", _("Psychologist")
    SURVIVOR = "survivor", _("Survivor of extremism")
    FORMER = "former", _("Former extremist")
    PEER = "peer", _("Peer (someone your age)")


class AgeBand(models.TextChoices):
    UNDER_26 = "18-25", _("18 to 25")
    FROM_26 = "26-35", _("26 to 35")
    FROM_36 = "36-50", _("36 to 50")
    FROM_51 = "51+", _("51 or older")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    NON_BINARY = "non_binary", _("Non-binary")
    UNSAID = "unsaid", _("Prefers not to say")


class Format(models.TextChoices):
    CHAT = "chat", _("Chat")
    VOICE = "voice", _("Voice call")
    VIDEO = "video", _("Video call")
    IN_PERSON = "in_person", _("In person")


MEETING_FORMATS = frozenset({Format.VOICE, Format.VIDEO})  # need BRUG_MEETING_URL


class Specialism(models.TextChoices):
    FAR_RIGHT = "far_right", _("Far right")
    JIHADISM = "jihadism", _("Jihadism")
    FAR_LEFT = "far_left", _("Far left")
    CONSPIRACY = "conspiracy", _("Conspiracy narratives")
    INCEL = "incel", _("Incel and misogynist movements")
    ONLINE_HATE = "online_hate", _("Online hate and harassment")
    FAMILY = "family", _("Support for families and friends")


# Languages a counsellor can work in and a client can ask for (ISO 639-1).
class Language(models.TextChoices):
    NL = "nl", _("Dutch")
    FR = "fr", _("French")
    EN = "en", _("English")
    DE = "de", _("German")
    AR = "ar", _("Arabic")
    TR = "tr", _("Turkish")
    ES = "es", _("Spanish")
    PL = "pl", _("Polish")
    RU = "ru", _("Russian")
    SO = "so", _("Somali")
    PS = "ps", _("Pashto")


class Side(models.TextChoices):
    CLIENT = "client", _("Client")
    COUNSELLOR = "counsellor", _("Counsellor")
    SYSTEM = "system", _("Brug")
