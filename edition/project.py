"""Find a project's files and turn each record into an Edition: read -> annotate -> Edition.

Input: the project folder (source/, styles/, build/). Output: Editions ready for the writers,
and every diagnostic found on the way. Nothing here writes a file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .diagnostics import Diagnostic, Pos, display_path, errors

if TYPE_CHECKING:  # the stages are imported where they run: a no-change build needs none
    from .register import Register
    from .render import Edition
    from .settings import Settings


REPAIRS = {
    "W101": "a paragraph break inside a sentence was removed (source line {line})",
    "W102": "a stray quotation mark after the last paragraph was removed (source line {line})",
}


@dataclass(frozen=True)
class Project:
    """The folders of an edition project."""

    root: Path

    @property
    def records_dir(self) -> Path:
        return self.root / "source" / "records"

    @property
    def settings_path(self) -> Path:
        return self.root / "source" / "edition.toml"

    @property
    def register_path(self) -> Path:
        return self.root / "source" / "persons.toml"

    @property
    def styles_dir(self) -> Path:
        return self.root / "styles"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def display(self, path: Path) -> str:
        return display_path(path, self.root)

    def record_paths(self) -> list[Path]:
        """Return the record files of source/records, in name order."""
        return sorted(self.records_dir.glob("*.txt"))

    def sidecar_path(self, record_path: Path) -> Path:
        return record_path.with_suffix(".toml")


@dataclass(frozen=True)
class Shared:
    """What all records of a project share: settings and the persons register."""

    settings: Settings
    register: Register


def load_shared(project: Project) -> tuple[Shared, list[Diagnostic]]:
    """Load the edition settings and the persons register."""
    from .register import load_abbreviations, load_register
    from .settings import load_settings
    settings, found = load_settings(project.settings_path, project.display(project.settings_path))
    register, more = load_register(project.register_path, project.display(project.register_path))
    path = project.root / "source" / "abbreviations.toml"
    abbreviations, most = load_abbreviations(path, project.display(path))
    register = replace(register, abbreviations=abbreviations)
    return Shared(settings, register), found + more + most


def prepare(project: Project, path: Path, shared: Shared) -> tuple[Edition | None, list]:
    """Read, annotate and check one record; return its Edition (None on errors) and diagnostics."""
    from .annotate import Context, annotate
    from .check import check_edition
    from .parse import read_record
    from .render import Edition
    from .settings import load_sidecar
    record, found = read_record(path, project.root)
    sidecar_path = project.sidecar_path(path)
    sidecar, more = load_sidecar(sidecar_path, project.display(sidecar_path))
    found += more
    if record is None or errors(found):
        return None, found
    context = Context(shared.settings, sidecar, frozenset(shared.register.forms), shared.register)
    record, more = annotate(record, context)
    found += more
    from .citation_view import citation_view
    citation, more = citation_view(record, sidecar, shared.settings)
    found += more
    repairs = tuple(REPAIRS[d.code].format(line=d.pos.line) for d in found if d.code in REPAIRS)
    edition = Edition(record, shared.settings, shared.register, citation,
                      paper=shared.settings.paper, repairs=repairs)
    found += check_edition(edition)
    return (None if errors(found) else edition), found


def resolve_records(project: Project, names: list[str] | None) -> tuple[list[Path], list]:
    """Return the record files named on the command line (all when none), or diagnostics."""
    if not names:
        paths = project.record_paths()
        if not paths:
            return [], [Diagnostic("E001", Pos(project.display(project.records_dir), 1, 1),
                                   "no records found", "put exported records (*.txt) in "
                                   "source/records/, or run edition import FILE")]
        return paths, []
    paths, found = [], []
    for name in names:
        path = Path(name)
        candidates = [path, project.records_dir / name, project.records_dir / f"{name}.txt"]
        hit = next((c for c in candidates if c.is_file()), None)
        if hit:
            paths.append(hit)
        else:
            found.append(Diagnostic("E001", Pos(name, 1, 1), "no such record",
                                    "give a path, or a slug of source/records/"))
    return paths, found
