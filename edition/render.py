"""Turn an Edition (record, settings, register, citation) into XHTML for one output profile.

Profiles: "book" (one document typeset by WeasyPrint, notes as CSS GCPM footnotes), "epub"
(one document per part, notes as EPUB 3 footnotes) and "handout". Templates live in
edition/templates; jinja2 runs with autoescape and StrictUndefined, so record text is always
escaped and a missing value is a bug, not an empty string.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from .classify import CYRILLIC, initials_match, language_label
from .model import KINDS, Intervention, Mention, Record, Text

TEMPLATES = Path(__file__).parent / "templates"

# Short labels that name a note's kind in the apparatus (shown in small capitals).
LABELS = {
    "summary": "summary of an omitted passage:",
    "gloss": "",  # the language label takes its place: "Russ."
    "expansion": "abbr.",
    "supplied": "suppl.",
    "identification": "ident.",
    "comment": "ed.",
    "sic": "sic",
    "omission": "",
}

# What the editorial note says of each kind, when the record has it.
CONVENTIONS = {
    "summary": "Passages that the source edition left out and summarized in square brackets are "
               "marked … in the text; the summary is given in the note, labelled "
               "“summary of an omitted passage”.",
    "gloss": "Words of the original language that the translator gave in brackets or "
             "parentheses are in the notes in italics, after the words of the translation they "
             "render (the lemma, followed by a square bracket) and the language.",
    "expansion": "Abbreviations spelled out in the record are in the notes, labelled “abbr.”; "
                 "all are listed under Abbreviations.",
    "supplied": "Words the translator or editor supplied for sense are in the notes, labelled "
                "“suppl.”; letters supplied within a word are printed in the text in brackets.",
    "identification": "Persons whom the record names by a pseudonym are identified in the "
                      "notes, labelled “ident.”",
    "comment": "The editors’ explanations are in the notes, labelled “ed.”",
    "sic": "Forms kept as the record has them although mistaken are marked “sic” in the notes, "
           "with the correct form where it is known.",
    "omission": "Passages cut in the source edition, marked there by ellipses, are marked … "
                "throughout.",
}


@dataclass(frozen=True)
class Edition:
    """Everything an output shows: the annotated record and its context."""

    record: Record
    settings: object
    register: object
    citation: object = None          # citation.CitationView or None
    page_of: dict = field(default_factory=dict)  # anchor id -> PDF page number
    paper: str = "a5"
    repairs: tuple[str, ...] = ()  # what the parser mended in the export, for the editorial note

    @property
    def repository(self) -> str:
        c = self.citation
        if c is not None and getattr(c.fields, "repository", ""):
            return c.fields.repository
        text = self.record.citation.text if self.record.citation else ""
        return "Wilson Center Digital Archive" if "Wilson Center" in text else "archive"

    @property
    def language(self) -> tuple[str, str]:
        text = self.record.original_language.text if self.record.original_language else ""
        return language_label(text)

    @functools.cached_property  # derived once: templates ask for it many times
    def has_editor_notes(self) -> bool:
        return any(not i.source and i.note for i in self.record.interventions())

    @functools.cached_property  # derived once: templates ask for it many times
    def short_title(self) -> str:
        """Return the running head's title: the persons the title names and the date."""
        pattern = self.register.pattern() if self.register else None
        names = []
        if pattern:
            for match in pattern.finditer(self.record.title):
                person = self.register.persons[self.register.forms[match.group("form")]]
                surname = person.heading.split(",")[0]
                if surname not in names:
                    names.append(surname)
        if names:
            who = " and ".join(names[:3]) if len(names) <= 2 else ", ".join(names[:3])
            return f"{who}, {self.record.date}" if self.record.date else who
        title = self.record.title
        return title if len(title) <= 50 else title[:50].rsplit(" ", 1)[0] + "…"

    @property
    def record_iso_date(self) -> str:
        from .parse import iso_date
        return iso_date(self.record.date) if self.record.date else ""

    @functools.cached_property  # derived once: templates ask for it many times
    def kinds(self) -> list[str]:
        present = {i.kind for i in self.record.interventions()}
        return [k for k in KINDS if k in present]

    @functools.cached_property  # derived once: templates ask for it many times
    def kind_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for i in self.record.interventions():
            counts[i.kind] = counts.get(i.kind, 0) + 1
        return counts

    @functools.cached_property  # derived once: templates ask for it many times
    def abbreviations(self) -> list[tuple[str, str, str]]:
        """Return (abbreviation, meaning, the record's own expansion) for those the record uses."""
        given = {i.lemma: i.text for i in self.record.interventions() if i.kind == "expansion"}
        text = " ".join(plain_text(p) for p in self.record.paragraphs)
        # The identifications of the persons the book indexes use abbreviations too.
        named = {m.person for _, m in self.record.mentions()} | {
            m.person for i in self.record.interventions() for m in i.mentions}
        text += " " + " ".join(self.register.persons[p].description for p in named
                               if self.register and p in self.register.persons)
        for match in EXPANDED.finditer(text):
            if initials_match(match.group(1), match.group(2)):
                given.setdefault(match.group(1), match.group(2).strip())
        known = self.register.abbreviations if self.register else {}
        used = {a for a in known if re.search(rf"(?<!\w){re.escape(a)}(?![\w(])", text)}
        rows = {a: (a, known.get(a) or given[a], given.get(a, "")) for a in used | set(given)}
        if "VKP(b)" in rows:
            rows.pop("VKP (b)", None)
        return [rows[a] for a in sorted(rows, key=str.lower)]

    @functools.cached_property  # derived once: templates ask for it many times
    def reading_paragraphs(self):
        return [p for p in self.record.paragraphs if p.role != "heading"]


