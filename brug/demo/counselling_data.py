"""What the counselling demo says: counsellors, their introductions, the demo client's words.

Everything here is invented for the demo. The people do not exist; the introductions are written
in each counsellor's own first language, as a real counsellor would write theirs. The demo
client's chat, goals and safety plan are in the client's own words (English, the portal
language the client chose). Nothing here rates or scores the client.
"""

from __future__ import annotations

from dataclasses import dataclass

from brug.accounts.roles import OrganisationType, Role

from .services import DemoPerson

POOL_SLUG = "exit-support-demo"
POOL_NAME = "Exit and support (demo)"
# Organisations whose counsellors the demo client can choose from: the exit programme and the
# city's prevention service (whose counsellor, cato, is one of the demo's people already).
POOL_ORGANISATIONS = (OrganisationType.EXIT_PROGRAMME, OrganisationType.PREVENTION)

CLIENT_NICKNAME = "demo-client"
CLIENT_PASSPHRASE = "quiet harbour morning 2026"
CLIENT_LANGUAGE = "en"
CLIENT_COUNTRY = "BE"
SLOT_MINUTES = 50
SLOT_DAYS = 14  # free times from tomorrow for this many days
APPOINTMENT_TIME = (14, 0)  # tomorrow's booked chat session (local time), when no slot fits


@dataclass(frozen=True)
class DemoCounsellor:
    """A counsellor and the profile clients choose from. ``times`` are local (hour, minute)
    starts on the ``weekdays`` (Monday = 0) of the coming two weeks."""

    username: str
    display_name: str
    kind: str
    age_band: str
    gender: str
    languages: tuple[str, ...]
    formats: tuple[str, ...]
    specialisms: tuple[str, ...]
    introduction: str
    weekdays: tuple[int, ...]
    times: tuple[tuple[int, int], ...]
    place: str = ""


# New people of the exit programme (cato, the prevention service's counsellor, exists already).
EXIT_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("elif", Role.COUNSELLOR, "Elif", "Aydın",
               organisation=OrganisationType.EXIT_PROGRAMME),
    DemoPerson("margaux", Role.COUNSELLOR, "Margaux", "Lefèvre",
               organisation=OrganisationType.EXIT_PROGRAMME),
    DemoPerson("yusuf", Role.COUNSELLOR, "Yusuf", "Amrani",
               organisation=OrganisationType.EXIT_PROGRAMME),
    DemoPerson("jonas", Role.COUNSELLOR, "Jonas", "Van Dyck",
               organisation=OrganisationType.EXIT_PROGRAMME),
    DemoPerson("sam", Role.COUNSELLOR, "Sam", "O'Connor",
               organisation=OrganisationType.EXIT_PROGRAMME),
    DemoPerson("hanne", Role.SUPERVISOR, "Hanne", "Wuyts",
               organisation=OrganisationType.EXIT_PROGRAMME),
)
EXIT_SUPERVISOR = "hanne"
PREVENTION_SUPERVISOR = "sara"
CLIENT_COUNSELLOR = "cato"

