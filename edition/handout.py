"""Make a classroom handout of a record: an excerpt with numbered paragraphs and lines, as a PDF.

Input: a project, a record and the teacher's choices (paragraphs, paper, numbers, questions).
Output: build/<slug>-handout-<paper>.pdf, written atomically, with its page count. The excerpt
is a new Record (paragraph numbers kept, notes renumbered from 1, omitted stretches marked);
it is rendered with the book's macros, so notes read exactly as in the book, and typeset by
WeasyPrint. Line numbers, which CSS cannot place, are measured on the laid-out lines and drawn
on the pages afterwards (see `draw_line_numbers`).
"""

from __future__ import annotations

import io
import itertools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .diagnostics import Diagnostic, EditionError
from .model import Intervention, Paragraph, Record, with_inlines

PAPERS = {"a4": "A4", "letter": "letter"}  # --paper -> CSS page size (CSS Paged Media 3 §7.1)
NUMBERS = ("paragraphs", "lines", "both")
LINE_STEP = 5  # a number every fifth line, counted afresh on each page
# Blocks whose lines are counted: the reading text, not the title, omission marks or notes.
COUNTED = frozenset({"paragraph", "dateline", "attendance", "summary", "signature"})
NUMBER_GAP_MM = 5  # from the text's right edge to the line numbers
PX_PER_MM = 96 / 25.4  # WeasyPrint lays out in CSS px
PT_PER_PX = 0.75
LINE_NUMBERS_XOBJECT = "/EditionLineNumbers"  # a fixed name: rebuilds stay byte-identical


@dataclass
class HandoutResult:
    """What `make_handout` wrote: the PDF's path, its page count, and the diagnostics."""

    path: Path
    pages: int
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass(frozen=True)
class LineNumber:
    """A line number to draw: its page (0-based), value and place (CSS px from the top left)."""

    page: int
    number: int
    x: float
    baseline: float


@dataclass
class HandoutLayout:
    """A laid-out handout: WeasyPrint's document, its XHTML and the line numbers to draw."""

    document: object
    html: str
    line_numbers: list[LineNumber] = field(default_factory=list)


# --------------------------------------------------------------------------- paragraph ranges

RANGE = re.compile(r"^(\d+)\s*[-–—]\s*(\d+)$")


def parse_paragraph_ranges(text: str, last: int) -> list[int]:
    """Turn "5-12,15" into [5, ..., 12, 15]; raise EditionError (E501) for every bad item."""
    numbers, found = set(), []
    pieces = [piece.strip() for piece in (text or "").split(",")]
    if not any(pieces):
        found.append(bad_range("no paragraphs given", "name paragraphs, e.g. --paragraphs 5-12,15"))
    for piece in pieces if any(pieces) else ():
        chosen, problem = range_item(piece, last)
        numbers.update(chosen)
        found += [problem] if problem else []
    if found:
        raise EditionError(found)
    return sorted(numbers)


def range_item(piece: str, last: int) -> tuple[range, Diagnostic | None]:
    """Return the paragraphs one item of a list names ("7" or "5-12"), or what is wrong."""
    whole = f"the record has paragraphs 1–{last}" if last else "the record has no numbered paragraphs"
    match = RANGE.match(piece)
    if not piece:
        return range(0), bad_range("an empty item in the list", "separate items with one comma")
    if not (piece.isdigit() or match):
        return range(0), bad_range(f"'{piece}' is neither a paragraph number nor a range",
                                   "write numbers and ranges separated by commas, e.g. 5-12,15")
    first, end = (int(match.group(1)), int(match.group(2))) if match else (int(piece),) * 2
    if first > end:
        return range(0), bad_range(f"the range {piece} runs backwards",
                                   f"write the smaller number first: {end}-{first}")
    if first < 1:
        return range(0), bad_range(f"'{piece}': paragraphs are numbered from 1", whole)
    if end > last:
        return range(0), bad_range(f"'{piece}' goes beyond the last paragraph ({last})", whole)
    return range(first, end + 1), None


def bad_range(message: str, hint: str) -> Diagnostic:
    return Diagnostic("E501", None, f"--paragraphs: {message}", hint)


