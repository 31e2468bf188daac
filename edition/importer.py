"""Add exported records to a project: normalized text, a slug, a sidecar, register drafts.

Input: files as the archive exports them (UTF-8 with or without BOM, CRLF, cp1252). Output:
source/records/<slug>.txt (UTF-8, LF), a commented sidecar, and unverified register entries
for person-like names the register lacks, for the editor to confirm. Never overwrites a record
without `force`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .annotate import Context, annotate
from .check import unregistered_names
from .diagnostics import Diagnostic, errors
from .model import Pos
from .parse import decode_record, iso_date, parse_record
from .project import Project, load_shared
from .render import Edition
from .settings import Sidecar

SIDECAR_TEMPLATE = """\
# Sidecar of {slug}: the editor's decisions for this record (see README, "Sidecars").
#
# [[intervention]]          force a kind or a lemma for an intervention
# at = "rugali"             the intervention's text as the record has it
# kind = "gloss"            summary | gloss | expansion | supplied | identification | comment | sic
# lemma = "berated"
#
# [[note]]                  an editor's note after a phrase of the text
# at = "Comsomol"
# text = "The Communist youth organization (Komsomol)."
#
# [[sic]]                   a form kept as the record has it, with the correct one
# at = "U SSR"
# correct = "USSR"
#
# [citation]                supply or correct any field of the parsed citation
# translator = "..."
#
# questions = ["...", "..."]   discussion questions for handouts
"""
STOP = {"of", "the", "with", "and", "a", "an", "to", "on", "in", "for", "from", "by", "at",
        "record", "meeting", "comrade", "conversation", "memorandum", "secretary", "cc", "i", "v"}


@dataclass
class Imported:
    source: str
    record: Path | None = None
    sidecar: Path | None = None
    drafted: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


# Letters that Unicode does not decompose into a base letter and a mark.
UNDECOMPOSED = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                              "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i"})


def ascii_words(text: str) -> list[str]:
    """Return the words of a text in lower-case ASCII, for slugs and ids."""
    plain = unicodedata.normalize("NFKD", text.translate(UNDECOMPOSED))
    plain = plain.encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", plain)


def make_slug(record, register) -> str:
    """Return a slug from the record's date and title: the persons it names, else title words."""
    date = iso_date(record.date) if record.date else ""
    pattern = register.pattern()
    people = []
    if pattern and record.title:
        for match in pattern.finditer(record.title):
            pid = register.forms[match.group("form")]
            # only verified persons: a slug must not change when an import drafts new entries
            if pid not in people and register.persons[pid].verified:
                people.append(pid)
    words = people[:3] or [w for w in ascii_words(record.title) if w not in STOP][:6]
    return "-".join([date] + words if date else words) or "record"


def group_names(names: list[str]) -> dict[str, list[str]]:
    """Group name forms by surname (their last word): "Władysław Gomułka" and "Gomułka"."""
    groups: dict[str, list[str]] = {}
    for name in sorted(names, key=len, reverse=True):
        key = (ascii_words(name) or ["person"])[-1]
        groups.setdefault(key, []).append(name)
    return groups


def toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def draft_persons(text: str, register, names: list[str]) -> tuple[str, list[str]]:
    """Return the register text with unverified entries appended for names, and their ids."""
    drafted = []
    for key, forms in group_names(names).items():
        name = forms[0]
        pid = "-".join(ascii_words(name)) or "person"
        base, n = pid, 2
        while pid in register.persons or pid in drafted:
            pid, n = f"{base}-{n}", n + 1
        words = name.split()
        heading = f"{words[-1]}, {' '.join(words[:-1])}" if len(words) > 1 else name
        text += (f"\n[persons.{pid}]\nname = {toml_string(name)}\n"
                 f"heading = {toml_string(heading)}\n"
                 f"variants = [{', '.join(toml_string(f) for f in forms)}]\nverified = false\n"
                 f'note = "Drafted by edition import: identify, date and verify this person."\n')
        drafted.append(pid)
    return text, drafted


def import_record(project: Project, path: Path, force: bool = False) -> Imported:
    """Import one exported file into the project; never raise for bad input."""
    result = Imported(str(path))
    try:
        data = path.read_bytes()
    except OSError as error:
        result.diagnostics.append(Diagnostic("E001", Pos(str(path), 1, 1),
                                             f"cannot read: {error.strerror}", "check the path"))
        return result
    text, result.diagnostics = decode_record(data, str(path))
    if text is None:
        return result
    record, found = parse_record(text, source=str(path))
    result.diagnostics += found
    shared, found = load_shared(project)
    result.diagnostics += found
    if errors(result.diagnostics):
        return result
    slug = make_slug(record, shared.register)
    target = project.records_dir / f"{slug}.txt"
    if target.exists() and not force:
        result.diagnostics.append(Diagnostic("E601", Pos(str(path), 1, 1), f"{project.display(target)} "
                                             "exists", "use --force to replace it"))
        return result
    write_import(project, result, target, text, record, shared)
    return result


def write_import(project, result, target: Path, text: str, record, shared) -> None:
    """Write the record, start its sidecar, and draft register entries for unknown names."""
    from .build import write_atomic
    write_atomic(target, text.encode("utf-8"), project.display(target))
    result.record = target
    sidecar = target.with_suffix(".toml")
    if not sidecar.exists():
        write_atomic(sidecar, SIDECAR_TEMPLATE.format(slug=target.stem).encode(),
                     project.display(sidecar))
        result.sidecar = sidecar
    context = Context(shared.settings, Sidecar(), frozenset(shared.register.forms),
                      shared.register)
    annotated, _ = annotate(record, context)
    warnings = unregistered_names(Edition(annotated, shared.settings, shared.register))
    names = [re.search(r"'([^']+)'", d.message).group(1) for d in warnings]
    if names:
        register = project.register_path
        current = register.read_text(encoding="utf-8") if register.exists() else ""
        updated, result.drafted = draft_persons(current, shared.register, names)
        write_atomic(register, updated.encode("utf-8"), project.display(register))
