"""Turn the archive's exported text into a Record, with a position on every node.

This is the only module that knows the Wilson Center Digital Archive's export format: bold
`**date**` and `**title**` lines, `**Label:**` sections (Citation, Summary, Original Language,
Contents), then the body. Brackets become raw interventions (kind "bracket") and ellipses
omissions; annotate.py classifies them. Problems become diagnostics, never exceptions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .diagnostics import Diagnostic, display_path
from .model import Citation, Intervention, Paragraph, Pos, Record, Section, Text

MAX_BYTES = 2_000_000  # a record is a document, not an archive: refuse larger files
LABEL = re.compile(r"^\*\*\s*([A-Z][A-Za-z ]{1,40}?)\s*:\s*\*\*\s*$")
URL_LINE = re.compile(r"^<(https?://[^\s>]+)>$")
ELLIPSIS = re.compile(r"\.\s\.\s\.|\.{3,}|…")
OMISSION_BRACKET = re.compile(r"^\s*(\.\s?\.\s?\.|…)\s*$")
ATTENDANCE = re.compile(r"^(Present|Participants|Attending|In attendance|Also present)\s*:", re.I)
YEAR = re.compile(r"\b1[89]\d\d\b|\b\d{1,2}\.[IVX]+\.\d{2,4}\b")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Block:
    """Consecutive non-blank lines: their joined text and a map from offsets to positions."""

    text: str
    starts: list[tuple[int, int, int]]  # (offset in text, line, col)
    file: str

    def pos(self, offset: int = 0) -> Pos:
        """Return the source position of the character at `offset`."""
        start, line, col = self.starts[0]
        for s, ln, c in self.starts:
            if s > offset:
                break
            start, line, col = s, ln, c
        return Pos(self.file, line, col + offset - start)


def decode_record(data: bytes, source: str) -> tuple[str | None, list[Diagnostic]]:
    """Decode a record's bytes (UTF-8 with or without BOM, or cp1252) into text with \\n lines."""
    start = Pos(source, 1, 1)
    if not data.strip():
        return None, [Diagnostic("E002", start, "the record is empty",
                                 "export the record again from the archive")]
    if len(data) > MAX_BYTES:
        return None, [Diagnostic("E006", start, f"the record is {len(data):,} bytes, over the "
                                 f"limit of {MAX_BYTES:,}", "split the file: one record a file")]
    if b"\x00" in data[:8192]:
        return None, [Diagnostic("E003", start, "the file is binary (it has NUL bytes)",
                                 "give a text export of the record")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            return None, [Diagnostic("E004", Pos(source, line, 1), f"byte {data[error.start]:#04x} "
                                     "is neither UTF-8 nor cp1252", "re-save the file as UTF-8")]
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        for match in CONTROL.finditer(line):
            found.append(Diagnostic("E005", Pos(source, number, match.start() + 1),
                                    f"control character {match.group()!r} in the text",
                                    "delete it; records are plain text"))
    return (None if found else text), found


def read_record(path: Path, root: Path | None = None) -> tuple[Record | None, list[Diagnostic]]:
    """Read and parse a record file; return the record (or None) and the diagnostics."""
    source = display_path(path, root)
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [Diagnostic("E001", Pos(source, 1, 1), f"cannot read the record: "
                                 f"{error.strerror or error}", "check the path")]
    text, problems = decode_record(data, source)
    if text is None:
        return None, problems
    record, more = parse_record(text, source=source, slug=path.stem)
    return record, problems + more


def split_blocks(text: str, source: str) -> list[Block]:
    """Split text into blocks of consecutive non-blank lines, joining hard line breaks."""
    blocks, lines = [], []
    for number, line in enumerate(text.split("\n") + [""], 1):
        if line.strip():
            lines.append((number, line))
            continue
        if lines:
            blocks.append(join_lines(lines, source))
            lines = []
    return blocks


def join_lines(lines: list[tuple[int, str]], source: str) -> Block:
    """Join a block's lines with single spaces, keeping where each line starts."""
    parts, starts, offset = [], [], 0
    for number, line in lines:
        stripped = line.lstrip()
        col = len(line) - len(stripped) + 1
        stripped = stripped.rstrip()
        starts.append((offset, number, col))
        parts.append(stripped)
        offset += len(stripped) + 1
    return Block(" ".join(parts), starts, source)


def unbold(text: str) -> str:
    """Remove the export's `**bold**` markers."""
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def parse_record(text: str, source: str = "<record>", slug: str = "record"):
    """Parse a record's text; return (Record, diagnostics)."""
    blocks = split_blocks(text, source)
    header, body = split_header(blocks)
    fields, diagnostics = parse_header(header)
    paragraphs, more = parse_body(body, fields.get("title", ""), source)
    diagnostics += more
    if not any(d.severity == "error" for d in more) and not any(p.role == "text" for p in paragraphs):
        diagnostics.append(Diagnostic("E010", Pos(source, 1, 1), "the record has no body text",
                                      "the text of the document follows the **Contents:** "
                                      "section; was the export cut short?"))
    return Record(source=source, slug=slug, paragraphs=tuple(paragraphs), **fields), diagnostics


def split_header(blocks: list[Block]) -> tuple[list[Block], list[Block]]:
    """Split blocks into the export's header (bold lines and labelled sections) and the body."""
    labels = [i for i, b in enumerate(blocks) if LABEL.match(b.text)]
    if not labels:
        lead = 0
        while lead < len(blocks) and blocks[lead].text.startswith("**"):
            lead += 1
        return blocks[:lead], blocks[lead:]
    last = labels[-1]
    end = last + 2
    if LABEL.match(blocks[last].text).group(1).lower() == "citation":
        end += int(end < len(blocks) and bool(URL_LINE.match(blocks[end].text)))
    return blocks[:end], blocks[end:]


def parse_header(blocks: list[Block]) -> tuple[dict, list[Diagnostic]]:
    """Read the date, the title and the labelled sections of the header."""
    fields: dict = {}
    sections: list[Section] = []
    current = None
    for block in blocks:
        label = LABEL.match(block.text)
        if label:
            current = label.group(1).strip()
            continue
        if current is None:
            read_title_or_date(block, fields)
            continue
        url = URL_LINE.match(block.text)
        if current.lower() == "citation" and url:
            fields["citation_url"] = (url.group(1), block.pos(1))
            continue
        sections.append(Section(current, unbold(block.text), block.pos()))
    for section in sections:
        key = section.name.lower().replace(" ", "_")
        if key in ("summary", "original_language", "contents") and key not in fields:
            fields[key] = section
    citation = next((s for s in sections if s.name.lower() == "citation"), None)
    url, url_pos = fields.pop("citation_url", ("", None))
    if citation or url:
        fields["citation"] = Citation(citation.text if citation else "", url,
                                      citation.pos if citation else url_pos, url_pos)
    fields["sections"] = tuple(sections)
    return fields, []


def read_title_or_date(block: Block, fields: dict) -> None:
    """Take a bold header block as the record's date if it reads as one, else as its title."""
    text = unbold(block.text)
    if "date" not in fields and iso_date(text):
        fields["date"], fields["date_pos"] = text, block.pos()
    elif "title" not in fields:
        fields["title"], fields["title_pos"] = text, block.pos()


def iso_date(text: str) -> str:
    """Return an ISO 8601 date (or year-month, or year) for an export's date line, or ''."""
    text = text.strip().rstrip(".")
    for fmt, width in (("%B %d, %Y", 10), ("%d %B %Y", 10), ("%B %Y", 7), ("%Y", 4)):
        try:
            return datetime.strptime(text, fmt).date().isoformat()[:width]
        except ValueError:
            continue
    return ""


def same_words(a: str, b: str) -> bool:
    """Tell whether two texts have the same words, ignoring case, spacing and punctuation."""
    def words(t):
        return re.findall(r"\w+", t.lower())
    return bool(words(a)) and words(a) == words(b)


TOKEN = re.compile(
    r"\[(?P<bracket>[^\[\]]*)\]"
    r"|(?P<ellipsis>\.\s\.\s\.|\.{3,}|…)"
    r"|(?P<bold>\*\*)"
    r"|<(?P<url>https?://[^\s>]+)>"
)


def parse_body(blocks: list[Block], title: str, source: str):
    """Turn body blocks into numbered paragraphs; return (paragraphs, diagnostics)."""
    diagnostics: list[Diagnostic] = []
    diagnostics += check_brackets(blocks)
    if diagnostics:
        return [], diagnostics
    blocks = strip_stray_quote(blocks, diagnostics)
    blocks = join_broken_sentences(blocks, diagnostics)
    paragraphs, number = [], 0
    for index, block in enumerate(blocks):
        role = block_role(block, index, title)
        if role == "text":
            number += 1
        paragraphs.append(Paragraph(tuple(tokenize(block)), block.pos(), number if role == "text"
                                    else 0, role))
    return paragraphs, diagnostics


def block_role(block: Block, index: int, title: str) -> str:
    """Tell what a body block is: the repeated title, dateline, attendance line, or text."""
    text = block.text
    if index == 0 and title and same_words(text, title):
        return "heading"
    if index <= 2 and ATTENDANCE.match(text):
        return "attendance"
    if index <= 2 and len(text) <= 100 and YEAR.search(text) and "[" not in text \
            and text.rstrip().endswith((".", "")) and len(text.split()) <= 12:
        return "dateline"
    return "text"


def strip_stray_quote(blocks: list[Block], diagnostics: list) -> list[Block]:
    """Drop the lone quote mark the export leaves after the last paragraph (W102)."""
    if not blocks:
        return blocks
    last = blocks[-1]
    if last.text.endswith('"') and last.text.count('"') % 2 == 1:
        offset = len(last.text) - 1
        diagnostics.append(Diagnostic("W102", last.pos(offset), "a stray quote mark closes the "
                                      "export; it is not part of the record and was removed"))
        blocks = blocks[:-1] + [Block(last.text[:-1].rstrip(), last.starts, last.file)]
    return blocks


def join_broken_sentences(blocks: list[Block], diagnostics: list) -> list[Block]:
    """Join a paragraph that ends mid-sentence with the next, which starts in lower case (W101)."""
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if previous and re.search(r"[,;\w]$", previous.text) and re.match(r"[a-z]", block.text) \
                and not LABEL.match(previous.text):
            diagnostics.append(Diagnostic(
                "W101", block.pos(), "a paragraph break falls inside a sentence "
                f"(\u2026{previous.text[-30:]!s} / {block.text[:30]}\u2026); the two were joined",
                "join the lines in the source to silence this"))
            shift = len(previous.text) + 1
            joined[-1] = Block(previous.text + " " + block.text,
                               previous.starts + [(s + shift, ln, c) for s, ln, c in block.starts],
                               block.file)
        else:
            joined.append(block)
    return joined


def bracket_faults(block: Block) -> tuple[list[int], list[int], list[int]]:
    """Return the offsets of unclosed '[', unopened ']' and nested '[' in a block."""
    opened, unopened, nested = [], [], []
    for offset, char in enumerate(block.text):
        if char == "[":
            if opened:
                nested.append(offset)
            opened.append(offset)
        elif char == "]":
            if opened:
                opened.pop()
            else:
                unopened.append(offset)
    return opened, unopened, nested


def check_brackets(blocks: list[Block]) -> list[Diagnostic]:
    """Report unbalanced, nested and paragraph-crossing brackets."""
    found: list[Diagnostic] = []
    faults = [bracket_faults(b) for b in blocks]
    carried = 0  # ']' at the start of this block that close a '[' of the previous one
    for i, (block, (opened, unopened, nested)) in enumerate(zip(blocks, faults)):
        for offset in nested:
            found.append(Diagnostic("E103", block.pos(offset), "'[' opened inside another bracket",
                                    "an intervention cannot contain another; close the first"))
        for offset in unopened[carried:]:
            found.append(Diagnostic("E102", block.pos(offset), "unbalanced ']': nothing opened it",
                                    "add the '[' that opens it, or delete it"))
        following = faults[i + 1][1] if i + 1 < len(blocks) else []
        carried = min(len(opened), len(following))
        for k, offset in enumerate(opened):
            if k < carried:
                found.append(Diagnostic(
                    "E104", block.pos(offset), "'[' opened here is closed in the next paragraph, "
                    f"at {blocks[i + 1].pos(following[k])}", "a bracket cannot cross a "
                    "paragraph break: join the paragraphs or close the bracket"))
            else:
                found.append(Diagnostic("E101", block.pos(offset), "unbalanced '[' opened here",
                                        "close it with ']' in the same paragraph"))
    return found


def tokenize(block: Block):
    """Yield the inlines of a body block: text, raw bracket interventions and omissions."""
    text, last = block.text, 0
    for match in TOKEN.finditer(text):
        if match.start() > last:
            yield Text(text[last:match.start()], block.pos(last))
        last = match.end()
        pos = block.pos(match.start())
        if match.group("bold") is not None:
            continue
        if match.group("url") is not None:
            yield Text(match.group("url"), pos)
        elif match.group("ellipsis") is not None:
            yield Intervention("omission", "", match.group(), pos, delimiter="")
        elif OMISSION_BRACKET.match(match.group("bracket")):
            yield Intervention("omission", "", match.group(), pos)
        else:
            yield Intervention("bracket", match.group("bracket").strip(), match.group(), pos)
    if last < len(text):
        yield Text(text[last:], block.pos(last))