def range_label(numbers: list[int]) -> str:
    """Return "5–12, 15" for [5, ..., 12, 15]: runs as ranges with an en dash (Chicago 6.78)."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and runs[-1][-1] == number - 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


# --------------------------------------------------------------------------- the excerpt

def excerpt(record: Record, chosen: list[int]) -> Record:
    """Return the record cut to the chosen paragraphs: numbers kept, notes renumbered from 1.

    An unnumbered paragraph (dateline, attendance) stays when the numbered paragraphs on either
    side of it are chosen. A stretch left out between chosen paragraphs becomes one paragraph of
    role "omitted". The repeated title (role "heading") is shown as the title, so it goes.
    """
    wanted, kept, skipped = set(chosen), [], []
    body = [p for p in record.paragraphs if p.role != "heading"]
    for index, paragraph in enumerate(body):
        if not (paragraph.number in wanted if paragraph.number else attached(body, index, wanted)):
            skipped += [paragraph] if paragraph.number else []
            continue
        if skipped and any(p.number for p in kept):
            kept.append(omitted(skipped))
        skipped = []
        kept.append(paragraph)
    return replace(record, paragraphs=tuple(renumber_notes(kept)))


def attached(body: list[Paragraph], index: int, wanted: set[int]) -> bool:
    """Tell whether the numbered paragraphs next to an unnumbered one are all chosen."""
    before = [p.number for p in body[:index] if p.number][-1:]
    after = [p.number for p in body[index + 1:] if p.number][:1]
    return all(n in wanted for n in before + after)


def omitted(paragraphs: list[Paragraph]) -> Paragraph:
    """Return the mark of paragraphs left out of the handout, as an omission intervention."""
    numbers = [p.number for p in paragraphs]
    text = (f"paragraph {numbers[0]}" if len(numbers) == 1
            else f"paragraphs {numbers[0]}–{numbers[-1]}") + " omitted in this handout"
    mark = Intervention("omission", text, "", paragraphs[0].pos, delimiter="")
    return Paragraph((mark,), paragraphs[0].pos, 0, "omitted")


def renumber_notes(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Number the notes of the excerpt 1, 2, ... in reading order."""
    counter = itertools.count(1)
    return [with_inlines(p, [replace(node, note=next(counter))
                             if isinstance(node, Intervention) and node.note is not None else node
                             for node in p.inlines]) for p in paragraphs]


# --------------------------------------------------------------------------- questions

LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,3}[.)])\s+(\S.*)$")
EMPHASIS = re.compile(r"(\*\*|__)(\S.*?)\1|(?<!\w)([*_])(\S.*?)\3(?!\w)|`([^`]+)`")


def parse_questions(text: str) -> list[str]:
    """Return the questions of a Markdown or text file.

    A question is a list item (`- `, `* `, `1.`, `1)`), lines after it continuing it; in a file
    without list items, each line is a question, and an indented line continues the one before.
    Headings (`#`) and, in a list, prose outside the items are left out.
    """
    lines = text.splitlines()
    listed = any(LIST_ITEM.match(line) for line in lines)
    questions: list[str] = []
    open_item = after_blank = False
    for line in lines:
        match, indented = LIST_ITEM.match(line), line[:1].isspace()
        if line.lstrip().startswith("#"):
            open_item = False
        elif not line.strip():
            open_item, after_blank = open_item and listed, True
            continue
        elif match or not (listed or indented and open_item):
            questions.append((match.group(1) if match else line).strip())
            open_item = True
        elif open_item and (indented or not after_blank):
            questions[-1] += " " + line.strip()
        else:
            open_item = False  # prose outside the list: an introduction, not a question
        after_blank = False
    return questions


def question_pieces(text: str) -> tuple[tuple[str, str], ...]:
    """Split a question into (text, "" | "em" | "strong" | "code") pieces, from its Markdown."""
    pieces, last = [], 0
    for match in EMPHASIS.finditer(text):
        pieces.append((text[last:match.start()], ""))
        if match.group(2):
            pieces.append((match.group(2), "strong"))
        elif match.group(4):
            pieces.append((match.group(4), "em"))
        else:
            pieces.append((match.group(5), "code"))
        last = match.end()
    pieces.append((text[last:], ""))
    return tuple(p for p in pieces if p[0])


