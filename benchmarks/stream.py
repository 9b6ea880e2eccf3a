"""Synthetic message stream for benchmarking ``brug scan``.

The stream imitates what a municipal prevention team sees in its mandated
public sources: comments under local news, youth forums and gaming chats.
It is mostly benign everyday chatter in Dutch (incl. Flemish), French (incl.
Belgian French), English and German, with a few code-switched lines and a
few lines in other languages. About 4% of the messages are concerning
(hostile remarks about groups, grievance, conspiracy talk, coded numbers)
and about 1% are counter speech that quotes such talk to reject it.

Every message is composed from hand-written fragments and slots, so the
stream is varied and fully deterministic for a given seed. Nothing here is
taken from any dataset; all names, handles and links are made up (links
point at example.org).

Use ``make_stream`` for ``{"id", "text"}`` items, or run this file::

    python benchmarks/stream.py OUT.jsonl [--n 10000] [--seed 0]

Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

# Game titles are the same in every language.
_GAMES = (
    "Fortnite",
    "FIFA",
    "Minecraft",
    "Valorant",
    "Rocket League",
    "Roblox",
    "CoD",
    "LoL",
    "Apex",
    "GTA",
)

__all__ = ["make_labelled_stream", "make_stream"]

# Share of messages per language bucket ("mix" = code-switched nl/fr/en,
# "other" = Spanish, Turkish, Arabic, Polish, Italian).
LANG_WEIGHTS: dict[str, float] = {
    "nl": 0.34,
    "fr": 0.245,
    "en": 0.245,
    "de": 0.145,
    "mix": 0.015,
    "other": 0.01,
}
CONCERNING_RATE = 0.04
COUNTER_RATE = 0.012
# Kinds of concerning content and their relative weights.
CONCERNING_KINDS: dict[str, float] = {
    "hostile": 0.35,
    "grievance": 0.25,
    "conspiracy": 0.25,
    "coded": 0.15,
}

# --------------------------------------------------------------------------
# Slot values (per language). Templates refer to them as {name}.
# --------------------------------------------------------------------------

SLOTS: dict[str, dict[str, tuple[str, ...]]] = {
    "nl": {
        "club": (
            "Club",
            "Anderlecht",
            "AA Gent",
            "Antwerp",
            "Genk",
            "KV Mechelen",
            "Ajax",
            "PSV",
            "Feyenoord",
            "Lierse",
            "Beerschot",
            "OH Leuven",
        ),
        "place": (
            "Gent",
            "Antwerpen",
            "Leuven",
            "Mechelen",
            "Hasselt",
            "Brugge",
            "Aalst",
            "Kortrijk",
            "Utrecht",
            "Rotterdam",
            "Eindhoven",
            "Sint-Niklaas",
            "Genk",
            "Turnhout",
            "Dendermonde",
            "Breda",
        ),
        "road": (
            "de ring",
            "de E40",
            "de E17",
            "de R4",
            "de A12",
            "de A2",
            "de Kennedytunnel",
            "de E19",
        ),
        "street": (
            "de Kerkstraat",
            "de Stationsstraat",
            "de Brusselsesteenweg",
            "de Markt",
            "de Dorpsstraat",
            "het Zuidpark",
            "de Veldstraat",
            "de Molenweg",
        ),
        "day": (
            "morgen",
            "zaterdag",
            "vanavond",
            "maandag",
            "volgende week",
            "zondag",
            "woensdagnamiddag",
        ),
        "subject": (
            "wiskunde",
            "Frans",
            "geschiedenis",
            "chemie",
            "fysica",
            "Engels",
            "aardrijkskunde",
            "economie",
        ),
        "weather": ("regen", "storm", "hagel", "gladheid", "hitte", "mist"),
        "game": _GAMES,
        "food": (
            "frieten",
            "stoofvlees",
            "pannenkoeken",
            "wafels",
            "croque",
            "pitta",
            "pizza",
            "kroketten",
            "boterkoeken",
            "lasagne",
        ),
        "shop": (
            "de Colruyt",
            "de Delhaize",
            "de Aldi",
            "de Lidl",
            "de Action",
            "de Albert Heijn",
            "de Kruidvat",
        ),
        "item": (
            "fiets",
            "gsm",
            "laptop",
            "rugzak",
            "jas",
            "step",
            "portefeuille",
            "koptelefoon",
        ),
        "plan": (
            "het zwembad sluiten",
            "een parking bouwen",
            "de markt heraanleggen",
            "camera's plaatsen",
            "een fietsstraat maken",
            "de bibliotheek verhuizen",
        ),
        "issue": (
            "de zwerfvuil",
            "het sluipverkeer",
            "de kapotte straatlampen",
            "de hondenpoep",
            "de lawaaioverlast",
            "de putten in de weg",
        ),
    },
    "fr": {
        "club": (
            "Standard",
            "Charleroi",
            "l'Union",
            "Anderlecht",
            "RWDM",
            "l'OM",
            "PSG",
            "Lille",
            "Mons",
            "Seraing",
            "la Gantoise",
        ),
        "place": (
            "Liège",
            "Namur",
            "Charleroi",
            "Mons",
            "Bruxelles",
            "Ixelles",
            "Schaerbeek",
            "Verviers",
            "Wavre",
            "Tournai",
            "Lille",
            "Lyon",
            "Arlon",
            "La Louvière",
        ),
        "road": (
            "le ring",
            "l'E411",
            "l'E42",
            "le périph",
            "la Petite Ceinture",
            "l'E19",
            "l'autoroute de Wallonie",
        ),
        "street": (
            "rue de la Station",
            "chaussée de Louvain",
            "place du Marché",
            "avenue de la Gare",
            "rue Haute",
            "rue de l'Église",
        ),
        "day": (
            "demain",
            "samedi",
            "ce soir",
            "lundi",
            "la semaine prochaine",
            "dimanche",
            "mercredi aprèm",
        ),
        "subject": (
            "maths",
            "néerlandais",
            "chimie",
            "géo",
            "physique",
            "latin",
            "bio",
            "français",
        ),
        "weather": ("la pluie", "la neige", "la grêle", "la tempête", "la canicule", "la drache"),
        "game": _GAMES,
        "food": (
            "frites",
            "gaufres",
            "boulets",
            "croquettes",
            "crêpes",
            "pizzas",
            "pâtes",
            "cookies",
            "mitraillettes",
        ),
        "shop": ("Colruyt", "Delhaize", "Aldi", "Lidl", "Carrefour", "Action"),
        "item": (
            "vélo",
            "GSM",
            "sac à dos",
            "casque",
            "manteau",
            "portefeuille",
            "laptop",
            "skate",
        ),
        "plan": (
            "fermer la piscine",
            "construire un parking",
            "rénover la place",
            "installer des caméras",
            "déplacer le marché",
            "supprimer la ligne de bus",
        ),
        "issue": (
            "les dépôts sauvages",
            "la vitesse dans le quartier",
            "l'éclairage public",
            "les nids-de-poule",
            "le bruit la nuit",
        ),
    },
    "en": {
        "club": (
            "United",
            "City",
            "Rovers",
            "Albion",
            "Town",
            "Athletic",
            "County",
            "Wanderers",
        ),
        "place": (
            "Leeds",
            "Bristol",
            "Leicester",
            "Cardiff",
            "Brussels",
            "Amsterdam",
            "Ghent",
            "Reading",
            "Norwich",
            "Derby",
            "Hull",
        ),
        "road": (
            "the ring road",
            "the M1",
            "the bypass",
            "the A38",
            "the motorway",
            "the high street",
        ),
        "street": (
            "Station Road",
            "Church Street",
            "the market square",
            "Mill Lane",
            "the retail park",
            "Victoria Road",
        ),
        "day": ("tomorrow", "Saturday", "tonight", "Monday", "next week", "Sunday", "this arvo"),
        "subject": (
            "maths",
            "French",
            "history",
            "chemistry",
            "physics",
            "geography",
            "economics",
            "biology",
        ),
        "weather": ("rain", "storm", "snow", "heatwave", "fog", "ice"),
        "game": _GAMES,
        "food": (
            "chips",
            "pizza",
            "noodles",
            "pancakes",
            "kebab",
            "tacos",
            "cookies",
            "a toastie",
            "ramen",
        ),
        "shop": ("Aldi", "Lidl", "Tesco", "the corner shop", "Asda", "the big Sainsbury's"),
        "item": (
            "bike",
            "phone",
            "laptop",
            "backpack",
            "jacket",
            "scooter",
            "wallet",
            "headphones",
        ),
        "plan": (
            "close the pool",
            "build a car park",
            "redo the square",
            "put up cameras",
            "move the market",
            "cut the night bus",
        ),
        "issue": (
            "fly-tipping",
            "speeding",
            "the broken streetlights",
            "the potholes",
            "the noise at night",
        ),
    },
    "de": {
        "club": (
            "BVB",
            "Schalke",
            "Bayern",
            "Köln",
            "Gladbach",
            "St. Pauli",
            "Aachen",
            "Bochum",
            "Eupen",
        ),
        "place": (
            "Köln",
            "Aachen",
            "Düsseldorf",
            "Eupen",
            "Essen",
            "Dortmund",
            "Bonn",
            "Duisburg",
            "St. Vith",
            "Krefeld",
            "Münster",
        ),
        "road": ("der A4", "der A40", "dem Ring", "der B9", "der A1", "der Autobahn"),
        "street": (
            "Hauptstraße",
            "Bahnhofstraße",
            "Kirchgasse",
            "Lindenallee",
            "Marktstraße",
            "Schulstraße",
        ),
        "day": ("morgen", "Samstag", "heute", "Montag", "nächste Woche", "Sonntag"),
        "subject": (
            "Mathe",
            "Deutsch",
            "Englisch",
            "Bio",
            "Chemie",
            "Physik",
            "Geschichte",
            "Erdkunde",
        ),
        "weather": ("Sturm", "Glatteis", "Hochwasser", "Hitze", "Schnee", "Gewitter"),
        "game": _GAMES,
        "food": (
            "Pommes",
            "Brezeln",
            "Nudeln",
            "Kekse",
            "Chips",
            "Döner",
            "Pfannkuchen",
            "Currywurst",
        ),
        "shop": ("Aldi", "Lidl", "Rewe", "Edeka", "dm", "Kaufland"),
        "item": ("Fahrrad", "Handy", "Tablet", "Portemonnaie", "Skateboard", "Headset"),
        "plan": (
            "das Freibad schließen",
            "ein Parkhaus bauen",
            "den Marktplatz umbauen",
            "Kameras aufhängen",
            "die Buslinie streichen",
        ),
        "issue": ("Müll im Park", "Raser", "kaputte Laternen", "Schlaglöcher", "Lärm nachts"),
    },
}
SLOTS["mix"] = {key: SLOTS["nl"][key] + SLOTS["fr"][key] for key in SLOTS["nl"]}

# Groups named in hostile remarks and quoted in counter speech.
GROUPS: dict[str, tuple[str, ...]] = {
    "nl": (
        "die asielzoekers",
        "de moslims",
        "die buitenlanders",
        "die nieuwkomers",
        "dat volk",
        "die migranten",
    ),
    "fr": (
        "les migrants",
        "les musulmans",
        "les étrangers",
        "les demandeurs d'asile",
        "ces gens-là",
    ),
    "en": ("those migrants", "the Muslims", "these foreigners", "the asylum seekers", "that lot"),
    "de": ("die Migranten", "die Muslime", "die Ausländer", "die Asylanten", "dieses Pack"),
}

# --------------------------------------------------------------------------
# Benign templates, by topic. {name} is a slot, {a|b|c} picks one option.
# --------------------------------------------------------------------------

Topics = dict[str, tuple[str, ...]]

BENIGN: dict[str, Topics] = {
    "nl": {
        "sport": (
            "Wie gaat er {day} mee naar {club}? Nog {n} tickets over",
            "Amai, wat een match van {club} gisteren. {score} in de laatste minuut",
            "Wat een {bom|goal|knal|doelpunt} van {club} in de {minute}ste minuut!",
            "Proficiat aan de U{age} van {club} met de titel 🏆",
            "Scheidsrechter moet een bril kopen, dat was {penalty|rood|buitenspel "
            "niet} voor {club}",
            "Iemand de uitslag van {club} gezien? Ik zat op de {trein|bus}",
            "Wie doet er mee aan de {stratenloop|jogging|Warmathon} {day}? {km} km",
            "Het scorebord in de sporthal van {place} is {nog altijd|alweer} kapot",
            "{club} speelt {day} om {time}, wie kijkt er mee in {het café|de "
            "kantine|het jeugdhuis}?",
            "Onze {keeper|spits|trainer} is echt in vorm dit seizoen",
            "Minnekes van {club} vandaag, {score} thuis tegen de laatste",
        ),
        "traffic": (
            "Alweer file op {road}. Sta hier al {n} minuten stil",
            "Weet iemand of de bus naar {place} {day} rijdt? Staking of niet?",
            "Waarom liggen er nu alweer wegenwerken op {street}, elke maand",
            "Weer een lekke band op het fietspad langs {street}",
            "Lijn {line} heeft weer {n} minuten vertraging, merci De Lijn",
            "De nieuwe fietsstraat in {place} is {echt een verbetering|een ramp|eindelijk af}",
            "Kan iemand mij uitleggen hoe die nieuwe {parkeerzone|LEZ|circulatie"
            "} in {place} werkt?",
            "{n} euro voor een parkeerticket in {place}, da's toch niet normaal",
            "Trein naar {place} {afgeschaft|vertraagd|overvol}, alweer",
            "Pas op, {flitser|ongeval|controle} op {road} richting {place}",
        ),
        "school": (
            "{day} toets {subject} en ik snap er echt niks van",
            "Heeft er iemand de notities van {subject}? Was ziek {vandaag|gisteren|heel de week}",
            "Leraar {subject} geeft weer een onverwachte overhoring, echt niet oké",
            "Examens zijn gedaan!!! Tijd voor {food} en slapen",
            "Wifi op school ligt {alweer|al {n} minuten|heel de dag} plat",
            "Wie heeft er nog een gsm-oplader? {Mijne is dood|Ik sta op {n}%}",
            "Iemand tips voor een goedkoop kot in {place}?",
            "Nog {n} dagen examens, ik {overleef dit niet|zie het niet meer zitten|ben op}",
            "Mijn ouders gaan mij vermoorden als ze mijn punten {zien|van {subject} zien} 😅",
            "Wie wil {day} samen {blokken|studeren} in de bib van {place}?",
            "Schooluitstap naar {place} gaat niet door wegens {weather}",
        ),
        "gaming": (
            "Wie speelt er vanavond {game}? Zoek nog {k} man voor een squad",
            "Die nieuwe update van {game} is echt brak, alles laggt",
            "Die camper in {game} heeft me {n} keer gekild, ragequit",
            "De nieuwe skin in {game} kost {price}, zot",
            "Eindelijk {Diamond|Gold|Platinum|Champion} in {game} na {n} uur grinden",
            "Iemand die mij {day} kan carryen in {game}?",
            "Mijn {ping|fps} in {game} is niet normaal vandaag",
            "Die bot in {game} is beter dan heel mijn team {lol|haha|😂}",
        ),
        "shop": (
            "Bij {shop} zijn de {food} in promo, {price} voor twee",
            "Ik heb zo'n goesting in {food} nu",
            "Allez, wie heeft mijn {food} opgegeten?",
            "Ik vermoord mijn broer als hij nog één keer mijn {food} pikt 😂",
            "Weet iemand hoe laat {shop} {zondag|op feestdagen|vandaag} open is?",
            "Verkoop mijn oude {item}, {price}, ophalen in {place}",
            "Lol wie legt er nu ananas op {pizza|een croque|frieten}",
            "Eerste keer {food} gemaakt en het is {gelukt|mislukt|eetbaar}",
            "Beste frituur van {place}? Ik zeg die aan {street}",
        ),
        "local": (
            "Stad wil {plan} in {place}. Iemand die weet wanneer de infoavond is?",
            "Goed dat ze eindelijk iets doen aan {issue} in {place}",
            "Mijn {item} is gestolen aan het station van {place}, iemand iets gezien?",
            "Gevonden: zwarte {item} aan {street}, stuur maar een pb",
            "Mooi artikel, maar de foto is van vorig jaar {link}",
            "Jeugdhuis is {day} open tot {late}, {gratis soep|quiz|open podium}",
            "Kermis in {place} dit weekend, wie gaat er mee?",
            "Bedankt aan {de buren|de vrijwilligers|de jeugdbeweging} voor het "
            "opruimen van {het speelpleintje|het park|de Markt}",
            "Bakkerij in {place} zoekt een jobstudent voor {zaterdag|de zomer|zondagochtend}",
            "Ik snap niks van die verkiezingsfolders, {allemaal hetzelfde|wie "
            "gelooft dat nog|{n} beloftes per pagina}",
            "Mijn ma vraagt of iemand een goeie {loodgieter|elektricien|dakwerker} kent in {place}",
            "Zijn er nog plaatsen voor het {kamp|speelplein} in de "
            "{paasvakantie|zomer|krokusvakantie}?",
            "Het containerpark is {day} gesloten, pas op",
            "Mijn kat is weg sinds {day}, {rood-wit|zwart|grijs}, buurt {street}",
            "Gratis zwemmen voor -{age} in {place} deze zomer, nice",
            "Ons kot staat onder water door {het onweer|die regen|een lekkende buis}, top",
            "Gemeenteraad {day} over {issue}, kom allemaal",
        ),
        "fun": (
            "Concert van gisteren was zalig, {die drummer|de zangeres|het licht} was niet te doen",
            "Ge moet da filmpke zien van die {hond|kat|geit} op het voetbalveld {link}",
            "Plezant weekend gehad aan zee, wel veel {wind|regen|volk}",
            "Mijn {oma|opa|bomma} wordt 88 vandaag 🎉",
            "Da was echt nen tof optreden in {place} gisteren",
            "Wie gaat er {day} mee naar de {cinema|kermis|fuif} in {place}?",
            "{day} weer {weather} voorspeld, dus de fiets blijft thuis",
            "Nieuwe {plaat|single|clip} van die band uit {place} is {zalig|"
            "echt goed|nogal tegenvallend}",
        ),
    },
    "fr": {
        "sport": (
            "Quelqu'un va au match de {club} {day}? Il me reste {n} places",
            "Quelle {frappe|reprise|tête} de {club} à la {minute}e, une bombe!",
            "Bravo aux U{age} de {club} pour le titre 🏆",
            "L'arbitre doit acheter des lunettes, {penalty clair|carton rouge|"
            "hors-jeu évident} pour {club}",
            "Quelqu'un a le résultat de {club}? J'étais dans le {train|bus}",
            "Qui fait les {km} km {day}? Il reste des dossards",
            "{club} joue {day} à {time}, on regarde où?",
            "Notre {gardien|attaquant|coach} est en feu cette saison",
            "Défaite {score} à domicile, {club} c'est la honte",
        ),
        "traffic": (
            "Encore des bouchons sur {road}, ça fait {n} minutes que j'attends",
            "Le bus pour {place} roule {day} ou c'est grève?",
            "Encore des travaux {street}, chaque mois la même chose",
            "Encore un pneu crevé sur la piste cyclable {street}",
            "Le {line} a encore {n} minutes de retard, merci la {STIB|TEC}",
            "La nouvelle piste cyclable à {place} c'est {vraiment top|une catastrophe|enfin fini}",
            "Quelqu'un peut m'expliquer la nouvelle zone {de stationnement|"
            "LEZ|piétonne} à {place}?",
            "Nonante euros pour un PV à {place}, c'est abusé",
            "Train pour {place} {supprimé|en retard|bondé}, encore",
            "Attention {radar|accident|contrôle} sur {road} direction {place}",
        ),
        "school": (
            "Interro de {subject} {day} et j'ai rien compris",
            "Le prof de {subject} nous a encore fait une interro surprise, sérieux",
            "Session finie!!! {food} et dodo",
            "Le wifi de l'école est {encore mort|coupé depuis {n} minutes|inutilisable}",
            "Savoir quelqu'un me prêter un chargeur de GSM {demain|lundi} à l'école?",
            "Blocus jusqu'à {day}, priez pour moi",
            "Quelqu'un a les notes du cours de {subject}? J'étais malade {hier|toute la semaine}",
            "Mes parents vont me tuer quand ils verront {mon bulletin|ma note de {subject}} 😅",
            "Qui vient bloquer à la bibli de {place} {day}?",
            "Excursion à {place} annulée à cause de {weather}",
            "Quelqu'un connaît un kot pas cher à {place}?",
        ),
        "gaming": (
            "Qui joue à {game} ce soir? On cherche {k} joueurs",
            "La mise à jour de {game} a tout cassé, ça lag de partout",
            "Ce campeur sur {game} m'a tué {n} fois, j'abandonne",
            "Le nouveau skin sur {game} coûte {price}, n'importe quoi",
            "Enfin {Diamant|Or|Platine|Champion} sur {game} après {n} heures",
            "Quelqu'un pour me carry sur {game} {day}?",
            "Mon {ping|fps} sur {game} c'est n'importe quoi aujourd'hui",
        ),
        "shop": (
            "Promo chez {shop}: {food} à {price}",
            "J'ai trop envie de {food} là",
            "C'est qui qui a fini tous les {food}?",
            "Je vais te tuer si tu me spoiles encore {la série|le match|le film} 😂",
            "Je vends mon ancien {item}, {price}, à venir chercher à {place}",
            "Mdr qui met de l'ananas sur {une pizza|des frites|un croque}",
            "Première fois que je fais des {food} et c'est {réussi|raté|mangeable}",
            "Tu viens une fois manger des {food} à la maison?",
            "Meilleure friterie de {place}? Moi je dis celle {street}",
        ),
        "local": (
            "La commune veut {plan} à {place}, quelqu'un sait quand il y a la réunion?",
            "Enfin ils font quelque chose contre {issue} à {place}",
            "On m'a volé mon {item} à la gare de {place}, quelqu'un a vu quelque chose?",
            "Trouvé un {item} noir {street}, envoyez-moi un mp",
            "La maison de jeunes est ouverte {day} jusqu'à {late}",
            "Braderie à {place} ce week-end, qui vient?",
            "Merci {aux voisins|aux bénévoles|aux scouts} d'avoir nettoyé {la "
            "plaine de jeux|le parc|la place}",
            "La boulangerie de {place} cherche un étudiant {le samedi|pour "
            "l'été|le dimanche matin}",
            "Quelqu'un connaît un bon {plombier|électricien|couvreur} à "
            "{place}? C'est pour ma mère",
            "Le parc à conteneurs est fermé {day}, attention",
            "Mon chat a disparu depuis {day}, {roux et blanc|noir|gris}, quartier {street}",
            "Piscine gratuite pour les -{age} ans à {place} cet été",
            "Les élections communales, j'y comprends rien, {tous pareils|qui "
            "croit encore ça|{n} promesses par page}",
            "Conseil communal {day} sur {issue}, venez nombreux",
            "Article intéressant mais la photo date de l'an passé {link}",
        ),
        "fun": (
            "Franchement le concert d'hier soir c'était {incroyable|trop bien|décevant}",
            "Il fait caillant ce matin à {place}, on dirait déjà l'hiver",
            "Ma {grand-mère|mamy|bobonne} fête ses 88 ans aujourd'hui 🎉",
            "Météo annonce encore {weather} {day}, je reste au kot",
            "Regardez cette vidéo du {chien|chat|renard} sur le terrain de foot {link}",
            "Qui vient {day} au {cinéma|festival|bal} à {place}?",
            "À tantôt au kot, j'amène les {food}",
        ),
    },
    "en": {
        "sport": (
            "Anyone going to the {club} game {day}? Got {n} spare tickets",
            "What a {strike|header|finish} from {club} in the {minute}th, absolute rocket",
            "Congrats to the U{age}s at {club} on the title 🏆",
            "That ref needs glasses, {clear penalty|straight red|miles offside} for {club}",
            "Anyone got the score from {club}? Was on the {train|bus}",
            "Who's doing the {km}k {fun run|park run|charity run} {day}?",
            "{club} kick off {day} at {time}, where we watching?",
            "Our {keeper|striker|gaffer} is on fire this season",
            "Lost {score} at home, {club} are a disgrace honestly",
        ),
        "traffic": (
            "Traffic on {road} is a joke again, stuck for {n} minutes",
            "Does the {line} bus still run {day} or is there a strike?",
            "Why are there roadworks on {street} AGAIN",
            "Another flat tyre on the cycle path by {street}",
            "Honestly the new bike lane in {place} is {a huge improvement|a mess|finally done}",
            "Can someone explain how the new {parking zone|clean air zone|"
            "one-way system} in {place} works?",
            "{n} quid for parking in {place}, are they having a laugh",
            "Train to {place} {cancelled|delayed|rammed}, again",
            "Heads up, {speed trap|crash|police check} on {road} towards {place}",
        ),
        "school": (
            "{subject} test {day} and I understand literally nothing",
            "Teacher sprung another pop quiz in {subject}, not cool",
            "Exams are DONE. {food} and sleep",
            "Can we talk about how bad the wifi is {at school|in the library|on the {line} bus}",
            "My {item} died mid-lecture, anyone have a charger?",
            "ngl the {library|study room|café on {street}} is the only place I get anything done",
            "Anyone got the {subject} notes? Was off {sick|yesterday|all week}",
            "My parents are gonna kill me when they see my {subject} grade 😅",
            "Who's up for revising at the {library|café} in {place} {day}?",
            "School trip to {place} got cancelled because of the {weather}",
            "Any tips for cheap student housing in {place}?",
        ),
        "gaming": (
            "Who's on {game} tonight? Need {k} more for a squad",
            "New {game} patch broke everything lol, constant lag",
            "This camper in {game} killed me {n} times, I'm done",
            "The new skin in {game} is {price}, absolutely mental",
            "Finally hit {Diamond|Gold|Plat|Champ} in {game} after {n} hours",
            "Anyone wanna carry me in {game} {day}?",
            "My {ping|fps} in {game} is cursed today",
            "This bot in {game} is lowkey better than my whole team",
        ),
        "shop": (
            "{food} on offer at {shop}, {price} for two",
            "Craving {food} so bad rn",
            "Who finished the {food}?",
            "I'm gonna kill my sister if she eats my {food} again 😂",
            "Selling my old {item}, {price}, pickup in {place}",
            "Pineapple on {pizza|a toastie|chips} is a crime and I will die on this hill",
            "First time making {food} and it {actually worked|went badly|is edible}",
            "Lowkey the best {food} in town is that tiny place near {street}",
            "Anyone know when {shop} closes {today|on Sundays|on bank holidays}?",
        ),
        "local": (
            "Council wants to {plan} in {place}. Anyone know when the meeting is?",
            "About time they did something about {issue} in {place}",
            "Someone nicked my {item} at {place} station, anyone see anything?",
            "Found a black {item} near {street}, DM me",
            "Youth centre is open till {late} {day}, {free pizza|quiz night|open mic}",
            "Street market in {place} this weekend, who's coming?",
            "Shoutout to {the neighbours|the volunteers|the scouts} who "
            "cleaned up {the playground|the park|the square}",
            "Bakery in {place} is looking for {weekend staff|summer staff|an early shift}, pays ok",
            "Anyone know a decent {plumber|electrician|roofer} around {place}? asking for my mum",
            "Bins are collected {day} this time btw",
            "Recycling centre is closed {day}, heads up",
            "Cat missing since {day}, {ginger and white|black|grey}, around {street}",
            "Free swimming for under-{age}s in {place} this summer, nice",
            "Local election leaflets {all say the same thing tbh|promise {n} "
            "things each|went straight in the bin}",
            "Nice article but the photo is from last year {link}",
        ),
        "fun": (
            "That gig last night was {unreal|decent|a letdown}, the "
            "{drummer|singer|lights} {was|were} insane",
            "My {gran|grandad|nan} turns 88 today 🎉",
            "Rain again. Of course. It's {day}.",
            "You have to see this {dog|cat|fox} on the football pitch {link}",
            "Who's up for the {cinema|fair|gig} in {place} {day}?",
            "New {album|single|video} from that band from {place} is {class|"
            "actually good|a bit meh}",
        ),
    },
    "de": {
        "sport": (
            "Geht jemand {day} zum Spiel von {club}? Hab noch {n} Karten",
            "Was für ein {Hammer|Kopfball|Schuss} von {club} in der {minute}. Minute!",
            "Glückwunsch an die U{age} von {club} zur Meisterschaft 🏆",
            "Schiri braucht ne Brille, {klarer Elfer|glatt Rot|klares Abseits} für {club}",
            "Weiß jemand, wie {club} gespielt hat? Saß im {Zug|Bus}",
            "Wer läuft {day} beim {km}-km-Lauf mit?",
            "{club} spielt {day} um {time}, wo gucken wir?",
            "Unser {Torwart|Stürmer|Trainer} ist diese Saison in Topform",
            "{score} zuhause verloren, {club} ist echt peinlich",
        ),
        "traffic": (
            "Schon wieder Stau auf {road}, stehe seit {n} Minuten",
            "Fährt der Bus nach {place} {day} oder ist Streik?",
            "Warum ist in der {street} schon wieder Baustelle",
            "Schon wieder platter Reifen auf dem Radweg an der {street}",
            "Linie {line} hat schon wieder {n} Minuten Verspätung",
            "Der neue Radweg in {place} ist {echt ne Verbesserung|ein Witz|endlich fertig}",
            "Kann mir jemand die neue {Parkzone|Umweltzone|Einbahnstraße} in {place} erklären?",
            "{price} fürs Parken in {place}, geht's noch?",
            "Zug nach {place} {fällt aus|hat Verspätung|ist voll}, mal wieder",
            "Achtung, {Blitzer|Unfall|Kontrolle} auf {road} Richtung {place}",
            "Die Ampel an der {street} ist seit {n} Tagen kaputt",
        ),
        "school": (
            "{day} {subject}-Klausur und ich check gar nix",
            "{subject}-Lehrer schreibt schon wieder nen spontanen Test, unfair",
            "Prüfungen vorbei!!! Jetzt {food} und schlafen",
            "WLAN in der Schule ist {mal wieder tot|seit {n} Minuten weg|unbrauchbar}",
            "Hat jemand die Mitschriften aus {subject}? War {krank|gestern "
            "nicht da|die ganze Woche weg}",
            "Meine Eltern bringen mich um, wenn sie {mein Zeugnis|die {subject}-Note} sehen 😅",
            "Wer lernt {day} mit in der Bib in {place}?",
            "Klassenfahrt nach {place} fällt wegen {weather} aus",
            "Kennt jemand ein günstiges WG-Zimmer in {place}?",
        ),
        "gaming": (
            "Wer zockt heute Abend {game}? Brauchen noch {k} Leute",
            "Das neue {game}-Update ist komplett verbuggt",
            "Der Camper in {game} hat mich {n} mal gekillt, ich hör auf",
            "Der neue Skin in {game} kostet {price}, komplett gaga",
            "Endlich {Diamant|Gold|Platin|Champion} in {game} nach {n} Stunden",
            "Kann mich jemand {day} in {game} carrien?",
            "Mein {Ping|FPS} in {game} ist heute komplett kaputt",
        ),
        "shop": (
            "{food} im Angebot bei {shop}, {price} für zwei",
            "Hab so Bock auf {food} gerade",
            "Wer hat meine {food} gegessen?",
            "Ich bring meinen Bruder um, wenn er nochmal meine {food} isst 😂",
            "Verkaufe mein altes {item}, {price}, Abholung in {place}",
            "Ananas auf {Pizza|Toast|Pommes} ist ein Verbrechen, Diskussion beendet",
            "Zum ersten Mal {food} selbst gemacht und es hat {geklappt|nicht geklappt}",
            "Bester Imbiss in {place}? Ich sag der an der {street}",
        ),
        "local": (
            "Die Stadt will {plan} in {place}. Weiß jemand, wann die Bürgerversammlung ist?",
            "Endlich tut mal jemand was gegen {issue} in {place}",
            "Mir wurde am Bahnhof {place} mein {item} geklaut, hat jemand was gesehen?",
            "Schwarzes {item} an der {street} gefunden, schreibt mir per PN",
            "Jugendzentrum hat {day} bis {late} offen",
            "Stadtfest in {place} am Wochenende, wer kommt mit?",
            "Danke an {die Nachbarn|die Ehrenamtlichen|die Pfadfinder}, die "
            "{den Spielplatz|den Park|den Marktplatz} aufgeräumt haben",
            "Bäckerei in {place} sucht Aushilfe für {samstags|den Sommer|sonntags früh}",
            "Kennt jemand einen guten {Klempner|Elektriker|Dachdecker} in "
            "{place}? Frage für meine Mutter",
            "Gelber Sack wird diese Woche erst {day} abgeholt",
            "Wertstoffhof ist {day} zu, nur zur Info",
            "Katze seit {day} vermisst, {rot-weiß|schwarz|grau}, Nähe {street}",
            "Freibad für unter {age} in {place} diesen Sommer umsonst",
            "Die Wahlplakate {sagen doch alle dasselbe|versprechen {n} Sachen|"
            "hängen schon wieder schief}",
            "Stadtrat {day} zum Thema {issue}, kommt vorbei",
            "Guter Artikel, aber das Foto ist vom letzten Jahr {link}",
        ),
        "fun": (
            "Das Konzert gestern war {der Wahnsinn|okay|enttäuschend}",
            "{Oma|Opa|Omi} wird heute 88 🎉",
            "Schaut euch den {Hund|Fuchs|Kater} auf dem Fußballplatz an {link}",
            "Wer kommt {day} mit ins {Kino|Freibad|Konzert} in {place}?",
            "Neues {Album|Video|Lied} von der Band aus {place} ist {mega|echt gut|eher meh}",
            "{day} schon wieder {weather} angesagt, das Rad bleibt stehen",
        ),
    },
    "mix": {
        "any": (
            "Wacht, c'est quoi ce bordel met de trein vandaag? so annoying",
            "Bro {day} toets {subject}, j'ai rien révisé lol",
            "On se voit à {time} aan de {Beurs|Zuid|kerk}? ok cool",
            "Echt wa, le prof a dit que c'est pas grave maar ik geloof hem niet",
            "Wie komt er naar het feestje {day}? C'est chez moi, bring snacks",
            "Sorry guys ik kan niet {vanavond|morgen}, j'ai trop de devoirs",
            "Wallah die match was zot, the keeper was on fire",
            "Ça va ou quoi? Lang niet gezien, we should hang out",
            "Check deze video mdr {link}",
            "Allez on y va, de bus komt eraan, hurry up",
            "Mijn ma zegt 'mange d'abord' dus ik ben {n} min late",
            "That exam was pure miserie, j'ai pas fini",
            "{user} t'es où? Ik sta al aan {street}",
            "{food} of kebab? Je m'en fous, I'm starving",
            "Ce {game} update is echt trash, no cap",
            "Merci voor gisteren, it was vet leuk",
            "Wesh, iemand {game} vanavond? On est {2|3|4} déjà",
        ),
    },
    "other": {
        "any": (
            "¿Alguien sabe si hay partido {day_es}?",
            "Qué {calor|frío} hace hoy",
            "Jajaja no puedo más con este profe",
            "{Mañana|El lunes} examen de mates, ayuda",
            "Vendo bici, {price}, escribidme",
            "¿Quién juega {game} esta noche?",
            "Yarın maç var mı bilen var mı?",
            "Bugün hava çok {soğuk|sıcak}",
            "Hahaha çok iyiydi",
            "Sınav çok zordu ya",
            "Akşam {game} oynayan var mı?",
            "Otobüs yine {n} dakika geç",
            "صباح الخير يا جماعة",
            "مين رايح المباراة بكرة؟",
            "الجو حلو اليوم",
            "مبروك للفريق 🏆",
            "الامتحان كان صعب جدا",
            "Ktoś wie, o której jest mecz?",
            "Dzisiaj strasznie {zimno|gorąco}",
            "Sprzedam rower, {price}",
            "Qualcuno va alla partita {day_it}?",
            "Che {caldo|freddo} oggi",
            "Chi gioca a {game} stasera?",
        ),
    },
}

# Second sentences, by topic; "any" fits every topic.
FOLLOWUPS: dict[str, Topics] = {
    "nl": {
        "any": (
            "{user} kijk eens",
            "Ik zeg het maar.",
            "Amai.",
            "Enfin.",
            "Het is wat het is.",
            "Wie volgt?",
            "Zeg het maar.",
        ),
        "sport": (
            "Wat een sfeer in het stadion.",
            "Volgende week revanche.",
            "Die trainer moet buiten.",
            "Allez {club}!",
            "Scheids was weer om te huilen.",
            "Komen er nog tickets vrij?",
            "Ik heb er geen woorden voor.",
            "Kampioen dit jaar, let op mijn woorden.",
        ),
        "traffic": (
            "Elke dag hetzelfde.",
            "Ik neem voortaan de fiets.",
            "Ben alweer te laat op mijn werk.",
            "Al {n} keer gemeld bij de stad.",
            "Iemand die een omweg weet?",
            "Echt zotte toestanden.",
            "Wie beslist dit eigenlijk?",
        ),
        "school": (
            "Iemand een samenvatting?",
            "Ik ga dat nooit halen.",
            "Nog {n} dagen tot de vakantie.",
            "Stuur gerust een pb.",
            "Help.",
            "Wie zit er in hetzelfde schuitje?",
        ),
        "gaming": (
            "Stuur maar een invite.",
            "Devs moeten dit echt fixen.",
            "Add me: {user}",
            "Ik stop ermee, echt.",
            "GG trouwens.",
            "Discord link in bio.",
        ),
        "shop": (
            "Snel zijn!",
            "Geen reclame, gewoon een tip.",
            "Wie heeft er een goed recept?",
            "Ik trakteer.",
            "Mijn portemonnee huilt.",
        ),
        "local": (
            "Iemand een idee?",
            "Laat maar weten.",
            "Bedankt alvast!",
            "Zeker delen!",
            "Kan iemand dat bevestigen?",
            "Meer info op {link}",
            "Vorig jaar was het precies hetzelfde.",
            "Hopelijk komt het nog goed.",
            "Top initiatief trouwens.",
            "Respect voor de vrijwilligers.",
            "Hoe moeilijk kan het zijn?",
            "Mijn zus zegt hetzelfde.",
        ),
        "fun": (
            "Zalig gewoon.",
            "Ik lig dubbel.",
            "Nu nog een zonnetje erbij.",
            "Wie gaat er mee volgende keer?",
            "Dikke merci aan iedereen.",
            "Was echt de moeite.",
        ),
    },
    "fr": {
        "any": (
            "{user} regarde ça",
            "Je dis ça je dis rien.",
            "Bref.",
            "C'est comme ça.",
            "Bon ben voilà.",
            "Sérieux?",
        ),
        "sport": (
            "Quelle ambiance au stade.",
            "Revanche la semaine prochaine.",
            "Le coach doit dégager.",
            "Allez {club}!",
            "L'arbitre était à la rue.",
            "Il reste des places?",
            "Champions cette année, retenez bien.",
        ),
        "traffic": (
            "Tous les jours la même chose.",
            "Je prends le vélo maintenant.",
            "Encore en retard au boulot.",
            "Déjà signalé {n} fois à la commune.",
            "Quelqu'un connaît un détour?",
            "Franchement n'importe quoi.",
            "Qui décide ça?",
        ),
        "school": (
            "Quelqu'un a un résumé?",
            "Je vais jamais y arriver.",
            "Encore {n} jours avant les vacances.",
            "Envoyez un mp.",
            "À l'aide.",
            "On est tous dans le même bateau.",
        ),
        "gaming": (
            "Envoyez une invite.",
            "Les devs doivent corriger ça.",
            "Ajoutez-moi: {user}",
            "J'arrête, vraiment.",
            "GG quand même.",
        ),
        "shop": (
            "Faites vite!",
            "Pas de pub, juste un bon plan.",
            "Quelqu'un a une bonne recette?",
            "C'est moi qui régale.",
            "Mon portefeuille pleure.",
        ),
        "local": (
            "Quelqu'un a une idée?",
            "Dites-moi.",
            "Merci d'avance!",
            "Partagez svp!",
            "Quelqu'un peut confirmer?",
            "Plus d'infos: {link}",
            "L'année passée c'était pareil.",
            "Super initiative en tout cas.",
            "Respect aux bénévoles.",
            "C'est pas compliqué pourtant.",
            "Ma sœur dit pareil.",
        ),
        "fun": (
            "Trop bien.",
            "Je suis mort de rire.",
            "Manque plus que le soleil.",
            "Qui vient la prochaine fois?",
            "Merci à tous.",
            "Ça valait le coup.",
        ),
    },
    "en": {
        "any": (
            "{user} look at this",
            "Just saying.",
            "Anyway.",
            "It is what it is.",
            "Can't make this up.",
            "Seriously?",
        ),
        "sport": (
            "Atmosphere was unreal.",
            "Revenge next week.",
            "Manager has to go.",
            "Come on {club}!",
            "Ref was a joke again.",
            "Any tickets left?",
            "Champions this year, mark my words.",
        ),
        "traffic": (
            "Every single day.",
            "Cycling from now on.",
            "Late for work again.",
            "Reported it {n} times already.",
            "Anyone know a way round?",
            "Honestly ridiculous.",
            "Who signs off on this?",
        ),
        "school": (
            "Anyone got a summary?",
            "I'm never passing this.",
            "{n} days till the holidays.",
            "DM me.",
            "Send help.",
            "We're all in the same boat.",
        ),
        "gaming": (
            "Send an invite.",
            "Devs need to fix this.",
            "Add me: {user}",
            "I'm quitting, for real.",
            "GG though.",
        ),
        "shop": (
            "Be quick!",
            "Not an ad, just a tip.",
            "Anyone got a good recipe?",
            "My treat.",
            "My wallet is crying.",
        ),
        "local": (
            "Any ideas?",
            "Let me know.",
            "Thanks in advance!",
            "Please share!",
            "Can anyone confirm?",
            "More info: {link}",
            "Same thing last year.",
            "Great initiative btw.",
            "Respect to the volunteers.",
            "How hard can it be?",
            "My sister says the same.",
        ),
        "fun": (
            "Love it.",
            "I'm crying.",
            "Now just need some sun.",
            "Who's coming next time?",
            "Cheers all.",
            "Worth it.",
        ),
    },
    "de": {
        "any": (
            "{user} guck mal",
            "Nur mal so.",
            "Naja.",
            "Ist halt so.",
            "Kannste dir nicht ausdenken.",
            "Ernsthaft?",
        ),
        "sport": (
            "Was für eine Stimmung im Stadion.",
            "Nächste Woche Revanche.",
            "Der Trainer muss weg.",
            "Auf geht's {club}!",
            "Schiri war wieder ein Witz.",
            "Gibt's noch Karten?",
            "Meister dieses Jahr, merkt euch das.",
        ),
        "traffic": (
            "Jeden Tag dasselbe.",
            "Ab jetzt nur noch Rad.",
            "Schon wieder zu spät zur Arbeit.",
            "Schon {n} mal bei der Stadt gemeldet.",
            "Kennt jemand ne Umleitung?",
            "Echt unmöglich.",
            "Wer entscheidet sowas?",
        ),
        "school": (
            "Hat jemand ne Zusammenfassung?",
            "Das schaff ich nie.",
            "Noch {n} Tage bis zu den Ferien.",
            "Schreibt mir per PN.",
            "Hilfe.",
            "Wir sitzen alle im selben Boot.",
        ),
        "gaming": (
            "Schickt ne Einladung.",
            "Die Devs müssen das fixen.",
            "Addet mich: {user}",
            "Ich hör auf, echt jetzt.",
            "GG trotzdem.",
        ),
        "shop": (
            "Schnell sein!",
            "Keine Werbung, nur ein Tipp.",
            "Hat jemand ein gutes Rezept?",
            "Ich geb einen aus.",
            "Mein Konto weint.",
        ),
        "local": (
            "Hat jemand ne Idee?",
            "Sagt Bescheid.",
            "Danke schon mal!",
            "Bitte teilen!",
            "Kann das jemand bestätigen?",
            "Mehr Infos: {link}",
            "Letztes Jahr genau dasselbe.",
            "Super Aktion übrigens.",
            "Respekt an die Ehrenamtlichen.",
            "So schwer kann das nicht sein.",
            "Meine Schwester sagt dasselbe.",
        ),
        "fun": (
            "Einfach geil.",
            "Ich lach mich tot.",
            "Jetzt noch Sonne.",
            "Wer kommt nächstes Mal mit?",
            "Danke an alle.",
            "Hat sich gelohnt.",
        ),
    },
    "mix": {
        "any": (
            "Allez bye.",
            "Wesh.",
            "Bon.",
            "Ciao ciao.",
            "Ok merci.",
            "Ewa.",
            "Later.",
            "Tot straks hein.",
        ),
    },
    "other": {"any": ("😂", "🙏", "👍", "!!", "...")},
}

# Topic shares of benign messages (main languages).
TOPIC_WEIGHTS: dict[str, float] = {
    "sport": 0.17,
    "traffic": 0.14,
    "school": 0.16,
    "gaming": 0.14,
    "shop": 0.12,
    "local": 0.18,
    "fun": 0.09,
}

SHORT: dict[str, tuple[str, ...]] = {
    "nl": (
        "haha echt",
        "goal!!!",
        "amai zeg",
        "wtf",
        "top 👍",
        "zot gewoon",
        "hahahaha",
        "eindelijk",
        "nee toch",
        "ja hoor",
        "wie niet",
        "kei goed",
        "zeker weten",
        "pff maandag",
        "slaapwel",
        "gg",
        "dikke merci",
        "allez vooruit",
        "kga mee",
        "ikke ook",
        "echt wel",
        "oei",
        "sterkte!",
        "proficiat!!",
        "wa is da hier",
        "gewoon nee",
        "zalig",
        "lekker bezig",
        "ik lig dubbel",
        "nice",
    ),
    "fr": (
        "mdrrr",
        "but!!!",
        "trop bien",
        "grave",
        "wesh",
        "ah non",
        "ouais ouais",
        "c'est chaud",
        "bien joué",
        "nickel 👍",
        "ptdr",
        "sérieux?",
        "courage!",
        "bravo!!",
        "ça passe",
        "pas mal",
        "bonne nuit",
        "gg",
        "merci beaucoup",
        "allez!",
        "n'importe quoi",
        "vivement vendredi",
        "je valide",
        "oh la la",
    ),
    "en": (
        "lmao",
        "GOAL!!!",
        "same",
        "no way",
        "facts",
        "this 👆",
        "lol",
        "W",
        "massive L",
        "gg",
        "congrats!!",
        "proper mental",
        "love this",
        "nah",
        "finally",
        "ugh mondays",
        "night all",
        "bruh",
        "big if true",
        "cheers mate",
        "so true",
        "I'm crying",
    ),
    "de": (
        "haha geil",
        "TOR!!!",
        "krass",
        "nee oder",
        "safe",
        "stimmt",
        "Ehrenmann",
        "läuft",
        "gg",
        "Glückwunsch!!",
        "bitte was",
        "endlich",
        "gute Nacht",
        "ach du Schande",
        "mega",
        "lol",
        "same",
        "wie geil ist das denn",
    ),
    "mix": ("wesh bro", "allez ciao", "merci hè", "ewa mdr", "nice frr"),
    "other": ("jajaja", "çok iyi", "👍👍", "hahaha", "ok"),
}

OPENERS: dict[str, tuple[str, ...]] = {
    "nl": ("Zeg,", "Allez,", "Eerlijk?", "Vraagje:", "Update:", "Off-topic maar", "Euh,", "Kort:"),
    "fr": ("Bon,", "Franchement,", "Petite question:", "Hors sujet mais", "Alors,", "Info:"),
    "en": ("Ok so", "PSA:", "Quick q:", "Not gonna lie,", "Random but", "Update:"),
    "de": ("Kurze Frage:", "Mal ehrlich:", "Off-Topic:", "Info:", "Update:"),
}

LAUGHS: dict[str, tuple[str, ...]] = {
    "nl": ("haha", "hahaha", "lol", "xD", "😂"),
    "fr": ("mdr", "ptdr", "lol", "xD", "😂"),
    "en": ("lol", "lmao", "haha", "xD", "😂"),
    "de": ("haha", "lol", "xD", "😂", "hahaha"),
    "mix": ("mdr", "lol", "haha"),
    "other": ("jaja", "haha", "😂"),
}

HASHTAGS: dict[str, tuple[str, ...]] = {
    "nl": (
        "#gent",
        "#voetbal",
        "#file",
        "#examens",
        "#weekend",
        "#kermis",
        "#proficiat",
        "#fietsen",
        "#lokaal",
        "#jeugd",
    ),
    "fr": (
        "#liège",
        "#foot",
        "#bouchons",
        "#blocus",
        "#weekend",
        "#belgique",
        "#bruxelles",
        "#vélo",
    ),
    "en": ("#matchday", "#traffic", "#exams", "#weekend", "#gaming", "#localnews", "#mondays"),
    "de": ("#stau", "#fußball", "#abitur", "#wochenende", "#zocken", "#aachen", "#köln"),
    "mix": ("#bxl", "#zinneke", "#brussels"),
    "other": ("#futbol", "#maç", "#weekend"),
}

EMOJI = (
    "😂",
    "🤣",
    "😅",
    "😍",
    "🙄",
    "😤",
    "🔥",
    "💪",
    "👍",
    "👏",
    "🙏",
    "⚽",
    "🎮",
    "🌧️",
    "☀️",
    "🚲",
    "🍟",
    "❤️",
    "💀",
    "😭",
    "🤷",
    "👀",
)

# --------------------------------------------------------------------------
# Concerning content and counter speech (written for this benchmark).
# --------------------------------------------------------------------------

CONCERNING: dict[str, dict[str, tuple[str, ...]]] = {
    "nl": {
        "hostile": (
            "{group} moeten gewoon allemaal terug naar hun eigen land",
            "Weer {group} die de boel verpesten in {place}, zet ze op een boot",
            "Met {group} komt alleen maar criminaliteit, dat weet iedereen",
            "{group} zijn parasieten die van onze centen leven",
            "Iemand zou {group} eens een lesje moeten leren, echt waar",
            "Ratten zijn het, {group}. Tijd om op te kuisen",
            "Als ik er nog één van {group} zie in onze straat, dan weet ik het niet meer hoor",
            "{group} horen hier niet, nooit gehoord en nooit zullen ze",
        ),
        "grievance": (
            "Niemand luistert nog naar mensen zoals wij, de politiek lacht ons gewoon uit",
            "Ik voel me een vreemde in mijn eigen {wijk|stad|straat} en niemand doet iets",
            "Voor ons is er nooit geld, voor hen altijd",
            "Stemmen verandert niks, het systeem is kapot, tijd dat we het zelf doen",
            "Ik heb niks meer te verliezen, school, werk, niemand ziet mij staan",
            "De gewone Vlaming betaalt overal voor en krijgt niks terug",
        ),
        "conspiracy": (
            "De omvolking is gewoon gepland, kijk naar de cijfers {link}",
            "Dit is allemaal deel van het plan van de elite om ons te vervangen",
            "De media zwijgen erover omdat ze betaald worden door dezelfde clubs",
            "Eerst de prik en nu dit, ze willen ons gewoon klein houden",
            "Volg het geld, het zijn altijd dezelfden die aan de touwtjes trekken",
        ),
        "coded": (
            "88 aan alle echte kameraden",
            "14 woorden, meer moet ik niet zeggen",
            "1488 en trots",
            "Dag X komt eraan, wie is er klaar?",
            "WPWW ✊ wie snapt die snapt",
        ),
    },
    "fr": {
        "hostile": (
            "{group} doivent tous rentrer chez eux, point",
            "Encore {group} qui foutent le bordel à {place}, renvoyez-les",
            "Avec {group} c'est que de la délinquance, tout le monde le sait",
            "{group} c'est des parasites qui vivent de nos allocs",
            "Faudrait que quelqu'un donne une bonne leçon à {group}",
            "Des cafards, {group}. Faut nettoyer tout ça",
            "{group} ont rien à faire ici et ils auront jamais rien à faire ici",
        ),
        "grievance": (
            "Personne écoute les gens comme nous, les politiques se foutent de nous",
            "Je me sens étranger dans {mon propre quartier|ma propre ville|ma propre rue} "
            "et personne fait rien",
            "Pour nous y a jamais d'argent, pour eux toujours",
            "Voter sert à rien, le système est pourri, faudra agir nous-mêmes",
            "J'ai plus rien à perdre, personne me calcule, ni à l'école ni ailleurs",
        ),
        "conspiracy": (
            "Le grand remplacement c'est organisé, regardez les chiffres {link}",
            "Tout ça fait partie du plan des élites pour nous remplacer",
            "Les médias se taisent parce qu'ils sont payés par les mêmes",
            "Suivez l'argent, c'est toujours les mêmes qui tirent les ficelles",
        ),
        "coded": (
            "88 à tous les vrais camarades",
            "Les 14 mots, rien à ajouter",
            "1488 et fier",
            "Le jour J approche, qui est prêt?",
        ),
    },
    "en": {
        "hostile": (
            "{group} should all be sent back where they came from",
            "{group} ruining {place} again, put them on a boat",
            "Nothing but crime since {group} showed up, everyone knows it",
            "{group} are parasites living off our taxes",
            "Somebody should teach {group} a lesson, seriously",
            "Vermin, {group}. Time to clean house",
            "{group} don't belong here and never will",
        ),
        "grievance": (
            "Nobody listens to people like us, politicians just laugh at us",
            "I feel like a stranger in my own {street|town|neighbourhood} and nobody does anything",
            "There's never money for us, always for them",
            "Voting changes nothing, the system is rigged, we'll have to do it ourselves",
            "Got nothing left to lose, nobody sees me, not at {school|work|home} not anywhere",
        ),
        "conspiracy": (
            "The great replacement is planned, just look at the numbers {link}",
            "It's all part of the globalist plan to replace us",
            "Media won't cover it because the same people own them",
            "Follow the money, it's always the same ones pulling the strings",
            "Do your own research, they've been lying to us for years",
        ),
        "coded": (
            "88 to all the real brothers",
            "14 words. Nothing more to say",
            "1488 and proud",
            "Day of the rope is coming, who's ready",
            "WPWW ✊ if you know you know",
        ),
    },
    "de": {
        "hostile": (
            "{group} sollen alle zurück in ihre Heimat",
            "Schon wieder {group}, die {place} kaputt machen, ab ins Boot",
            "Seit {group} da sind, gibt's nur noch Kriminalität",
            "{group} sind Schmarotzer, die von unseren Steuern leben",
            "Jemand sollte {group} mal eine Lektion erteilen",
            "Ungeziefer, {group}. Zeit aufzuräumen",
        ),
        "grievance": (
            "Keiner hört auf Leute wie uns, die Politiker lachen uns aus",
            "Ich fühl mich fremd im eigenen {Viertel|Land|Dorf} und keiner macht was",
            "Für uns ist nie Geld da, für die immer",
            "Wählen bringt nichts, das System ist kaputt, wir müssen selbst handeln",
            "Hab nichts mehr zu verlieren, niemand sieht mich",
        ),
        "conspiracy": (
            "Der große Austausch ist geplant, schaut euch die Zahlen an {link}",
            "Das ist alles Teil vom Plan der Eliten, uns zu ersetzen",
            "Die Lügenpresse schweigt, weil sie von denselben bezahlt wird",
            "Folgt dem Geld, es sind immer dieselben, die die Fäden ziehen",
        ),
        "coded": (
            "88 an alle echten Kameraden",
            "14 Worte, mehr sag ich nicht",
            "1488 und stolz drauf",
            "Der Tag X kommt, wer ist bereit?",
        ),
    },
}

COUNTER: dict[str, tuple[str, ...]] = {
    "nl": (
        "Wie hier roept dat '{group} terug moeten': mijn buurman werkt al "
        "{n} jaar in het ziekenhuis hier. Stop met die haat.",
        "Zeggen dat '{group} allemaal criminelen zijn' is gewoon racisme, punt.",
        "Die 'omvolking'-praat is een complottheorie, {lees eens een echte bron|"
        "kijk naar de echte cijfers|echt waar}",
        "Ik snap de frustratie, maar haten op een hele groep lost {niks|echt niks} op",
        "Meld die comments gewoon, dit hoort hier niet",
        "'{group} zijn parasieten'? Ze poetsen jouw ziekenhuis en rijden jouw bus. Schaam je.",
    ),
    "fr": (
        "Ceux qui disent '{group} doivent rentrer chez eux': mon voisin est "
        "infirmier ici depuis {n} ans. Arrêtez avec la haine.",
        "Dire que '{group} sont tous des délinquants' c'est du racisme, point.",
        "Le 'grand remplacement' c'est une théorie du complot, {lisez une vraie "
        "source|renseignez-vous|regardez les vrais chiffres}",
        "Signalez ces commentaires, ça n'a rien à faire ici",
        "Je comprends la colère mais haïr tout un groupe ça règle rien",
    ),
    "en": (
        "People saying '{group} should be sent back': my neighbour has been "
        "a nurse here for {n} years. Stop the hate.",
        "Saying '{group} are all criminals' is just racism, full stop.",
        "The 'great replacement' is a conspiracy theory, {read an actual source|"
        "look at the real numbers|seriously}",
        "Report these comments please, this doesn't belong {here|on a local page|anywhere}",
        "I get the frustration but hating a whole group fixes nothing",
    ),
    "de": (
        "Wer hier schreibt '{group} sollen zurück': mein Nachbar ist seit "
        "{n} Jahren Pfleger hier. Hört auf mit dem Hass.",
        "'{group} sind alle kriminell' zu sagen ist einfach Rassismus.",
        "Der 'große Austausch' ist eine Verschwörungserzählung, lest mal eine echte Quelle",
        "Bitte meldet solche Kommentare, das gehört hier nicht hin",
    ),
}

# Follow-up sentences for concerning messages and for counter speech.
CONCERNING_FOLLOWUPS: dict[str, tuple[str, ...]] = {
    "nl": (
        "Wakker worden mensen.",
        "Deel dit voor het verwijderd wordt.",
        "Ze zwijgen het dood.",
        "Genoeg is genoeg.",
        "Wie durft het nog te zeggen?",
        "Jullie gaan het zien.",
    ),
    "fr": (
        "Réveillez-vous.",
        "Partagez avant que ce soit supprimé.",
        "On nous cache tout.",
        "Trop c'est trop.",
        "Vous verrez.",
    ),
    "en": (
        "Wake up people.",
        "Share before they delete it.",
        "They'll never tell you this.",
        "Enough is enough.",
        "You'll see.",
    ),
    "de": (
        "Wacht auf, Leute.",
        "Teilen, bevor es gelöscht wird.",
        "Das verschweigen sie euch.",
        "Es reicht.",
        "Ihr werdet sehen.",
    ),
}
COUNTER_FOLLOWUPS: dict[str, tuple[str, ...]] = {
    "nl": (
        "Dit is onze stad, van iedereen.",
        "We zijn beter dan dit.",
        "Moderators, doe iets aub.",
    ),
    "fr": ("On vaut mieux que ça.", "Cette ville est à tout le monde.", "Modérateurs, svp."),
    "en": ("We're better than this.", "This town belongs to all of us.", "Mods, please."),
    "de": ("Wir sind mehr.", "Diese Stadt gehört allen.", "Mods, bitte löschen."),
}

# Slots for the few other-language lines.
_DAY_ES = ("mañana", "el sábado", "esta noche", "el domingo")
_DAY_IT = ("domani", "sabato", "stasera", "domenica")

_HANDLE_A = (
    "pixel",
    "kroket",
    "velo",
    "noord",
    "zuid",
    "bxl",
    "lune",
    "fox",
    "mango",
    "cactus",
    "dribbel",
    "wolkje",
    "frit",
    "gamer",
    "stormy",
    "kiwi",
    "nacho",
    "pingu",
    "bolle",
    "chouette",
    "tiger",
    "spruit",
    "waffle",
    "kebabking",
    "moon",
    "lynx",
)
_HANDLE_B = ("", "_", ".", "")
_HANDLE_C = (
    "x",
    "99",
    "tv",
    "yt",
    "04",
    "2k",
    "fan",
    "official",
    "be",
    "nl",
    "07",
    "1312",
    "_",
    "real",
    "xd",
    "",
)
_LINK_SECTIONS = (
    "nieuws",
    "actu",
    "news",
    "video",
    "artikel",
    "watch",
    "forum/t",
    "p",
    "r/local",
    "story",
)

STICKY_SLOTS = frozenset({"club", "place", "game"})
_SLOT_RE = re.compile(r"\{(\w+)\}")
_CHOICE_RE = re.compile(r"\{([^{}|]*(?:\|[^{}|]*)+)\}")


def _handle(rng: random.Random) -> str:
    head = rng.choice(_HANDLE_A)
    tail = rng.choice(_HANDLE_C)
    if rng.random() < 0.4:
        tail += str(rng.randint(1, 999))
    return "@" + head + rng.choice(_HANDLE_B) + tail


def _link(rng: random.Random) -> str:
    path = f"{rng.choice(_LINK_SECTIONS)}/{rng.randint(1000, 999999)}"
    if rng.random() < 0.25:
        return f"example.org/{path}"
    return f"https://example.org/{path}"


def _time(rng: random.Random, lang: str, late: bool = False) -> str:
    h = rng.randint(19, 23) if late else rng.randint(8, 21)
    m = rng.choice((0, 0, 15, 30, 30, 45, 10, 20))
    if lang in ("nl", "mix"):
        return f"{h}u{m:02d}" if m else f"{h}u"
    if lang == "fr":
        return f"{h}h{m:02d}" if m else f"{h}h"
    if lang == "de":
        return f"{h}:{m:02d} Uhr" if m else f"{h} Uhr"
    if rng.random() < 0.5:
        return f"{h % 12 or 12}{'pm' if h >= 12 else 'am'}"
    return f"{h}:{m:02d}"


def _price(rng: random.Random, lang: str) -> str:
    euros = rng.choice((1, 2, 3, 4, 5, 8, 10, 12, 15, 20, 25, 30, 45, 50, 60, 80, 120, 150, 250))
    cents = rng.choice((0, 0, 49, 50, 95, 99))
    if lang == "en":
        sign = rng.choice(("£", "€"))
        return f"{sign}{euros}.{cents:02d}" if cents else f"{sign}{euros}"
    if lang == "de":
        return f"{euros},{cents:02d} €" if cents else f"{euros} Euro"
    if cents:
        return f"€{euros},{cents:02d}"
    return f"{euros} euro" if rng.random() < 0.5 else f"€{euros}"


def _slot(rng: random.Random, key: str, lang: str) -> str:
    if key == "user":
        return _handle(rng)
    if key == "link":
        return _link(rng)
    if key == "n":
        return str(rng.randint(2, 60))
    if key == "k":
        return str(rng.randint(1, 4))
    if key == "age":
        return str(rng.choice((8, 10, 11, 12, 13, 14, 15, 16, 17, 19, 21)))
    if key == "line":
        return str(rng.choice((1, 2, 3, 4, 5, 7, 9, 12, 17, 21, 32, 45, 71)))
    if key == "km":
        return str(rng.choice((5, 6, 10, 10, 12, 15, 21)))
    if key == "late":
        return _time(rng, lang, late=True)
    if key == "minute":
        return str(rng.randint(80, 95))
    if key == "score":
        return f"{rng.randint(0, 4)}-{rng.randint(0, 4)}"
    if key == "time":
        return _time(rng, lang)
    if key == "price":
        return _price(rng, lang)
    if key == "day_es":
        return rng.choice(_DAY_ES)
    if key == "day_it":
        return rng.choice(_DAY_IT)
    if key == "group":
        return rng.choice(GROUPS[lang])
    table = SLOTS.get(lang, SLOTS["en"])
    if key in table:
        return rng.choice(table[key])
    return rng.choice(SLOTS["en"][key])


def _fill(
    rng: random.Random,
    template: str,
    lang: str,
    memo: dict[str, str] | None = None,
) -> str:
    """Fill {slot}s, then resolve {a|b} choices (a choice may hold a slot).

    Slots in STICKY_SLOTS keep their value across one message via ``memo``,
    so a follow-up cheers for the same club as the first sentence.
    """
    slot_lang = "en" if lang == "other" else lang
    memo = {} if memo is None else memo

    def slot(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in STICKY_SLOTS:
            if key not in memo:
                memo[key] = _slot(rng, key, slot_lang)
            return memo[key]
        return _slot(rng, key, slot_lang)

    text = _SLOT_RE.sub(slot, template)
    return _CHOICE_RE.sub(lambda m: rng.choice(m.group(1).split("|")), text)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _join(first: str, second: str) -> str:
    """Join two sentences, adding a full stop after a bare word."""
    sep = ". " if first[-1:].isalnum() else " "
    return first + sep + second


def _stretch(rng: random.Random, text: str) -> str:
    """Repeat the last letter of the last word, as in 'zooo' or 'nooon'."""
    words = text.split(" ")
    for i in range(len(words) - 1, -1, -1):
        if len(words[i]) > 1 and words[i].isalpha():
            words[i] += words[i][-1] * rng.randint(2, 4)
            break
    return " ".join(words)


def _noise(rng: random.Random, text: str, lang: str, playful: bool) -> str:
    """Apply the small irregularities of real chat messages.

    ``playful`` adds laughs, emoji, hashtags and stretched words; it is off
    for concerning messages and counter speech, which keep their tone.
    """
    if playful and rng.random() < 0.04:
        text = _stretch(rng, text)
    if rng.random() < 0.3 and text[-1:] in ".!":
        text = text[:-1]
    elif rng.random() < 0.06 and text[-1:].isalnum():
        text += rng.choice(("!!", "?!", "!!!", "..."))
    if playful and rng.random() < 0.06:
        text = f"{text} {rng.choice(LAUGHS[lang])}"
    if playful and rng.random() < 0.18:
        text = f"{text} {''.join(rng.choices(EMOJI, k=rng.randint(1, 3)))}"
    if playful and rng.random() < 0.07:
        text = f"{text} {rng.choice(HASHTAGS[lang])}"
    if rng.random() < 0.07 and not text.startswith("@"):
        text = f"{_handle(rng)} {text}"
    if rng.random() < 0.12:
        text = text.lower()
    elif rng.random() < 0.01:
        text = text.upper()
    if rng.random() < 0.02:
        text = text.replace(" ", "  ", 1)
    return text


def _with_opener(rng: random.Random, template: str, lang: str) -> str:
    openers = OPENERS.get(lang)
    if not openers or template.startswith(("{", "@")) or rng.random() > 0.08:
        return template
    opener = rng.choice(openers)
    first = template.split(" ", 1)[0]
    keep_case = (
        opener.endswith((":", "?"))
        or lang == "de"
        or first in ("I", "I'm", "I've")
        or first.isupper()
    )
    body = template if keep_case else template[:1].lower() + template[1:]
    return f"{opener} {body}"


def _benign(rng: random.Random, lang: str) -> str:
    r = rng.random()
    if r < 0.06:
        text = _fill(rng, rng.choice(SHORT[lang]), lang)
        if " " not in text:  # at least two words: "gg 🔥", "@fox99 lol"
            if rng.random() < 0.5:
                text = f"{_handle(rng)} {text}"
            else:
                text = f"{text} {rng.choice(EMOJI + LAUGHS[lang])}"
        return text
    topics = BENIGN[lang]
    topic = "any" if "any" in topics else _pick(rng, TOPIC_WEIGHTS)
    template = _with_opener(rng, rng.choice(topics[topic]), lang)
    memo: dict[str, str] = {}
    text = _fill(rng, template, lang, memo)
    extra = 0 if r < 0.55 else 1 if r < 0.9 else 2
    followups = FOLLOWUPS[lang]
    pool = followups.get(topic, ()) + followups["any"]
    for _ in range(extra):
        text = _join(text, _fill(rng, rng.choice(pool), lang, memo))
    return _cap(text)


def _concerning(rng: random.Random, lang: str, kind: str) -> str:
    text = _cap(_fill(rng, rng.choice(CONCERNING[lang][kind]), lang))
    if rng.random() < 0.3:
        text = _join(text, rng.choice(CONCERNING_FOLLOWUPS[lang]))
    return text


def _counter(rng: random.Random, lang: str) -> str:
    text = _cap(_fill(rng, rng.choice(COUNTER[lang]), lang))
    if rng.random() < 0.3:
        text = _join(text, rng.choice(COUNTER_FOLLOWUPS[lang]))
    return text


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def make_labelled_stream(n: int = 10_000, seed: int = 0) -> list[dict[str, str]]:
    """Like ``make_stream`` but each item also has ``lang`` and ``kind``.

    ``lang`` is the generator's language bucket (nl, fr, en, de, mix,
    other) and ``kind`` is ``benign``, ``counter`` or a concerning kind
    (hostile, grievance, conspiracy, coded). They describe what the
    generator meant to write, for summaries; they are not gold labels.
    """
    rng = random.Random(seed)
    main_langs = {k: v for k, v in LANG_WEIGHTS.items() if k in CONCERNING}
    items: list[dict[str, str]] = []
    for i in range(n):
        roll = rng.random()
        if roll < CONCERNING_RATE:
            lang = _pick(rng, main_langs)
            kind = _pick(rng, CONCERNING_KINDS)
            text = _concerning(rng, lang, kind)
        elif roll < CONCERNING_RATE + COUNTER_RATE:
            lang = _pick(rng, main_langs)
            kind = "counter"
            text = _counter(rng, lang)
        else:
            lang = _pick(rng, LANG_WEIGHTS)
            kind = "benign"
            text = _benign(rng, lang)
        text = _noise(rng, text, lang, playful=kind == "benign")
        items.append({"id": f"s{i + 1:06d}", "text": text, "lang": lang, "kind": kind})
    return items


def make_stream(n: int = 10_000, seed: int = 0) -> list[dict[str, str]]:
    """Return ``n`` messages as ``{"id": "s000001", "text": ...}`` dicts."""
    return [{"id": item["id"], "text": item["text"]} for item in make_labelled_stream(n, seed)]


def write_jsonl(items: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="JSONL file to write")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    labelled = make_labelled_stream(args.n, args.seed)
    write_jsonl([{"id": x["id"], "text": x["text"]} for x in labelled], args.out)
    distinct = len({x["text"] for x in labelled})
    langs = Counter(x["lang"] for x in labelled)
    kinds = Counter(x["kind"] for x in labelled)
    total = max(len(labelled), 1)

    def share(counter: Counter[str]) -> str:
        return ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in counter.most_common())

    print(f"wrote {len(labelled)} messages to {args.out}", file=sys.stderr)
    print(f"distinct texts: {distinct}", file=sys.stderr)
    print(f"languages: {share(langs)}", file=sys.stderr)
    print(f"kinds: {share(kinds)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
