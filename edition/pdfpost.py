"""Finish a PDF as WeasyPrint writes it: metadata it leaves out, and the tags of the notes.

Input: WeasyPrint's document and its PDF objects (pydyf), before they are written. Output: the
same objects, with dc:language in the XMP, the PDF/UA-1 identification when claimed (ISO 14289-1
§5), each associated file listed once, and note calls and notes tagged as PDF structure types
Reference and Note (ISO 32000-1 §14.8.4.4, PDF/UA-1 §7.9), where WeasyPrint leaves them as
generic Span elements. Working on the objects before they are written costs nothing; opening
the written PDF again (with pikepdf) cost a fifth of a second of every build.
"""

from __future__ import annotations

import copy
import functools
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


class EditionMetadata:
    """WeasyPrint's DocumentMetadata, with an XMP that also says what edition adds.

    Made into a subclass of WeasyPrint's class on first use (edition_metadata), so that
    importing this module does not import WeasyPrint.
    """

    language = ""
    claim_ua = False

    def generate_rdf_metadata(self, variant, version, conformance):
        rdf = ElementTree.fromstring(
            super().generate_rdf_metadata(variant, version, conformance))
        about = {f"{{{RDF}}}about": ""}
        if self.claim_ua:
            ElementTree.SubElement(rdf, f"{{{RDF}}}Description",
                                   {**about, f"{{{PDFUAID}}}part": "1"})
            if variant == "a":
                rdf.append(pdfuaid_extension_schema())
        element = ElementTree.SubElement(rdf, f"{{{RDF}}}Description", about)
        element = ElementTree.SubElement(element, f"{{{DC}}}language")
        element = ElementTree.SubElement(element, f"{{{RDF}}}Bag")
        ElementTree.SubElement(element, f"{{{RDF}}}li").text = self.language
        return ElementTree.tostring(rdf, encoding="utf-8")


@functools.cache
def metadata_class() -> type:
    from weasyprint.pdf.metadata import DocumentMetadata
    return type("EditionMetadata", (EditionMetadata, DocumentMetadata), {})


def edition_metadata(metadata, language: str, claim_ua: bool):
    """Return a copy of WeasyPrint's document metadata that writes edition's XMP too."""
    result = copy.copy(metadata)
    result.__class__ = metadata_class()
    result.language, result.claim_ua = language, claim_ua
    return result


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
    """WeasyPrint's finisher: list each associated file once, and leave the XMP uncompressed.

    WeasyPrint 70's PDF/A writer adds each attachment's file specification twice to the
    catalog's /AF (PDF/A-3 §6.8): once from the EmbeddedFiles name tree and once from its scan
    of the objects. An uncompressed XMP packet is found by tools that scan a file's bytes.
    """
    import pydyf
    if "AF" in pdf.catalog:
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))
    if "Metadata" in pdf.catalog:
        pdf.objects[int(pdf.catalog["Metadata"].split()[0])].compress = False


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
