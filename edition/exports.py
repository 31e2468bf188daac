"""Write the record's citation as files a reference manager imports: BibTeX, RIS, CSL-JSON.

Input: an Edition with a CitationView. Output: {suffix: bytes} for build/<slug>.bib, .ris and
.json, and `cite_text` for `edition cite` in any of those formats or a CSL style.
"""

from __future__ import annotations

import json

FORMATS = ("chicago", "mla", "apa", "bibtex", "ris", "csl-json")


def csl_json(items) -> str:
    return json.dumps(items, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def citation_files(edition) -> dict[str, bytes]:
    """Return the citation exports of an edition (none when the record has no citation)."""
    from .bibfiles import to_bibtex, to_ris
    view = edition.citation
    if view is None:
        return {}
    return {".bib": to_bibtex(view.items).encode(), ".ris": to_ris(view.items).encode(),
            ".json": csl_json(view.items).encode()}


def cite_text(edition, style: str, which: str = "source") -> str:
    """Return the citation of the source (or the edition) in a style or an export format."""
    from .bibfiles import to_bibtex, to_ris
    from .csl import format_citation
    view = edition.citation
    items = view.items if which == "both" else [view.items[0 if which == "source" else -1]]
    if style == "bibtex":
        return to_bibtex(items)
    if style == "ris":
        return to_ris(items)
    if style == "csl-json":
        return csl_json(items)
    form = "note" if style == "chicago-note" else "bibliography"
    return "\n".join(format_citation([item], style.replace("-note", ""), form=form)
                     for item in items) + "\n"
