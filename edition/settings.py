"""Load the project's TOML files (edition settings, record sidecars) into checked dataclasses.

Input: paths to `source/edition.toml` and `source/records/<slug>.toml`. Output: Settings and
Sidecar values, or diagnostics with the file, line and column of what is wrong. Unknown keys
are errors, so a typo never silently does nothing.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .diagnostics import Diagnostic
from .model import KINDS, Pos

POLICIES = ("footnote", "inline")
PAPERS = {"a5": "A5", "a4": "A4", "letter": "letter", "6x9": "6in 9in"}
STYLES = ("chicago", "mla", "apa")


@dataclass(frozen=True)
class Settings:
    """Edition-wide settings from source/edition.toml."""

    title: str = "Documents of the Cold War"
    series: str = ""
    editors: tuple[str, ...] = ()
    publisher: str = ""
    place: str = ""
    date: str = ""
    licence: str = ""
    url: str = ""
    language: str = "en"
    paper: str = "a5"
    citation_style: str = "chicago"
    policy: dict = field(default_factory=dict)  # kind -> footnote | inline

    def policy_for(self, kind: str) -> str:
        return self.policy.get(kind, "footnote")


@dataclass(frozen=True)
class Override:
    """A sidecar entry that bears on a phrase of the record."""

    at: str
    pos: Pos
    kind: str = ""
    lemma: str = ""
    text: str = ""
    correct: str = ""
    person: str = ""


@dataclass(frozen=True)
class Sidecar:
    """Per-record overrides from source/records/<slug>.toml."""

    source: str = ""
    interventions: tuple[Override, ...] = ()
    notes: tuple[Override, ...] = ()
    sic: tuple[Override, ...] = ()
    persons: tuple[Override, ...] = ()  # phrases that name a registered person
    citation: dict = field(default_factory=dict)
    questions: tuple[str, ...] = ()


def toml_position(error: tomllib.TOMLDecodeError, source: str) -> Pos:
    """Return the position tomllib names in its message ("(at line 3, column 7)")."""
    match = re.search(r"line (\d+), column (\d+)", str(error))
    return Pos(source, int(match.group(1)), int(match.group(2))) if match else Pos(source, 1, 1)


def key_position(text: str, key: str, source: str, after: int = 0) -> Pos:
    """Return the position of `key = ` in a TOML text (tomllib keeps no positions)."""
    match = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=", re.M).search(text, after)
    if not match:
        match = re.compile(re.escape(key)).search(text)
    if not match:
        return Pos(source, 1, 1)
    line = text.count("\n", 0, match.start()) + 1
    col = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
    return Pos(source, line, col + len(match.group()) - len(match.group().lstrip()))


def load_toml(path: Path, source: str) -> tuple[dict | None, str, list[Diagnostic]]:
    """Read a TOML file; return (data, text, diagnostics). A missing file is an empty table."""
    if not path.exists():
        return {}, "", []
    try:
        text = path.read_text(encoding="utf-8")
        return tomllib.loads(text), text, []
    except tomllib.TOMLDecodeError as error:
        message = re.sub(r"\s*\(at .*\)$", "", str(error))
        return None, "", [Diagnostic("E201", toml_position(error, source), f"TOML: {message}",
                                     "fix the syntax; see https://toml.io")]
    except (OSError, UnicodeDecodeError) as error:
        return None, "", [Diagnostic("E001", Pos(source, 1, 1), f"cannot read: {error}",
                                     "the file must be UTF-8 text")]


def unknown_keys(table: dict, allowed, text: str, source: str, where: str) -> list[Diagnostic]:
    """Report keys of a table that the format does not define."""
    return [Diagnostic("E202", key_position(text, key, source), f"unknown field '{key}' in {where}",
                       f"known fields: {', '.join(sorted(allowed))}")
            for key in table if key not in allowed]


SETTINGS_KEYS = {"title", "series", "editors", "publisher", "place", "date", "licence", "url",
                 "language", "paper", "citation_style", "policy"}


def load_settings(path: Path, source: str) -> tuple[Settings, list[Diagnostic]]:
    """Load source/edition.toml; return Settings (defaults where absent) and diagnostics."""
    data, text, found = load_toml(path, source)
    if data is None:
        return Settings(), found
    edition = data.get("edition", {})
    found += unknown_keys(data, {"edition"}, text, source, "edition.toml")
    found += unknown_keys(edition, SETTINGS_KEYS, text, source, "[edition]")
    policy = edition.get("policy", {})
    for kind, value in policy.items():
        if kind not in KINDS or value not in POLICIES:
            found.append(Diagnostic("E203", key_position(text, kind, source),
                                    f"bad policy {kind} = {value!r}",
                                    f"kinds: {', '.join(KINDS)}; policies: {', '.join(POLICIES)}"))
    checks = (("paper", PAPERS), ("citation_style", STYLES))
    for key, allowed in checks:
        if key in edition and edition[key] not in allowed:
            found.append(Diagnostic("E203", key_position(text, key, source),
                                    f"bad {key} {edition[key]!r}", f"one of: {', '.join(allowed)}"))
    if found:
        return Settings(), found
    values = {k: v for k, v in edition.items() if k in SETTINGS_KEYS}
    values["editors"] = tuple(values.get("editors", ()))
    return Settings(**values), found


SIDECAR_TABLES = {"intervention": {"at", "kind", "lemma"}, "note": {"at", "text"},
                  "sic": {"at", "correct"}, "person": {"at", "id"}}


def load_sidecar(path: Path, source: str) -> tuple[Sidecar, list[Diagnostic]]:
    """Load a record's sidecar; phrases are checked against the record later (annotate)."""
    data, text, found = load_toml(path, source)
    if data is None:
        return Sidecar(source), found
    found += unknown_keys(data, {*SIDECAR_TABLES, "citation", "questions"}, text, source,
                          "the sidecar")
    entries: dict[str, list[Override]] = {name: [] for name in SIDECAR_TABLES}
    for name, allowed in SIDECAR_TABLES.items():
        offset = 0
        for entry in data.get(name, []):
            offset = max(text.find(f"[[{name}]]", offset), 0) + 1
            pos = key_position(text, "at", source, offset)
            found += unknown_keys(entry, allowed, text, source, f"[[{name}]]")
            if not isinstance(entry.get("at"), str) or not entry["at"]:
                found.append(Diagnostic("E203", pos, f"[[{name}]] needs at = \"phrase\"",
                                        "name the phrase of the record it bears on"))
                continue
            if name == "intervention" and entry.get("kind", "") not in ("", *KINDS):
                found.append(Diagnostic("E203", key_position(text, "kind", source, offset),
                                        f"unknown kind {entry['kind']!r}",
                                        f"kinds: {', '.join(KINDS)}"))
            entries[name].append(Override(at=entry["at"], pos=pos, kind=entry.get("kind", ""),
                                          lemma=entry.get("lemma", ""), text=entry.get("text", ""),
                                          correct=entry.get("correct", ""),
                                          person=entry.get("id", "")))
    questions = data.get("questions", [])
    return Sidecar(source, tuple(entries["intervention"]), tuple(entries["note"]),
                   tuple(entries["sic"]), tuple(entries["person"]), dict(data.get("citation", {})),
                   tuple(str(q) for q in questions)), found


def build_stamp(settings) -> datetime:
    """Return the build's date: SOURCE_DATE_EPOCH if set, else the edition's date; never now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    date = (settings.date or "2000-01-01")[:10]
    date = date if len(date) == 10 else f"{date[:4]}-01-01"
    return datetime.fromisoformat(date).replace(tzinfo=timezone.utc)
