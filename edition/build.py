"""Build a record's outputs: Edition -> PDF, EPUB (and exports), written only when all succeed.

Input: a project and a record path. Output: files in build/, each written to a temporary file
and renamed into place once complete, so a failed build never leaves a half-written file or
loses an earlier good one. Returns what was written, with page and note counts.
"""

from __future__ import annotations

import gc
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, EditionError, Pos, errors
from .project import Project, Shared, prepare


@dataclass(frozen=True)
class BuildOptions:
    """How to build: paper size ('' = the settings'), PDF variant, print-shop marks."""

    paper: str = ""
    pdf_variant: str = "archival-accessible"
    print_marks: bool = False

    def styles(self, settings) -> tuple[str, ...]:
        """Return the style files the options add to the book's (styles/paper-*.css ...)."""
        paper = self.paper or settings.paper
        return (f"paper-{paper}.css",) + (("print-marks.css",) if self.print_marks else ())


@dataclass
class BuildResult:
    """What one record's build produced (or why not)."""

    record: str
    outputs: list[Path] = field(default_factory=list)
    pages: int = 0
    notes: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    cached: bool = False

    @property
    def ok(self) -> bool:
        return not errors(self.diagnostics)


def write_atomic(path: Path, data: bytes, display: str) -> None:
    """Write bytes to path through a temporary file in the same folder, then rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o644)  # mkstemp makes it private; outputs are for everyone
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise EditionError([Diagnostic("E401", Pos(display, 1, 1),
                                       f"cannot write: {error.strerror or error}",
                                       "check that build/ is writable and the disk has room")])


def render_outputs(edition, project: Project, options: BuildOptions = BuildOptions()):
    """Lay out and package every output of an edition in memory; return {suffix: bytes}, pages."""
    from .epub import build_epub
    from .exports import citation_files
    from .pagemap import find_page_breaks
    from .pdf import lay_out_book, pdf_bytes
    from .personsview import page_map_bytes
    from .settings import build_stamp
    stamp = build_stamp(edition.settings)
    files = citation_files(edition)
    record_file = project.root / edition.record.source
    source = record_file.read_bytes() if record_file.is_file() else b""
    layout = lay_out_book(edition, project, options.styles(edition.settings))
    # The laid-out book is a million objects that live until the outputs are made: keep the
    # garbage collector from walking them again at every burst of allocations (each full
    # collection took 0.05-0.1 s; writing the PDF and the EPUB set off several). Not
    # gc.freeze(): gc.unfreeze() would also thaw what a build worker froze (runner.py).
    collecting = gc.isenabled()
    gc.disable()
    try:
        pdf = pdf_bytes(layout, edition, stamp, options.pdf_variant, files, source)
        outputs = {
            ".pdf": pdf,
            ".epub": build_epub(edition, project, find_page_breaks(layout.document), stamp,
                                layout.index, pdf),
            **files,
            ".pages.json": page_map_bytes(project, edition, layout.anchors),
        }
        return outputs, len(layout.document.pages)
    finally:
        if collecting:
            gc.enable()


def build_record(project: Project, path: Path, shared: Shared,
                 options: BuildOptions = BuildOptions()) -> BuildResult:
    """Build one record's outputs into build/; never raise for bad input."""
    result = BuildResult(project.display(path))
    edition, result.diagnostics = prepare(project, path, shared)
    if edition is None:
        return result
    try:
        outputs, result.pages = render_outputs(edition, project, options)
        for suffix, data in outputs.items():
            target = project.build_dir / f"{edition.record.slug}{suffix}"
            write_atomic(target, data, project.display(target))
            result.outputs.append(target)
    except EditionError as error:
        result.diagnostics += error.diagnostics
    result.notes = len(edition.record.notes())
    return result