EXPANDED = re.compile(r"\b([A-Z]{2,})\s*[(\[]([^()\[\]]{4,80})[)\]]")


def plain_text(paragraph) -> str:
    """Return a paragraph's reading text and note texts, as plain text."""
    return " ".join(node.text for node in paragraph.inlines if node.text)


def environment():
    """Return the jinja2 environment (cached): autoescape, StrictUndefined, our filters."""
    return _environment()


# How the templates are compiled (keyed into the compiled-template cache with them).
SYNTAX = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True,
          "keep_trailing_newline": True}


def template_cache(syntax: dict):
    """Return a cache of compiled templates in the user's cache folder, or None without one.

    Compiling the templates costs a fifth of a second of every run, as compiling edition's
    modules would without __pycache__; this is the templates' __pycache__. Jinja keys each
    entry by the template's name, source checksum and its own version; the key also holds
    the syntax options here, which change the compiled code but which Jinja does not key.
    An unwritable (or unknown) cache folder only means compiling every time.
    """
    import hashlib
    import os
    from pathlib import Path

    import jinja2
    syntax_key = hashlib.sha256(repr(sorted(syntax.items())).encode()).hexdigest()[:16]

    class Cache(jinja2.FileSystemBytecodeCache):
        def get_cache_key(self, name, filename=None):
            return super().get_cache_key(f"{syntax_key}|{name}", filename)

        def dump_bytecode(self, bucket):
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    try:
        home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        folder = home / "edition" / "templates"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to be found
        return None
    return Cache(str(folder))


@functools.lru_cache(maxsize=1)
def _environment():
    import jinja2
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), bytecode_cache=template_cache(SYNTAX),
        undefined=jinja2.StrictUndefined, **SYNTAX)
    from .persons import mention_id, note_mention_id
    env.globals.update(mention_id=mention_id, note_mention_id=note_mention_id, LABELS=LABELS, CONVENTIONS=CONVENTIONS, is_text=is_text,
                       is_mention=is_mention, is_note=is_note, note_pieces=note_pieces)
    env.filters["xml_safe"] = xml_safe
    env.tests["cyrillic"] = lambda text: bool(CYRILLIC.search(text))
    return env


def is_text(node) -> bool:
    return isinstance(node, Text)


def is_mention(node) -> bool:
    return isinstance(node, Mention)


def is_note(node) -> bool:
    return isinstance(node, Intervention)


INVALID_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (escaping is jinja2's job)."""
    return INVALID_XML.sub("", text)


def note_pieces(intervention: Intervention) -> list[tuple[str, str]]:
    """Split a note's text into (text, person id) pieces, so mentions in notes can be linked."""
    text, pieces, last = intervention.text, [], 0
    for k, mention in enumerate(intervention.mentions, 1):
        if mention.offset > last:
            pieces.append((text[last:mention.offset], "", 0))
        pieces.append((mention.text, mention.person, k))
        last = mention.offset + len(mention.text)
    if last < len(text):
        pieces.append((text[last:], "", 0))
    return pieces


def render(template: str, edition: Edition, **context) -> str:
    """Render a template with the edition; return the XHTML text."""
    return environment().get_template(template).render(edition=edition, record=edition.record,
                                                       settings=edition.settings, **context)
