"""Pure passes Record -> Record: classify interventions, apply the sidecar, tidy, number notes.

Each pass takes a record (and the context it needs) and returns a new record plus diagnostics;
`annotate` runs them in the order of PASSES. Nothing here reads files or knows any output format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .classify import PAREN, classify_bracket, classify_paren
from .diagnostics import Diagnostic
from .register import forms_pattern
from .model import Intervention, Mention, Paragraph, Pos, Record, Text, with_inlines
from .settings import Settings, Sidecar


@dataclass(frozen=True)
class Context:
    """What the passes need besides the record."""

    settings: Settings
    sidecar: Sidecar
    names: frozenset = frozenset()
    register: object = None


def plain(inlines) -> str:
    """Return the text of inlines as the record has it, brackets removed."""
    parts = []
    for inline in inlines:
        if isinstance(inline, Intervention):
            parts.append(" " if inline.kind == "omission" else inline.text if inline.source else "")
        else:
            parts.append(inline.text)
    return "".join(parts)


def classify_brackets(record: Record, context: Context):
    """Give every raw bracket a kind from its text and context (classify.py)."""
    paragraphs = []
    for paragraph in record.paragraphs:
        inlines = list(paragraph.inlines)
        brackets = [i for i, n in enumerate(inlines) if isinstance(n, Intervention)
                    and n.kind == "bracket"]
        alone = not plain([n for n in inlines if n not in [inlines[i] for i in brackets]]).strip(
            " .…") and len(brackets) == 1
        for index in brackets:
            node = inlines[index]
            before = plain(inlines[:index])
            after = plain(inlines[index + 1:])
            fields = classify_bracket(node.text, before, after, alone, context.names)
            inlines[index] = replace(node, **fields)
        paragraphs.append(with_inlines(paragraph, inlines))
    return replace(record, paragraphs=tuple(paragraphs)), []


def split_parentheses(record: Record, context: Context):
    """Turn glosses and expansions in parentheses into interventions; other parentheses stay."""
    paragraphs = []
    for paragraph in record.paragraphs:
        inlines: list = []
        for node in paragraph.inlines:
            if not isinstance(node, Text):
                inlines.append(node)
                continue
            last = 0
            for match in PAREN.finditer(node.text):
                before = plain(inlines) + node.text[:match.start()]
                fields = classify_paren(match.group("content").strip(), before)
                if not fields:
                    continue
                if match.start() > last:
                    inlines.append(Text(node.text[last:match.start()], shift(node.pos, last)))
                inlines.append(Intervention(text=match.group("content").strip(),
                                            source=match.group(), delimiter="(",
                                            pos=shift(node.pos, match.start()), **fields))
                last = match.end()
            if last < len(node.text):
                inlines.append(Text(node.text[last:], shift(node.pos, last)))
        paragraphs.append(with_inlines(paragraph, inlines))
    return replace(record, paragraphs=tuple(paragraphs)), []


def shift(pos: Pos, offset: int) -> Pos:
    """Return the position `offset` characters further on the same line."""
    return Pos(pos.file, pos.line, pos.col + offset)


def apply_overrides(record: Record, context: Context):
    """Force kinds and lemmas named in the sidecar; an unknown phrase is an error (E205)."""
    found, used = [], set()
    paragraphs = []
    for paragraph in record.paragraphs:
        inlines = []
        for node in paragraph.inlines:
            if isinstance(node, Intervention) and node.source:
                for override in context.sidecar.interventions:
                    if override.at in (node.text, node.source):
                        used.add(override)
                        node = replace(node, kind=override.kind or node.kind,
                                       lemma=override.lemma or node.lemma)
            inlines.append(node)
        paragraphs.append(with_inlines(paragraph, inlines))
    for override in context.sidecar.interventions:
        if override not in used:
            found.append(unknown_phrase(override, "no intervention of the record reads"))
    return replace(record, paragraphs=tuple(paragraphs)), found


def unknown_phrase(override, what: str) -> Diagnostic:
    return Diagnostic("E205", override.pos, f"{what} {override.at!r}",
                      "copy the phrase exactly as the record has it (edition check lists them)")


def insert_at_phrases(record: Record, context: Context):
    """Add the sidecar's sic corrections and editor's notes after the phrases they name."""
    found = []
    entries = [(o, "sic") for o in context.sidecar.sic] + [(o, "comment")
                                                            for o in context.sidecar.notes]
    paragraphs = list(record.paragraphs)
    for override, kind in entries:
        for index, paragraph in enumerate(paragraphs):
            inlines = insert_after_phrase(paragraph, override, kind)
            if inlines is not None:
                paragraphs[index] = with_inlines(paragraph, inlines)
                break
        else:
            found.append(unknown_phrase(override, "the text of the record has no phrase"))
    return replace(record, paragraphs=tuple(paragraphs)), found


def insert_after_phrase(paragraph: Paragraph, override, kind: str):
    """Return the paragraph's inlines with an intervention after the phrase, or None."""
    for index, node in enumerate(paragraph.inlines):
        if not isinstance(node, Text):
            continue
        match = re.search(rf"(?<!\w){re.escape(override.at)}(?!\w)", node.text)
        if not match:
            continue
        end = match.end()
        added = Intervention(kind, override.text, "", shift(node.pos, match.start()),
                             lemma=override.at, correction=override.correct, delimiter="")
        parts = [Text(node.text[:end], node.pos), added]
        if end < len(node.text):
            parts.append(Text(node.text[end:], shift(node.pos, end)))
        return [*paragraph.inlines[:index], *parts, *paragraph.inlines[index + 1:]]
    return None


