"""The bundled record becomes a PDF and an EPUB: every word kept, every note placed, valid EPUB."""

from __future__ import annotations

import logging

from lxml import etree

from edition.build import build_record

from conftest import BUNDLED, ROOT, copy_project
from helpers import body_source_words, epub_documents, note_pages, text_without, words

SOURCE = (ROOT / "source" / "records" / f"{BUNDLED}.txt").read_text(encoding="utf-8")


def test_build_writes_pdf_and_epub(built):
    names = sorted(p.name for p in built.outputs)
    assert f"{BUNDLED}.pdf" in names and f"{BUNDLED}.epub" in names
    assert built.pages >= 8 and built.notes == 24


def test_build_text_conservation(built):
    """Every word of the body occurs in the EPUB as often as in the source, text or note."""
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    text = epub_documents(epub)["EPUB/text.xhtml"]
    body = text.find(f".//{{http://www.w3.org/1999/xhtml}}body")
    assert words(text_without(body)) == body_source_words(SOURCE)


def test_build_no_bracket_in_reading_text(built):
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    text = epub_documents(epub)["EPUB/text.xhtml"]
    reading = text_without(text, {"footnote", "noteref", "inline"})
    assert "[" not in reading and "]" not in reading


def test_build_every_bracket_is_a_note_on_its_page(layout, edition):
    """One note per bracket span, each placed on the page of its call (or the next, in order)."""
    brackets = SOURCE.split("Translation - English", 1)[1].count("[")
    omissions = sum(1 for i in edition.record.interventions() if i.kind == "omission"
                    and i.source.startswith("["))
    glosses_in_parentheses = sum(1 for i in edition.record.interventions() if i.delimiter == "(")
    notes = [n for n in edition.record.notes()]
    from_source = [n for n in notes if n.intervention.source]
    assert len(from_source) == brackets - omissions + glosses_in_parentheses
    calls, bodies = note_pages(layout.document)
    previous = 0
    for note in notes:
        ident = f"note-{note.number}"
        assert ident in calls, f"{ident} has no call"
        assert ident in bodies, f"{ident} was lost: its text is on no page"
        first = bodies[ident][0]
        assert calls[ident] <= first <= calls[ident] + 1, (ident, calls[ident], bodies[ident])
        assert first >= previous
        previous = first


def test_build_epub_passes_epubcheck(built):
    from helpers import epubcheck
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    assert epubcheck(epub) == []


def test_build_epub_notes_are_epub3_footnotes(built):
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    text = epub_documents(epub)["EPUB/text.xhtml"]
    ns = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
    refs = text.xpath("//x:a[@epub:type='noteref']", namespaces=ns)
    asides = text.xpath("//x:aside[@epub:type='footnote']", namespaces=ns)
    assert len(refs) == len(asides) == 24
    for ref in refs:
        target = ref.get("href")[1:]
        aside = text.xpath(f"//x:aside[@id='{target}']", namespaces=ns)[0]
        back = aside.xpath(".//x:a[@role='doc-backlink']", namespaces=ns)[0]
        assert back.get("href") == "#" + ref.get("id")


def test_build_markup_characters_are_escaped(tmp_path):
    """`<`, `&` and `]]>` in a record are text in the XHTML, never markup."""
    from edition.project import Project, load_shared, prepare
    from edition.pdf import book_html
    from edition.epub import render_parts
    # "]]>" cannot stand in a body (its "]" would be unbalanced): it goes in the header.
    record = ("**May 1, 1950**\n\n**A <b>bold</b> & risky ]]> title**\n\n**Summary:**\n\n"
              "A summary with ]]> and <br/> & more.\n\n**Contents:**\n\nTranslation - English\n\n"
              "Ratio 2 < 3 & growing; a <marker/> and <script>alert(1)</script> [note <i>x</i> & y].\n")
    project = Project(copy_project(tmp_path, records=[]))
    (project.records_dir / "x.txt").write_text(record, encoding="utf-8")
    shared, _ = load_shared(project)
    edition, found = prepare(project, project.records_dir / "x.txt", shared)
    assert edition is not None, found
    html = book_html(edition)
    root = etree.fromstring(html.encode())
    assert not root.xpath("//*[local-name()='script' or local-name()='b' or local-name()='i' and not(@class)]")
    assert "Ratio 2 &lt; 3 &amp; growing; a &lt;marker/&gt; and" in html
    assert "risky ]]&gt; title" in html and "with ]]&gt; and &lt;br/&gt; &amp; more" in html
    for part in render_parts(edition):
        etree.fromstring(part.xhtml.encode())


def test_build_logs_no_weasyprint_warning(project, shared):
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        result = build_record(project, project.records_dir / f"{BUNDLED}.txt", shared)
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    assert result.ok and not records, [r.getMessage() for r in records]


def test_build_pdf_metadata_title_and_language(built):
    import pikepdf
    pdf = next(p for p in built.outputs if p.suffix == ".pdf")
    with pikepdf.open(pdf) as document:
        assert str(document.docinfo["/Title"]).startswith("Record of the Meeting")
        assert str(document.Root.Lang) == "en"


def test_build_compiled_templates_are_cached_and_optional(tmp_path, monkeypatch, edition):
    """Compiled templates go to the user's cache folder, are used from there, are keyed by
    the syntax options too, and are optional: without a writable folder, all still works."""
    import os

    import jinja2

    from edition import render
    from edition.pdf import book_html
    expected = book_html(edition)
    try:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        render._environment.cache_clear()
        assert book_html(edition) == expected
        cached = list((tmp_path / "cache" / "edition" / "templates").iterdir())
        assert cached and all(p.stat().st_size > 0 for p in cached)
        render._environment.cache_clear()
        with monkeypatch.context() as patch:  # nothing may be compiled now: all from the cache
            patch.setattr(jinja2.Environment, "compile", lambda *a, **k: 1 / 0)
            assert book_html(edition) == expected
        other = render.template_cache({**render.SYNTAX, "trim_blocks": False})
        assert other.get_cache_key("book.xhtml.jinja") != \
            render.template_cache(render.SYNTAX).get_cache_key("book.xhtml.jinja")

        readonly = tmp_path / "readonly"
        readonly.mkdir()
        os.chmod(readonly, 0o500)
        monkeypatch.setenv("XDG_CACHE_HOME", str(readonly))
        render._environment.cache_clear()
        if os.access(readonly, os.W_OK):  # root writes anywhere: take a file for a folder
            monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache" / "edition" / "x" / "y"))
            (tmp_path / "cache" / "edition" / "x").write_text("not a folder")
        assert render.template_cache(render.SYNTAX) is None
        assert book_html(edition) == expected
    finally:
        render._environment.cache_clear()


def test_build_leaves_the_garbage_collector_as_it_found_it(project, edition):
    """A build switches the collector off while it packages the book, then back on; what a
    build worker froze stays frozen."""
    import gc

    from edition.build import render_outputs
    gc.freeze()
    frozen = gc.get_freeze_count()
    try:
        render_outputs(edition, project)
        # frozen objects may die meanwhile; gc.unfreeze() would have left none
        assert gc.isenabled() and gc.get_freeze_count() > frozen // 2 > 0
    finally:
        gc.enable()
        gc.unfreeze()
