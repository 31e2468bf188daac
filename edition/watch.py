"""Watch a project's sources and styles; call back with what changed each time files are saved.

Input: a project and a rebuild callback. Output: calls of `rebuild(changed paths)`, once at the
start (with no paths) and then once per batch of saves (an editor's save is often several
file events: watchfiles groups them). What to rebuild is the build cache's business: the
callback runs an ordinary build, and records whose inputs did not change are up to date.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

# What a build reads: records and sidecars (.txt, .toml), settings and registers (.toml),
# styles (.css) and, when edition runs from a checkout, its templates (.jinja: jinja2 reloads
# a changed template; a changed module needs a restart of `edition watch`).
WATCHED_SUFFIXES = (".txt", ".toml", ".css", ".jinja")


def watched_folders(project) -> list[Path]:
    """Return the folders whose files a build reads: source/, styles/, edition's templates."""
    templates = Path(__file__).resolve().parent / "templates"
    return [folder for folder in (project.root / "source", project.styles_dir, templates)
            if folder.is_dir()]


def watch_project(project, rebuild: Callable[[set[Path]], None],
                  stop: threading.Event | None = None, debounce_ms: int = 300) -> None:
    """Call rebuild() now, then again with the changed files each time some are saved.

    Returns when `stop` is set; Ctrl-C raises KeyboardInterrupt (the CLI exits 130).
    """
    from watchfiles import DefaultFilter, watch
    ignored = DefaultFilter()  # editors' swap and backup files, .git, __pycache__

    def is_watched(change, path: str) -> bool:
        return path.endswith(WATCHED_SUFFIXES) and ignored(change, path)

    rebuild(set())
    for changes in watch(*watched_folders(project), watch_filter=is_watched,
                         debounce=debounce_ms, stop_event=stop):
        rebuild({Path(path) for _, path in changes})
