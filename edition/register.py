"""Load the persons register (source/persons.toml) into Person values, checked field by field.

Input: the TOML file. Output: a Register (persons by id, and a matcher of the record's name
forms) and diagnostics with line numbers for unknown fields, bad dates and clashing variants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic
from .model import Pos
from .settings import key_position, load_toml

DATE = re.compile(r"^-?\d{4}(-\d{2}(-\d{2})?)?$")
PERSON_KEYS = {"name", "heading", "sort", "born", "died", "description", "variants",
               "misspelled", "wikidata", "verified", "note"}
TITLES = r"(?:Com(?:rade)?\.?\s+|Comrades?\s+|Mr\.?\s+|Marshal\s+|General\s+)"


@dataclass(frozen=True)
class Person:
    """A real person, as the index names them, with the forms the records use."""

    id: str
    name: str
    heading: str
    pos: Pos
    born: str = ""
    died: str = ""
    description: str = ""
    variants: tuple[str, ...] = ()
    misspelled: tuple[str, ...] = ()
    wikidata: str = ""
    verified: bool = False
    note: str = ""
    sort: str = ""

    @property
    def sort_key(self) -> str:
        import unicodedata
        key = self.sort or self.heading
        return unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode().lower()

    @property
    def dates(self) -> str:
        """Return the life dates as an index shows them: 1900–1964."""
        if not (self.born or self.died):
            return ""
        return f"{self.born[:4] or '?'}–{self.died[:4]}"


@dataclass(frozen=True)
class Register:
    """The persons by id (and a pattern finding their name forms), and the abbreviations."""

    persons: dict = field(default_factory=dict)
    abbreviations: dict = field(default_factory=dict)  # abbreviation -> meaning

    @property
    def forms(self) -> dict[str, str]:
        """Map every name form (variant or name) to a person id."""
        forms = {}
        for person in self.persons.values():
            for form in (*person.variants, person.name):
                forms.setdefault(form, person.id)
        return forms

    def pattern(self) -> re.Pattern | None:
        """Return a regex finding name forms (longest first), with possessives."""
        return forms_pattern(self.forms)


def forms_pattern(forms) -> re.Pattern | None:
    """Return a regex finding any of the name forms (longest first), with possessives."""
    if not forms:
        return None
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?P<form>{alternatives})(?:['’]s)?(?!\w)")


def load_register(path: Path, source: str) -> tuple[Register, list[Diagnostic]]:
    """Load and check the persons register; a missing file is an empty register."""
    data, text, found = load_toml(path, source)
    if data is None:
        return Register(), found
    persons = {}
    unknown = [k for k in data if k != "persons"]
    for key in unknown:
        found.append(Diagnostic("E202", key_position(text, key, source),
                                f"unknown table '{key}' in the register", "use [persons.<id>]"))
    for pid, entry in data.get("persons", {}).items():
        person, problems = read_person(pid, entry, text, source)
        found += problems
        if person:
            persons[pid] = person
    found += clashing_forms(persons)
    return Register(persons), found


def read_person(pid: str, entry: dict, text: str, source: str):
    """Check one register entry; return (Person or None, diagnostics)."""
    start = text.find(f"[persons.{pid}]")
    pos = key_position(text, f"[persons.{pid}]", source) if start >= 0 else Pos(source, 1, 1)
    found = [Diagnostic("E202", key_position(text, key, source, start), f"unknown field '{key}' "
                        f"for person '{pid}'", f"known fields: {', '.join(sorted(PERSON_KEYS))}")
             for key in entry if key not in PERSON_KEYS]
    for key in ("name", "heading"):
        if not isinstance(entry.get(key), str) or not entry.get(key):
            found.append(Diagnostic("E203", pos, f"person '{pid}' has no {key}",
                                    f"add {key} = \"...\""))
    for key in ("born", "died"):
        value = entry.get(key, "")
        if value and not (isinstance(value, str) and DATE.match(value)):
            found.append(Diagnostic("E203", key_position(text, key, source, start),
                                    f"bad date {key} = {value!r} for person '{pid}'",
                                    "write YYYY-MM-DD, or YYYY when only the year is known"))
    if found:
        return None, found
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()}
    return Person(id=pid, pos=pos, **values), found


def clashing_forms(persons: dict) -> list[Diagnostic]:
    """Report a name form claimed by two persons: a mention must name one person."""
    owners, found = {}, []
    for person in persons.values():
        for form in person.variants:
            if form in owners and owners[form] != person.id:
                found.append(Diagnostic("E204", person.pos, f"the form {form!r} belongs to both "
                                        f"'{owners[form]}' and '{person.id}'",
                                        "keep it on one person; identify the other in a sidecar"))
            owners[form] = person.id
    return found


def load_abbreviations(path: Path, source: str) -> tuple[dict, list[Diagnostic]]:
    """Load source/abbreviations.toml: abbreviation = meaning."""
    data, text, found = load_toml(path, source)
    if data is None:
        return {}, found
    table = data.get("abbreviations", {})
    found += [Diagnostic("E202", key_position(text, key, source), f"unknown table '{key}'",
                         "use [abbreviations]") for key in data if key != "abbreviations"]
    found += [Diagnostic("E203", key_position(text, key, source), f"the meaning of {key!r} must "
                         "be a string", f'write {key} = "..."')
              for key, value in table.items() if not isinstance(value, str)]
    return {k: v for k, v in table.items() if isinstance(v, str)}, found
