"""Define the one document model: a record as frozen dataclasses, with no HTML and no CSS.

Readers (parse.py) build it, passes (annotate.py) return new records, writers (render.py,
pdf.py, epub.py) consume it. `dump(record)` is the canonical text form used by tests, in the
manner of docutils' pseudo-XML.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Union

from .diagnostics import Pos  # a place in a source file; defined with the diagnostics that cite it


# Kinds of editorial intervention, in the order the editorial note explains them.
KINDS = (
    "summary",         # a bracketed paragraph summarizing a passage the source edition cut
    "gloss",           # the original-language word or phrase behind the translation
    "expansion",       # an abbreviation spelled out
    "supplied",        # words or letters the translator or editor added for sense
    "identification",  # a pseudonym or allusion identified by the editor
    "comment",         # an editor's explanation
    "sic",             # a form kept as the record has it, perhaps with the correct one
    "omission",        # a cut passage: one normalized mark, no note
)


@dataclass(frozen=True)
class Text:
    """Words of the record itself."""

    text: str
    pos: Pos


@dataclass(frozen=True)
class Intervention:
    """An editor's or translator's intervention: a bracket, a parenthetical gloss, an ellipsis.

    `source` is the intervention exactly as the record has it (with its delimiters);
    `text` its content; `lemma` the reading-text words it bears on (apparatus style);
    `note` the note number once numbered (None: no note, e.g. omissions or inline policy);
    `correction` the correct form for a sic; `inword` for letters supplied inside a word.
    """

    kind: str
    text: str
    source: str
    pos: Pos
    lemma: str = ""
    note: int | None = None
    correction: str = ""
    inword: bool = False
    inline: bool = False
    delimiter: str = "["
    mentions: tuple["Mention", ...] = ()


@dataclass(frozen=True)
class Mention:
    """A name in the reading text or a note that refers to a registered person."""

    person: str
    text: str
    pos: Pos
    offset: int = -1  # within a note's text; -1 in the reading text


Inline = Union[Text, Intervention, Mention]


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: its inlines, its number in the record, and its role."""

    inlines: tuple[Inline, ...]
    pos: Pos
    number: int = 0
    role: str = "text"  # text | dateline | attendance | heading | summary | signature


@dataclass(frozen=True)
class Section:
    """A header section of the export (Citation, Summary, Original Language, Contents)."""

    name: str
    text: str
    pos: Pos


@dataclass(frozen=True)
class Citation:
    """The record's citation block as exported: free text and the URL."""

    text: str
    url: str
    pos: Pos
    url_pos: Pos | None = None


@dataclass(frozen=True)
class Note:
    """A numbered note: the intervention it renders, or an editor's added note."""

    number: int
    intervention: Intervention


@dataclass(frozen=True)
class Record:
    """One archival record: header sections and the body paragraphs."""

    source: str
    slug: str
    date: str = ""
    date_pos: Pos | None = None
    title: str = ""
    title_pos: Pos | None = None
    citation: Citation | None = None
    summary: Section | None = None
    original_language: Section | None = None
    contents: Section | None = None
    paragraphs: tuple[Paragraph, ...] = ()
    sections: tuple[Section, ...] = field(default=())

    def interventions(self):
        """Yield every intervention of the body in reading order."""
        for paragraph in self.paragraphs:
            for inline in paragraph.inlines:
                if isinstance(inline, Intervention):
                    yield inline

    def notes(self) -> list[Note]:
        """Return the numbered notes in order."""
        return [Note(i.note, i) for i in self.interventions() if i.note is not None]

    def mentions(self):
        """Yield every mention of a person in reading order, with its paragraph."""
        for paragraph in self.paragraphs:
            for inline in paragraph.inlines:
                if isinstance(inline, Mention):
                    yield paragraph, inline


def with_inlines(paragraph: Paragraph, inlines) -> Paragraph:
    """Return the paragraph with new inlines."""
    return replace(paragraph, inlines=tuple(inlines))


def dump(node, indent: int = 0) -> str:
    """Return the canonical indented text form of a model node."""
    pad = "  " * indent
    name = type(node).__name__.lower()
    if not is_dataclass(node):
        return f"{pad}{node!r}"
    lines, children = [], []
    attrs = []
    for f in fields(node):
        value = getattr(node, f.name)
        if f.name == "pos" or isinstance(value, Pos):
            continue
        if isinstance(value, tuple) and value and is_dataclass(value[0]):
            children.append((f.name, value))
        elif is_dataclass(value):
            children.append((f.name, (value,)))
        elif value not in ("", None, (), False) or f.name in ("kind",):
            attrs.append(f"{f.name}={value!r}")
    pos = getattr(node, "pos", None)
    where = f" @{pos.line}:{pos.col}" if pos else ""
    lines.append(f"{pad}<{name}{where}{' ' if attrs else ''}{' '.join(attrs)}>")
    for fname, values in children:
        if len(values) > 1 or fname in ("paragraphs", "inlines"):
            lines.append(f"{pad}  {fname}:")
            lines.extend(dump(v, indent + 2) for v in values)
        else:
            lines.append(f"{pad}  {fname}:")
            lines.append(dump(values[0], indent + 2))
    return "\n".join(lines)
