"""Evidence marking: escaped text, overlapping spans merged, bad spans left out."""

from __future__ import annotations

from brug.review.highlight import evidence_notes, highlighted


def span(start: int, end: int, term: str, **extra: object) -> dict[str, object]:
    return {"span": [start, end], "term": term, "source": "glossary", **extra}


def test_marks_are_escaped_and_numbered() -> None:
    text = "<i>a</i> globalisten & 14 words"
    g = text.index("globalisten")
    w = text.index("14 words")
    evidence = [{"category": "extremist_narrative",
                 "spans": [span(w, w + 8, "14 words"), span(g, g + 11, "globalisten",
                                                            meaning="code")]}]
    notes = evidence_notes(text, evidence)
    assert [(n.number, n.term) for n in notes] == [(1, "globalisten"), (2, "14 words")]
    html = str(highlighted(text, notes))
    assert html == ('&lt;i&gt;a&lt;/i&gt; <mark>globalisten</mark><sup class="evidence-ref">'
                    '[1]</sup> &amp; <mark>14 words</mark><sup class="evidence-ref">[2]</sup>')


def test_overlapping_spans_share_one_mark_and_categories_merge() -> None:
    text = "kill all of them now"
    evidence = [
        {"category": "violent_intent", "spans": [span(0, 4, "kill", source="cue")]},
        {"category": "hate_speech", "spans": [span(0, 4, "kill", source="cue"),
                                              span(2, 8, "ll all")]},
        {"category": "hate_speech", "modifiers": [
            {"modifier": "negation", "spans": [span(17, 20, "now", source="cue")]}]},
    ]
    notes = evidence_notes(text, evidence)
    assert notes[0].categories == ["violent_intent", "hate_speech"]
    assert notes[-1].modifiers == ["negation"]
    html = str(highlighted(text, notes))
    assert html.count("<mark>") == 2
    assert html.startswith('<mark>kill all</mark><sup class="evidence-ref">[1,2]</sup>')


def test_bad_spans_are_ignored() -> None:
    text = "short"
    evidence = [{"category": "x", "spans": [
        span(3, 99, "too long"), span(-1, 2, "negative"), {"span": "0-2", "term": "str"},
        {"span": [True, 2], "term": "bool"}, {"span": [0, True], "term": "bool end"},
        "not a dict", span(4, 4, "empty")]},
        "not a dict either", {"category": "y", "spans": None}]
    notes = evidence_notes(text, evidence)  # type: ignore[arg-type]
    assert notes == []
    assert str(highlighted(text, notes)) == "short"