COUNSELLORS: tuple[DemoCounsellor, ...] = (
    DemoCounsellor(
        "cato", "Cato", "professional", "36-50", "woman", ("nl", "en"),
        ("chat", "video", "in_person"), ("far_right", "online_hate", "family"),
        "Ik ben Cato. Al vijftien jaar praat ik met jongeren en ouders die vastlopen in haat "
        "of in een groep die hen niet meer loslaat. Ik oordeel niet en ik hoef niet alles "
        "meteen te weten. We beginnen bij wat jij nu wil vertellen. Praten kan via chat, video "
        "of bij ons in Mechelen.",
        (0, 1, 2, 3, 4), ((10, 0), (14, 0)),
        place="Stadskantoor Mechelen, gespreksruimte 2 (ingang Befferstraat)"),
    DemoCounsellor(
        "elif", "Elif", "psychologist", "26-35", "woman", ("tr", "nl", "en"),
        ("chat", "video"), ("family", "conspiracy"),
        "Merhaba, ben Elif. Psikoloğum; özellikle komplo anlatılarına kapılmış gençlerle ve "
        "onların aileleriyle çalışıyorum. Seni yargılamadan dinlerim ve senin hızında "
        "ilerleriz. Türkçe, Felemenkçe ya da İngilizce konuşabiliriz.",
        (0, 2, 4), ((9, 0), (13, 0), (15, 0))),
    DemoCounsellor(
        "margaux", "Margaux", "survivor", "36-50", "woman", ("fr", "en"),
        ("chat", "voice"), ("jihadism", "family"),
        "Je m'appelle Margaux. J'ai perdu un proche dans un attentat et j'ai mis des années à "
        "retrouver le calme. Aujourd'hui, j'écoute celles et ceux qui se posent des questions, "
        "qui ont peur ou qui se sentent attirés par la violence. Tu peux tout me dire, à ton "
        "rythme.",
        (1, 3), ((10, 0), (11, 0), (16, 0))),
    DemoCounsellor(
        "yusuf", "Yusuf", "former", "36-50", "man", ("ar", "nl", "fr"),
        ("chat", "in_person"), ("jihadism", "online_hate"),
        "أنا يوسف. في شبابي انجذبت إلى جماعة متطرفة، وخرجت منها بعد سنوات صعبة. أعرف كيف يبدو "
        "ذلك من الداخل: الشعور بالانتماء، ثم الشكوك والخوف. يمكننا أن نتحدث بهدوء ومن دون "
        "أحكام، بالعربية أو الهولندية أو الفرنسية.",
        (0, 1, 3), ((13, 0), (16, 0)),
        place="Exit Vlaanderen, Brusselsesteenweg, Mechelen (een rustige kamer achteraan)"),
    DemoCounsellor(
        "jonas", "Jonas", "peer", "18-25", "man", ("nl", "en"),
        ("chat",), ("far_right", "incel", "online_hate", "conspiracy"),
        "Hoi, ik ben Jonas (23). Een paar jaar geleden zat ik zelf diep in online groepen waar "
        "alles om woede draaide. Ik weet hoe snel dat gaat en hoe moeilijk het is om erover te "
        "praten. Stuur gerust een bericht, ook als je nog niet goed weet wat je wil zeggen.",
        (0, 1, 2, 3, 4), ((15, 0), (16, 0))),
    DemoCounsellor(
        "sam", "Sam", "former", "26-35", "unsaid", ("en", "nl"),
        ("chat", "voice", "video"), ("far_right", "conspiracy"),
        "I'm Sam. In my late teens I was part of a far-right network, online and on the "
        "street. Getting out took time, and people who did not give up on me. I won't lecture "
        "you. If you're having doubts, or you just want to think out loud, I'm here.",
        (1, 2, 4), ((11, 0), (14, 0))),
)

# The demo client's conversation with cato, oldest first: (sender, text).
CHAT: tuple[tuple[str, str], ...] = (
    ("client", "Hi. I'm not really sure how this works. Can I just write here?"),
    ("counsellor", "Hi, welcome. Yes, you can write here whenever you like, and I'll answer "
                   "as soon as I can. There's no rush. What made you look for someone to talk "
                   "to?"),
    ("client", "My cousin got me into some group chats last year. At first it felt good, like "
               "people finally got how angry I was. Now they want me to come to a meeting and "
               "I don't want to, but I don't want to lose them either."),
    ("counsellor", "Thank you for telling me. It sounds like those chats gave you something "
                   "real, people who listened, and now you feel pulled in two directions. "
                   "That's a hard place to be. We can take it one step at a time. Shall we "
                   "talk it through in our chat session tomorrow?"),
    ("client", "Ok. Tomorrow is good."),
)

GOALS: tuple[str, ...] = (
    "Say no to the meeting without falling out with my cousin.",
    "Find one or two people to hang out with who aren't from those chats.",
)

SAFETY_PLAN: dict[str, str] = {
    "warning_signs": "I stay up all night scrolling the group chats and stop answering my mum.",
    "coping": "Put my phone in the kitchen after 11. Go for a run or kick a ball at the park.",
    "people": "My older sister Lina. Coach Dirk from football.",
    "professionals": "Cato, my counsellor here. Tele-Onthaal 106, day and night.",
    "safe_places": "The library on the market square. Lina's flat.",
}


@dataclass(frozen=True)
class DemoCheckin:
    username: str
    feeling: str
    wants_to_talk: bool
    note: str


CHECKINS: tuple[DemoCheckin, ...] = (
    DemoCheckin("cato", "okay", False, "Busy week, but the walk at lunch helped."),
    DemoCheckin("cato", "strained", True,
                "Two heavy conversations in a row on Tuesday. I'd like to go over one of them."),
    DemoCheckin("jonas", "good", False, "Good chats today; remembered to stop at six."),
    DemoCheckin("yusuf", "okay", False, ""),
)

# (username, kind, minutes): what the counsellors logged for their own care.
EXPOSURE: tuple[tuple[str, str, int], ...] = (
    ("cato", "session", 50),
    ("cato", "disclosure", 20),
    ("yusuf", "content", 30),
    ("jonas", "session", 45),
)

# (supervisor, counsellor, days from today, local hour): planned supervision sessions.
SUPERVISION: tuple[tuple[str, str, int, int], ...] = (
    (PREVENTION_SUPERVISOR, "cato", 5, 10),
    (EXIT_SUPERVISOR, "jonas", 3, 15),
)
