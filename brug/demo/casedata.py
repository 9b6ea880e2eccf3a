"""What the demo's casework says: partner offers, data-sharing agreements and case stories.

Written by the Brug developers for the demo, in the words a prevention team in Mechelen would
use (mostly Dutch, some French and English, as case files are in practice). Every person is
invented and named only by a pseudonymous label; nothing here describes a real person, and no
real organisation is said to have done anything. ``brug.demo.cases`` builds the data from it
through the platform's services.
"""

from __future__ import annotations

from dataclasses import dataclass

from brug.accounts.roles import OrganisationType as Org
from brug.partners.vocab import LifeDomain as D
from brug.partners.vocab import Need as N
from brug.partners.vocab import OfferKind as K

# --- offers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOffer:
    organisation: str  # an OrganisationType: the demo organisation of that type offers it
    name: str
    kind: str
    needs: tuple[str, ...]
    languages: tuple[str, ...]
    region: str
    eligibility: str
    description: str
    capacity: int
    min_age: int | None = None
    max_age: int | None = None


OFFERS: tuple[DemoOffer, ...] = (
    DemoOffer(Org.YOUTH_WORK, "Inloop JOC Mechelen", K.YOUTH_WORK,
              (N.LEISURE, N.SOCIAL, N.IDENTITY), ("nl", "fr", "ar", "en"), "Mechelen",
              "Jongeren van 12 tot 25 uit Mechelen; vrije inloop, ook zonder afspraak.",
              "Open huis na school en op woensdag- en zaterdagnamiddag: gamen, sport, "
              "muziekstudio en een jeugdwerker die tijd heeft voor een gesprek.",
              6, 12, 25),
    DemoOffer(Org.YOUTH_WORK, "Buddy's — mentorproject", K.MENTORING,
              (N.SOCIAL, N.IDENTITY, N.SCHOOL), ("nl", "ar", "tr", "en"), "Mechelen",
              "Jongeren van 14 tot 24 die een vaste vertrouwensfiguur zoeken.",
              "Een vrijwillige mentor (opgeleid en begeleid) spreekt een jaar lang elke week "
              "af met de jongere.", 4, 14, 24),
    DemoOffer(Org.SOCIAL_WELFARE, "Werkwinkel — jobcoaching", K.JOB_COACHING,
              (N.WORK, N.SOCIAL), ("nl", "fr", "en", "tr"), "Mechelen",
              "Werkzoekenden van 16 tot 30 met een leefloon of zonder inkomen.",
              "Individuele jobcoach, sollicitatietraining en stages bij Mechelse "
              "werkgevers.", 5, 16, 30),
    DemoOffer(Org.SOCIAL_WELFARE, "Logement de transit et accompagnement", K.HOUSING,
              (N.HOUSING,), ("fr", "nl", "ar"), "Mechelen",
              "Adultes et jeunes de 18 ans et plus sans logement stable dans la commune.",
              "Un studio de transit pour six mois au plus et un accompagnement vers un "
              "logement durable.", 0, 18, None),
    DemoOffer(Org.SOCIAL_WELFARE, "Gezinsondersteuning aan huis", K.FAMILY_SUPPORT,
              (N.FAMILY, N.SOCIAL), ("nl", "fr", "ar", "tr"), "Mechelen",
              "Gezinnen met kinderen of jongeren tot 21 jaar, op vraag van het gezin.",
              "Een gezinscoach komt wekelijks aan huis: opvoedingsvragen, conflicten, "
              "administratie.", 3, None, 21),
    DemoOffer(Org.SCHOOL, "Terug naar de klas — schoolherstel", K.SCHOOL_REINTEGRATION,
              (N.SCHOOL, N.SOCIAL), ("nl", "fr"), "Mechelen",
              "Leerlingen van 12 tot 18 die langdurig spijbelen of een time-out kregen.",
              "Een traject van acht weken met de leerlingenbegeleiding en een vaste "
              "contactleerkracht, met herstelgesprek in de klas.", 4, 12, 18),
    DemoOffer(Org.EXIT_PROGRAMME, "Exit counselling (individueel)", K.EXIT_COUNSELLING,
              (N.EXIT, N.IDENTITY, N.SOCIAL), ("nl", "fr", "en", "ar"), "Antwerpen",
              "Vanaf 14 jaar; wie afstand wil nemen van een extremistische groep of milieu.",
              "Vertrouwelijke gesprekken met een exit-consulent, op een neutrale plek of "
              "online, zo lang als nodig.", 3, 14, None),
    DemoOffer(Org.EXIT_PROGRAMME, "Accompagnement de sortie — Bruxelles", K.EXIT_COUNSELLING,
              (N.EXIT, N.IDENTITY), ("fr", "nl", "ar"), "Brussel",
              "À partir de 16 ans ; personnes qui veulent quitter un milieu extrémiste.",
              "Entretiens individuels et accompagnement vers une formation ou un emploi.",
              2, 16, None),
    DemoOffer(Org.MENTAL_HEALTH, "Jongerenconsult CGG", K.MENTAL_HEALTH,
              (N.MENTAL_HEALTH, N.FAMILY), ("nl", "fr", "en"), "Mechelen",
              "Jongeren van 12 tot 23 en hun ouders; geen doorverwijsbrief van de huisarts "
              "nodig.", "Kortdurende begeleiding door een psycholoog (tot tien gesprekken).",
              3, 12, 23),
    DemoOffer(Org.MENTAL_HEALTH, "Trauma-informed counselling (EN/AR)", K.MENTAL_HEALTH,
              (N.MENTAL_HEALTH, N.IDENTITY), ("en", "ar", "fr"), "Antwerpen",
              "Young people and adults from 16, including newcomers; interpreters on request.",
              "Counselling by psychologists trained in trauma and loss.", 2, 16, None),
)

