"""Package an Edition as an EPUB 3.3 book with EbookLib: XHTML parts, our own nav, subset fonts.

Input: an Edition and, when the PDF was laid out, its page map (the EPUB's page list names the
PDF's pages). Output: the EPUB's bytes, byte-identical for identical sources (fixed entry order
and timestamps, identifiers derived from the content; EPUB 3.3 §4.2, OCF ZIP container).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from .render import Edition, render
from .settings import build_stamp
from .resources import FONT_FILES, STYLE_FILES, font_dir, font_faces_css

# (file, template, title, landmark epub:type): the reading order of the e-book.
PARTS = (
    ("title.xhtml", "titlepage.jinja", "Title page", "titlepage"),
    ("citation.xhtml", "citation.jinja", "The document", ""),
    ("editorial.xhtml", "editorial.jinja", "Editorial note", "preface"),
    ("text.xhtml", "record.jinja", "Text", "bodymatter"),
    ("abbreviations.xhtml", "abbreviations.jinja", "Abbreviations", "glossary"),
    ("persons.xhtml", "persons.jinja", "Persons", "index"),
)
XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_NS = "http://www.idpf.org/2007/ops"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time ZIP can store: nothing depends on the clock


@dataclass(frozen=True)
class Part:
    file: str
    title: str
    landmark: str
    xhtml: str


def render_parts(edition: Edition, index=()) -> list[Part]:
    """Render each part of the book as a complete XHTML document."""
    parts = []
    context = {"profile": "epub", "index": index, "href_prefix": "text.xhtml"}
    for file, template, title, landmark in PARTS:
        body = render(template, edition, **context)
        if not body.strip():
            continue  # a part the record has nothing for (no abbreviations, say)
        xhtml = render("page.xhtml.jinja", edition, part=template, page_title=title,
                       stylesheets=("css/edition.css",), **context)
        parts.append(Part(file, title, landmark, xhtml))
    return parts


def stylesheet(project) -> str:
    """Return the EPUB's one stylesheet: the book face (relative URLs), then base and epub CSS."""
    faces = font_faces_css(lambda name: "../fonts/" + name)
    return faces + "".join((project.styles_dir / name).read_text(encoding="utf-8")
                           for name in STYLE_FILES["epub"])


FEATURES = ("kern", "liga", "clig", "calt", "ccmp", "locl", "mark", "mkmk",
            "smcp", "c2sc", "onum", "lnum", "pnum", "tnum")  # what the styles use


def subset_fonts(text: str) -> dict[str, bytes]:
    """Return the book face's files cut down to the characters the e-book uses.

    HarfBuzz's subsetter (uharfbuzz) does in milliseconds what fontTools does in a second a
    face; it keeps the original head table's dates, so the output is reproducible.
    """
    import uharfbuzz as hb
    codepoints = {ord(c) for c in set(text) | set("0123456789[]…–—’“”")}
    fonts = {}
    for name in FONT_FILES.values():
        wanted = hb.SubsetInput()
        wanted.unicode_set.update(codepoints)
        wanted.layout_feature_tag_set.update(int.from_bytes(tag.encode(), "big") for tag in FEATURES)
        subset = hb.subset(hb.Face((font_dir() / name).read_bytes()), wanted)
        fonts[name] = subset.blob.data
    return fonts


def book_identifier(edition: Edition, parts: list[Part]) -> str:
    """Return a urn:uuid derived from the content, so a rebuild keeps its identifier."""
    digest = hashlib.sha256("".join(p.xhtml for p in parts).encode()).hexdigest()
    return f"urn:uuid:{digest[:8]}-{digest[8:12]}-5{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"


