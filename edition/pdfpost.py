"""Finish a PDF written by WeasyPrint: metadata it leaves out, and the tags of the notes.

Input: the PDF's bytes. Output: the PDF's bytes, with dc:language in the XMP, the PDF/UA-1
identification when claimed (ISO 14289-1 §5), the window showing the title (PDF/UA-1 §7.1), and
note calls and notes tagged as PDF structure types Reference and Note (ISO 32000-1 §14.8.4.4,
PDF/UA-1 §7.9), where WeasyPrint leaves them as generic Span elements.
"""

from __future__ import annotations

import io


def finish_pdf(data: bytes, edition, claim_ua: bool) -> bytes:
    """Return the finished PDF; deterministic for the same input."""
    import pikepdf
    with pikepdf.open(io.BytesIO(data)) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:language"] = [edition.settings.language]
            if claim_ua:
                meta["pdfuaid:part"] = "1"
        viewer = pdf.Root.get("/ViewerPreferences", pikepdf.Dictionary())
        viewer.DisplayDocTitle = True
        pdf.Root.ViewerPreferences = viewer
        pdf.Root.Lang = pikepdf.String(edition.settings.language)
        dedupe_associated_files(pdf)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()


def dedupe_associated_files(pdf) -> None:
    """Keep each associated file once in the catalog's /AF (PDF/A-3 §6.8).

    WeasyPrint 70's PDF/A writer adds each attachment's file specification twice: once from
    the EmbeddedFiles name tree and once from its scan of the objects.
    """
    import pikepdf
    if "/AF" not in pdf.Root:
        return
    seen, unique = set(), []
    for spec in pdf.Root.AF:
        key = spec.objgen if spec.is_indirect else id(spec)
        if key not in seen:
            seen.add(key)
            unique.append(spec)
    pdf.Root.AF = pikepdf.Array(unique)


def install_note_tags() -> None:
    """Make WeasyPrint tag footnote calls as Reference and footnote bodies as Note.

    WeasyPrint 70 (pdf/tags.py) derives a structure type from the HTML tag alone, so a note
    (a <span> floated to the footnote area) becomes a Span and its call a NonStruct. We wrap
    its tree builder and retag the elements it yields for those boxes; the note's structure
    element gets an /ID so the Reference can point at it. Idempotent.
    """
    import pydyf
    from weasyprint.pdf import tags
    if getattr(tags._build_box_tree, "edition_notes", False):
        return
    original = tags._build_box_tree

    def build(box, parent, pdf, page_number, nums, annotations, found):
        for element in original(box, parent, pdf, page_number, nums, annotations, found):
            source = getattr(box, "element", None)
            tag = getattr(box, "element_tag", "") or ""
            classes = (source.get("class") or "").split() if source is not None else []
            if tag.endswith("::footnote-call"):
                element["S"] = "/Reference"
            elif "note" in classes and "::" not in tag and element["S"] in ("/Span", "/Div"):
                element["S"] = "/Note"
                element["ID"] = pydyf.String(f"{source.get('id')}-p{page_number}")
            yield element

    build.edition_notes = True
    tags._build_box_tree = build
