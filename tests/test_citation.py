"""Tests for edition.citation: parsing Wilson Center citations and the formats made from them."""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from edition.bibfiles import qr_svg, to_bibtex, to_ris
from edition.citation import (
    ArchivalReference, CitationFields, CitationProblem, Contributor, Publication, apply_overrides,
    parse_citation,
)
from edition.csl import format_bibliography, format_citation, format_note, to_csl_json

SCHEMA = Path(__file__).resolve().parents[1] / "edition" / "data" / "csl-data.json"
RECORD = Path(__file__).resolve().parents[1] / "source" / "records" / "1947-11-18-stalin-thorez.txt"

# The citation block and URL line of the bundled record, copied from the file.
BUNDLED = (
    '"Record of the Meeting of Comrade I.V. Stalin with the Secretary of the CC French Communist '
    'Party Thorez", November 18, 1947, Wilson Center Digital Archive, Mikhail Narinskii, "Torez, '
    '1944-1947: Noviiie materialii," Novaia i noveishaia Istoriiia, no. 1, January-February 1996, '
    "pp. 26-30 (APRF, f. 45, op. 1 , d. 392, p. 83-106). Translated by Vladislav Zubok."
)
BUNDLED_URL = "<https://wilson-center-digital-archive.dvincitest.com/document/134385>"
URL = "https://wilson-center-digital-archive.dvincitest.com/document/134385"
TITLE = "Record of the Meeting of Comrade I.V. Stalin with the Secretary of the CC French Communist Party Thorez"

# Written by reading the citation above, not by running the parser.
BUNDLED_FIELDS = CitationFields(
    title=TITLE,
    date="1947-11-18",
    repository="Wilson Center Digital Archive",
    publication=Publication(
        author="Mikhail Narinskii", title="Torez, 1944-1947: Noviiie materialii",
        container="Novaia i noveishaia Istoriiia", issue="1", year="1996", month="January-February",
        pages="26-30"),
    archival=ArchivalReference(
        text="APRF, f. 45, op. 1, d. 392, p. 83-106", archive="APRF", fond="45", opis="1",
        delo="392", pages="83-106"),
    translators=("Vladislav Zubok",),
    url=URL,
)

EDITION = {
    "title": "Stalin & Thorez, 1947: A 100% {Critical} Edition",
    "editors": ["Jane Doe", "Roe, Richard"],
    "publisher": "Example Press",
    "place": "London",
    "year": 2025,
    "licence": "CC BY 4.0",
    "series": "Cold War Records",
    "url": "https://example.org/edition",
}


@pytest.fixture(scope="module")
def items() -> list[dict]:
    fields, _ = parse_citation(BUNDLED, BUNDLED_URL)
    return to_csl_json(fields, id="doc-134385", edition=EDITION)


# ----------------------------------------------------------------------------- parsing

def test_citation_bundled_parses_into_expected_fields():
    fields, problems = parse_citation(BUNDLED, BUNDLED_URL)
    assert fields == BUNDLED_FIELDS
    assert problems == []


def test_citation_bundled_record_file_matches():
    text = RECORD.read_text(encoding="utf-8")
    block = re.search(r"\*\*Citation:\*\*\s*\n\s*\n(?P<cite>.+?)\n\s*\n(?P<url><[^>\n]+>)", text, re.S)
    assert block is not None
    assert block.group("cite") == BUNDLED and block.group("url") == BUNDLED_URL
    fields, problems = parse_citation(block.group("cite"), block.group("url"))
    assert fields == BUNDLED_FIELDS and problems == []