# --- agreements ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAgreement:
    organisation: str  # the partner's OrganisationType; the other party is the prevention service
    title: str
    reference: str
    starts: int        # days from today (negative: in the past)
    expires: int


LEGAL_BASIS = ("Art. 6(1)(e) AVG/GDPR (taak van algemeen belang: lokaal preventiebeleid); "
               "art. 458ter Strafwetboek (casusoverleg LIVC-R onder gedeeld beroepsgeheim); "
               "samenwerkingsprotocol Stad Mechelen.")
SCOPE = ("Pseudoniem, leeftijd, taal, regio, noden en wat de partner moet weten voor de "
         "doorverwijzing; terug naar de preventiedienst: antwoord, eerste contact en uitkomst. "
         "Alleen voor begeleiding, nooit voor opsporing.")
# One partner (the school) has none yet, so matching shows an offer without a valid agreement.
AGREEMENTS: tuple[DemoAgreement, ...] = (
    DemoAgreement(Org.YOUTH_WORK, "Protocol doorverwijzing preventiedienst — JOC Mechelen",
                  "DSA-MEC-2025-03", -420, 310),
    DemoAgreement(Org.SOCIAL_WELFARE, "Protocole d'échange de données Prévention — CPAS",
                  "DSA-MEC-2025-05", -400, 700),
    DemoAgreement(Org.MENTAL_HEALTH, "Protocol casusoverleg en doorverwijzing — CGG Mechelen",
                  "DSA-MEC-2025-07", -380, 180),
    # Expired three weeks ago; the renewal is being signed.
    DemoAgreement(Org.EXIT_PROGRAMME, "Samenwerkingsovereenkomst exit-begeleiding 2024–2026",
                  "DSA-MEC-2024-11", -760, -21),
)

# --- case stories -------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """One kind of situation a case starts from. The words are the worker's, not a profile."""

    observation: str
    needs: tuple[str, ...]
    needs_notes: str
    protective: tuple[str, ...]
    protective_notes: str
    concerns: str
    goals: tuple[tuple[str, str], ...]  # (goal agreed with the person, life domain)
    summary: str                        # what the partner needs to know ({age} is filled in)
    languages: tuple[str, ...]          # languages the person may prefer
    ages: tuple[int, int]


