from pathlib import Path

import pytest

from brug.detection.lexicon import Entry, Lexicon, LexiconError, glossary_scores, load_entries
from brug.detection.normalize import tokenize


def make(entries: list[Entry]) -> Lexicon:
    return Lexicon([(e.term, e) for e in entries])


LEX = make([
    Entry("moslims", "nl", "target", target="muslim"),
    Entry("grand remplacement", "fr", "glossary", category="extremist_narrative", kind="phrase",
          meaning="Conspiracy theory"),
    Entry("1488", "any", "glossary", category="extremist_narrative", kind="number",
          meaning="Neo-Nazi code"),
    Entry("ongedierte", "nl", "cue", kind="dehumanising"),
])


def found(text: str) -> list[tuple[str, str, str]]:
    return [(m.entry.term, m.how, m.surface) for m in LEX.match(text, tokenize(text))]


def test_exact_and_obfuscated_matches_keep_original_spans() -> None:
    assert found("Die M0SL1MS!") == [("moslims", "obfuscated", "M0SL1MS")]


def test_multi_word_phrase() -> None:
    assert found("le Grand Remplacement arrive") == [
        ("grand remplacement", "exact", "Grand Remplacement")
    ]


def test_missing_and_swapped_letters_match_fuzzily() -> None:
    assert found("die mslims") == [("moslims", "fuzzy", "mslims")]
    assert found("die mosilms") == [("moslims", "fuzzy", "mosilms")]


def test_split_word_and_hidden_in_hashtag() -> None:
    assert found("die mos lims") == [("moslims", "joined", "mos lims")]
    assert ("moslims", "inside", "#wegmetdemoslims") in found("#wegmetdemoslims")


def test_short_unrelated_words_do_not_match() -> None:
    assert found("mosselen met frietjes") == []


def test_glossary_prior_combines_distinct_terms() -> None:
    text = "1488 grand remplacement"
    scores, drivers = glossary_scores(LEX.match(text, tokenize(text)))
    assert 0.7 < scores["extremist_narrative"] < 1.0
    assert len(drivers["extremist_narrative"]) == 2


def test_packaged_lexicon_files_load_and_are_valid() -> None:
    entries = load_entries()
    sources = {e.source for _, e in entries}
    assert sources == {"glossary", "target", "cue"}
    langs = {e.lang for _, e in entries if e.source == "target"}
    assert {"nl", "fr", "en", "de"} <= langs


def test_malformed_glossary_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "glossary.tsv").write_text(
        "term\tlang\tcategory\tkind\tmeaning\tvariants\ttarget\tnote\n"
        "x\tnl\tnot_a_category\tcode\tm\t\t\t\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="line 2"):
        load_entries(tmp_path)


def test_ordinary_words_are_not_fuzzy_or_joined_matches() -> None:
    # "transport" contains "trans", "Reiniger" contains "niger", "bigger" is one edit from a
    # slur: none of them may match (they are common words in the supported languages)
    lex = make([
        Entry("trans", "en", "target", target="trans"),
        Entry("niger", "de", "glossary", category="hate_speech", kind="slur", target="black"),
        Entry("nigger", "en", "glossary", category="hate_speech", kind="slur", target="black"),
    ])
    for text in ("public transport", "der Reiniger", "a bigger car", "Glasreiniger kaufen"):
        assert lex.match(text, tokenize(text)) == [], text


def test_joined_words_are_split_into_known_words() -> None:
    text = "ikhaatdemoslims"
    assert [(m.entry.term, m.how) for m in LEX.match(text, tokenize(text))] == [
        ("moslims", "inside")
    ]