OTHER_ORDERS = [
    pytest.param(
        '"Memorandum of Conversation," June 4, 1961, Wilson Center Digital Archive, Archive of the '
        "President of the Russian Federation (APRF), fond 3, opis 65, delo 9, listy 51-55. "
        "Translated by Svetlana Savranskaya.",
        CitationFields(
            title="Memorandum of Conversation", date="1961-06-04",
            repository="Wilson Center Digital Archive",
            archival=ArchivalReference(
                text="Archive of the President of the Russian Federation (APRF), fond 3, opis 65, delo 9, listy 51-55",
                archive="Archive of the President of the Russian Federation (APRF)",
                fond="3", opis="65", delo="9", pages="51-55"),
            translators=("Svetlana Savranskaya",)),
        id="spelled-out-units"),
    pytest.param(
        '"Letter from Molotov to Stalin," March 1953, Wilson Center Digital Archive, GARF, '
        "f. R-5446, op. 1, d. 12, ll. 3\u20135. Obtained and translated by Mark Kramer.",
        CitationFields(
            title="Letter from Molotov to Stalin", date="1953-03",
            repository="Wilson Center Digital Archive",
            archival=ArchivalReference(
                text="GARF, f. R-5446, op. 1, d. 12, ll. 3\u20135", archive="GARF",
                fond="R-5446", opis="1", delo="12", pages="3\u20135"),
            translators=("Mark Kramer",),
            contributors=(Contributor("Obtained by", "Mark Kramer"),)),
        id="obtained-and-translated"),
    pytest.param(
        '"Telegram to Beijing," 12 October 1950, Wilson Center Digital Archive, Originally published '
        "in CWIHP Bulletin 6-7 (Winter 1995/1996), p. 5. Contributed by Chen Jian.",
        CitationFields(
            title="Telegram to Beijing", date="1950-10-12",
            repository="Wilson Center Digital Archive",
            publication=Publication(container="CWIHP Bulletin", issue="6-7", year="1995/1996",
                                    month="Winter", pages="5"),
            contributors=(Contributor("Contributed by", "Chen Jian"),)),
        id="originally-published"),
    pytest.param(
        '"Report on the Situation in Korea", 1950, Wilson Center Digital Archive, AVP RF, f. 0100, '
        "op. 42, por. 19, papka 288, ll. 1-5",
        CitationFields(
            title="Report on the Situation in Korea", date="1950",
            repository="Wilson Center Digital Archive",
            archival=ArchivalReference(
                text="AVP RF, f. 0100, op. 42, por. 19, papka 288, ll. 1-5", archive="AVP RF",
                fond="0100", opis="42", pages="1-5", other=(("por.", "19"), ("papka", "288")))),
        id="por-papka-no-final-period"),
    pytest.param(
        '"Politburo Decision," Wilson Center Digital Archive, 1956-10-30, RGASPI, f. 17, op. 128, d. 1019.',
        CitationFields(
            title="Politburo Decision", date="1956-10-30",
            repository="Wilson Center Digital Archive",
            archival=ArchivalReference(text="RGASPI, f. 17, op. 128, d. 1019", archive="RGASPI",
                                       fond="17", opis="128", delo="1019")),
        id="repository-before-iso-date"),
    pytest.param(
        'September 3, 1945, \u201cSpeech by Marshal Stalin\u201d, History and Public Policy Program '
        "Digital Archive, RGASPI, f. 558, op. 11, d. 1234, ll. 5-9. Translated by Gary Goldberg and "
        "Anna Melyakova.",
        CitationFields(
            title="Speech by Marshal Stalin", date="1945-09-03",
            repository="History and Public Policy Program Digital Archive",
            archival=ArchivalReference(text="RGASPI, f. 558, op. 11, d. 1234, ll. 5-9",
                                       archive="RGASPI", fond="558", opis="11", delo="1234",
                                       pages="5-9"),
            translators=("Gary Goldberg", "Anna Melyakova")),
        id="date-first-curly-quotes-two-translators"),
    pytest.param(
        '"Note," RGASPI, f. 17, op. 128, d. 1019, Wilson Center Digital Archive, May 5, 1949. '
        "Obtained by Mark Kramer, translated by V. M. Zubok and contributed by Chen Jian.",
        CitationFields(
            title="Note", date="1949-05-05", repository="Wilson Center Digital Archive",
            archival=ArchivalReference(text="RGASPI, f. 17, op. 128, d. 1019", archive="RGASPI",
                                       fond="17", opis="128", delo="1019"),
            translators=("V. M. Zubok",),
            contributors=(Contributor("Obtained by", "Mark Kramer"),
                          Contributor("Contributed by", "Chen Jian"))),
        id="archive-before-repository-chained-credits"),
    pytest.param(
        '"Letter to Gottwald", May 14, 1948, Wilson Center Digital Archive, N\u00e1rodn\u00ed archiv, '
        "Prague, fond 100/24 (Klement Gottwald), sv. 47, a.j. 1531, ll. 12-15. Translated for CWIHP "
        "by Martin K. Hollis.",
        CitationFields(
            title="Letter to Gottwald", date="1948-05-14", repository="Wilson Center Digital Archive",
            archival=ArchivalReference(
                text="N\u00e1rodn\u00ed archiv, Prague, fond 100/24 (Klement Gottwald), sv. 47, a.j. 1531, ll. 12-15",
                archive="N\u00e1rodn\u00ed archiv", place="Prague", fond="100/24 (Klement Gottwald)",
                pages="12-15", other=(("sv.", "47"), ("a.j.", "1531"))),
            translators=("Martin K. Hollis",)),
        id="czech-archive-with-place"),
]