STORIES: tuple[Story, ...] = (
    Story("Jeugdwerker meldt: spijbelt al maanden, zit 's nachts op gamingservers waar "
          "racistische memes rondgaan en neemt die taal over.",
          (N.SCHOOL, N.LEISURE, N.SOCIAL), "Wil 'iets doen' maar weet niet wat; verveelt zich.",
          ("family", "leisure"), "Moeder is betrokken; speelde vroeger voetbal.",
          "Geen dreiging. Wel steeds meer wij-zij-taal en weinig contact buiten het scherm.",
          (("Weer vier dagen per week naar school", D.SCHOOL),
           ("Eén vaste vrijetijdsactiviteit kiezen", D.LEISURE)),
          "Jongere ({age}) die veel spijbelt en online wegglijdt; zoekt een plek na school. "
          "Staat open voor een gesprek met een jeugdwerker.", ("nl", "nl", "tr"), (14, 18)),
    Story("Wil afstand nemen van een groep die hem online rekruteerde, maar durft niet alleen; "
          "vroeg zelf hulp aan de straathoekwerker.",
          (N.EXIT, N.IDENTITY, N.SOCIAL), "Zoekt iemand die hem niet veroordeelt.",
          ("doubts", "help_seeking"), "Twijfelt openlijk aan wat de groep vertelt.",
          "Oude contacten sturen nog berichten; hij voelt zich onder druk gezet.",
          (("Contact met de groep afbouwen, met steun", ""),
           ("Nieuwe vrienden via een club of werk", D.LEISURE)),
          "Persoon ({age}) die een extremistische groep wil verlaten en daarvoor zelf hulp "
          "vraagt. Toestemming om te delen gegeven.", ("nl", "fr", "ar"), (17, 29)),
    Story("Jeune adulte sans emploi qui partage des messages de colère contre « le système » "
          "après plusieurs refus d'embauche ; signalé par le CPAS.",
          (N.WORK, N.SOCIAL), "Cherche un travail, se sent rejeté et inutile.",
          ("family", "help_seeking"), "Vit chez ses parents, qui le soutiennent.",
          "Colère contre les institutions, pas d'appel à la violence.",
          (("Trouver un stage ou un emploi à temps partiel", D.WORK),),
          "Jeune adulte ({age}) à la recherche d'un emploi, découragé après plusieurs refus. "
          "Motivé pour un accompagnement.", ("fr", "fr", "nl", "ar"), (18, 27)),
    Story("Na een conflict thuis slaapt hij bij vrienden; online steeds meer haatdragende "
          "taal over 'de anderen'.",
          (N.HOUSING, N.FAMILY), "Geen vaste slaapplek; wil terug contact met zijn moeder.",
          ("trusted_adult",), "Vertrouwt zijn vroegere voetbaltrainer.",
          "Dakloosheid maakt hem kwetsbaar voor groepen die onderdak beloven.",
          (("Een stabiele slaapplek vinden", D.HOUSING),
           ("Een begeleid gesprek met zijn ouders", D.FAMILY)),
          "Jongvolwassene ({age}) zonder vaste woonplek na een conflict thuis. Wil "
          "begeleiding bij wonen en contact met de familie.", ("nl", "ar", "fr"), (18, 24)),
    Story("Withdrawn, spends most days alone online; posts that he feels worthless and "
          "writes admiringly about attackers in forums.",
          (N.MENTAL_HEALTH, N.SOCIAL), "Sleeps badly, no friends he meets in person.",
          ("trusted_adult",), "Talks to the school counsellor now and then.",
          "No plan or target named, but admiration for violence; keep the school informed.",
          (("Regular appointments with a counsellor", D.HEALTH),
           ("Join one group activity a week", D.LEISURE)),
          "Young person ({age}), isolated and low; open to talking to a psychologist in "
          "English.", ("en", "en", "nl"), (15, 22)),
    Story("Stelt veel vragen over geloof en identiteit en volgt een online prediker met een "
          "polariserende boodschap; zijn leraar maakt zich zorgen.",
          (N.IDENTITY, N.SOCIAL), "Zoekt antwoorden en iemand om mee te praten.",
          ("family", "school_work", "doubts"), "Goede band met zijn oom; doet het goed op school.",
          "Neemt scherpe uitspraken over 'ongelovigen' over, geen dreiging.",
          (("Gesprekken met een mentor over geloof en identiteit", ""),),
          "Jongere ({age}) met vragen over geloof en identiteit, zoekt een mentor. Ouders "
          "zijn op de hoogte.", ("nl", "ar", "fr"), (15, 20)),
    Story("Ouders maken zich zorgen: hun dochter trekt zich terug en bekijkt gewelddadige "
          "propagandavideo's; ze kwamen zelf naar de preventiedienst.",
          (N.FAMILY, N.MENTAL_HEALTH), "Spanningen thuis; ouders weten niet hoe te reageren.",
          ("family",), "Ouders zijn bezorgd en willen meewerken.",
          "Geen contact met een groep bekend; wel angst en slecht slapen.",
          (("Ouders krijgen begeleiding aan huis", D.FAMILY),
           ("Gesprekken bij een psycholoog", D.HEALTH)),
          "Gezin met een dochter ({age}) die zich terugtrekt; ouders vragen zelf hulp.",
          ("nl", "tr", "fr"), (13, 17)),
    Story("Deelt extreemrechtse memes in een chatgroep van de klas; klasgenoten voelen zich "
          "geviseerd. De school vroeg een gesprek.",
          (N.SCHOOL, N.IDENTITY, N.LEISURE), "Wil erbij horen; de memes brengen aandacht.",
          ("school_work", "friends"), "Heeft vrienden buiten de groep; hockeyt.",
          "Klasgenoten voelen zich onveilig; herstel in de klas is nodig.",
          (("Herstelgesprek met de klas", D.SCHOOL), ("Blijven hockeyen", D.LEISURE)),
          "Leerling ({age}) die extreemrechtse memes deelde in de klasgroep; school en "
          "ouders zijn betrokken.", ("nl",), (14, 17)),
    Story("Homme revenu de détention qui veut quitter son ancien milieu ; il cherche un "
          "logement et du travail et a demandé de l'aide au service de prévention.",
          (N.EXIT, N.WORK, N.HOUSING), "Logement et revenu d'abord, puis le reste.",
          ("help_seeking", "doubts"), "Demande de l'aide lui-même ; distance avec ses "
          "anciens contacts.", "Risque de retour vers l'ancien réseau s'il reste isolé.",
          (("Trouver un logement stable", D.HOUSING), ("Suivre une formation", D.WORK)),
          "Adulte ({age}) sorti de détention qui veut quitter son ancien milieu ; cherche "
          "un accompagnement.", ("fr", "ar", "nl"), (22, 29)),
    Story("Drifting into conspiracy channels after losing his apprenticeship; angry at the "
          "city and the police, no violent talk.",
          (N.WORK, N.SOCIAL, N.MENTAL_HEALTH), "Needs a new start and people to talk to.",
          ("family", "help_seeking"), "Sister keeps in touch and encouraged him to come.",
          "Mistrust of institutions may make him drop out of any offer.",
          (("Find a new apprenticeship or job", D.WORK),),
          "Young adult ({age}) who lost his apprenticeship and feels let down; wants work.",
          ("en", "nl"), (18, 26)),
    Story("Jongen uit een Turks-Belgisch gezin; werd online gepest en reageert nu zelf met "
          "hatelijke berichten. Ouders spreken weinig Nederlands.",
          (N.FAMILY, N.SOCIAL, N.SCHOOL), "Wil dat het pesten stopt; voelt zich alleen.",
          ("family", "leisure"), "Zit in een zaalvoetbalploeg.",
          "Escalatie in de klas mogelijk als niemand ingrijpt.",
          (("Ouders begeleiden in het Turks", D.FAMILY),
           ("Iemand op school die hij kan aanspreken", D.SCHOOL)),
          "Jongere ({age}) die gepest werd en nu zelf kwetst; gezin spreekt Turks.",
          ("tr", "nl"), (13, 16)),
    Story("Nieuwkomer met weinig netwerk; wordt online benaderd door een groep die "
          "'broederschap' en onderdak belooft.",
          (N.SOCIAL, N.LEISURE, N.IDENTITY), "Zoekt vrienden en een plek om te zijn.",
          ("help_seeking",), "Volgt trouw de Nederlandse les.",
          "De groep biedt wat hij mist; hij kent niemand anders.",
          (("Een plek om na de les naartoe te gaan", D.LEISURE),
           ("Een mentor die hem de stad leert kennen", ""),),
          "Nieuwkomer ({age}) zonder netwerk, zoekt een plek en contact met leeftijdsgenoten. "
          "Spreekt Arabisch en wat Nederlands.", ("ar", "ar", "en"), (16, 21)),
)

