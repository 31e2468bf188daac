"""Print and e-book standards: PDF/A-3b + PDF/UA-1 structure, fonts, sizes, EPUB a11y, bytes."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree

import pikepdf
import pytest

from edition.build import BuildOptions, build_record

from conftest import BUNDLED, copy_project
from helpers import epub_documents

NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
MM = 72 / 25.4


def pdf_of(result):
    return next(p for p in result.outputs if p.suffix == ".pdf")


def build_copy(tmp_path, shared, options: BuildOptions = BuildOptions()):
    """Build the bundled record in a fresh copy of the project, with these options."""
    from edition.project import Project
    project = Project(copy_project(tmp_path))
    result = build_record(project, project.records_dir / f"{BUNDLED}.txt", shared, options)
    assert result.ok, result.diagnostics
    return result


def test_standards_pdf_archival_and_accessible_claims(built):
    with pikepdf.open(pdf_of(built)) as pdf:
        with pdf.open_metadata() as meta:
            assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
            assert meta["pdfuaid:part"] == "1"
            assert meta["dc:title"].startswith("Record of the Meeting")
            assert set(meta["dc:language"]) == {"en"}
            assert "Maurice Thorez" in meta["pdf:Keywords"]
            assert meta["dc:description"].startswith("Stalin and Thorez discuss")
        intents = pdf.Root.OutputIntents
        assert str(intents[0].S) == "/GTS_PDFA1" and "/DestOutputProfile" in intents[0]
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
        assert str(pdf.Root.Lang) == "en"
        assert "/Filter" not in pdf.Root.Metadata  # XMP readable by tools that scan the bytes
        # PDF/A admits the pdfuaid property only with its schema described (ISO 19005-3 6.6.2.3)
        xmp = ElementTree.fromstring(pdf.Root.Metadata.read_bytes().split(b"?>", 1)[1]
                                     .rsplit(b"<?xpacket", 1)[0])
        ns = {"pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
              "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#"}
        schemas = xmp.findall(".//pdfaSchema:namespaceURI", ns)
        assert [s.text for s in schemas] == ["http://www.aiim.org/pdfua/ns/id/"]
        assert [p.text for p in xmp.findall(".//pdfaProperty:name", ns)] == ["part"]
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle)


def test_standards_pdf_fonts_are_the_book_face_embedded(built):
    with pikepdf.open(pdf_of(built)) as pdf:
        fonts = {}
        for page in pdf.pages:
            for _, font in page.Resources.get("/Font", {}).items():
                descriptor = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font \
                    else font.FontDescriptor
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts[str(font.BaseFont)] = embedded
        assert fonts and all(fonts.values()), fonts
        assert all("Source-Serif-Pro" in name for name in fonts), fonts


def structure_types(pdf) -> dict[str, int]:
    counts: dict[str, int] = {}

    def walk(node):
        if isinstance(node, pikepdf.Array):
            for item in node:
                walk(item)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            counts[str(node.S)] = counts.get(str(node.S), 0) + 1
            if "/K" in node:
                walk(node.K)
    walk(pdf.Root.StructTreeRoot.K)
    return counts


def test_standards_pdf_notes_are_tagged_reference_and_note(built, edition):
    with pikepdf.open(pdf_of(built)) as pdf:
        counts = structure_types(pdf)
    notes = len(edition.record.notes())
    assert counts.get("/Reference") == notes and counts.get("/Note", 0) >= notes
    assert counts.get("/H1") and counts.get("/H2")


def test_standards_pdf_bookmarks_and_attachments(built):
    with pikepdf.open(pdf_of(built)) as pdf:
        titles = []
        with pdf.open_outline() as outline:
            stack = list(outline.root)
            while stack:
                item = stack.pop(0)
                titles.append(item.title)
                stack.extend(item.children)
        assert "Editorial note" in titles and "Persons" in titles and "Contents" in titles
        names = sorted(pdf.attachments)
        assert names == [f"{BUNDLED}.bib", f"{BUNDLED}.json", f"{BUNDLED}.txt"]
        assert len(pdf.Root.AF) == 3  # PDF/A-3 associated files


@pytest.mark.parametrize("paper, size", [("a4", (210, 297)), ("letter", (215.9, 279.4)),
                                         ("6x9", (152.4, 228.6))])
def test_standards_paper_sizes(tmp_path, shared, paper, size):
    result = build_copy(tmp_path, shared, BuildOptions(paper=paper))
    with pikepdf.open(pdf_of(result)) as pdf:
        box = [float(v) for v in pdf.pages[5].MediaBox]
    assert (round((box[2] - box[0]) / MM, 1), round((box[3] - box[1]) / MM, 1)) == size


def test_standards_print_marks_add_bleed(tmp_path, shared):
    result = build_copy(tmp_path, shared, BuildOptions(print_marks=True))
    with pikepdf.open(pdf_of(result)) as pdf:
        page = pdf.pages[5]
        media = [float(v) for v in page.MediaBox]
        trim = [float(v) for v in page.TrimBox]
        bleed = [float(v) for v in page.BleedBox]
    assert round((trim[2] - trim[0]) / MM) == 148  # A5 trim
    assert round((bleed[0] - media[0]) / MM, 1) >= 0 and round((trim[0] - bleed[0]) / MM, 1) == 3.0


def test_standards_builds_are_byte_identical(tmp_path, shared, built):
    again = build_copy(tmp_path, shared)
    for first, second in zip(built.outputs, again.outputs):
        assert first.name == second.name and first.read_bytes() == second.read_bytes(), first.name


def test_standards_epub_accessibility_metadata(built):
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    opf = zipfile.ZipFile(epub).read("EPUB/content.opf").decode()
    for feature in ("tableOfContents", "index", "printPageNumbers", "pageNavigation",
                    "readingOrder", "structuralNavigation"):
        assert f'<meta property="schema:accessibilityFeature">{feature}</meta>' in opf
    for prop in ("schema:accessMode", "schema:accessModeSufficient", "schema:accessibilityHazard",
                 "schema:accessibilitySummary"):
        assert f'property="{prop}"' in opf
    assert "EPUB Accessibility 1.1 - WCAG 2.2 Level AA" in opf
    assert "<dc:source>https://digitalarchive.wilsoncenter.org/document/134385" in opf
    assert 'scheme="marc:relators">trl</meta>' in opf and "Vladislav Zubok" in opf


def test_standards_epub_navigation_roles_and_languages(built):
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    docs = epub_documents(epub)
    nav = docs["EPUB/nav.xhtml"]
    types = nav.xpath("//x:nav/@epub:type", namespaces=NS)
    assert set(types) == {"toc", "landmarks", "page-list"}
    roles = {"noteref": "doc-noteref", "footnote": "doc-footnote", "pagebreak": "doc-pagebreak",
             "toc": "doc-toc", "page-list": "doc-pagelist"}
    for name, root in docs.items():
        assert root.get("lang") == "en" and root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
        for element in root.xpath("//*[@epub:type][not(ancestor::x:nav[@epub:type='landmarks'])]",
                                  namespaces=NS):
            for kind in element.get("{http://www.idpf.org/2007/ops}type").split():
                if kind in roles:
                    assert element.get("role") == roles[kind], (name, kind)
    glosses = docs["EPUB/text.xhtml"].xpath("//x:i[@class='gloss']", namespaces=NS)
    assert glosses and all(g.get("lang") == "ru-Latn" for g in glosses)


def test_standards_epub_fonts_are_subset_and_css_has_no_fixed_colours(built):
    from resources_check import font_sizes
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    with zipfile.ZipFile(epub) as z:
        fonts = {n: len(z.read(n)) for n in z.namelist() if n.startswith("EPUB/fonts/")}
        css = z.read("EPUB/css/edition.css").decode()
    originals = font_sizes()
    assert fonts and all(size < originals[n.split("/")[-1]] / 2 for n, size in fonts.items())
    import re
    # The one fixed colour allowed: the QR code's white ground, which must stay light to scan.
    css = re.sub(r"\.qr svg \{[^}]*\}", "", css)
    assert not re.search(r"(?<![-\w])(color|background(-color)?)\s*:\s*(#|rgb|black|white)", css)


@pytest.mark.parametrize("variant, claims", [("archival", ("3", None)), ("accessible", (None, "1"))])
def test_standards_pdf_variants(tmp_path, shared, variant, claims):
    result = build_copy(tmp_path, shared, BuildOptions(pdf_variant=variant))
    with pikepdf.open(pdf_of(result)) as pdf:
        with pdf.open_metadata() as meta:
            assert (meta.get("pdfaid:part"), meta.get("pdfuaid:part")) == claims
        assert "/StructTreeRoot" in pdf.Root  # tagged in every variant


def test_standards_epub_cover_is_the_title_page(built):
    """The cover image is the PDF's first page, 1600 px high, declared as the cover-image."""
    import io

    import pypdfium2
    from PIL import Image, ImageChops
    epub = next(p for p in built.outputs if p.suffix == ".epub")
    pdf = next(p for p in built.outputs if p.suffix == ".pdf")
    with zipfile.ZipFile(epub) as z:
        opf = z.read("EPUB/content.opf").decode()
        cover = Image.open(io.BytesIO(z.read("EPUB/images/cover.png")))
    assert 'properties="cover-image"' in opf and cover.format == "PNG"
    assert cover.height == 1600 and cover.mode == "L"  # the title page is grey: one channel
    from PIL import ImageStat
    pages = pypdfium2.PdfDocument(pdf.read_bytes())

    def distance(image) -> float:  # mean difference per pixel, out of 255
        return ImageStat.Stat(ImageChops.difference(image.convert("L"), cover)).mean[0]

    rendered = [pages[n].render(scale=1600 / pages[n].get_size()[1], grayscale=True).to_pil()
                for n in (0, 1)]
    assert rendered[0].size == cover.size
    # the title page, up to anti-aliasing; farther from a blank page or the next page
    assert distance(rendered[0]) < 2.5
    assert distance(Image.new("L", cover.size, 255)) > 4 and distance(rendered[1]) > 4
