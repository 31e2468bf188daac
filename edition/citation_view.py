"""Turn a record's citation block into what outputs show: fields, styled citations, QR code, exports.

Input: the record (its citation text and URL), the sidecar's [citation] overrides and the
edition settings. Output: a CitationView, and W301 diagnostics for what could not be parsed,
placed at the character of the citation block where the trouble is. All formatting is done by
citeproc-py from CSL-JSON (citation.py), never by hand-built strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .model import Pos

STYLE_NAMES = {"chicago": "Chicago", "mla": "MLA", "apa": "APA"}


@dataclass(frozen=True)
class CitationView:
    fields: object                      # citation.CitationFields
    items: list = field(default_factory=list)  # CSL-JSON: the source, then the edition
    qr_svg: str = ""

    @property
    def facts(self) -> list[tuple[str, str]]:
        """Return (label, value) rows for the citation page."""
        f = self.fields
        rows = []
        if f.archival:
            rows.append(("Archival reference", f.archival.text))
        if f.publication:
            from .csl import _publication_text
            rows.append(("Original publication", _publication_text(f.publication)))
        if f.translators:
            rows.append(("Translated by", ", ".join(f.translators)))
        for contributor in f.contributors:
            rows.append((contributor.role, contributor.name))
        if f.repository:
            rows.append(("Repository", f.repository))
        return rows

    def styled(self, item: int, form: str = "bibliography", output: str = "html"):
        """Return [(style label, text)] for one item in Chicago (note, bibliography), MLA, APA."""
        from .csl import format_citation
        one = [self.items[item]]
        rows = [("Chicago (note)", format_citation(one, "chicago", form="note", output=output))]
        for style, label in (("chicago", "Chicago (bibliography)"), ("mla", "MLA"),
                             ("apa", "APA")):
            rows.append((label, format_citation(one, style, form="bibliography", output=output)))
        return rows

    @property
    def source_styles(self):
        return self.styled(0)

    @property
    def edition_styles(self):
        return self.styled(1) if len(self.items) > 1 else []


def csl_editor(name: str) -> dict:
    """Return a CSL name: "Family, Given" for a person, anything else as a literal (a body)."""
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return {"family": family, "given": given}
    return {"literal": name}


def edition_item(record, settings) -> dict:
    """Return the edition's bibliographic data (edition.toml) as citation.py expects it."""
    return {"id": f"{record.slug}-edition", "title": f"{record.title}: A Critical Edition",
            "editors": [csl_editor(name) for name in settings.editors], "publisher": settings.publisher,
            "place": settings.place, "date": settings.date, "licence": settings.licence,
            "series": settings.series or settings.title, "url": settings.url,
            "language": settings.language}


def staging_url(url: str | None, block) -> list[Diagnostic]:
    """Warn when the citation's URL is on a test or staging host, not the public archive."""
    from urllib.parse import urlsplit
    host = urlsplit(url or "").hostname or ""
    if not any(word in host for word in ("test", "staging", "dev.", "localhost")):
        return []
    return [Diagnostic("W302", block.url_pos or block.pos, f"the citation's URL is on a test "
                       f"host ({host}): readers cannot reach it",
                       'give the public address in the sidecar: [citation] url = "https://..."')]


def citation_view(record, sidecar, settings) -> tuple[CitationView | None, list[Diagnostic]]:
    """Parse the record's citation; return the view (None without a citation) and diagnostics."""
    from . import bibfiles, citation, csl
    if record.citation is None or not (record.citation.text or record.citation.url):
        return None, []
    block = record.citation
    fields, problems = citation.parse_citation(block.text, block.url or None)
    found = [Diagnostic("W301", Pos(block.pos.file, block.pos.line, block.pos.col + p.offset),
                        f"citation: {p.message}", p.hint or "supply the field in the sidecar's "
                        "[citation] table") for p in problems]
    if sidecar.citation:
        try:
            fields = citation.apply_overrides(fields, sidecar.citation)
        except (ValueError, TypeError) as error:
            found.append(Diagnostic("E203", Pos(sidecar.source, 1, 1), f"[citation]: {error}",
                                    "see the fields listed in the README"))
    found += staging_url(fields.url, block)
    items = csl.to_csl_json(fields, id=record.slug, edition=edition_item(record, settings))
    qr = bibfiles.qr_svg(fields.url) if fields.url else ""
    return CitationView(fields, items, qr), found