# --- what people write while doing steps -------------------------------------------------

LABEL_WORDS = {"nl": "Jongere", "tr": "Jongere", "fr": "Jeune", "ar": "Jongere",
               "en": "Young person"}
ADULT_WORDS = {"fr": "Client", "en": "Client"}
ADULT_WORD = "Cliënt"
REGIONS = ("Mechelen",) * 9 + ("Brussel",)
CONSENT_NOTES = {
    "given": "Gevraagd in een gesprek op de jeugddienst; uitgelegd wat gedeeld wordt en met wie.",
    "refused": "Wil niet dat er iets gedeeld wordt; wantrouwt 'de stad'. Gesprek blijft open.",
    "not_possible": "Niet bereikbaar: telefoon af, niet op afspraken. Via de jeugdwerker "
                    "geprobeerd.",
}
OVERRIDE_REASON = ("Ernstige zorg voor de eigen veiligheid en die van anderen; de LIVC-R moet "
                   "de situatie kunnen bespreken (art. 458ter Sw.).")
OVERRIDE_GROUND = "Art. 458ter Strafwetboek, casusoverleg LIVC-R"
NO_OVERRIDE_REASON = ("Geen acute zorg: we respecteren de weigering en houden contact via de "
                      "jeugdwerker in de wijk.")