@pytest.mark.parametrize("text, expected", OTHER_ORDERS)
def test_citation_other_orders_parse_into_their_fields(text, expected):
    fields, problems = parse_citation(text, None)
    assert fields == expected
    assert problems == []


def test_citation_url_in_text_is_used_when_no_url_line():
    text = '"Cable," 1950, Wilson Center Digital Archive, RGANI, f. 5, op. 30, d. 1. https://example.org/doc/1'
    fields, problems = parse_citation(text, None)
    assert fields.url == "https://example.org/doc/1"
    assert fields.archival.text == "RGANI, f. 5, op. 30, d. 1"
    assert problems == []


def test_citation_unparsed_remainder_is_reported_with_offset():
    text = '"Cable from X," May 2, 1947, Wilson Center Digital Archive, Some Odd Remainder, RGANI, f. 5, op. 30, d. 1.'
    fields, problems = parse_citation(text, URL)
    assert fields.archival == ArchivalReference(text="RGANI, f. 5, op. 30, d. 1", archive="RGANI",
                                                fond="5", opis="30", delo="1")
    assert len(problems) == 1
    assert isinstance(problems[0], CitationProblem)
    assert problems[0].offset == text.index("Some Odd Remainder")
    assert "Some Odd Remainder" in problems[0].message and problems[0].hint


def test_citation_impossible_and_missing_parts_are_reported():
    text = "Nov. 31, 1947, Some Archive Holdings, f. 5, op. 30, d. 1."
    fields, problems = parse_citation(text, "ftp://example.org/x")
    messages = " | ".join(p.message for p in problems)
    assert fields.title is None and fields.date is None and fields.repository is None
    assert "no quoted document title" in messages
    assert "impossible date 'Nov. 31, 1947'" in messages
    assert "no repository" in messages
    assert "not an http(s) URL" in messages
    assert next(p for p in problems if "impossible" in p.message).offset == 0


def test_citation_problems_come_back_sorted_by_offset():
    text = '"T," 1950, Wilson Center Digital Archive, Alpha Beta Gamma Delta Epsilon, RGANI, f. 5, stray words here'
    _, problems = parse_citation(text, None)
    offsets = [p.offset for p in problems]
    assert offsets == sorted(offsets) and len(problems) >= 2
    assert problems[0].offset == text.index("Alpha")


# ----------------------------------------------------------------------------- overrides

def test_citation_overrides_supply_and_correct_fields():
    fields, _ = parse_citation(BUNDLED, BUNDLED_URL)
    changed = apply_overrides(fields, {
        "date": datetime.date(1947, 11, 19),          # a TOML date literal
        "translator": "V. M. Zubok",
        "archival": {"archive": "Archive of the President of the Russian Federation (APRF)"},
        "publication": {"volume": "3"},
        "contributors": {"Obtained by": ["A. B.", "C. D."]},
    })
    assert changed.date == "1947-11-19"
    assert changed.translators == ("V. M. Zubok",)
    assert changed.archival.archive == "Archive of the President of the Russian Federation (APRF)"
    assert changed.archival.fond == "45" and changed.archival.pages == "83-106"
    assert changed.archival.text == ("Archive of the President of the Russian Federation (APRF), "
                                     "f. 45, op. 1, d. 392, l. 83-106")
    assert changed.publication.volume == "3" and changed.publication.issue == "1"
    assert changed.contributors == (Contributor("Obtained by", "A. B."), Contributor("Obtained by", "C. D."))
    assert changed.title == fields.title and fields.date == "1947-11-18"      # the original is untouched


def test_citation_overrides_clear_create_and_reject():
    fields, _ = parse_citation('"Cable," 1950, Wilson Center Digital Archive.', None)
    changed = apply_overrides(fields, {
        "repository": "",
        "date": "March 3, 1950",
        "archival": {"text": "RGANI, f. 5, op. 30, d. 1", "archive": "RGANI", "fond": "5"},
        "contributors": [{"role": "Contributed by", "name": "Chen Jian"}],
    })
    assert changed.repository is None and changed.date == "1950-03-03"
    assert changed.archival == ArchivalReference(text="RGANI, f. 5, op. 30, d. 1", archive="RGANI", fond="5")
    assert changed.contributors == (Contributor("Contributed by", "Chen Jian"),)
    with pytest.raises(ValueError, match="unknown citation override keys"):
        apply_overrides(fields, {"titel": "typo"})
    with pytest.raises(ValueError, match="unknown Publication override keys"):
        apply_overrides(fields, {"publication": {"journal": "x"}})
    with pytest.raises(ValueError, match="not a date"):
        apply_overrides(fields, {"date": "sometime"})


# ----------------------------------------------------------------------------- CSL-JSON