def normalize_zip(data: bytes, language: str = "") -> bytes:
    """Rewrite an EPUB zip with mimetype first and stored, fixed order and fixed timestamps.

    Also give the package document its language (xml:lang on <package>, EPUB 3.3 §5.4.1.2),
    which EbookLib does not write.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    names = source.namelist()
    order = ["mimetype"] + sorted(n for n in names if n != "mimetype")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in order:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            content = source.read(name)
            if name.endswith(".opf") and language:
                content = content.replace(b"<package ", f'<package xml:lang="{language}" '.encode(), 1)
            target.writestr(info, content, compresslevel=9)
    return out.getvalue()


ACCESSIBILITY = (  # EPUB Accessibility 1.1 §2 discovery metadata (schema.org properties)
    ("schema:accessMode", "textual"),
    ("schema:accessModeSufficient", "textual"),
    ("schema:accessibilityFeature", "tableOfContents"),
    ("schema:accessibilityFeature", "index"),
    ("schema:accessibilityFeature", "printPageNumbers"),
    ("schema:accessibilityFeature", "pageNavigation"),
    ("schema:accessibilityFeature", "readingOrder"),
    ("schema:accessibilityFeature", "structuralNavigation"),
    ("schema:accessibilityFeature", "displayTransformability"),
    ("schema:accessibilityHazard", "none"),
    ("schema:accessibilitySummary", "A text-only critical edition. Headings, notes (linked both "
     "ways), the index and the page list are structured for assistive technology; page numbers "
     "follow the printed edition. No images convey information without a text equivalent."),
)


def add_metadata(book, edition: Edition, identifier: str, page_source: str) -> None:
    """Give the package its Dublin Core, accessibility and page-source metadata."""
    record, settings = edition.record, edition.settings
    book.set_identifier(identifier)
    book.set_title(record.title or record.slug)
    book.set_language(settings.language)
    for index, editor in enumerate(settings.editors):
        book.add_author(editor, uid=f"editor{index}", role="edt", file_as=editor)
    fields = getattr(edition.citation, "fields", None)
    for index, translator in enumerate(getattr(fields, "translators", ()) or ()):
        book.add_metadata("DC", "contributor", translator, {"id": f"translator{index}"})
        book.add_metadata(None, "meta", "trl", {"refines": f"#translator{index}",
                                                "property": "role", "scheme": "marc:relators"})
    if record.citation:
        url = getattr(fields, "url", "") or record.citation.url
        book.add_metadata("DC", "source", url or record.citation.text)
    if record.summary:
        book.add_metadata("DC", "description", record.summary.text)
    if settings.publisher:
        book.add_metadata("DC", "publisher", settings.publisher)
    if settings.date:
        book.add_metadata("DC", "date", settings.date)
    if edition.record_iso_date:  # the date of the record itself, as the coverage of the book
        book.add_metadata("DC", "coverage", edition.record_iso_date)
        book.add_metadata(None, "meta", edition.record_iso_date,
                          {"property": "dcterms:temporal"})
    for prop, value in ACCESSIBILITY:
        book.add_metadata(None, "meta", value, {"property": prop})
    book.add_metadata("DC", "rights", settings.licence or "All rights reserved")
    conforms = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
    book.add_metadata(None, "meta", conforms, {"property": "dcterms:conformsTo"})
    if page_source:
        book.add_metadata(None, "meta", page_source, {"property": "pageBreakSource"})


def mark_pages(parts: list[Part], breaks) -> tuple[list[Part], list[tuple[str, str]]]:
    """Put the PDF's page breaks into the parts; return the parts and (file, label) in order."""
    from lxml import etree
    from .pagemap import insert_page_breaks

    def marker(label):
        element = etree.Element(f"{XHTML}span", nsmap=None)
        element.set(f"{{{EPUB_NS}}}type", "pagebreak")
        element.set("role", "doc-pagebreak")
        element.set("id", f"page-{label}")
        element.set("aria-label", label)
        return element

    roots = [(part, etree.fromstring(part.xhtml.encode())) for part in parts]
    where = {}
    for part, root in roots:
        for placed in insert_page_breaks(root, breaks, marker):
            where[placed.label] = part.file
    # A page with no counterpart in the e-book (the printed contents page): its marker goes
    # just before the next page's, so the page list still has every page of the PDF.
    for index, page_break in enumerate(breaks):
        if page_break.label in where:
            continue
        following = next((b for b in breaks[index + 1:] if b.label in where), None)
        for part, root in roots:
            if following is None or where[following.label] != part.file:
                continue
            target = root.xpath(f"//*[@id='page-{following.label}']")[0]
            extra = marker(page_break.label)
            target.addprevious(extra)
            where[page_break.label] = part.file
    marked = [Part(part.file, part.title, part.landmark, '<?xml version="1.0" encoding="utf-8"?>\n'
                   '<!DOCTYPE html>\n' + etree.tostring(root, encoding="unicode"))
              for part, root in roots]
    labels = [(where[b.label], b.label) for b in breaks if b.label in where]
    return marked, labels


