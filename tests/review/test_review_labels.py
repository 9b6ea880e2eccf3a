"""Translated labels for the detector's raw terms, and translated review errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from brug.accounts.models import Organisation, User
from brug.detection.lexicon import KIND_WEIGHT
from brug.errors import InvalidInput
from brug.review.services import signal_decide
from brug.review.templatetags import review_labels as labels
from brug.signals.models import Signal
from tests.factories import login, make_message, make_signal, make_source

TEXT = "Wij zijn geen 88 maar moslims zijn welkom"


def _evidence() -> list[dict[str, Any]]:
    code, group = TEXT.index("88"), TEXT.index("moslims")
    return [{"category": "extremist_narrative", "flagged": True, "score": 0.9, "components": {},
             "spans": [{"span": [code, code + 2], "text": "88", "term": "88",
                        "source": "glossary", "kind": "number", "lang": "any",
                        "meaning": "code", "match": "exact"},
                       {"span": [group, group + 7], "text": "moslims", "term": "moslims",
                        "source": "target", "target": "muslim", "match": "exact"},
                       {"span": [0, 3], "text": "Wij", "term": "wij", "source": "oracle",
                        "match": "exact"}],
             "modifiers": [{"modifier": "negation", "factor": 0.5, "reason": "x",
                            "spans": [{"span": [9, 13], "text": "geen", "term": "geen",
                                       "source": "cue", "cue": "negation",
                                       "match": "exact"}]}]}]


@pytest.fixture
def signal(org: Organisation) -> Signal:
    message = make_message(make_source(org), TEXT)
    signal = make_signal(message, ["extremist_narrative"], evidence=_evidence())
    Signal.objects.filter(pk=signal.pk).update(modifiers=[
        {"modifier": "negation", "factor": 0.5, "applies": ["hate_speech"],
         "reason": "the negative statement is negated"},
        {"modifier": "sarcasm", "factor": 0.7, "applies": [], "reason": "a brand-new reason"}])
    return signal


def test_every_detector_key_has_a_label() -> None:
    """A new kind in the detector's data must get a label here (else it shows raw)."""
    assert set(KIND_WEIGHT) <= set(labels.GLOSSARY_KINDS)
    assert set(labels.MODIFIERS) == {"counter_speech", "trolling", "no_protected_group",
                                     "negation", "in_group_use"}


def test_filters_translate_and_keep_unknown_keys() -> None:
    with translation.override("nl"):
        assert labels.glossary_kind("slur") == "scheldwoord"
        assert labels.cue_kind("irony") == "ironie"
        assert labels.target_group("muslim") == "moslims"
        assert labels.modifier_names(["trolling", "negation"]) == "Trollen, Ontkenning"
        assert labels.modifier_reason("the negative statement is negated") == (
            "de negatieve uitspraak wordt ontkend")
        assert labels.modifier_reason("a reworded reason") == ""
        assert labels.decision_labels(["hate_speech", "gone"]) == "Haatspraak, gone"
        assert labels.language_name("nl") == "Nederlands"
        assert labels.language_name("und") == "Onbekend"
        assert labels.language_name("xx") == "xx"
        assert labels.language_name("") == "—"
    assert labels.glossary_kind("new_kind") == "new_kind"


def test_signal_page_in_dutch_shows_labels_not_keys(
        client: Client, prevention_worker: User, signal: Signal) -> None:
    login(client, prevention_worker)
    html = client.get(reverse("review:signal", args=[signal.pk]),
                      headers={"accept-language": "nl"}).content.decode()
    assert "woordenlijst, cijfercode" in html
    assert "noemt een groep: moslims" in html
    assert "aanwijzing: ontkenning" in html
    assert "bijsturing: Ontkenning" in html
    assert "<strong>Ontkenning</strong>: de negatieve uitspraak wordt ontkend" in html
    # Unknown modifier and source: shown as they are, the English marked as such.
    assert '<span lang="en">a brand-new reason</span>' in html
    assert '<span lang="en">oracle</span>' in html
    assert "<dd>Nederlands</dd>" in html


def test_queue_shows_language_names(client: Client, prevention_worker: User,
                                    signal: Signal) -> None:
    login(client, prevention_worker)
    html = client.get(reverse("review:queue"),
                      headers={"accept-language": "fr"}).content.decode()
    assert "<td>Néerlandais</td>" in html


def test_service_errors_follow_the_active_language(signal: Signal,
                                                  prevention_worker: User) -> None:
    with translation.override("fr"), pytest.raises(InvalidInput) as caught:
        signal_decide(actor=prevention_worker, signal=signal, labels=["hate_speech"],
                      outcome="dismiss", reason="kort")
    assert caught.value.message.startswith("Indiquez un motif d'au moins 10 caractères")
