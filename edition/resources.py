"""Locate the project's files (styles, fonts) and load them for WeasyPrint through a guarded fetcher.

Every load of the typesetter goes through `ProjectFetcher`: it serves files under the
project's own folders and the book face's package, and refuses everything else (other local
files, http(s) and any other scheme), recording what it refused so the build can report it.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path

FONT_FILES = {  # (weight, style) -> file of the font-source-serif-pro package
    (400, "normal"): "SourceSerifPro-Regular.ttf",
    (400, "italic"): "SourceSerifPro-It.ttf",
    (600, "normal"): "SourceSerifPro-Semibold.ttf",  # headings, index headings
    (600, "italic"): "SourceSerifPro-SemiboldIt.ttf",
}
FONT_FAMILY = "Source Serif Pro"
FONT_SCHEME = "edition-font:"
# "handout-lines": the handout's line-number overlay (edition/handout.py), styled inline.
STYLE_FILES = {"book": ("base.css", "book.css"), "epub": ("base.css", "epub.css"),
               "handout": ("base.css", "handout.css"), "handout-lines": ()}


def font_dir() -> Path:
    """Return the folder of the book face's files (from the PyPI package, never the system)."""
    import font_source_serif_pro
    return Path(font_source_serif_pro.__file__).parent / "files"


def font_faces_css(url_for) -> str:
    """Return @font-face rules for the book face; `url_for(file name)` gives each src URL."""
    rules = []
    for (weight, style), name in FONT_FILES.items():
        rules.append(f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
                     f'font-style: {style}; src: url("{url_for(name)}"); }}')
    return "\n".join(rules) + "\n"


@dataclass
class ProjectFetcher:
    """A URL fetcher for WeasyPrint that serves only the project's files and the book face."""

    roots: tuple[Path, ...]
    blocked: list[str] = field(default_factory=list)

    def __post_init__(self):
        from weasyprint.urls import URLFetcher  # WeasyPrint 70 wants a URLFetcher subclass

        outer = self

        class Guarded(URLFetcher):
            def fetch(self, url, headers=None):
                return outer.fetch(url)

        self.fetcher = Guarded()

    def fetch(self, url: str):
        from weasyprint.urls import URLFetcherResponse
        path = self.resolve(url)
        if path is None:
            self.blocked.append(url)
            raise ValueError(f"blocked: {url} is outside the project")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})

    def resolve(self, url: str) -> Path | None:
        """Return the local file a URL names if it is inside an allowed root, else None."""
        from urllib.parse import unquote, urlsplit
        if url.startswith(FONT_SCHEME):
            name = url[len(FONT_SCHEME):]
            path = font_dir() / name
            return path if name in FONT_FILES.values() and path.is_file() else None
        parts = urlsplit(url)
        if parts.scheme != "file":
            return None
        path = Path(unquote(parts.path)).resolve()
        inside = any(path.is_relative_to(root.resolve()) for root in self.roots)
        return path if inside and path.is_file() else None