def test_citation_csl_json_mapping(items):
    document, edition = items
    assert document == {
        "id": "doc-134385",
        "type": "document",
        "title": TITLE,
        "issued": {"date-parts": [[1947, 11, 18]]},
        "translator": [{"family": "Zubok", "given": "Vladislav"}],
        "publisher": "Wilson Center Digital Archive",
        "archive": "APRF",
        "archive_location": "f. 45, op. 1, d. 392, p. 83-106",
        "references": ("Originally published in Mikhail Narinskii, \u201cTorez, 1944-1947: Noviiie "
                       "materialii,\u201d Novaia i noveishaia Istoriiia, no. 1 (January\u2013February "
                       "1996): 26\u201330"),
        "URL": URL,
    }
    assert edition["type"] == "book"
    assert edition["editor"] == [{"family": "Doe", "given": "Jane"}, {"family": "Roe", "given": "Richard"}]
    assert edition["issued"] == {"date-parts": [[2025]]}
    assert edition["publisher-place"] == "London" and edition["license"] == "CC BY 4.0"
    assert edition["collection-title"] == "Cold War Records" and edition["URL"] == EDITION["url"]


def test_citation_csl_json_validates_against_schema(items):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(items, schema)
    json.loads(json.dumps(items))                                   # plain JSON data
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**items[0], "archive-location": "typo for archive_location"}], schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**items[0], "type": "archival-document"}], schema)


# ----------------------------------------------------------------------------- formatting

DOUBLED = re.compile(r"(?<!\.)\.\.(?!\.)|,,|,\.|;;|\s[,.;:]|\(\s*\)|  ")   # "trans.," is fine


@pytest.mark.parametrize("style", ["chicago", "mla", "apa"])
@pytest.mark.parametrize("form", ["note", "bibliography"])
def test_citation_roundtrips_through_citeproc(items, style, form):
    text = format_citation(items[:1], style, form=form)
    assert text and "\n" not in text
    assert text.count(TITLE) == 1                                   # no substituted repeat
    assert "n.d." not in text and not DOUBLED.search(text)
    if form == "bibliography":
        assert "1947" in text and URL in text


def test_citation_chicago_note_and_bibliography(items):
    note = format_note(items, "chicago").splitlines()
    bib = format_bibliography(items, "chicago").splitlines()
    assert note[0] == (
        "Vladislav Zubok, trans., \u201cRecord of the Meeting of Comrade I.V. Stalin with the Secretary "
        "of the CC French Communist Party Thorez,\u201d Wilson Center Digital Archive, November 18, 1947, "
        f"f. 45, op. 1, d. 392, p. 83-106, APRF, {URL}.")
    assert bib[0].startswith("Zubok, Vladislav, trans. \u201cRecord of the Meeting")
    assert "Thorez.\u201d Wilson Center Digital Archive, November 18, 1947." in bib[0]
    assert bib[0].endswith("Novaia i noveishaia Istoriiia, no. 1 (January\u2013February 1996): 26\u201330.")
    assert note[1].startswith("Jane Doe and Richard Roe, eds., Stalin & Thorez, 1947")
    assert bib[1].startswith("Doe, Jane, and Richard Roe, eds. Stalin & Thorez, 1947")
    for line in note + bib:
        assert not DOUBLED.search(line)


def test_citation_mla_and_apa(items):
    mla = format_bibliography(items[:1], "mla")
    apa = format_bibliography(items[:1], "apa")
    assert mla.startswith("Zubok, Vladislav, translator. \u201cRecord of the Meeting")
    assert "Wilson Center Digital Archive, 18 Nov. 1947, APRF, f. 45, op. 1, d. 392, p. 83-106" in mla
    assert apa.startswith(f"{TITLE} (V. Zubok, trans.). (1947, November 18). Wilson Center Digital Archive.")
    assert format_note(items[:1], "apa") == f"({TITLE}, 1947)"


def test_citation_html_variant_for_the_book(items):
    html = format_bibliography(items, "chicago", output="html")
    assert f'<a href="{URL}">{URL}</a>.' in html
    assert "<i>Stalin &amp; Thorez, 1947" in html
    body = ElementTree.fromstring(f"<div>{html}</div>")              # well-formed for XHTML
    assert TITLE in "".join(body.itertext())


def test_citation_format_rejects_unknown_forms(items):
    with pytest.raises(ValueError):
        format_citation(items, "chicago", form="footnote")
    with pytest.raises(ValueError):
        format_citation(items, "chicago", output="rtf")
    with pytest.raises(ValueError, match="unknown citation style"):
        format_citation(items, "harvard-nonexistent")


