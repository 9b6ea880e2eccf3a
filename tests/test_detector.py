"""Behaviour of the packaged detector on clear cases (our own sentences, not a benchmark)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from brug.detection import CATEGORIES, Detector, Result


def one(detector: Detector, text: str, lang: str | None = None) -> dict[str, object]:
    return detector.score([text], langs=[lang])[0].to_dict()


def test_result_shape_and_calibrated_scores(detector: Detector) -> None:
    out = one(detector, "Mooie overwinning van Malinwa gisteren, wat een sfeer!")
    assert set(out) >= {"id", "lang", "flags", "scores", "evidence", "model"}
    assert out["model"] == detector.model_id
    scores = out["scores"]
    assert isinstance(scores, dict) and set(scores) == set(CATEGORIES)
    assert all(0.0 <= v <= 1.0 for v in scores.values())
    assert out["flags"] == []


def test_benign_traffic_stops_at_the_first_stage(detector: Detector) -> None:
    out = one(detector, "Wie gaat er zaterdag mee naar de markt? Ik breng koffiekoeken mee.")
    assert out["stage"] == "first_stage"


@pytest.mark.parametrize(
    "text",
    [
        "Moslims zijn ratten, ze moeten allemaal weg uit ons land",
        "Les immigrés sont des parasites qui détruisent la France",
        "Flüchtlinge sind Ungeziefer und gehören vergast",
        "Women are subhuman trash and deserve nothing",
    ],
)
def test_clear_hate_is_flagged_with_evidence(detector: Detector, text: str) -> None:
    out = one(detector, text)
    assert "hate_speech" in out["flags"]
    ev = next(e for e in out["evidence"] if e["category"] == "hate_speech")  # type: ignore[index,union-attr]
    assert ev["flagged"] and ev["spans"], "a flag must show the spans that drove it"
    assert any(s.get("target") for s in ev["spans"])


def test_obfuscated_group_name_is_matched_and_restored(detector: Detector) -> None:
    analysis = detector.analyse("die m0sl1ms zijn ongedierte")
    assert "moslims" in analysis.canonical or "muslims" in analysis.canonical
    assert any(m.entry.source == "target" for m in analysis.matches)


@pytest.mark.parametrize(
    "text",
    [
        "Hoe kan iemand schrijven dat moslims ratten zijn? Walgelijk en racistisch.",
        "Quelqu'un a écrit « les Noirs sont des singes » sous l'article. C'est honteux, signalé.",
        "Saying 'immigrants are vermin' is disgusting racism and we should call it out.",
    ],
)
def test_counter_speech_is_not_hate(detector: Detector, text: str) -> None:
    out = one(detector, text)
    assert "hate_speech" not in out["flags"]


@pytest.mark.parametrize(
    "text",
    [
        "Wat een kutweer vandaag, fuck die regen",
        "This stupid printer is a piece of shit",
        "Die scheidsrechter is een blinde idioot",
    ],
)
def test_profanity_and_abuse_without_a_group_are_not_hate(detector: Detector, text: str) -> None:
    assert "hate_speech" not in one(detector, text)["flags"]


def test_threat_raises_violent_intent(detector: Detector) -> None:
    out = one(detector, "Ik ga morgen naar die moskee en ik steek ze allemaal neer")
    assert "violent_intent" in out["flags"]


def test_extremist_codes_show_glossary_meaning(detector: Detector) -> None:
    out = one(detector, "De omvolking is bezig, wakker worden! 1488")
    assert "extremist_narrative" in out["flags"]
    ev = next(e for e in out["evidence"] if e["category"] == "extremist_narrative")  # type: ignore[index,union-attr]
    assert any(s.get("meaning") for s in ev["spans"])


def test_bad_inputs_get_errors_and_do_not_disturb_the_batch(detector: Detector) -> None:
    texts: list[object] = ["ok dan", "", "x" * 10_001, 42, "Tot morgen op training!"]
    results = detector.score(texts)
    assert [r.error is None for r in results] == [True, False, False, False, True]
    assert "too long" in (results[2].error or "")
    assert results[4].lang == "nl"


def test_unknown_language_does_not_crash(detector: Detector) -> None:
    out = one(detector, "ᐊᐃᖓᐃ ᖃᓄᐃᑉᐱᑦ 🙂")
    assert "error" not in out


def test_to_disk_from_disk_round_trip(detector: Detector, tmp_path: Path) -> None:
    detector.to_disk(tmp_path / "m")
    again = Detector.from_disk(tmp_path / "m")
    text = ["Die r4tten moeten allemaal weg, die moslims"]
    assert again.score(text)[0].scores == detector.score(text)[0].scores
    assert (tmp_path / "m" / "lexicon" / "glossary.tsv").exists()


def test_no_per_person_fields_in_output(detector: Detector) -> None:
    # Guardrail 1: messages are scored, people are not. The output has no author dimension.
    out = json.dumps(one(detector, "test bericht"))
    for word in ("author", "user", "person", "risk"):
        assert f'"{word}' not in out


def test_word_from_another_language_does_not_count_as_a_slur(detector: Detector) -> None:
    analysis = detector.analyse("Encore des retards à la SNCB ce matin", ["fr"])
    assert not any(m.entry.source == "glossary" for m in analysis.matches)
    analysis = detector.analyse("my bus was full of retards", ["en"])
    assert any(m.entry.kind == "slur" for m in analysis.matches)


def test_modifiers_alone_are_not_flagged_on_first_stage_messages(detector: Detector) -> None:
    analysis = detector.analyse("Oh great, another Monday. Just what I needed.", ["en"])
    probs = np.zeros(len(CATEGORIES), dtype=np.float32)
    probs[list(CATEGORIES).index("trolling")] = 0.9
    first, learned = Result(id=None, lang="en"), Result(id=None, lang="en")
    detector._finish(first, analysis, probs, "first_stage")
    detector._finish(learned, analysis, probs, "learned")
    assert first.scores["trolling"] >= 0.5 and "trolling" not in first.flags
    assert "trolling" in learned.flags


def test_reclaimed_in_group_use_is_lowered(detector: Detector) -> None:
    out = one(detector, "wij flikkers gaan zaterdag samen naar de Pride, wie komt er mee?")
    mods = [m["modifier"] for e in out["evidence"] for m in e["modifiers"]]  # type: ignore[index,union-attr]
    assert "hate_speech" not in out["flags"]
    assert "in_group_use" in mods or not out["evidence"]
