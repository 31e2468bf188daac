"""The persons index: register checks, mentions, PDF locators, EPUB links and page list."""

from __future__ import annotations

import re


from edition.annotate import Context, annotate
from edition.parse import parse_record
from edition.register import load_register
from edition.render import Edition
from edition.check import check_edition
from edition.settings import Settings, Sidecar

from conftest import BUNDLED
from helpers import epub_documents, first_words, pdf_page_texts

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def forms_of(person) -> list[str]:
    """Every way the text may name a person: the record's forms and the surname of the name."""
    return [*person.variants, person.name.split()[-1]]


def test_persons_every_listed_page_has_a_mention(built, layout):
    pdf = next(p for p in built.outputs if p.suffix == ".pdf")
    pages = pdf_page_texts(pdf)
    assert layout.index, "the bundled record has an index"
    for entry in layout.index:
        for locator in entry.locators:
            for page in range(locator.first, locator.last + 1):
                text = re.sub(r"\s+", " ", pages[page - 1])
                assert any(form in text for form in forms_of(entry.person)), \
                    (entry.person.id, locator.label, page)


def test_persons_every_mention_is_indexed(edition, layout):
    counted = {e.person.id: e.mentions for e in layout.index}
    mentions: dict[str, int] = {}
    for paragraph in edition.record.paragraphs:
        if paragraph.role == "heading":
            continue
        for node in paragraph.inlines:
            if type(node).__name__ == "Mention":
                mentions[node.person] = mentions.get(node.person, 0) + 1
            elif type(node).__name__ == "Intervention" and node.note:
                for m in node.mentions:
                    mentions[m.person] = mentions.get(m.person, 0) + 1
    assert counted == mentions
    # Read by a person: the record names these, by these forms.
    assert {"thorez", "stalin", "cachin", "marty", "lecoeur", "guyot", "monmousseau",
            "duclos", "gaulle", "blum", "bevin", "liebknecht"} <= set(counted)
    for anchor, page in layout.anchors.items():
        if not anchor.startswith("m-"):
            continue
        # each mention's page is covered by a locator of its person
        person = next(e for e in layout.index if any(
            l.first <= page <= l.last for l in e.locators))
        assert person


def test_persons_index_entries_read_like_a_book_index(layout):
    headings = [e.person.heading for e in layout.index]
    assert headings == sorted(headings, key=lambda h: h.lower().replace("œ", "oe"))
    cachin = next(e for e in layout.index if e.person.id == "cachin")
    assert set(cachin.forms) >= {"Cachem"}
    gaulle = next(e for e in layout.index if e.person.id == "gaulle")
    assert gaulle.person.heading == "Gaulle, Charles de"
    labels = [l.label for l in gaulle.locators]
    assert any(l.endswith("n") for l in next(e for e in layout.index
                                              if e.person.id == "thorez").locators
               for l in [l.label])
    assert labels == sorted(labels, key=lambda s: int(re.match(r"\d+", s).group()))


def test_persons_epub_index_links_to_mentions_with_pdf_pages(built, layout):
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    docs = epub_documents(epub)
    index = docs["EPUB/persons.xhtml"]
    section = index.xpath("//x:section[@epub:type='backmatter index']", namespaces=NS)[0]
    assert section.get("role") == "doc-index"
    text = docs["EPUB/text.xhtml"]
    ids = set(text.xpath("//@id"))
    links = index.xpath("//x:a[contains(@class,'locator')]", namespaces=NS)
    assert links
    for link in links:
        target = link.get("href").split("#")[1]
        assert link.get("href").startswith("text.xhtml#") and target in ids
        first = int(re.match(r"\d+", link.text).group())
        assert layout.anchors[target] == first  # labelled with the PDF's page


def test_persons_epub_page_list_matches_pdf_pages(built, layout):
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    docs = epub_documents(epub)
    nav = docs["EPUB/nav.xhtml"]
    entries = nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
    assert [a.text for a in entries] == [str(n) for n in range(1, len(layout.document.pages) + 1)]
    firsts = first_words(layout.document)
    for a, first in zip(entries, firsts):
        file, anchor = a.get("href").split("#")
        doc = docs[f"EPUB/{file}"]
        marker = doc.xpath(f"//*[@id='{anchor}']")[0]
        assert marker.get("{http://www.idpf.org/2007/ops}type") == "pagebreak"
        assert marker.get("role") == "doc-pagebreak"
        following_marker = marker.getnext()
        if first is None or (following_marker is not None and not (marker.tail or "").strip()
                             and following_marker.get("role") == "doc-pagebreak"):
            continue  # a blank page, or the printed contents: it stands with the next page
        following = "".join(t for t in marker.xpath("following::text()")
                            if t.is_tail or t.getparent().get("class") != "paragraph-number")
        following = following.lstrip().casefold()  # text-transform changes case in print only
        assert following.startswith(first.casefold()) or first.casefold() in following[:40], \
            (a.text, first, following[:60])


def test_persons_epub_declares_page_source(built):
    import zipfile
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    opf = zipfile.ZipFile(epub).read("EPUB/content.opf").decode()
    assert f'<meta property="pageBreakSource">{BUNDLED}.pdf</meta>' in opf


def annotated(text: str, register):
    record, _ = parse_record(text, "x.txt")
    record, _ = annotate(record, Context(Settings(), Sidecar(), frozenset(register.forms), register))
    return Edition(record, Settings(), register)


def test_persons_unregistered_names_warn(shared):
    edition = annotated("**T**\n\nCom. Zhdanov says that Thorez is right. Gottwald said no.\n",
                        shared.register)
    warnings = [d for d in check_edition(edition) if d.code == "W201"]
    names = sorted(re.search(r"'(\w+)'", d.message).group(1) for d in warnings)
    assert names == ["Gottwald", "Zhdanov"]
    assert warnings[0].pos.line == 3


def test_persons_broken_register_is_an_error(tmp_path):
    cases = {
        "[persons.a]\nname = \"A\"\nheading = \"A\"\nborn = \"18-1-1\"\n": ("E203", 4),
        "[persons.a]\nname = \"A\"\nheading = \"A\"\nshoe = 4\n": ("E202", 4),
        "[persons.a]\nname = \"A\"\n[persons.a]\nname = \"B\"\n": ("E201", 3),
        "[persons.a\n": ("E201", 1),
    }
    for text, (code, line) in cases.items():
        path = tmp_path / "persons.toml"
        path.write_text(text)
        _, found = load_register(path, "source/persons.toml")
        assert [(d.code, d.pos.line) for d in found] == [(code, line)], (text, found)
