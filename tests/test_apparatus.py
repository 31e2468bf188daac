"""The critical apparatus: every intervention of the bundled record, its kind and its note."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from edition.annotate import Context, annotate
from edition.parse import parse_record
from edition.pdf import book_html
from edition.settings import Settings, Sidecar

# Written by reading the record, not by running the classifier: (source as in the record,
# kind, the note as a reader sees it).
EXPECTED = [
    ("[Thorez began the conversation", "summary",
     "summary of an omitted passage: Thorez began the conversation with expression of respect"),
    ("[at the meeting of the Cominform in September 1947]", "comment",
     "ed. at the meeting of the Cominform in September 1947"),
    ("[rugali]", "gloss", "berated] Russ. rugali"),
    ("[Mouvement Republicaine Populaire]", "expansion", "MRP] abbr. Mouvement Republicaine Populaire"),
    ("[Thorez asks Stalin's opinion", "summary", "summary of an omitted passage: Thorez asks"),
    ("[Thorez and Stalin discussed", "summary", "summary of an omitted passage: Thorez and Stalin"),
    ("[Leon]", "supplied", "suppl. Leon"),
    ("[Ernest]", "supplied", "suppl. Ernest"),
    ("[Thorez stressed that", "summary", "summary of an omitted passage: Thorez stressed that"),
    ("[rodinu]", "gloss", "nation] Russ. rodinu"),
    ("[trap]", "supplied", "suppl. trap"),
    ("(ne poshla na eto)", "gloss", "did not walk into this trap] Russ. ne poshla na eto"),
    ("[in Moscow]", "supplied", "suppl. in Moscow"),
    ("(dobratsia do Parizha)", "gloss", "reaching Paris] Russ. dobratsia do Parizha"),
    ("[Then Stalin inquires", "summary", "summary of an omitted passage: Then Stalin inquires"),
    ("[for the task]", "supplied", "suppl. for the task"),
    ("[the Soviets]", "supplied", "suppl. the Soviets"),
    ("[communists]", "supplied", "suppl. communists"),
    ("[Jaques]", "supplied", "suppl. Jaques"),
    ("[of the National Assembly]", "supplied", "suppl. of the National Assembly"),
    ("", "sic", "intelligence communist] sic; read intelligent communist"),
    ("", "sic", "U SSR] sic; read USSR"),
    ("(retsidivi proshlogo)", "gloss", "relapses for the past] Russ. retsidivi proshlogo"),
    ("[In 1939-40 Cachem refused", "comment", "ed. In 1939-40 Cachem refused to support"),
]


def note_texts(html: str) -> dict[int, str]:
    root = etree.fromstring(html.encode())
    notes = {}
    for span in root.iter("{http://www.w3.org/1999/xhtml}span"):
        if "note" in (span.get("class") or "").split():
            notes[int(span.get("data-number"))] = re.sub(r"\s+", " ", "".join(span.itertext()))
    return notes


def test_apparatus_bundled_kinds_and_notes(edition):
    notes = edition.record.notes()
    assert len(notes) == len(EXPECTED)
    rendered = note_texts(book_html(edition))
    for note, (source, kind, text) in zip(notes, EXPECTED):
        assert note.intervention.source.startswith(source), (note.number, note.intervention)
        assert note.intervention.kind == kind, (note.number, note.intervention)
        assert rendered[note.number].startswith(text), (note.number, rendered[note.number])


def test_apparatus_omissions_and_non_glosses(edition):
    omissions = [i for i in edition.record.interventions() if i.kind == "omission"]
    assert [i.source for i in omissions] == ["...", "...", "...", ". . .", ". . .", ". . ."]
    text = " ".join(n.text for p in edition.record.paragraphs for n in p.inlines
                    if type(n).__name__ == "Text")
    assert "VKP(b)" in text and "VKP (b)" in text  # parentheses that are not glosses stay text


def classify(body: str, **settings):
    record, found = parse_record("**May 1, 1950**\n\n**T**\n\n**Original Language:**\n\nRussian\n\n"
                                 "**Contents:**\n\nTranslation - English\n\n" + body, "x.txt")
    assert not [d for d in found if d.severity == "error"], found
    record, found = annotate(record, Context(Settings(**settings), Sidecar(),
                                             frozenset({"Stalin"})))
    return [(i.kind, i.text, i.lemma, i.correction, i.inword) for i in record.interventions()]


@pytest.mark.parametrize("body, expected", [
    ("To Comrade Filippov [Stalin] from Mao.", [("identification", "Stalin", "Filippov", "", False)]),
    ("We reached Sibaipo [sic, should be Xibaipo] at dawn.", [("sic", "sic, should be Xibaipo", "", "Xibaipo", False)]),
    ("Near Taiyan [sic; ed. note—perhaps Taiyuan] the front.", [("sic", "sic; ed. note—perhaps Taiyuan", "", "Taiyuan", False)]),
    ("As he said [sic] then.", [("sic", "sic", "", "", False)]),
    ("Thank you, c[omrade] Gomulka.", [("supplied", "omrade", "", "", True)]),
    ("The PUWP (Polish United Workers' Party) met.", [("expansion", "Polish United Workers' Party", "PUWP", "", False)]),
    ("The chiefs (nachal'stvo) were angry.", [("gloss", "nachal'stvo", "chiefs", "", False)]),
    ("The comrades [товарищи] agreed.", [("gloss", "товарищи", "comrades", "", False)]),
    ("He spoke [...] and then [\u2026] left.", [("omission", "", "", "", False)] * 2),
    ("A party (the largest one) won.", []),
])
def test_apparatus_classifies_made_up_cases(body, expected):
    assert classify(body) == expected


def test_apparatus_inline_policy_keeps_brackets_out_of_notes():
    record, _ = parse_record("**T**\n\nSuch leaders as [Leon] Blum and [Ernest] Bevin [in England].\n", "x.txt")
    settings = Settings(policy={"supplied": "inline"})
    record, _ = annotate(record, Context(settings, Sidecar()))
    supplied = [i for i in record.interventions() if i.kind == "supplied"]
    assert supplied and all(i.note is None and i.inline for i in supplied)
