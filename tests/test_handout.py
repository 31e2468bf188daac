"""Classroom handouts: paragraph choice, renumbered notes, the persons box, paper, line numbers."""

from __future__ import annotations

import re

import pikepdf
import pytest
from lxml import etree

from edition.diagnostics import EditionError
from edition.handout import (excerpt, make_handout, parse_paragraph_ranges, parse_questions,
                             prepare_handout, question_pieces, range_label)
from edition.model import Intervention, Mention
from edition.pdf import book_html, typeset

from conftest import BUNDLED, copy_project

XHTML = "{http://www.w3.org/1999/xhtml}"
PT_PER_PX = 0.75
MM = 72 / 25.4
EXCERPT = dict(paragraphs="5-12,15", paper="letter", numbers="both")
QUESTIONS = """# Questions

Read paragraphs 5–12 first.

1. Why does Stalin say the *socialists* build a
   left wing? (¶ 8)
2. What does **Thorez** ask in ¶ 11?
"""


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def record_path(project):
    return project.records_dir / f"{BUNDLED}.txt"


@pytest.fixture(scope="module")
def whole(project, shared, record_path):
    """The whole record on A4, with both kinds of numbers, and its layout."""
    result = make_handout(project, record_path, shared, numbers="both")
    source = prepare_handout(project, record_path, shared, numbers="both")
    return result, source, typeset(source.html, project, "handout")


@pytest.fixture(scope="module")
def part(project, shared, record_path, tmp_path_factory):
    """Paragraphs 5-12 and 15 on letter paper, with questions from a Markdown file."""
    questions = tmp_path_factory.mktemp("questions") / "questions.md"
    questions.write_text(QUESTIONS, encoding="utf-8")
    output = tmp_path_factory.mktemp("out") / "excerpt.pdf"
    result = make_handout(project, record_path, shared, questions=questions, output=output,
                          **EXCERPT)
    source = prepare_handout(project, record_path, shared, questions=questions, **EXCERPT)
    return result, source, typeset(source.html, project, "handout")


# --------------------------------------------------------------------------- helpers

def walk(box):
    """Yield a box and everything under it, absolutely placed boxes included."""
    yield box
    for child in getattr(box, "children", ()) or ():
        yield from walk(child)


def text_of(box) -> str:
    return "".join(b.text for b in walk(box) if type(b).__name__ == "TextBox")


def reading_baselines(page) -> list[float]:
    """Return the baselines (pt from the page's top) of the record's text lines on a page.

    Lines of <p> elements inside section.record, except the omission marks; not the notes
    (footnote area), the running heads (margin boxes), nor the paragraph numbers (placed
    absolutely, so wrapped in an AbsolutePlaceholder).
    """
    found = []

    def visit(box, inside_record, paragraph):
        kind = type(box).__name__
        if kind in ("FootnoteAreaBox", "MarginBox", "AbsolutePlaceholder"):
            return
        element, tag = getattr(box, "element", None), box.element_tag or ""
        if element is not None and "::" not in tag:
            classes = (element.get("class") or "").split()
            inside_record = inside_record or tag == "section" and "record" in classes
            if tag == "p":
                paragraph = "omitted" not in classes
        if kind == "LineBox":
            if inside_record and paragraph and text_of(box).strip():
                found.append((box.position_y + box.baseline) * PT_PER_PX)
            return
        for child in box.children if hasattr(box, "children") else ():
            visit(child, inside_record, paragraph)

    visit(page._page_box, False, False)
    return found