# ----------------------------------------------------------------------------- BibTeX and RIS

def test_citation_bibtex_parses_back_with_fields(items):
    bibtexparser = pytest.importorskip("bibtexparser")
    library = bibtexparser.parse_string(to_bibtex(items))
    assert library.failed_blocks == []
    document, edition = library.entries
    assert (document.entry_type, document.key) == ("misc", "doc-134385")
    fields = {k: v.value for k, v in document.fields_dict.items()}
    assert fields["title"] == "{" + TITLE + "}"
    assert fields["date"] == "1947-11-18" and fields["year"] == "1947"
    assert fields["translator"] == "Zubok, Vladislav"
    assert fields["howpublished"] == "Wilson Center Digital Archive"
    assert fields["url"] == URL
    assert fields["note"].startswith("APRF, f. 45, op. 1, d. 392, p. 83-106. Originally published in Mikhail Narinskii")
    book = {k: v.value for k, v in edition.fields_dict.items()}
    assert edition.entry_type == "book"
    assert book["editor"] == "Doe, Jane and Roe, Richard"
    assert book["title"] == r"{Stalin \& Thorez, 1947: A 100\% \{Critical\} Edition}"
    assert book["address"] == "London" and book["series"] == "Cold War Records"


def test_citation_ris_has_required_tags(items):
    rispy = pytest.importorskip("rispy")
    ris = to_ris(items)
    records = [r for r in ris.strip().split("ER  - ") if r.strip()]
    assert len(records) == 2 and ris.count("\nER  - ") == 2
    assert all(r.strip().startswith("TY  - ") for r in records)
    assert not re.search(r"^\d+\.$", ris, re.M)                    # no rispy numbering lines
    document, edition = rispy.loads(ris)
    assert document["type_of_reference"] == "GEN"
    assert document["title"] == TITLE
    assert document["urls"] == [URL]
    assert document["subsidiary_authors"] == ["Zubok, Vladislav"]   # A4 translator
    assert document["year"] == "1947" and document["date"] == "1947/11/18/"
    assert document["publisher"] == "Wilson Center Digital Archive"
    assert document["name_of_database"] == "APRF"
    assert document["accession_number"] == "f. 45, op. 1, d. 392, p. 83-106"
    assert document["original_publication"].startswith("Originally published in Mikhail Narinskii")
    assert edition["type_of_reference"] == "BOOK"
    assert edition["secondary_authors"] == ["Doe, Jane", "Roe, Richard"]   # A2 editors


# ----------------------------------------------------------------------------- QR code

SVG_NS = "{http://www.w3.org/2000/svg}"


def _modules(svg: ElementTree.Element) -> set[tuple[int, int]]:
    """Dark modules (row, col) drawn by segno's single path: M/m moves and h runs, 1 unit each."""
    d = svg.find(f"{SVG_NS}path").get("d")
    x = y = 0.0
    dark = set()
    for op, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s+(-?[\d.]+))?", d):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark.update((int(y), int(x) + i) for i in range(int(float(a))))
            x += float(a)
    return dark


def test_citation_qr_svg_is_inline_and_accessible():
    svg_text = qr_svg(URL)
    assert not svg_text.startswith("<?xml") and svg_text.startswith("<svg")
    svg = ElementTree.fromstring(svg_text)
    assert svg.tag == f"{SVG_NS}svg"
    assert svg.get("role") == "img"
    assert URL in svg.get("aria-label")
    assert URL in svg.find(f"{SVG_NS}title").text
    assert svg.get("viewBox") and svg.get("width").endswith("mm")


def test_citation_qr_svg_encodes_the_url():
    segno = pytest.importorskip("segno")
    svg = ElementTree.fromstring(qr_svg(URL))
    drawn = _modules(svg)
    expected = segno.make(URL, error="m", micro=False)
    border = 4
    wanted = {(r + border, c + border) for r, row in enumerate(expected.matrix)
              for c, bit in enumerate(row) if bit & 1}
    assert drawn == wanted


def test_citation_qr_svg_decodes_with_zxing():
    zxingcpp = pytest.importorskip("zxingcpp")
    image_module = pytest.importorskip("PIL.Image")
    svg = ElementTree.fromstring(qr_svg(URL))
    size = int(float(svg.get("viewBox").split()[2]) / float(re.search(r"scale\(([\d.]+)\)", ElementTree.tostring(svg, encoding="unicode")).group(1)))
    scale = 8
    image = image_module.new("L", (size * scale, size * scale), 255)
    for row, col in _modules(svg):
        image.paste(0, (col * scale, row * scale, (col + 1) * scale, (row + 1) * scale))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [URL]
