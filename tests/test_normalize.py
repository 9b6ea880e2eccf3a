from brug.detection.normalize import canonical_text, tokenize, word_key


def keys(text: str) -> list[str]:
    return [t.key for t in tokenize(text)]


def test_leetspeak_homoglyphs_and_repeats_reduce_to_one_key() -> None:
    assert word_key("Mu$$lllims") == word_key("muslims") == "muslims"
    assert word_key("r4ts!!!") == "rats"
    assert word_key("wоmen") == "women"  # Cyrillic о
    assert word_key("k.i.l.l") == "kil"


def test_numbers_keep_their_digits() -> None:
    assert keys("1488 and 88") == ["1488", "and", "88"]


def test_spaced_letters_become_one_token_with_the_original_span() -> None:
    text = "die m o s l i m s weer"
    tok = next(t for t in tokenize(text) if t.key == "moslims")
    assert text[tok.start : tok.end] == "m o s l i m s"
    assert tok.obfuscated


def test_hashtags_and_camel_case_are_split_into_parts() -> None:
    tok = tokenize("#StopDeIslamisering nu")[0]
    assert tok.kind == "hashtag"
    assert [p.key for p in tok.parts] == ["stop", "de", "islamisering"]


def test_french_elision_is_split_off() -> None:
    assert keys("l'immigré") == ["imigre"]


def test_emoji_are_separate_tokens() -> None:
    assert [t.key for t in tokenize("ratten 🐀🐀") if t.kind == "emoji"] == ["🐀", "🐀"]


def test_mentions_are_not_obfuscation() -> None:
    tok = tokenize("@user hallo")[0]
    assert tok.kind == "mention" and not tok.obfuscated


def test_canonical_text_undoes_obfuscation_only() -> None:
    text = "Die r4tten en gewone woorden"
    assert canonical_text(text, tokenize(text), {}) == "Die ratten en gewone woorden"
