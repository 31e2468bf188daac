"""Map the PDF's pages onto the text: where each page begins, for the EPUB's page list.

Input: the laid-out book (WeasyPrint's boxes). Output: PageBreak(label, anchor, offset): page
`label` begins `offset` visible characters into the element with id `anchor`. Offsets count
non-space characters, outside notes, so they mean the same in the book's and the e-book's
XHTML (whose whitespace and note markup differ). `insert_page_breaks` puts EPUB 3 pagebreak
markers (EPUB 3.3 §D.4.3, DPUB-ARIA doc-pagebreak) at those places. No second layout is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

IGNORED = "\u00ad\u2010"  # soft hyphen and the hyphen WeasyPrint adds when it breaks a word
SKIP_CLASSES = ("note", "noteref", "footnote")
XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"  # an inline SVG's <title> is not laid out as text


@dataclass(frozen=True)
class PageBreak:
    label: str
    anchor: str
    offset: int


def visible_length(text: str) -> int:
    """Count the characters that place a page break: no spaces, no added hyphens."""
    return sum(1 for c in text if not c.isspace() and c not in IGNORED)


def skipped(element) -> bool:
    """Tell whether an element holds note text, which lies outside the reading flow."""
    classes = (element.get("class") or "").split() if element is not None else []
    return any(c in SKIP_CLASSES for c in classes)


def text_boxes(box, anchors=()):
    """Yield (text box, nearest anchor id) in layout order, outside notes and footnote calls."""
    element = getattr(box, "element", None)
    tag = getattr(box, "element_tag", "") or ""
    if "::" in tag or (element is not None and skipped(element)):
        return
    if element is not None and is_anchor(element.get("id")) and not tag.endswith("::marker"):
        if not anchors or anchors[-1] != element.get("id"):
            anchors = (*anchors, element.get("id"))
    if type(box).__name__ == "TextBox":
        if anchors:
            yield box, anchors[-1]
        return
    for child in getattr(box, "children", ()):
        yield from text_boxes(child, anchors)


def find_page_breaks(document) -> list[PageBreak]:
    """Return where each page of a laid-out document begins."""
    seen: dict[str, int] = {}
    breaks: list[PageBreak] = []
    pending: list[str] = []  # labels of pages with no text yet (blank pages)
    for number, page in enumerate(document.pages, 1):
        pending.append(str(number))
        for box, anchor in text_boxes(page._page_box):
            length = visible_length(box.text)
            if not length:
                continue
            if pending:
                breaks += [PageBreak(label, anchor, seen.get(anchor, 0)) for label in pending]
                pending = []
            seen[anchor] = seen.get(anchor, 0) + length
    return breaks


def insert_page_breaks(root, breaks: list[PageBreak], make_marker) -> list[PageBreak]:
    """Insert markers into an lxml XHTML tree; return the breaks it placed."""
    by_id = {el.get("id"): el for el in root.iter() if el.get("id")}
    placed = []
    for page_break in breaks:
        element = by_id.get(page_break.anchor)
        if element is not None and place_marker(element, page_break, make_marker):
            placed.append(page_break)
    return placed


def place_marker(element, page_break: PageBreak, make_marker) -> bool:
    """Put a marker before the word at the break's offset in the element's visible text."""
    remaining = page_break.offset
    for node, attr in text_slots(element):
        text = getattr(node, attr) or ""
        count = visible_length(text)
        if remaining < count or (remaining == count == 0 and not text.strip()):
            split = word_start(text, remaining)
            insert_marker(node, attr, split, make_marker(page_break.label))
            return True
        remaining -= count
    return False


def word_start(text: str, visible: int) -> int:
    """Return the index in text where the word holding visible character `visible` begins."""
    seen = 0
    for index, char in enumerate(text):
        if char.isspace() or char in IGNORED:
            continue
        if seen == visible:
            while index > 0 and not text[index - 1].isspace():
                index -= 1
            return index
        seen += 1
    return len(text)


def text_slots(element):
    """Yield (node, 'text' | 'tail') for the visible text of an element, in document order."""
    if not skipped(element):
        yield element, "text"
        for child in element:
            if skipped(child) or child.tag in (f"{XHTML}aside", f"{SVG}svg") \
                    or is_anchor(child.get("id")):
                yield child, "tail"  # an element with its own anchor counts its own text
                continue
            yield from text_slots(child)
            yield child, "tail"


def is_anchor(ident: str | None) -> bool:
    """Tell whether an id starts an offset count of its own (as in text_boxes); mentions don't."""
    return bool(ident) and not ident.startswith(("m-", "page-"))


def insert_marker(node, attr: str, split: int, marker) -> None:
    """Split node.text or node.tail at `split` and put the marker element there."""
    text = getattr(node, attr) or ""
    marker.tail = text[split:]
    setattr(node, attr, text[:split])
    if attr == "text":
        node.insert(0, marker)
    else:
        parent = node.getparent()
        parent.insert(parent.index(node) + 1, marker)
