"""Typeset an Edition's book XHTML with WeasyPrint into a laid-out document, then a PDF file.

Input: an Edition and the project. Output: a `Layout` (WeasyPrint's Document and the page map
that the persons index and the EPUB's page list read) and, from `write_pdf`, the PDF bytes.
One layout per book: the index, set at the back, is laid out on its own and its pages appended,
since it cannot move the pages before it.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field

from .diagnostics import Diagnostic, EditionError
from .model import Pos
from .persons import build_index
from .render import Edition, render
from .resources import FONT_SCHEME, STYLE_FILES, ProjectFetcher, font_faces_css

PARTS = ("titlepage.jinja", "contents.jinja", "citation.jinja", "editorial.jinja",
         "record.jinja", "abbreviations.jinja", "index_placeholder.jinja")


@dataclass
class Layout:
    """A laid-out book: WeasyPrint's document, and where each anchor and note landed."""

    document: object
    anchors: dict = field(default_factory=dict)  # anchor id -> page number (1-based)
    html: str = ""
    index: list = field(default_factory=list)  # persons.IndexEntry, with the book's pages


class LogCollector(logging.Handler):
    """Collect WeasyPrint's warnings: a build that logs one is a failed build."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@contextlib.contextmanager
def weasyprint_warnings(blocked=()):
    """Collect what WeasyPrint logs in the block; raise E301/E302 diagnostics for it after."""
    collector = LogCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
    problems = [Diagnostic("E302", None, f"blocked a load from outside the project: {url}",
                           "styles and templates may only use the project's own files")
                for url in blocked]
    problems += [Diagnostic("E301", None, f"WeasyPrint: {r.getMessage()}",
                            "fix the style or template it names") for r in collector.records
                 if not any(url in r.getMessage() for url in blocked)]
    if problems:
        raise EditionError(problems)


def stylesheets(project, profile: str, fetcher: ProjectFetcher, font_config, extra=()):
    """Return WeasyPrint CSS objects: the book face, the profile's style files, then extras."""
    from weasyprint import CSS
    sheets = [CSS(string=font_faces_css(lambda name: FONT_SCHEME + name),
                  url_fetcher=fetcher.fetcher, font_config=font_config)]
    missing = []
    for name in (*STYLE_FILES[profile], *extra):
        path = project.styles_dir / name
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            missing.append(Diagnostic("E301", Pos(project.display(path), 1, 1),
                                      f"style file unreadable: {getattr(error, 'strerror', error)}",
                                      f"restore styles/{name} (git checkout styles/)"))
            continue
        sheets.append(CSS(string=text, base_url=path.resolve().as_uri(),
                          url_fetcher=fetcher.fetcher, font_config=font_config))
    if missing:
        raise EditionError(missing)
    return sheets


def typeset(html: str, project, profile: str, extra_styles=()) -> object:
    """Lay out XHTML with the profile's styles; fail on any WeasyPrint warning or blocked load."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from .footnote_check import install_footnote_fix
    install_footnote_fix()
    fetcher = ProjectFetcher((project.root,))
    with weasyprint_warnings(fetcher.blocked):
        font_config = FontConfiguration()
        sheets = stylesheets(project, profile, fetcher, font_config, extra_styles)
        document = HTML(string=html, base_url=(project.root.resolve() / "build").as_uri() + "/",
                        url_fetcher=fetcher.fetcher).render(stylesheets=sheets,
                                                            font_config=font_config)
    return document


def page_anchors(pages) -> dict[str, int]:
    """Map every anchor (element id) to the 1-based page it is on."""
    anchors = {}
    for number, page in enumerate(pages, 1):
        for name in page.anchors:
            anchors.setdefault(name, number)
    return anchors


def book_html(edition: Edition, parts=PARTS, profile: str = "book", **context) -> str:
    """Render the book's single XHTML document (or, with other parts, a piece of it)."""
    context = {"index": (), "href_prefix": "", "first_page": 1, "dummy": False,
               "has_index": any(True for _ in edition.record.mentions()), **context}
    return render("book.xhtml.jinja", edition, profile=profile, parts=parts, stylesheets=(),
                  **context)


def lay_out_index(edition: Edition, project, index, pages_before: int, styles=()) -> list:
    """Lay out the persons index alone and return its pages, numbered to follow the book.

    WeasyPrint takes a document's first page as a recto; when the index's first page is a
    verso of the book, a dummy first page keeps left and right pages in step, then is dropped.
    """
    dummy = pages_before % 2 == 1
    html = book_html(edition, parts=("persons.jinja",), index=index, dummy=dummy,
                     first_page=pages_before + (0 if dummy else 1))
    pages = typeset(html, project, "book", styles).pages
    return pages[1:] if dummy else pages