def cover_png(pdf: bytes, height: int = 1600) -> bytes:
    """Render the PDF's title page as the e-book's cover image (PNG, `height` pixels high)."""
    import pypdfium2
    from PIL import ImageChops
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=height / page.get_size()[1]).to_pil()
        red, green, blue = image.split()
        if not (ImageChops.difference(red, green).getbbox()
                or ImageChops.difference(green, blue).getbbox()):
            image = green  # a grey page: one channel says it all, in a third of the bytes
        out = io.BytesIO()
        image.save(out, format="PNG")  # zlib's default level: optimize=True costs 0.1 s for 4%
        return out.getvalue()
    finally:
        document.close()


def add_cover(book, edition: Edition, png: bytes):
    """Add the cover image and its page; return the page (first in the spine)."""
    from ebooklib import epub
    image = epub.EpubItem(uid="cover-image", file_name="images/cover.png",
                          media_type="image/png", content=png)
    image.properties = ["cover-image"]
    book.add_item(image)
    page = epub.EpubItem(uid="cover", file_name="cover.xhtml", media_type="application/xhtml+xml",
                         content=render("cover.xhtml.jinja", edition, stylesheets=(
                             "css/edition.css",)).encode())
    book.add_item(page)
    return page


def build_epub(edition: Edition, project, breaks=(), stamp: datetime | None = None,
               index=(), pdf: bytes = b"") -> bytes:
    """Return the EPUB's bytes: parts, nav (toc, landmarks, page list), NCX, CSS, fonts."""
    from ebooklib import epub
    parts, page_labels = mark_pages(render_parts(edition, index), breaks)
    css = stylesheet(project)
    book = epub.EpubBook()
    book.FOLDER_NAME = "EPUB"
    page_source = f"{edition.record.slug}.pdf" if page_labels else ""
    add_metadata(book, edition, book_identifier(edition, parts), page_source)
    items = []
    for index, part in enumerate(parts):
        item = epub.EpubItem(uid=f"part{index}", file_name=part.file,
                             media_type="application/xhtml+xml", content=part.xhtml.encode())
        if "<svg" in part.xhtml:
            item.properties = ["svg"]  # EPUB 3.3 §5.6.2.1: declare inline SVG in the manifest
        book.add_item(item)
        items.append(item)
    nav = epub.EpubItem(uid="nav", file_name="nav.xhtml", media_type="application/xhtml+xml",
                        content=render("nav.xhtml.jinja", edition, parts=parts,
                                       page_labels=page_labels or [],
                                       stylesheets=("css/edition.css",)).encode())
    nav.properties = ["nav"]
    book.add_item(nav)
    book.add_item(epub.EpubItem(uid="css", file_name="css/edition.css", media_type="text/css",
                                content=css.encode()))
    text = "".join(p.xhtml for p in parts) + nav.content.decode()
    for name, data in subset_fonts(text).items():
        book.add_item(epub.EpubItem(uid=name.split(".")[0], file_name=f"fonts/{name}",
                                    media_type="font/ttf", content=data))
    book.toc = [epub.Link(p.file, p.title, f"toc{i}") for i, p in enumerate(parts)]
    book.add_item(epub.EpubNcx())
    book.spine = ([add_cover(book, edition, cover_png(pdf))] if pdf else []) \
        + items[:1] + [nav] + items[1:]
    out = io.BytesIO()
    options = {"mtime": stamp or build_stamp(edition.settings), "epub3_landmark": False,
               "epub3_pages": False, "epub2_guide": False, "raise_exceptions": True}
    writer = epub.EpubWriter(out, book, options)
    writer.process()
    writer.write()
    return normalize_zip(out.getvalue(), edition.settings.language)
