"""Show the persons index outside the book: rows for a terminal table, JSON or CSV.

Input: index entries (persons.build_index) and, when the record was built, its page map
(build/<slug>.pages.json, written by the build next to the PDF). Output: text. The page map is
used only if it was made from the same sources, so a stale build never shows wrong pages.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json


def sources_digest(project, edition) -> str:
    """Return a digest of the files the page numbers depend on (record, sidecar, register...)."""
    digest = hashlib.sha256()
    paths = [project.root / edition.record.source, project.sidecar_path(project.root / edition.record.source),
             project.register_path, project.settings_path, project.root / "source" / "abbreviations.toml",
             *sorted(project.styles_dir.glob("*.css"))]
    for path in paths:
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


def page_map_path(project, edition):
    return project.build_dir / f"{edition.record.slug}.pages.json"


def page_map_bytes(project, edition, anchors: dict[str, int]) -> bytes:
    """Return the page map file: which PDF page each anchor (mention, note, paragraph) is on."""
    data = {"sources": sources_digest(project, edition),
            "anchors": {k: anchors[k] for k in sorted(anchors)}}
    return (json.dumps(data, indent=1) + "\n").encode()


def load_page_map(project, edition) -> dict[str, int] | None:
    """Return the anchors' pages of the last build, or None when missing or stale."""
    path = page_map_path(project, edition)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("anchors") if data.get("sources") == sources_digest(project, edition) else None


def index_rows(entries, with_pages: bool = True) -> list[dict]:
    """Return one row per person: id, heading, dates, identification, mentions, pages."""
    return [{"id": e.person.id, "heading": e.person.heading, "dates": e.person.dates,
             "identification": e.person.description, "mentions": e.mentions,
             "pages": ", ".join(l.label for l in e.locators) if with_pages else "",
             "forms": list(e.forms), "wikidata": e.person.wikidata} for e in entries]


def render_rows(rows: list[dict], fmt: str) -> str:
    """Render rows as an aligned terminal table, JSON or CSV."""
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    columns = ["heading", "dates", "mentions", "pages"]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[*columns, "identification", "id", "wikidata"],
                                extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    table = [[c.capitalize() for c in columns]] + [[str(r[c]) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    lines = ["  ".join(cell.ljust(w) if i != 2 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