def lay_out_book(edition: Edition, project, styles=("paper-a5.css",)) -> Layout:
    """Lay out the book once; verify every note is placed (E402) and return the layout.

    `styles` are the style files added to the book's: the paper size, the print marks.
    """
    from .footnote_check import verify_footnotes
    html = book_html(edition)
    document = typeset(html, project, "book", styles)
    notes = [f"note-{n.number}" for n in edition.record.notes()]
    lost = verify_footnotes(document, notes)
    if lost:
        raise EditionError([Diagnostic("E402", None, f"note {p.note_id}: {p.message}",
                                       "report this with the record; the PDF was not written")
                            for p in lost])
    index = build_index(edition, page_anchors(document.pages))
    pages = list(document.pages)
    if index:  # the last page holds the placeholder: the index takes its place
        pages = pages[:-1]
        pages += lay_out_index(edition, project, index, len(pages), styles)
    document = document.copy(pages)
    return Layout(document, page_anchors(document.pages), html, index)


VARIANTS = {  # --pdf-variant: WeasyPrint's variant, and whether to claim PDF/UA-1 as well
    "archival-accessible": ("pdf/a-3b", True),  # the default: one file, both claims
    "archival": ("pdf/a-3b", False),
    "accessible": ("pdf/ua-1", False),
}


def set_metadata(document, edition: Edition, stamp) -> None:
    """Fill the document's info and XMP metadata from the edition, dates from the stamp."""
    record, settings = edition.record, edition.settings
    metadata = document.metadata
    metadata.title = record.title or record.slug
    metadata.authors = list(settings.editors)
    metadata.description = record.summary.text if record.summary else ""
    metadata.keywords = keywords(edition)
    metadata.lang = settings.language
    metadata.generator = "edition (WeasyPrint)"
    metadata.created = metadata.modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def keywords(edition: Edition) -> list[str]:
    """Return the PDF's keywords: the record's date, language and the persons it names most."""
    words = ["critical edition", edition.repository]
    if edition.record.original_language:
        words.append(f"translated from {edition.record.original_language.text}")
    if edition.record_iso_date:
        words.append(edition.record_iso_date[:4])
    counts: dict[str, int] = {}
    for _, mention in edition.record.mentions():
        counts[mention.person] = counts.get(mention.person, 0) + 1
    top = sorted(counts, key=lambda p: (-counts[p], p))[:6]
    return words + [edition.register.persons[p].name for p in top]


def attachments(files: dict[str, bytes], source: bytes, edition: Edition, stamp) -> list:
    """Return PDF attachments (PDF/A-3 associated files): the source record, the citations."""
    from weasyprint import Attachment
    slug = edition.record.slug
    described = [(f"{slug}.txt", source, "The record as the archive exported it", "Source"),
                 (f"{slug}.json", files.get(".json", b""), "Citation, CSL-JSON", "Supplement"),
                 (f"{slug}.bib", files.get(".bib", b""), "Citation, BibTeX", "Supplement")]
    return [Attachment(string=data.decode("utf-8"), name=name, description=text,
                       relationship=relation, created=stamp, modified=stamp)
            for name, data, text, relation in described if data]


def pdf_bytes(layout: Layout, edition: Edition, stamp, variant: str = "archival-accessible",
              files: dict | None = None, source: bytes = b"") -> bytes:
    """Return the PDF of a laid-out book in a variant, with metadata and attachments."""
    import hashlib
    from .pdfpost import edition_metadata, finish, install_note_tags
    install_note_tags()
    weasy_variant, claim_ua = VARIANTS[variant]
    document = layout.document
    set_metadata(document, edition, stamp)
    document.metadata = edition_metadata(document.metadata, edition.settings.language, claim_ua)
    identifier = hashlib.sha256(layout.html.encode()).hexdigest()[:32].encode()
    with fixed_clock(stamp), weasyprint_warnings():
        return document.write_pdf(pdf_variant=weasy_variant, pdf_tags=True,
                                  pdf_identifier=identifier, finisher=finish,
                                  attachments=attachments(files or {}, source, edition, stamp))


@contextlib.contextmanager
def fixed_clock(stamp):
    """Give fontTools (which subsets the fonts) the build's date instead of the clock.

    fontTools stamps each subset font's head table with SOURCE_DATE_EPOCH when it is set,
    else with the time of day (fontTools.misc.timeTools.timestampNow).
    """
    import os
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(stamp.timestamp()))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