def load_questions(project, record_path: Path, path: Path | None) -> list[tuple]:
    """Return the questions of --questions FILE, else of the record's sidecar, as pieces."""
    if path is None:
        from .settings import load_sidecar
        sidecar_path = project.sidecar_path(record_path)
        sidecar, _ = load_sidecar(sidecar_path, project.display(sidecar_path))
        texts = list(sidecar.questions)  # its problems were reported when the record was read
    else:
        try:
            texts = parse_questions(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as error:
            from .model import Pos
            raise EditionError([Diagnostic("E001", Pos(str(path), 1, 1), "cannot read the "
                                           f"questions: {getattr(error, 'strerror', error)}",
                                           "give a UTF-8 Markdown or text file")]) from None
    return [question_pieces(" ".join(t.split())) for t in texts if t.strip()]


# --------------------------------------------------------------------------- rendering

def short_citation(edition) -> str:
    """Return the running head: the title, shortened, and the date, as a short note cites."""
    title = edition.record.title or edition.record.slug
    if len(title) > 56:
        title = title[:56].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f"“{title},” {edition.record.date}" if edition.record.date else f"“{title}”"


def how_to_cite(edition) -> tuple[str, str]:
    """Return (style label, HTML) for the source in the edition's citation style."""
    from .csl import format_citation
    from .citation_view import STYLE_NAMES
    if edition.citation is None or not edition.citation.items:
        return "", ""
    style = edition.settings.citation_style
    return STYLE_NAMES[style], format_citation(edition.citation.items[:1], style, output="html")


def handout_html(edition, *, chosen: list[int], last: int, paper: str, numbers: str,
                 questions: list) -> str:
    """Render the handout's XHTML for an excerpt's Edition."""
    from .persons import build_index
    from .render import render
    partial = chosen != list(range(1, last + 1))
    extent = {"partial": partial, "label": range_label(chosen), "last": last}
    style, cite = how_to_cite(edition)
    citation = edition.citation
    url = (citation.fields.url if citation else "") or \
        (edition.record.citation.url if edition.record.citation else "")
    cuts = any(i.kind in ("summary", "omission") for p in edition.record.paragraphs
               if p.role != "omitted" for i in p.inlines if isinstance(i, Intervention))
    return render("handout.xhtml.jinja", edition, profile="handout", page_size=PAPERS[paper],
                  numbers=numbers, extent=extent, questions=questions, cuts=cuts,
                  persons=build_index(edition), running=short_citation(edition),
                  cite_style=style, cite=cite, url=url, qr=citation.qr_svg if citation else "")


# --------------------------------------------------------------------------- line numbers

def counted_lines(page) -> list:
    """Return the line boxes of the reading text on a laid-out page, top to bottom.

    Only the page's flow is walked: the footnote area (CSS GCPM) and the margin boxes (running
    head, page number) are other children of the page box. Absolutely placed boxes (the
    paragraph numbers) and lines without visible text are not lines of the text.
    """
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox, MarginBox
    lines: list = []

    def walk(box):
        counted = getattr(box, "element_tag", "") == "p" and COUNTED & set(classes(box))
        for child in getattr(box, "children", ()):
            if isinstance(child, (FootnoteAreaBox, MarginBox)) or absolute(child):
                continue
            if type(child).__name__ == "LineBox":
                lines.extend([child] if counted and has_text(child) else [])
            else:
                walk(child)

    walk(page._page_box)
    return lines


def classes(box) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None else []


def absolute(box) -> bool:
    return box.style["position"] in ("absolute", "fixed")


def has_text(box) -> bool:
    if type(box).__name__ == "TextBox":
        return bool(box.text.strip())
    return any(has_text(c) for c in getattr(box, "children", ()) if not absolute(c))


def text_boxes(box):
    """Yield the text boxes under a box (Box.descendants() skips absolutely placed boxes)."""
    if type(box).__name__ == "TextBox":
        yield box
    for child in getattr(box, "children", ()):
        yield from text_boxes(child)


def find_line_numbers(document) -> list[LineNumber]:
    """Return a number for every fifth counted line of each page, at the line's baseline."""
    found = []
    for index, page in enumerate(document.pages):
        box = page._page_box
        x = box.content_box_x() + box.width + NUMBER_GAP_MM * PX_PER_MM
        lines = counted_lines(page)
        for number in range(LINE_STEP, len(lines) + 1, LINE_STEP):
            line = lines[number - 1]
            # LineBox.baseline is measured from the line's top (weasyprint/layout/inline.py).
            found.append(LineNumber(index, number, x, line.position_y + line.baseline))
    return found


# Why an overlay: WeasyPrint cannot number lines, and a number placed in the HTML before
# layout does not know its line. Re-rendering the handout with numbers placed at measured
# offsets is a second full layout that could move lines; drawing the numbers onto the finished
# pages cannot. So the numbers are set in a tiny document of their own (same pages, same
# face, absolutely positioned: a fraction of the handout's layout time), each page of which is
# drawn over the handout's page as a form XObject (ISO 32000-1 §8.10), marked as an Artifact
# (§14.8.2.2) so that the tagged structure and PDF/UA readers skip it.

def line_number_pdf(layout: HandoutLayout, project, stamp) -> tuple[bytes, list[int], float]:
    """Typeset the line numbers; return the PDF, the handout page of each of its pages, and
    the vertical shift (pt) that puts each number's baseline on its line's baseline."""
    from .pdf import fixed_clock, typeset, weasyprint_warnings
    from .render import environment
    pages = sorted({n.page for n in layout.line_numbers})
    first = layout.document.pages[0]
    html = environment().get_template("handout_lines.xhtml.jinja").render(
        width=first.width, height=first.height,
        sheets=[[n for n in layout.line_numbers if n.page == p] for p in pages])
    document = typeset(html, project, "handout-lines")
    drawn = [box.position_y + box.baseline for page in document.pages
             for box in text_boxes(page._page_box)]
    wanted = [n.baseline for p in pages for n in layout.line_numbers if n.page == p]
    shifts = [w - d for w, d in zip(wanted, drawn)]  # the same for all: one face, one size
    if len(drawn) != len(wanted) or len(document.pages) != len(pages) or \
            max(shifts) - min(shifts) > 0.01:
        raise RuntimeError(f"line numbers: {len(wanted)} numbers on {len(pages)} pages, laid "
                           f"out as {len(drawn)} on {len(document.pages)}, shifted by "
                           f"{min(shifts, default=0):.3f} to {max(shifts, default=0):.3f} px")
    with fixed_clock(stamp), weasyprint_warnings():
        data = document.write_pdf()
    return data, pages, shifts[0] * PT_PER_PX


def draw_line_numbers(data: bytes, overlay: bytes, pages: list[int], shift: float) -> bytes:
    """Draw each overlay page on its handout page, moved down by `shift` points."""
    import pikepdf
    with pikepdf.open(io.BytesIO(data)) as pdf, pikepdf.open(io.BytesIO(overlay)) as numbers:
        for sheet, index in zip(numbers.pages, pages):
            page = pdf.pages[index]
            # WeasyPrint gives all pages one resource dictionary: this page gets its own.
            resources = pikepdf.Dictionary(page.Resources)
            resources.XObject = pikepdf.Dictionary(resources.get("/XObject", {}))
            resources.XObject[LINE_NUMBERS_XOBJECT] = pdf.copy_foreign(sheet.as_form_xobject())
            page.Resources = resources
            # The page's own content is wrapped in q/Q so that its graphics state ends here.
            page.contents_add(b"q", prepend=True)
            page.contents_add(f"Q /Artifact BMC q 1 0 0 1 0 {-shift:.3f} cm "
                              f"{LINE_NUMBERS_XOBJECT} Do Q EMC".encode())
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()


# --------------------------------------------------------------------------- the handout

def lay_out_handout(edition, project, html: str, numbers: str) -> HandoutLayout:
    """Lay out the handout once; verify every note is placed (E402); measure the lines."""
    from .footnote_check import verify_footnotes
    from .pdf import typeset
    document = typeset(html, project, "handout")
    lost = verify_footnotes(document, [f"note-{n.number}" for n in edition.record.notes()])
    if lost:
        raise EditionError([Diagnostic("E402", None, f"note {p.note_id}: {p.message}",
                                       "report this with the record; the PDF was not written")
                            for p in lost])
    found = find_line_numbers(document) if numbers in ("lines", "both") else []
    return HandoutLayout(document, html, found)


def handout_pdf(layout: HandoutLayout, edition, project) -> bytes:
    """Return the handout's PDF: tagged, with metadata, line numbers drawn on."""
    from .pdf import Layout, pdf_bytes
    from .settings import build_stamp
    stamp = build_stamp(edition.settings)
    data = pdf_bytes(Layout(layout.document, html=layout.html), edition, stamp)
    if not layout.line_numbers:
        return data
    return draw_line_numbers(data, *line_number_pdf(layout, project, stamp))


@dataclass
class HandoutSource:
    """What a handout is made from: the excerpt's Edition, its XHTML, and the diagnostics."""

    edition: object
    html: str
    chosen: list[int]
    diagnostics: list[Diagnostic]


def prepare_handout(project, record_path: Path, shared, *, paragraphs: str | None = None,
                    paper: str = "a4", numbers: str = "paragraphs",
                    questions: Path | None = None) -> HandoutSource:
    """Read the record, cut the excerpt and render the handout's XHTML; write nothing.

    Raises EditionError for bad input: the record's errors, E501 for bad --paragraphs, E001
    for an unreadable questions file. `paper` and `numbers` must be in PAPERS and NUMBERS
    (ValueError otherwise: the CLI offers only those).
    """
    from .project import prepare
    if paper not in PAPERS or numbers not in NUMBERS:
        raise ValueError(f"paper must be one of {list(PAPERS)}, numbers one of {list(NUMBERS)}")
    edition, found = prepare(project, record_path, shared)
    if edition is None:
        raise EditionError(found)
    last = max((p.number for p in edition.record.paragraphs), default=0)
    chosen = list(range(1, last + 1)) if paragraphs is None \
        else parse_paragraph_ranges(paragraphs, last)
    asked = load_questions(project, record_path, questions)
    edition = replace(edition, record=excerpt(edition.record, chosen), paper=paper)
    html = handout_html(edition, chosen=chosen, last=last, paper=paper, numbers=numbers,
                        questions=asked)
    return HandoutSource(edition, html, chosen, found)


def make_handout(project, record_path: Path, shared, *, paragraphs: str | None = None,
                 paper: str = "a4", numbers: str = "paragraphs", questions: Path | None = None,
                 max_pages: int | None = None, output: Path | None = None) -> HandoutResult:
    """Write a record's handout to build/<slug>-handout-<paper>.pdf (or `output`).

    `paragraphs`: "5-12,15" (None: the whole record); `numbers`: paragraphs | lines | both;
    `questions`: a Markdown or text file (None: the sidecar's questions, if any). Raises
    EditionError as `prepare_handout` does, or E402/E401 when layout or writing fails, and
    nothing is written then; warns W501 (in the result) when the handout is over `max_pages`.
    """
    from .build import write_atomic
    source = prepare_handout(project, record_path, shared, paragraphs=paragraphs, paper=paper,
                             numbers=numbers, questions=questions)
    layout = lay_out_handout(source.edition, project, source.html, numbers)
    path = Path(output) if output else \
        project.build_dir / f"{source.edition.record.slug}-handout-{paper}.pdf"
    write_atomic(path, handout_pdf(layout, source.edition, project), project.display(path))
    pages, found = len(layout.document.pages), source.diagnostics
    if max_pages is not None and pages > max_pages:
        found.append(Diagnostic("W501", None, f"the handout has {pages} pages, more than "
                                f"--max-pages {max_pages}", "choose fewer paragraphs "
                                "(--paragraphs), or leave out the questions"))
    return HandoutResult(path, pages, found)
