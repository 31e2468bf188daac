"""Finish a PDF as WeasyPrint writes it: metadata it leaves out, and the tags of the notes.

Input: WeasyPrint's document and its PDF objects (pydyf), before they are written. Output: the
same objects, with dc:language in the XMP, the PDF/UA-1 identification when claimed (ISO 14289-1
§5), each associated file listed once, and note calls and notes tagged as PDF structure types
Reference and Note (ISO 32000-1 §14.8.4.4, PDF/UA-1 §7.9), where WeasyPrint leaves them as
generic Span elements. Working on the objects before they are written costs nothing; opening
the written PDF again (with pikepdf) cost a fifth of a second of every build.
"""

from __future__ import annotations

from xml.etree import ElementTree

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PROPERTY = "http://www.aiim.org/pdfa/ns/property#"
for prefix, uri in (("pdfaExtension", EXTENSION), ("pdfaSchema", SCHEMA),
                    ("pdfaProperty", PROPERTY), ("pdfuaid", PDFUAID)):
    ElementTree.register_namespace(prefix, uri)


def edition_metadata(metadata, language: str, claim_ua: bool):
    """Return WeasyPrint's DocumentMetadata with an XMP that also says what edition adds."""
    from weasyprint.pdf.metadata import DocumentMetadata

    class EditionMetadata(DocumentMetadata):
        def generate_rdf_metadata(self, variant, version, conformance):
            rdf = ElementTree.fromstring(
                super().generate_rdf_metadata(variant, version, conformance))
            about = {f"{{{RDF}}}about": ""}
            if claim_ua:
                ElementTree.SubElement(rdf, f"{{{RDF}}}Description",
                                       {**about, f"{{{PDFUAID}}}part": "1"})
                if variant == "a":
                    rdf.append(pdfuaid_extension_schema())
            element = ElementTree.SubElement(rdf, f"{{{RDF}}}Description", about)
            element = ElementTree.SubElement(element, f"{{{DC}}}language")
            element = ElementTree.SubElement(element, f"{{{RDF}}}Bag")
            ElementTree.SubElement(element, f"{{{RDF}}}li").text = language
            return ElementTree.tostring(rdf, encoding="utf-8")

    return EditionMetadata(**vars(metadata))


def pdfuaid_extension_schema() -> ElementTree.Element:
    """Return the XMP that describes the pdfuaid schema to PDF/A readers.

    PDF/A (ISO 19005-2/3 §6.6.2.3) admits, besides its predefined schemas, only properties
    whose schema the file describes in a pdfaExtension container; pdfuaid is not predefined.
    """
    def sub(parent, name, text=None, **attributes):
        element = ElementTree.SubElement(parent, name, attributes)
        element.text = text
        return element

    resource = {f"{{{RDF}}}parseType": "Resource"}
    description = ElementTree.Element(f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})
    bag = sub(sub(description, f"{{{EXTENSION}}}schemas"), f"{{{RDF}}}Bag")
    schema = sub(bag, f"{{{RDF}}}li", **resource)
    sub(schema, f"{{{SCHEMA}}}schema", "PDF/UA Universal Accessibility Schema")
    sub(schema, f"{{{SCHEMA}}}namespaceURI", PDFUAID)
    sub(schema, f"{{{SCHEMA}}}prefix", "pdfuaid")
    sequence = sub(sub(schema, f"{{{SCHEMA}}}property"), f"{{{RDF}}}Seq")
    part = sub(sequence, f"{{{RDF}}}li", **resource)
    sub(part, f"{{{PROPERTY}}}name", "part")
    sub(part, f"{{{PROPERTY}}}valueType", "Integer")
    sub(part, f"{{{PROPERTY}}}category", "internal")
    sub(part, f"{{{PROPERTY}}}description",
        "Indicates, which part of ISO 14289 standard is followed")
    return description


def finish(document, pdf) -> None:
    """WeasyPrint's finisher: keep each associated file once in the catalog's /AF (PDF/A-3 §6.8).

    WeasyPrint 70's PDF/A writer adds each attachment's file specification twice: once from
    the EmbeddedFiles name tree and once from its scan of the objects.
    """
    import pydyf
    if "AF" in pdf.catalog:
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))


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
