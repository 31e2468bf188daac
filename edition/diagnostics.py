"""Define diagnostics: a code, a severity, a position, a message and a hint; and the table of codes.

Every problem with the input is a Diagnostic, collected before anything is written (as MkDocs
and Standard Ebooks do) and printed like a compiler's: `file:line:col: error E102: message`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# code: (severity, summary). The README's table of error codes is generated from this one.
CODES = {
    "E001": ("error", "the file cannot be read"),
    "E002": ("error", "the file is empty"),
    "E003": ("error", "the file is binary, not text"),
    "E004": ("error", "the file has bytes that are not UTF-8 or cp1252"),
    "E005": ("error", "the file has control characters"),
    "E006": ("error", "the file is too large"),
    "E010": ("error", "the record has no body"),
    "E101": ("error", "unbalanced '[': opened and never closed"),
    "E102": ("error", "unbalanced ']': closed and never opened"),
    "E103": ("error", "nested brackets"),
    "E104": ("error", "a bracket crosses a paragraph break"),
    "E201": ("error", "TOML syntax error"),
    "E202": ("error", "unknown field in a settings, register or sidecar file"),
    "E203": ("error", "bad value in a settings, register or sidecar file"),
    "E204": ("error", "duplicate id in the persons register"),
    "E205": ("error", "the sidecar names a phrase that is not in the record"),
    "E206": ("error", "unknown person id"),
    "E301": ("error", "a style file is missing or unreadable"),
    "E302": ("error", "a resource outside the project was blocked"),
    "E401": ("error", "an output cannot be written"),
    "E402": ("error", "a note was lost in page layout"),
    "E501": ("error", "bad paragraph range"),
    "E601": ("error", "the record to import exists already"),
    "E901": ("error", "internal error: a record's build failed unexpectedly (a bug, or its worker died)"),
    "W101": ("warning", "a paragraph break inside a sentence was joined"),
    "W102": ("warning", "a stray quote mark closing the export was removed"),
    "W201": ("warning", "a person-like name is not in the register"),
    "W202": ("warning", "a register entry is not verified"),
    "W301": ("warning", "part of the citation could not be parsed"),
    "W302": ("warning", "the citation's URL is on a test host"),
    "W501": ("warning", "the handout is longer than --max-pages"),
}


@dataclass(frozen=True, order=True)
class Pos:
    """A place in a source file: 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


def display_path(path: Path, root: Path | None) -> str:
    """Return the path as the user knows it: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the input, with where it is and what to do."""

    code: str
    pos: Pos | None
    message: str
    hint: str = ""

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    def format(self) -> str:
        """Return the compiler-style text: location, severity, code, message, hint line."""
        where = f"{self.pos}: " if self.pos else ""
        text = f"{where}{self.severity} {self.code}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_dict(self) -> dict:
        pos = self.pos
        return {
            "code": self.code, "severity": self.severity, "message": self.message,
            "hint": self.hint, "file": pos.file if pos else None,
            "line": pos.line if pos else None, "col": pos.col if pos else None,
        }


class EditionError(Exception):
    """Raised with the diagnostics that stop a command; the CLI prints them and exits 1."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = list(diagnostics)


def errors(diagnostics) -> list[Diagnostic]:
    """Return the diagnostics that are errors."""
    return [d for d in diagnostics if d.severity == "error"]