PARTICIPANTS = "Preventiedienst, JOC, OCMW, CGG, lokale politie (LIVC-R)"
CONFERENCE_REFER = ("Besproken onder gedeeld beroepsgeheim. Alle partners herkennen de zorg; "
                    "voorstel: doorverwijzen en opvolgen via de preventiedienst.")
CONFERENCE_NONE = ("Besproken onder gedeeld beroepsgeheim. Geen doorverwijzing nodig: de "
                   "jeugdwerker volgt op in de wijk, opnieuw agenderen bij nieuwe signalen.")
TABLE_PARTICIPANTS = "Casustafel (preventiedienst, jeugdwerk, OCMW, school)"
PHONE_CONSENT_NOTE = "Mondeling gevraagd aan de telefoon, vlak voor het belletje naar de partner."
TABLE_REFER = "Besproken op de casustafel; de tafel vindt dat iemand moet helpen."
TABLE_NONE = "Besproken op de casustafel; geen actie, eerst afwachten."
EMAIL_NOTE = "Zorg gemaild naar de coördinator van de casustafel."
ACCEPT_REASONS = (
    "We hebben een plaats; onze begeleider neemt deze week contact op.",
    "Nous avons une place ; premier rendez-vous proposé la semaine prochaine.",
    "Past bij ons aanbod. Kennismaking gepland met de jongere en de preventiewerker.",
    "We can take this on; our counsellor will call to set up a first meeting.",
)
DECLINE_REASONS = (
    "Onze groep zit vol tot na de zomer; probeer het in september opnieuw.",
    "Ce profil demande un suivi plus intensif que notre offre ; nous conseillons le CGG.",
    "De jongere woont buiten ons werkgebied; huisbezoeken zijn niet mogelijk.",
    "No counsellor free in the person's language before next month.",
)
WAIT_REASON = "De partner belde: antwoord komt deze week, een collega is ziek."
WITHDRAW_REASON = "Twee herinneringen zonder antwoord; we kiezen een ander aanbod."
OUTCOME_NOTES = {
    "completed": "Traject afgerond volgens plan; de doelen zijn grotendeels bereikt.",
    "engaged": "Komt regelmatig; de begeleiding loopt verder.",
    "dropped_out": "Na enkele afspraken niet meer gekomen; we blijven bereikbaar.",
    "not_engaged": "Wilde na de kennismaking niet verder met ons aanbod.",
}
FOLLOW_UP_NOTES = {
    "completed": "Nagesprek met de jongere: tevreden, voelt zich gesteund. Doelen overlopen.",
    "engaged": "Loopt nog bij de partner en komt er graag. Over drie maanden nog eens polsen.",
    "dropped_out": "Contact verwaterd. De straathoekwerker blijft laagdrempelig beschikbaar.",
    "not_engaged": "Wilde niet ingaan op het aanbod; de jeugdwerker houdt contact.",
}
CLOSE_REASONS = {
    "referred": "Doorverwijzing afgerond en opgevolgd; de dossierdoelen zijn overlopen.",
    "no_referral": "Geen doorverwijzing na het casusoverleg; opvolging in de wijk.",
    "no_consent": "Geen toestemming en geen reden om zonder te gaan; dossier gesloten.",
    "as_is": "AS-IS-traject beëindigd; dossier gesloten bij het opruimen van de lijst.",
}