def tidy_spacing(record: Record, context: Context):
    """Attach each note call to the word before it and drop a stop doubled by a removed bracket.

    "berated. [rugali]." reads "berated.¹" and "Warsaw [at the ...] the" reads "Warsaw¹ the".
    """
    paragraphs = []
    for paragraph in record.paragraphs:
        inlines = list(paragraph.inlines)
        for index, node in enumerate(inlines):
            if not (isinstance(node, Intervention) and node.source and node.note is not None):
                continue
            previous = inlines[index - 1] if index else None
            following = inlines[index + 1] if index + 1 < len(inlines) else None
            if isinstance(previous, Text) and previous.text.strip():
                inlines[index - 1] = replace(previous, text=previous.text.rstrip())
                if isinstance(following, Text) and previous.text.rstrip()[-1:] in ".!?" \
                        and following.text[:1] == ".":
                    inlines[index + 1] = replace(following, text=following.text[1:])
            elif isinstance(following, Text) and not previous:
                inlines[index + 1] = replace(following, text=following.text.lstrip())
        paragraphs.append(with_inlines(paragraph, drop_space_between_calls(inlines)))
    return replace(record, paragraphs=tuple(paragraphs)), []


def drop_space_between_calls(inlines: list) -> list:
    """Drop empty texts, and the space between two note calls ("this [trap] (ne poshla...)")."""
    kept = []
    for index, node in enumerate(inlines):
        if isinstance(node, Text) and not node.text.strip():
            before = kept[-1] if kept else None
            after = inlines[index + 1] if index + 1 < len(inlines) else None
            if not node.text or (is_call(before) and is_call(after)):
                continue
        kept.append(node)
    return kept


def is_call(node) -> bool:
    return isinstance(node, Intervention) and node.note is not None


def number_notes(record: Record, context: Context):
    """Number the notes continuously; omissions, in-word letters and inline kinds get none."""
    number = 0
    paragraphs = []
    for paragraph in record.paragraphs:
        inlines = []
        for node in paragraph.inlines:
            if isinstance(node, Intervention):
                inline = node.inword or context.settings.policy_for(node.kind) == "inline"
                if node.kind == "omission" or (inline and node.source):
                    node = replace(node, note=None, inline=node.kind != "omission")
                else:
                    number += 1
                    node = replace(node, note=number, inline=False)
            inlines.append(node)
        paragraphs.append(with_inlines(paragraph, inlines))
    return replace(record, paragraphs=tuple(paragraphs)), []


def sidecar_forms(context: Context) -> tuple[dict[str, str], list[Diagnostic]]:
    """Return the sidecar's extra name forms ([[person]] at = ..., id = ...), checking ids."""
    forms, found = {}, []
    persons = context.register.persons if context.register else {}
    for override in context.sidecar.persons:
        if override.person in persons:
            forms[override.at] = override.person
        else:
            found.append(Diagnostic("E206", override.pos, f"unknown person id {override.person!r}",
                                    "use an id of source/persons.toml ([persons.<id>])"))
    return forms, found


def find_mentions(record: Record, context: Context):
    """Mark every name form of a registered person, in the reading text and in notes."""
    extra, found = sidecar_forms(context)
    if context.register is None or not (context.register.persons or extra):
        return record, found
    forms = {**context.register.forms, **extra}
    pattern = forms_pattern(forms)
    paragraphs = []
    for paragraph in record.paragraphs:
        inlines = []
        for node in paragraph.inlines:
            if isinstance(node, Text):
                inlines.extend(split_mentions(node, pattern, forms))
            elif isinstance(node, Intervention) and node.text:
                named = tuple(Mention(forms[m.group("form")], m.group("form"), node.pos, m.start())
                              for m in pattern.finditer(node.text))
                inlines.append(replace(node, mentions=named))
            else:
                inlines.append(node)
        paragraphs.append(with_inlines(paragraph, inlines))
    return replace(record, paragraphs=tuple(paragraphs)), found


def split_mentions(node: Text, pattern, forms):
    """Yield the text node cut into Text and Mention pieces."""
    last = 0
    for match in pattern.finditer(node.text):
        if match.start() > last:
            yield Text(node.text[last:match.start()], shift(node.pos, last))
        form = match.group("form")
        yield Mention(forms[form], form, shift(node.pos, match.start()))
        last = match.start() + len(form)
    if last < len(node.text):
        yield Text(node.text[last:], shift(node.pos, last))


PASSES = (classify_brackets, split_parentheses, apply_overrides, insert_at_phrases,
          number_notes, tidy_spacing, find_mentions)


def annotate(record: Record, context: Context, passes=PASSES):
    """Run the passes in order; return the annotated record and all diagnostics."""
    diagnostics = []
    for run in passes:
        record, found = run(record, context)
        diagnostics += found
    return record, diagnostics
