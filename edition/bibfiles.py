"""Write CSL-JSON items as the files reference managers import (BibTeX, RIS), and a QR code.

Input: CSL-JSON items (csl.py). Output: BibTeX and RIS text, an SVG QR code of a URL.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any


# --------------------------------------------------------------------------- BibTeX

_BIBTEX_TYPES = {"document": "misc", "manuscript": "unpublished", "book": "book",
                 "article-journal": "article", "chapter": "incollection", "webpage": "online"}
_LATEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                   "%": r"\%", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _notes(item: dict) -> list[str]:
    return [p for p in (item.get("note"), item.get("license") and f"Licence: {item['license']}") if p]


def _latex(text: str) -> str:
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in str(text))


def _bibtex_names(names: list[dict]) -> str:
    """BibTeX name list: "Family, Given and ..."; corporate names braced so they stay whole."""
    out = []
    for n in names:
        if "literal" in n:
            out.append("{" + _latex(n["literal"]) + "}")
        else:
            out.append(_latex(", ".join(p for p in (n.get("family"), n.get("given")) if p)))
    return " and ".join(out)


def _bibtex_fields(item: dict) -> list[tuple[str, str]]:
    fields = [(role, _bibtex_names(item[role])) for role in ("author", "editor", "translator") if item.get(role)]
    if item.get("title"):
        fields.append(("title", "{" + _latex(item["title"]) + "}"))    # braces keep its capitals
    parts = (item.get("issued") or {}).get("date-parts", [[]])[0]
    if parts:
        fields.append(("date", "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))))
        fields.append(("year", str(parts[0])))
    publisher_key = "publisher" if item["type"] == "book" else "howpublished"
    for key, variable in ((publisher_key, "publisher"), ("address", "publisher-place"),
                          ("series", "collection-title"), ("isbn", "ISBN"), ("doi", "DOI")):
        if item.get(variable):
            fields.append((key, _latex(item[variable])))
    archival = ", ".join(item[v] for v in ("archive", "archive_location") if item.get(v))
    note = ". ".join(_latex(p).rstrip(".") for p in (archival, item.get("references"), *_notes(item)) if p)
    if note:
        fields.append(("note", note + "."))
    if item.get("URL"):
        fields.append(("url", item["URL"]))                       # verbatim field: no escaping
    return fields


def to_bibtex(items: list[dict]) -> str:
    """BibTeX (biblatex-compatible: date, translator) for CSL-JSON items, via bibtexparser 2."""
    import bibtexparser
    from bibtexparser.model import Entry, Field
    library = bibtexparser.Library()
    for item in items:
        key = re.sub(r"[^A-Za-z0-9_:.\-]", "-", str(item["id"]))
        entry_type = _BIBTEX_TYPES.get(item.get("type"), "misc")
        library.add(Entry(entry_type, key, [Field(k, v) for k, v in _bibtex_fields(item)]))
    return bibtexparser.write_string(library)


# --------------------------------------------------------------------------- RIS

_RIS_TYPES = {"document": "GEN", "manuscript": "MANSCPT", "book": "BOOK", "article-journal": "JOUR",
              "chapter": "CHAP", "webpage": "ELEC"}


def _ris_name(n: dict) -> str:
    return n.get("literal") or ", ".join(p for p in (n.get("family"), n.get("given")) if p)


def _ris_entry(item: dict) -> dict[str, Any]:
    # RIS: AU authors, A2 editors (secondary), A4 translators (subsidiary), DA YYYY/MM/DD/,
    # DB name of database <- the holding archive, AN accession number <- its shelfmark,
    # OP original publication, T2 series title for books.
    entry: dict[str, Any] = {"type_of_reference": _RIS_TYPES.get(item.get("type"), "GEN"),
                             "id": str(item["id"]), "title": item.get("title", "")}
    for tag, role in (("authors", "author"), ("secondary_authors", "editor"), ("subsidiary_authors", "translator")):
        if item.get(role):
            entry[tag] = [_ris_name(n) for n in item[role]]
    parts = (item.get("issued") or {}).get("date-parts", [[]])[0]
    if parts:
        entry["year"] = str(parts[0])
        entry["date"] = "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts)) + "/" * (4 - len(parts))
    simple = {"publisher": "publisher", "place_published": "publisher-place", "name_of_database": "archive",
              "accession_number": "archive_location", "original_publication": "references",
              "secondary_title": "collection-title", "doi": "DOI", "language": "language"}
    entry.update({tag: str(item[v]) for tag, v in simple.items() if item.get(v)})
    notes = _notes(item)
    if notes:
        entry["notes"] = notes
    if item.get("URL"):
        entry["urls"] = [item["URL"]]
    return entry


def to_ris(items: list[dict]) -> str:
    """RIS records (TY ... ER) for CSL-JSON items, via rispy."""
    import rispy

    class _Writer(rispy.RisWriter):
        def set_header(self, count: int) -> str:
            return ""                   # rispy numbers records ("1."); RIS has no such line

    return rispy.dumps([_ris_entry(item) for item in items], implementation=_Writer)


# --------------------------------------------------------------------------- QR code

def qr_svg(url: str, *, module_mm: float = 0.5, label: str | None = None) -> str:
    """Inline-ready SVG QR code (no XML declaration, SVG namespace, role="img", <title>)."""
    import segno
    qr = segno.make(url, error="m", micro=False)
    label = label or f"QR code linking to {url}"
    out = io.BytesIO()
    qr.save(out, kind="svg", xmldecl=False, svgns=True, nl=False, title=label,
            svgclass="qr-code", lineclass=None, scale=module_mm, unit="mm")
    svg = out.getvalue().decode("utf-8")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(label, quote=True)}" ', 1)
