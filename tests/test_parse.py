"""The archive-format parser: header sections, body roles, positions, bracket diagnostics."""

from __future__ import annotations

from edition.model import Intervention, Text, dump
from edition.parse import decode_record, parse_record

from conftest import ROOT, BUNDLED

SOURCE = (ROOT / "source" / "records" / f"{BUNDLED}.txt").read_text(encoding="utf-8")


def parse(text, name="t.txt"):
    return parse_record(text, source=name, slug="t")


def test_parse_bundled_header():
    record, found = parse(SOURCE)
    assert record.date == "November 18, 1947"
    assert record.title == ("Record of the Meeting of Comrade I.V. Stalin with the Secretary of "
                            "the CC French Communist Party Thorez")
    assert record.citation.text.startswith('"Record of the Meeting')
    assert record.citation.text.endswith("Translated by Vladislav Zubok.")
    assert record.citation.url == "https://wilson-center-digital-archive.dvincitest.com/document/134385"
    assert record.summary.text.startswith("Stalin and Thorez discuss")
    assert record.original_language.text == "Russian"
    assert record.contents.text == "Translation - English"
    assert "**" not in dump(record) and "<https" not in dump(record)


def test_parse_bundled_body_roles_and_positions():
    record, _ = parse(SOURCE)
    roles = [p.role for p in record.paragraphs[:4]]
    assert roles == ["heading", "dateline", "attendance", "text"]
    assert record.paragraphs[1].inlines[0].text == "Moscow, 18 November 1947."
    assert record.paragraphs[2].inlines[0].text == "Present: Molotov, Suslov."
    first = record.paragraphs[3]
    assert first.number == 1 and (first.pos.line, first.pos.col) == (34, 1)
    warsaw = next(i for i in record.interventions() if i.text.startswith("at the meeting"))
    assert (warsaw.pos.line, warsaw.pos.col) == (36, 82)
    line = SOURCE.split("\n")[35]
    assert line[81] == "["


def test_parse_bundled_repairs_export():
    record, found = parse(SOURCE)
    codes = sorted(d.code for d in found)
    assert codes == ["W101", "W102"]
    joined = next(p for p in record.paragraphs
                  if any(isinstance(n, Text) and "80 year old" in n.text for n in p.inlines))
    assert "remarkable figure of the Communist Party, although he is already 80" in \
        "".join(n.text for n in joined.inlines if isinstance(n, Text))
    last = record.paragraphs[-1].inlines[-1]
    assert last.text.endswith("experienced communist.")


def test_parse_ellipses_are_omissions():
    record, _ = parse("**A title**\n\nOne ... two . . . three … four [...] five.\n")
    kinds = [n.kind for n in record.paragraphs[0].inlines if isinstance(n, Intervention)]
    assert kinds == ["omission"] * 4


def test_parse_missing_sections_are_absent():
    record, found = parse("**June 1, 1950**\n\n**A title**\n\nBody text here.\n")
    assert record.summary is None and record.original_language is None and record.citation is None
    assert record.date == "June 1, 1950" and record.title == "A title"
    assert [p.role for p in record.paragraphs] == ["text"]


def test_parse_unbalanced_nested_crossing():
    cases = {
        "x [a b\n": "E101", "x a] b\n": "E102", "x [a [b] c] d\n": "E103",
        "x [a b\n\nc] d\n": "E104",
    }
    for body, code in cases.items():
        record, found = parse("**T**\n\n" + body)
        assert [d.code for d in found] == [code], (body, found)
        assert found[0].pos.line == 3 and found[0].hint


def test_parse_no_body_is_an_error():
    _, found = parse("**T**\n\n**Summary:**\n\nA summary.\n")
    assert [d.code for d in found] == ["E010"]


def test_decode_encodings_and_bad_bytes():
    assert decode_record(b"", "e.txt")[1][0].code == "E002"
    assert decode_record(b"\x00\x01binary", "b.txt")[1][0].code == "E003"
    text, found = decode_record("\ufeff**T**\r\n\r\ncaf\u00e9\r\n".encode("utf-8"), "u.txt")
    assert text == "**T**\n\ncafé\n" and not found
    text, found = decode_record("**T**\n\n\u201ccaf\u00e9\u201d\n".encode("cp1252"), "c.txt")
    assert "“café”" in text
    _, found = decode_record(b"**T**\n\nbell \x07 here\n", "k.txt")
    assert found[0].code == "E005" and (found[0].pos.line, found[0].pos.col) == (3, 6)
    _, found = decode_record(b"x" * 2_100_000, "big.txt")
    assert found[0].code == "E006"


def test_english_frequencies_are_wordfreqs():
    """classify reads wordfreq's small English list itself; its Zipf figures must be wordfreq's.

    Checked on every word of the test records, a sample of the list (as written, capitalized,
    upper case), elisions with straight and curly apostrophes, and random letter strings.
    """
    import random
    import re
    import string

    from wordfreq import zipf_frequency as wordfreq_zipf

    from edition.classify import english_buckets, zipf_frequency
    word = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
    words = set()
    for path in [*(ROOT / "tests" / "records").rglob("*.txt"), *(ROOT / "source").rglob("*.txt")]:
        words |= set(word.findall(path.read_text(encoding="utf-8", errors="replace")))
    rng = random.Random(9)
    listed = rng.sample(sorted(english_buckets()), 3000)
    words |= {*listed, *(w.capitalize() for w in listed[:500]), *(w.upper() for w in listed[:500])}
    words |= {f"{a[:2]}{mark}{b}" for a, b in zip(listed[:500], listed[500:1000]) for mark in "'’"}
    words |= {"l'homme", "qu'il", "don't", "o'clock", "rock'n'roll", "aren’t", "d'heure"}
    words |= {"".join(rng.choices(string.ascii_lowercase + "'éà", k=rng.randint(1, 9)))
              for _ in range(3000)}
    words = sorted(w for w in words if word.fullmatch(w))
    assert len(words) > 8000
    assert sum(zipf_frequency(w) >= 3 for w in words) > 3000  # the list is read at all
    assert [zipf_frequency(w) for w in words] == [wordfreq_zipf(w, "en", wordlist="small")
                                                  for w in words]


def test_english_list_falls_back_to_wordfreqs_api(monkeypatch):
    """If wordfreq's data file is not where classify looks, wordfreq itself is asked."""
    import importlib.util

    from edition import classify
    expected = classify.english_buckets()
    classify.english_buckets.cache_clear()
    try:
        import wordfreq
        real, asked = importlib.util.find_spec, []
        monkeypatch.setattr(importlib.util, "find_spec",
                            lambda name, *a: None if name == "wordfreq" else real(name, *a))
        api = wordfreq.get_frequency_list
        monkeypatch.setattr(wordfreq, "get_frequency_list",
                            lambda *a, **k: asked.append(a) or api(*a, **k))
        assert classify.english_buckets() == expected
        assert asked == [("en",)]
    finally:
        classify.english_buckets.cache_clear()