def multiply(m, n):
    """Return the PDF matrix m x n (ISO 32000-1 §8.3.4: a point is a row vector)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def to_unicode(font) -> dict[int, str]:
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    pairs = re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", cmap.split("beginbfchar", 1)[1])
    return {int(code, 16): chr(int(char, 16)) for code, char in pairs}


def drawn_line_numbers(path) -> list[list[tuple[int, float, float]]]:
    """Return per page the (number, x, baseline) of the line numbers in a PDF, in pt from the
    page's top left: the text shown in its /EditionLineNumbers form XObject, placed through
    every cm, form matrix and text matrix on the way (ISO 32000-1 §8.3, §9.4.2)."""
    pages = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            found: list = []
            run(page, page.Resources, (1, 0, 0, 1, 0, 0), False, found)
            height = float(page.MediaBox[3])
            pages.append([(int(text), x, height - y) for text, x, y in found])
    return pages


def run(content, resources, ctm, inside, found):
    stack, tm, codes = [], None, {}
    for operands, operator in pikepdf.parse_content_stream(content):
        op = str(operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop()
        elif op == "cm":
            ctm = multiply(tuple(float(v) for v in operands), ctm)
        elif op == "Tm":
            tm = tuple(float(v) for v in operands)
        elif op == "Tf" and inside:
            codes = to_unicode(resources.Font[operands[0]])
        elif op == "TJ" and inside:
            data = b"".join(bytes(s) for s in operands[0] if isinstance(s, pikepdf.String))
            text = "".join(codes[int.from_bytes(data[i:i + 2], "big")]
                           for i in range(0, len(data), 2))
            placed = multiply(tm, ctm)
            found.append((text, placed[4], placed[5]))
        elif op == "Do":
            form = resources.XObject[operands[0]]
            if form.Subtype == "/Form":
                matrix = tuple(float(v) for v in form.get("/Matrix", [1, 0, 0, 1, 0, 0]))
                run(form, form.Resources, multiply(matrix, ctm),
                    inside or str(operands[0]) == "/EditionLineNumbers", found)


def html_root(source):
    return etree.fromstring(source.html.encode())


def persons_in_box(source) -> set[str]:
    return {li.get("data-person") for li in html_root(source).iter(f"{XHTML}li")
            if li.get("data-person")}


def handout_notes(document) -> dict[str, tuple[str, str, int, int]]:
    """Return note id -> (call text, body text, call page, body page) from a laid-out handout."""
    calls, bodies = {}, {}
    for number, page in enumerate(document.pages, 1):
        for box in walk(page._page_box):
            tag = getattr(box, "element_tag", "") or ""
            element = getattr(box, "element", None)
            ident = element.get("id") if element is not None else None
            if tag.endswith("::footnote-call") and ident and type(box).__name__ == "InlineBox":
                calls[ident] = (text_of(box), number)
            if type(box).__name__ == "FootnoteAreaBox":
                for note in box.children:
                    bodies[note.element.get("id")] = (text_of(note), number)
    return {ident: (calls[ident][0], bodies[ident][0], calls[ident][1], bodies[ident][1])
            for ident in calls}


def bare(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("\u00ad", "").replace("\u2010", ""))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "").replace("\u2010", "")).strip()


# --------------------------------------------------------------------------- paragraph ranges

@pytest.mark.parametrize("text, expected", [
    ("5-12,15", [5, 6, 7, 8, 9, 10, 11, 12, 15]),
    (" 3 , 1 - 2 ", [1, 2, 3]),
    ("5–7", [5, 6, 7]),
    ("1-3,2-4,4", [1, 2, 3, 4]),
    ("36", [36]),
    ("15,5-6", [5, 6, 15]),
])
def test_handout_paragraph_ranges_and_lists(text, expected):
    assert parse_paragraph_ranges(text, 36) == expected


@pytest.mark.parametrize("text, words", [
    ("9-3", "runs backwards"),
    ("37", "beyond the last paragraph (36)"),
    ("30-40", "beyond the last paragraph (36)"),
    ("0", "numbered from 1"),
    ("abc", "'abc' is neither"),
    ("5-", "'5-' is neither"),
    ("5,,6", "empty item"),
    ("", "no paragraphs given"),
])
def test_handout_bad_ranges_are_e501_errors(text, words):
    with pytest.raises(EditionError) as caught:
        parse_paragraph_ranges(text, 36)
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.code == "E501" and diagnostic.severity == "error"
    assert words in diagnostic.message and diagnostic.hint
    assert "error E501" in diagnostic.format() and "hint:" in diagnostic.format()


def test_handout_bad_ranges_are_all_reported():
    with pytest.raises(EditionError) as caught:
        parse_paragraph_ranges("9-3,2,x,40", 36)
    assert [d.code for d in caught.value.diagnostics] == ["E501"] * 3


def test_handout_bad_range_writes_nothing(project, shared, record_path, tmp_path):
    output = tmp_path / "never.pdf"
    with pytest.raises(EditionError) as caught:
        make_handout(project, record_path, shared, paragraphs="12-3", output=output)
    assert caught.value.diagnostics[0].code == "E501" and not output.exists()


def test_handout_range_label():
    assert range_label([5, 6, 7, 8, 9, 10, 11, 12, 15]) == "5–12, 15"
    assert range_label([1, 3, 4]) == "1, 3–4"


# --------------------------------------------------------------------------- the excerpt

def test_handout_excerpt_keeps_numbers_and_marks_omissions(edition):
    cut = excerpt(edition.record, [5, 6, 7, 8, 9, 10, 11, 12, 15])
    assert [(p.role, p.number) for p in cut.paragraphs] == [
        *(("text", n) for n in range(5, 13)), ("omitted", 0), ("text", 15)]
    mark = cut.paragraphs[8].inlines[0]
    assert mark.kind == "omission" and mark.text == "paragraphs 13–14 omitted in this handout"
    originals = {p.number: p for p in edition.record.paragraphs if p.number}
    for paragraph in cut.paragraphs:
        if paragraph.number:  # the words are the record's, in order
            assert [n.text for n in paragraph.inlines] == \
                [n.text for n in originals[paragraph.number].inlines]
    assert excerpt(edition.record, [1, 3]).paragraphs[3].inlines[0].text.startswith(
        "paragraph 2 omitted")


def test_handout_whole_record_keeps_everything_but_the_repeated_title(edition):
    whole = excerpt(edition.record, list(range(1, 37)))
    body = [p for p in edition.record.paragraphs if p.role != "heading"]
    assert [p.role for p in whole.paragraphs] == [p.role for p in body]
    assert [n.number for n in whole.notes()] == [n.number for n in edition.record.notes()]
    # the dateline and attendance go with paragraph 1
    assert [p.role for p in excerpt(edition.record, [1, 2]).paragraphs][:2] == \
        ["dateline", "attendance"]
    assert excerpt(edition.record, [2]).paragraphs[0].number == 2


def test_handout_notes_renumbered_each_matching_its_call(edition, part):
    result, source, document = part
    chosen = set(source.chosen)
    original = [n for p in edition.record.paragraphs if p.number in chosen
                for n in p.inlines if isinstance(n, Intervention) and n.note is not None]
    renumbered = source.edition.record.notes()
    assert [n.number for n in renumbered] == list(range(1, len(original) + 1)) and original
    book = {int(span.get("data-number")): squash("".join(span.itertext()))
            for span in etree.fromstring(book_html(edition).encode()).iter(f"{XHTML}span")
            if "note" in (span.get("class") or "").split()}
    laid_out = handout_notes(document)
    for new, old in zip(renumbered, original):
        assert (new.intervention.pos, new.intervention.text) == (old.pos, old.text)
        call, body, call_page, body_page = laid_out[f"note-{new.number}"]
        assert call == str(new.number)
        # the marker, then the book's very words (line ends drop spaces in the layout)
        assert bare(body) == bare(f"{new.number}. {book[old.note]}")
        assert call_page <= body_page <= call_page + 1


def test_handout_persons_box_holds_exactly_the_excerpts_persons(edition, part, whole):
    _, source, document = part
    chosen = set(source.chosen)
    expected = set()
    for paragraph in edition.record.paragraphs:
        if paragraph.number in chosen:
            for node in paragraph.inlines:
                if isinstance(node, Mention):
                    expected.add(node.person)
                elif isinstance(node, Intervention) and node.note is not None:
                    expected.update(m.person for m in node.mentions)
    assert persons_in_box(source) == expected
    assert "molotov" not in expected and "duclos" not in expected  # named elsewhere only
    # ... and the box shows them with dates and identification, after the text
    laid_out = " ".join(text_of(page._page_box) for page in document.pages)
    for pid in expected:
        person = edition.register.persons[pid]
        assert bare(f"{person.name} ({person.dates}). {person.description}") in bare(laid_out)
    whole_persons = {m.person for p in edition.record.paragraphs if p.role != "heading"
                     for m in p.inlines if isinstance(m, Mention)}
    assert persons_in_box(whole[1]) >= whole_persons | {"molotov", "suslov"}


# --------------------------------------------------------------------------- the PDF

@pytest.mark.parametrize("which, size", [("whole", (210, 297)), ("part", (215.9, 279.4))])
def test_handout_paper_size(which, size, request, project):
    result = request.getfixturevalue(which)[0]
    with pikepdf.open(result.path) as pdf:
        assert len(pdf.pages) == result.pages
        for page in pdf.pages:
            box = [float(v) for v in page.MediaBox]
            assert box[:2] == [0, 0]
            assert box[2] == pytest.approx(size[0] * MM, abs=0.5)
            assert box[3] == pytest.approx(size[1] * MM, abs=0.5)
    if which == "whole":
        assert result.path == project.build_dir / f"{BUNDLED}-handout-a4.pdf"


@pytest.mark.parametrize("which", ["whole", "part"])
def test_handout_line_numbers_sit_on_their_lines(which, request):
    result, _, document = request.getfixturevalue(which)
    drawn = drawn_line_numbers(result.path)
    assert len(drawn) == len(document.pages) and sum(map(len, drawn)) > 10
    for page, numbers in zip(document.pages, drawn):
        lines = reading_baselines(page)
        assert [n for n, _, _ in numbers] == list(range(5, len(lines) + 1, 5))  # afresh per page
        box = page._page_box
        right = (box.content_box_x() + box.width) * PT_PER_PX
        for number, x, baseline in numbers:
            assert baseline == pytest.approx(lines[number - 1], abs=1.0), number
            assert right < x < page.width * PT_PER_PX - 10 * MM  # in the right margin


def test_handout_paragraph_numbers_only_has_no_line_numbers(project, shared, record_path,
                                                            tmp_path):
    result = make_handout(project, record_path, shared, paragraphs="1-3",
                          output=tmp_path / "h.pdf")
    assert not any(drawn_line_numbers(result.path))


def test_handout_paragraph_numbers_are_the_books(edition, part):
    _, source, document = part
    shown = [text_of(box) for page in document.pages for box in walk(page._page_box)
             if type(box).__name__ == "AbsolutePlaceholder"
             and "paragraph-number" in (box.element.get("class") or "")]
    assert shown == [str(n) for n in source.chosen]
    book = etree.fromstring(book_html(edition).encode())
    handout = html_root(source)
    for number in source.chosen:
        ours = handout.find(f".//{XHTML}p[@id='p{number}']")
        theirs = book.find(f".//{XHTML}p[@id='p{number}']")
        assert squash("".join(ours.itertext())) == squash("".join(theirs.itertext()))


def test_handout_lines_only_hides_paragraph_numbers(project, shared, record_path):
    source = prepare_handout(project, record_path, shared, paragraphs="1-2", numbers="lines")
    document = typeset(source.html, project, "handout")
    assert not [box for page in document.pages for box in walk(page._page_box)
                if type(box).__name__ == "AbsolutePlaceholder"]


def test_handout_running_head_and_page_x_of_y(part):
    result, source, document = part
    total = len(document.pages)
    for number, page in enumerate(document.pages, 1):
        margins = [squash(text_of(b)) for b in page._page_box.children
                   if type(b).__name__ == "MarginBox"]
        assert f"page {number} of {total}" in margins
        assert any(m.startswith("“Record of the Meeting") and m.endswith("November 18, 1947")
                   for m in margins), margins
        assert "¶ 5–12, 15" in margins


def test_handout_omission_between_chosen_paragraphs_is_shown(part):
    _, source, document = part
    text = bare(" ".join(text_of(page._page_box) for page in document.pages))
    assert bare("— paragraphs 13–14 omitted in this handout —") in text
    assert bare("Excerpt: paragraphs 5–12, 15 of 36") in text


def test_handout_citation_box(part, shared):
    _, source, document = part
    box = next(s for s in html_root(source).iter(f"{XHTML}section")
               if s.get("class") == "cite-box")
    text = squash("".join(box.itertext()))
    assert shared.settings.citation_style == "chicago" and "Chicago" in text
    assert "Zubok, Vladislav, trans." in text  # the bibliography entry, Chicago style
    url = "https://digitalarchive.wilsoncenter.org/document/134385"  # the sidecar's correction
    assert f"Online: {url}" in text
    assert box.find(f".//{{http://www.w3.org/2000/svg}}svg") is not None
    last = document.pages[-1]
    assert "How to cite this document" in text_of(last._page_box)


def test_handout_questions_from_the_file(part):
    _, source, document = part
    items = [squash("".join(li.itertext())) for li in html_root(source).iter(f"{XHTML}li")
             if li.getparent().tag == f"{XHTML}ol"]
    assert items == ["Why does Stalin say the socialists build a left wing? (¶ 8)",
                     "What does Thorez ask in ¶ 11?"]
    assert html_root(source).find(f".//{XHTML}em").text == "socialists"


def test_handout_questions_from_the_sidecar(tmp_path, record_path):
    from edition.project import Project, load_shared
    project = Project(copy_project(tmp_path))
    sidecar = project.records_dir / f"{BUNDLED}.toml"
    sidecar.write_text('questions = ["Who was *present*?", "Why Paris?"]\n' +  # before tables
                       sidecar.read_text(encoding="utf-8"), encoding="utf-8")
    shared, _ = load_shared(project)
    source = prepare_handout(project, project.records_dir / record_path.name, shared,
                             paragraphs="1-2")
    items = [squash("".join(li.itertext())) for li in html_root(source).iter(f"{XHTML}li")
             if li.getparent().tag == f"{XHTML}ol"]
    assert items == ["Who was present?", "Why Paris?"]


@pytest.mark.parametrize("text, expected", [
    ("- One?\n- Two\n  continued?\n", ["One?", "Two continued?"]),
    ("Intro.\n\n1) First\n2. Second\n\nAfter the list.\n", ["First", "Second"]),
    ("# Title\nFirst question?\nSecond question?\n", ["First question?", "Second question?"]),
    ("One\n   more\n\nTwo\n", ["One more", "Two"]),
    ("", []),
])
def test_handout_question_files(text, expected):
    assert parse_questions(text) == expected


def test_handout_question_emphasis():
    assert question_pieces("Why **now** and *why* `here`?") == (
        ("Why ", ""), ("now", "strong"), (" and ", ""), ("why", "em"), (" ", ""),
        ("here", "code"), ("?", ""))


def test_handout_unreadable_questions_file(project, shared, record_path, tmp_path):
    with pytest.raises(EditionError) as caught:
        prepare_handout(project, record_path, shared, questions=tmp_path / "none.md")
    assert caught.value.diagnostics[0].code == "E001"


def test_handout_reports_pages_and_warns_over_max_pages(project, shared, record_path,
                                                        tmp_path):
    result = make_handout(project, record_path, shared, paragraphs="1-12", max_pages=1,
                          output=tmp_path / "long.pdf")
    with pikepdf.open(result.path) as pdf:
        assert result.pages == len(pdf.pages) > 1
    [warning] = [d for d in result.diagnostics if d.code == "W501"]
    assert warning.severity == "warning" and f"{result.pages} pages" in warning.message
    fits = make_handout(project, record_path, shared, paragraphs="1-12", max_pages=9,
                        output=tmp_path / "short.pdf")
    assert not [d for d in fits.diagnostics if d.code == "W501"]


def test_handout_whole_record_by_default(whole):
    result, source, document = whole
    assert source.chosen == list(range(1, 37))
    text = bare(" ".join(text_of(page._page_box) for page in document.pages))
    assert bare("omitted in this handout") not in text
    assert bare("Complete text, 36 paragraphs") in text and bare("Persons in this record") in text
    assert result.pages == len(document.pages)


def test_handout_is_byte_identical_when_rebuilt(project, shared, record_path, tmp_path):
    first = make_handout(project, record_path, shared, paragraphs="14-16", numbers="lines",
                         output=tmp_path / "a.pdf")
    second = make_handout(project, record_path, shared, paragraphs="14-16", numbers="lines",
                          output=tmp_path / "b.pdf")
    assert first.path.read_bytes() == second.path.read_bytes()


def test_handout_of_other_records(tmp_path):
    """Records with a signature, lists and many notes make handouts too."""
    from conftest import RECORDS
    from edition.project import Project, load_shared
    names = ["1948-signature-and-lists.txt", "1956-memcon-many-participants.txt"]
    project = Project(copy_project(tmp_path, records=[RECORDS / n for n in names]))
    shared, _ = load_shared(project)
    for name in names:
        result = make_handout(project, project.records_dir / name, shared, numbers="both",
                              paragraphs="2-4,6")
        assert result.pages >= 1 and result.path.is_file()
        assert sum(map(len, drawn_line_numbers(result.path))) >= 1
