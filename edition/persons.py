"""Build the persons index: who is mentioned where, as page locators for the book and links.

Input: an annotated Edition and, for the book, the page of every mention anchor. Output:
IndexEntry values (person, locators), sorted by heading; locators sorted, deduplicated, runs
collapsed to ranges (3–5), pages where the person is named only in notes marked "n" (7n),
after the Chicago Manual of Style's conventions for indexes (16.1ff).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Locator:
    """A page (or run of pages) where a person is mentioned, and the mention it links to."""

    first: int
    last: int
    note_only: bool
    target: str  # anchor id of the first mention on the first page

    @property
    def label(self) -> str:
        text = str(self.first) if self.first == self.last else f"{self.first}–{self.last}"
        return text + ("n" if self.note_only else "")


@dataclass(frozen=True)
class IndexEntry:
    person: object
    locators: tuple[Locator, ...]
    mentions: int
    forms: tuple[str, ...]  # the record's spellings, where they differ from the heading's


def mention_id(paragraph, index: int) -> str:
    """Return the anchor id of the index-th inline of a paragraph (a mention)."""
    return f"m-{paragraph.pos.line}-{paragraph.pos.col}-{index}"


def note_mention_id(note: int, index: int) -> str:
    """Return the anchor id of the index-th piece of note `note`'s text (a mention)."""
    return f"m-n{note}-{index}"


def all_mentions(record):
    """Yield (person id, anchor id, in a note?, form) for every mention, in reading order."""
    for paragraph in record.paragraphs:
        if paragraph.role == "heading":
            continue  # the title repeated over the body: shown as the title, not indexed
        for index, node in enumerate(paragraph.inlines, 1):
            kind = type(node).__name__
            if kind == "Mention":
                yield node.person, mention_id(paragraph, index), False, node.text
            elif kind == "Intervention" and node.mentions and node.note is not None:
                for k, mention in enumerate(node.mentions, 1):
                    yield mention.person, note_mention_id(node.note, k), True, mention.text


def collapse(pages: dict[int, tuple[bool, str]]) -> tuple[Locator, ...]:
    """Turn {page: (note only, first anchor)} into locators, runs of text pages as ranges."""
    locators: list[Locator] = []
    for page in sorted(pages):
        note_only, target = pages[page]
        last = locators[-1] if locators else None
        if last and not note_only and not last.note_only and last.last == page - 1:
            locators[-1] = Locator(last.first, page, False, last.target)
        else:
            locators.append(Locator(page, page, note_only, target))
    return tuple(locators)


def build_index(edition, page_of: dict[str, int] | None = None) -> list[IndexEntry]:
    """Return the index entries; without pages, each mention's locator is page 0."""
    by_person: dict[str, dict[int, tuple[bool, str]]] = {}
    counts: dict[str, int] = {}
    forms: dict[str, list[str]] = {}
    for person, anchor, in_note, form in all_mentions(edition.record):
        page = (page_of or {}).get(anchor, 0)
        pages = by_person.setdefault(person, {})
        note_only, target = pages.get(page, (True, anchor))
        pages[page] = (note_only and in_note, target)
        counts[person] = counts.get(person, 0) + 1
        if form not in forms.setdefault(person, []):
            forms[person].append(form)
    entries = []
    for pid, pages in by_person.items():
        person = edition.register.persons[pid]
        shown = tuple(f for f in forms[pid] if f not in person.heading and f not in person.name)
        entries.append(IndexEntry(person, collapse(pages), counts[pid], shown))
    return sorted(entries, key=lambda e: e.person.sort_key)
