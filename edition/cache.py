"""Tell whether a record's outputs are up to date: a content hash of everything they depend on.

Input: a project, a record file and the build options. Output: a key (a SHA-256 hex digest)
over the record, its sidecar, the register, the abbreviations, the settings, the styles,
edition's own code and templates, SOURCE_DATE_EPOCH and the options; and the cache entry
build/.cache/<slug>.json that pairs the key of the last good build with its outputs' hashes.

A build is skipped only when the key matches and every output still holds the bytes it was
written with (as make would, but by content rather than by mtime, so a `git checkout` that
restores a file, or a copy that changes every mtime, never forces or fakes a rebuild). This
module reads files and writes JSON; it imports none of WeasyPrint, EbookLib or citeproc.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sys
from pathlib import Path

from .build import BuildResult, write_atomic
from .diagnostics import Diagnostic, EditionError, Pos

FORMAT = 1  # bump when the entry's layout or the key's recipe changes
PACKAGE = Path(__file__).resolve().parent


def file_digest(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, or "-" when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "-"


def digest_files(digest, paths, base: Path) -> None:
    """Feed each file's name (relative to base) and content hash into a digest."""
    for path in paths:
        digest.update(f"{path.relative_to(base).as_posix()}\0{file_digest(path)}\n".encode())


def installed_digest() -> str:
    """Return a digest of Python's version and every installed distribution's name and version.

    That covers edition's own version and its dependencies' (WeasyPrint, fontTools, the book
    face...). They are read from the dist-info folder names of the environment's site-packages
    (PEP 427), as importlib.metadata would, without its import cost (the email package), which
    is more than all the hashing of a no-change build.
    """
    import site  # already imported at start-up; sysconfig.get_paths() costs more
    folders = [*site.getsitepackages()] + ([site.getusersitepackages()]
                                           if site.ENABLE_USER_SITE else [])
    names = []
    for folder in sorted(set(folders)):
        with contextlib.suppress(OSError):
            names += [n for n in os.listdir(folder) if n.endswith(".dist-info")]
    return hashlib.sha256("\n".join([sys.version, *sorted(names)]).encode()).hexdigest()


def code_digest() -> str:
    """Return a digest of edition itself and its environment: modules, templates, data.

    Hashing the sources as well as the versions means an edited module or template (in a
    checkout, or an editable install) invalidates every output, not only a release does.
    """
    digest = hashlib.sha256(f"installed {installed_digest()}\n".encode())
    files = [*PACKAGE.glob("*.py"), *PACKAGE.glob("templates/**/*"), *PACKAGE.glob("data/**/*")]
    digest_files(digest, sorted(p for p in files if p.is_file()), PACKAGE)
    return digest.hexdigest()


def project_digest(project, options) -> str:
    """Return the part of the key that all records of a build share."""
    source = project.root / "source"
    digest = hashlib.sha256(f"edition-cache {FORMAT}\ncode {code_digest()}\n".encode())
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    digest.update(f"SOURCE_DATE_EPOCH {epoch!r}\n".encode())
    fields = dataclasses.asdict(options) if dataclasses.is_dataclass(options) else {}
    digest.update(f"options {json.dumps(fields, sort_keys=True)}\n".encode())
    shared = [project.settings_path, project.register_path, source / "abbreviations.toml",
              *sorted(project.styles_dir.glob("*.css"))]
    digest_files(digest, shared, project.root)
    return digest.hexdigest()


def build_key(project, path: Path, shared_digest: str) -> str:
    """Return a record's key: the shared digest, then its path (in the project), text, sidecar."""
    digest = hashlib.sha256(f"{shared_digest}\nrecord {project.display(path)}\n".encode())
    digest.update(f"text {file_digest(path)}\n".encode())
    digest.update(f"sidecar {file_digest(project.sidecar_path(path))}\n".encode())
    return digest.hexdigest()


def entry_path(project, path: Path) -> Path:
    """Return where a record's cache entry lives (the record's slug is its file's stem)."""
    return project.build_dir / ".cache" / f"{path.stem}.json"


def lookup(project, path: Path, key: str) -> BuildResult | None:
    """Return the cached result of a record if its key matches and its outputs are intact."""
    try:
        entry = json.loads(entry_path(project, path).read_text(encoding="utf-8"))
        if entry.get("format") != FORMAT or entry.get("key") != key:
            return None
        outputs = [project.build_dir / name for name, _ in entry["outputs"]]
        if any(file_digest(out) != digest for out, (_, digest) in zip(outputs, entry["outputs"])):
            return None
        diagnostics = [restore_diagnostic(d) for d in entry["diagnostics"]]
        return BuildResult(project.display(path), outputs, entry["pages"], entry["notes"],
                           diagnostics, cached=True)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # no entry, or one we cannot read: build, and write a good one


def store(project, path: Path, key: str, result: BuildResult) -> None:
    """Record a successful build's key and outputs; written last, atomically, after them."""
    if not result.ok or not result.outputs:
        return
    entry = {"format": FORMAT, "key": key, "pages": result.pages, "notes": result.notes,
             "outputs": [[out.name, file_digest(out)] for out in result.outputs],
             "diagnostics": [d.as_dict() for d in result.diagnostics]}
    target = entry_path(project, path)
    write_atomic(target, (json.dumps(entry, indent=1, sort_keys=True) + "\n").encode(),
                 project.display(target))


def shared_entry_path(project) -> Path:
    """Return where the shared files' diagnostics live (a folder no record's entry can be)."""
    return project.build_dir / ".cache" / "project" / "shared.json"


def lookup_shared(project, shared_digest: str) -> list[Diagnostic] | None:
    """Return the diagnostics of the shared files (settings, register...) if they are unchanged.

    When every record is up to date this is all a build needs of them: loading the register
    (every person's entry checked) costs more than the rest of a no-change build.
    """
    try:
        entry = json.loads(shared_entry_path(project).read_text(encoding="utf-8"))
        if entry.get("format") != FORMAT or entry.get("digest") != shared_digest:
            return None
        return [restore_diagnostic(d) for d in entry["diagnostics"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def store_shared(project, shared_digest: str, found: list[Diagnostic]) -> None:
    """Record the diagnostics of loading the shared files; best effort, like any cache."""
    entry = {"format": FORMAT, "digest": shared_digest,
             "diagnostics": [d.as_dict() for d in found]}
    target = shared_entry_path(project)
    with contextlib.suppress(EditionError):  # an unwritable build/ is reported by the build
        write_atomic(target, (json.dumps(entry, indent=1, sort_keys=True) + "\n").encode(),
                     project.display(target))


def restore_diagnostic(data: dict) -> Diagnostic:
    """Rebuild a Diagnostic from Diagnostic.as_dict(), so warnings are reported again."""
    pos = Pos(data["file"], data["line"], data["col"]) if data.get("file") is not None else None
    return Diagnostic(data["code"], pos, data["message"], data.get("hint", ""))
