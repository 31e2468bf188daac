"""Parse a Wilson Center citation block (and its URL) into CitationFields, whatever its order.

Input: the free text of the export's "Citation:" block. Output: frozen CitationFields and
CitationProblems (what could not be read, with its offset). Formatting is in csl.py; files
(BibTeX, RIS) in exports.py.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass
from typing import Any, Iterable, NamedTuple

__all__ = [
    "ArchivalReference", "CitationFields", "CitationProblem", "Contributor", "Publication",
    "apply_overrides", "parse_citation",
]

# --------------------------------------------------------------------------- data model

@dataclass(frozen=True)
class Publication:
    """A printed publication the document appeared in (journal article, bulletin, book)."""

    author: str | None = None
    title: str | None = None
    container: str | None = None      # journal / bulletin / book title
    volume: str | None = None
    issue: str | None = None
    year: str | None = None           # as printed: "1996", "1995/1996"
    month: str | None = None          # month or season text as printed: "January-February", "Winter"
    pages: str | None = None
    place: str | None = None          # for books: "(Moscow: Nauka, 1996)"
    publisher: str | None = None


@dataclass(frozen=True)
class ArchivalReference:
    """Where the original sits: archive plus the Russian-style fond/opis/delo/list units."""

    text: str                          # as given, whitespace normalised
    archive: str | None = None
    place: str | None = None           # where the archive is (CSL archive-place)
    fond: str | None = None
    opis: str | None = None
    delo: str | None = None
    pages: str | None = None           # listy / l. / ll. / p. / pp.
    other: tuple[tuple[str, str], ...] = ()   # further units as given, e.g. ("por.", "19")


@dataclass(frozen=True)
class Contributor:
    role: str                          # "Obtained by", "Contributed by", ...
    name: str


@dataclass(frozen=True)
class CitationFields:
    title: str | None = None
    date: str | None = None            # ISO 8601, possibly partial: "1947-11-18", "1947-11", "1947"
    repository: str | None = None      # "Wilson Center Digital Archive"
    publication: Publication | None = None
    archival: ArchivalReference | None = None
    translators: tuple[str, ...] = ()
    contributors: tuple[Contributor, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class CitationProblem:
    message: str
    offset: int                        # index into the citation text
    hint: str = ""


# --------------------------------------------------------------------------- lexical helpers

class _Seg(NamedTuple):
    text: str
    start: int
    end: int


_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_SEASONS = {"spring", "summer", "fall", "autumn", "winter"}
_M = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
      r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE_FORMS = [re.compile(p, re.I) for p in (
    rf"(?P<m>{_M})\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})",
    rf"(?P<d>\d{{1,2}})\s+(?P<m>{_M}),?\s+(?P<y>\d{{4}})",
    rf"(?P<m>{_M}),?\s+(?P<y>\d{{4}})",
    r"(?P<y>\d{4})(?:-(?P<mn>\d{2})(?:-(?P<d>\d{2}))?)?",
)]
_APPROX = re.compile(r"^(?:c\.|ca\.|circa)\s*", re.I)
_QUOTES = {'"': '"', "\u201c": "\u201d", "\u00ab": "\u00bb", "\u201e": "\u201c"}
_REPOSITORY = re.compile(
    r"(?:Wilson Center|History and Public Policy Program|Cold War International History Project)"
    r"\s+Digital Archive", re.I)
_URL = re.compile(r"<?(https?://[^\s<>]+?)>?(?=[.,;)]*(?:\s|$))")
_ABBREVIATIONS = {
    "f", "op", "d", "l", "ll", "p", "pp", "no", "nos", "vol", "vols", "por", "ed", "eds",
    "trans", "st", "dr", "mr", "mrs", "ms", "jr", "sr", "etc", "al", "ff", "cf", "k", "t",
    "str", "gen", "col", "lt", "gov", "pres", "amb", "c", "ca", "ob", "pap",
}


def _normalize(text: str) -> str:
    """Collapse whitespace and drop spaces before punctuation ("op. 1 , d." -> "op. 1, d.")."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s+([,;:.)\]])", r"\1", text)


def _parse_date(text: str) -> str | None:
    """ISO 8601 (possibly partial) for a printed date, or None if it is not a date."""
    text = _APPROX.sub("", text.strip())
    for form in _DATE_FORMS:
        m = form.fullmatch(text)
        if not m:
            continue
        parts = m.groupdict()
        month = parts.get("mn") or (parts.get("m") and _MONTHS[parts["m"].lower()[:3]])
        try:
            datetime.date(int(parts["y"]), int(month or 1), int(parts.get("d") or 1))
        except ValueError:
            return None
        iso = parts["y"]
        if month:
            iso += f"-{int(month):02d}"
            if parts.get("d"):
                iso += f"-{int(parts['d']):02d}"
        return iso
    return None


def _find_quoted(text: str, start: int = 0) -> _Seg | None:
    """First quoted string at or after start (straight, curly or guillemet quotes)."""
    for i in range(start, len(text)):
        close = _QUOTES.get(text[i])
        if close is None:
            continue
        j = text.find(close, i + 1)
        if j > i:
            return _Seg(text[i + 1:j], i, j + 1)
    return None


def _clean_title(text: str) -> str:
    # The archive writes both "Title," and "Title", (American punctuation-in-quote or not).
    return _normalize(text).rstrip(",;:").strip()


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _is_sentence_break(text: str, i: int) -> bool:
    """A '.' at i ends a sentence if followed by space + capital and not after an abbreviation."""
    following = re.match(r"\.\s+(\w)", text[i:])
    if following is None or not following.group(1).isupper():
        return False
    token = re.search(r"([\w']+)$", text[:i])
    if token is None:
        return False
    word = token.group(1)
    return not (word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper()))


def _keeps_comma(text: str, i: int) -> bool:
    """True for the comma in "November 18, 1947" which does not separate fields."""
    return bool(re.search(rf"{_M}\s+\d{{1,2}}$", text[:i], re.I)
                and re.match(r",\s*\d{4}\b", text[i:]))


def _fields(text: str, start: int, end: int) -> list[_Seg]:
    """Split text[start:end] at top-level commas, semicolons and sentence breaks."""
    segs, depth, quote, begin = [], 0, None, start
    for i in range(start, end):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
                if text[i - 1] in ",;":       # "Title," Container: the field ends inside the quotes
                    segs.append(_strip_seg(text, begin, i + 1))
                    begin = i + 1
        elif ch in _QUOTES:
            quote = _QUOTES[ch]
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and ((ch in ",;" and not _keeps_comma(text, i))
                             or (ch == "." and _is_sentence_break(text, i))):
            segs.append(_strip_seg(text, begin, i))
            begin = i + 1
    segs.append(_strip_seg(text, begin, end))
    return [s for s in segs if s.text]


def _strip_seg(text: str, start: int, end: int) -> _Seg:
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip())
    body = raw.strip()
    if body.endswith(".") and not re.search(r"\b(?:[A-Z]|" + "|".join(_ABBREVIATIONS) + r")\.$", body, re.I):
        body = body[:-1].rstrip()      # a sentence-final period, not "ed." or "I."
    return _Seg(body, start + lead, start + lead + len(body))


# --------------------------------------------------------------------------- credits

_VERB = r"(?:obtained|contributed|translated|donated|provided|transcribed|edited|annotated)"
_CREDIT = re.compile(
    rf"(?:\band\s+)?(?P<verbs>{_VERB}(?:(?:\s*,\s*|\s+and\s+|\s*&\s*){_VERB})*)"
    r"(?:\s+(?:for|from)\s+[^.,]*?)?\s+by\s+"
    rf"(?P<names>(?:(?![,;]?\s*(?:and\s+)?{_VERB}\b)(?:[^.]|\.(?=\S)|(?<=\b[A-Z])\.))+)\.?", re.I)


def _split_names(text: str) -> tuple[str, ...]:
    text = re.sub(r"\s+for\s+.*$", "", _normalize(text))        # "X for CWIHP"
    parts = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*", text)
    return tuple(p.strip() for p in parts if p.strip())


def _credits(text: str) -> tuple[list[str], list[Contributor], list[tuple[int, int]]]:
    """Translators, other contributors and consumed spans from "Obtained and translated by X." sentences."""
    translators: list[str] = []
    contributors: list[Contributor] = []
    spans: list[tuple[int, int]] = []
    for m in _CREDIT.finditer(text):
        follows_credit = bool(spans) and not text[spans[-1][1]:m.start()].strip()
        if not (follows_credit or re.search(r"(?:^|[.,;])\s*$", text[:m.start()])):
            continue                    # "by" inside some other phrase, not a credit sentence
        names = _split_names(m.group("names"))
        for verb in re.findall(_VERB, m.group("verbs"), re.I):
            if verb.lower() == "translated":
                translators.extend(n for n in names if n not in translators)
            else:
                contributors.extend(Contributor(f"{verb.capitalize()} by", n) for n in names)
        spans.append(m.span())
    return translators, contributors, spans


# --------------------------------------------------------------------------- archival units

_UNIT_NAMES = {
    "fond": "fond", "f": "fond", "opis": "opis", "opis'": "opis", "op": "opis",
    "delo": "delo", "d": "delo", "listy": "pages", "list": "pages", "ll": "pages", "l": "pages",
    "pages": "pages", "page": "pages", "pp": "pages", "p": "pages", "str": "pages",
}
_UNIT = re.compile(
    r"(?P<label>(?:fond|opis'?|delo|listy|list|pages|page|papka|korobka|folder|box|file|sheets?"
    r"|reel|frames?|por|pap|str|op|ll|pp|f|d|l|p|k|t)(?:\.|(?=\s)))\s*"
    r"(?P<value>[A-Za-z]{0,3}-?\d[\w\-\u2013\u2014/.]*(?:\s*ob\.?)?(?:\s*\([^()]*\))?)\s*", re.I)
# Units in other archives' styles: "sv. 47", "a.j. 1531", "č. j. 4.711/45", "sygn. 2639", "box 4"
_GENERIC_UNIT = re.compile(r"(?P<label>[^\W\d_][^\W\d_.]*\.?(?:\s?[^\W\d_]+\.?){0,2})\s*"
                           r"(?P<value>\d[\w\-\u2013\u2014/.]*(?:\s*\([^()]*\))?)")


def _parse_units(text: str) -> list[tuple[str, str]] | None:
    """[(label, value)] if text consists only of archival units ("f. 45 op. 1"), else None."""
    units, pos = [], 0
    while pos < len(text):
        m = _UNIT.match(text, pos)
        if m is None:
            return None
        units.append((m.group("label"), m.group("value").rstrip(".,")))
        pos = m.end()
    return units or None


def _looks_like_archive(text: str) -> bool:
    """An archive name ("... Archive (APRF)") or a bare archive abbreviation ("AVP RF", "RGASPI")."""
    if re.search(r"\b(?:Archives?|Archiv\w*|Archiw\w*|Arkhiv\w*|Library|Records|collection)\b", text, re.I):
        return True
    letters = re.sub(r"[^A-Za-z]", "", text)
    caps = sum(c.isupper() for c in letters)
    return bool(re.fullmatch(r"[A-Za-z]{2,8}(?:[ -][A-Za-z]{1,6})?", text)) and caps >= 2 and caps * 2 >= len(letters)


def _looks_like_place(text: str) -> bool:
    """A city after the archive name: "Prague", "Praha", "Rostov-on-Don" (CSL archive-place)."""
    words = text.split()
    return (0 < len(words) <= 3 and all(w[0].isupper() for w in words)
            and not re.search(r"\d", text) and not _looks_like_archive(text))


def _looks_like_person(text: str) -> bool:
    return bool(re.fullmatch(r"(?:[A-Z][\w'\u2019-]*\.?\s+){1,4}[A-Z][\w'\u2019-]+", text)) and not re.search(r"\d", text)


# --------------------------------------------------------------------------- the field reader

_PUB_INTRO = re.compile(r"^(?:originally\s+)?(?:published|printed|reprinted)\s+in\s+|^source:\s*", re.I)
_PUB_PAGES = re.compile(r"(?:pp?\.|pages?)\s*(?P<v>\d[\w\-\u2013]*)", re.I)
_PUB_ISSUE = re.compile(r"(?:(?:no|nos|issue)(?:\.\s*|\s+)|#\s*)(?P<v>\d\S*)", re.I)
_PUB_VOLUME = re.compile(r"(?:vol|volume|v)(?:\.\s*|\s+)(?P<v>\d\S*|[IVXLC]+)", re.I)
_PUB_PART = re.compile(r"(?:book|part|kn|chast'?|tom|t)\.?\s+\S+", re.I)
_PUB_WHEN = re.compile(r"(?:(?P<when>[A-Za-z]+\.?(?:\s*[-\u2013/]\s*[A-Za-z]+\.?)?)\s+)?"
                       r"(?P<year>\d{4}(?:\s*[-\u2013/]\s*\d{2,4})?)")
_PUB_IMPRINT = re.compile(r"(?P<place>[^:]+):\s*(?P<publisher>[^,]+),\s*(?P<year>\d{4})")
_PUB_CONTAINER = re.compile(r"(?P<container>.*?\D)\s+(?:no\.\s*)?(?P<issue>\d+(?:\s*[-\u2013/]\s*\d+)?)")


def _pub_when(text: str) -> dict[str, str] | None:
    """{"month", "year"} for "January-February 1996", "Winter 1995/1996", "1996"."""
    m = _PUB_WHEN.fullmatch(text.strip())
    if m is None:
        return None
    when = m.group("when")
    words = re.findall(r"[A-Za-z]+", when or "")
    if not all(w.lower()[:3] in _MONTHS or w.lower() in _SEASONS for w in words):
        return None
    return {"year": m.group("year"), **({"month": when} if when else {})}


class _Reader:
    """Classifies the top-level fields of one citation; collects a draft and problems."""

    def __init__(self, text: str):
        self.text = text
        self.date: str | None = None
        self.repository: str | None = None
        self.pub: dict[str, str] | None = None
        self.arch: dict[str, Any] | None = None
        self.pending: list[_Seg] = []
        self.problems: list[CitationProblem] = []
        self.mode = "head"              # head -> source -> publication | archival

    def feed(self, seg: _Seg) -> None:
        paren = re.fullmatch(r"(?P<outer>.*?)\s*\((?P<inner>[^()]*)\)", seg.text, re.S)
        if paren:
            base = seg.start + paren.start("inner")
            inner = _fields(self.text, base, base + len(paren.group("inner")))
            if any(_parse_units(f.text) for f in inner):
                # "pp. 26-30 (APRF, f. 45, ...)": the parenthesis gives the archival source
                outer = paren.group("outer").rstrip(" ,")
                if outer:
                    self.feed(_Seg(outer, seg.start, seg.start + len(outer)))
                self._archival_group(inner, seg.end)
                return
        handlers = (self._repository, self._date, self._publication_intro, self._quoted,
                    self._publication_part, self._units, self._archive_name, self._archival_part)
        if not any(handler(seg) for handler in handlers):
            self.pending.append(seg)

    def _repository(self, seg: _Seg) -> bool:
        if not _REPOSITORY.fullmatch(seg.text):
            return False
        self.repository = _normalize(seg.text)
        self.mode = "source"
        return True

    def _date(self, seg: _Seg) -> bool:
        if self.date is not None or self.mode == "publication":
            return False
        iso = _parse_date(seg.text)
        if iso is None:
            if re.fullmatch(rf"(?:\d{{1,2}}\s+{_M}|{_M}\s+\d{{1,2}}),?\s+\d{{4}}", seg.text, re.I):
                self.problems.append(CitationProblem(f"impossible date {seg.text!r}", seg.start,
                                                     'correct it with a sidecar override: date = "YYYY-MM-DD"'))
                return True
            return False
        if _APPROX.match(seg.text):
            self.problems.append(CitationProblem(f"approximate date {seg.text!r} recorded as {iso}",
                                                 seg.start, "the archive gives only an approximate date"))
        self.date = iso
        return True

    def _publication_intro(self, seg: _Seg) -> bool:
        m = _PUB_INTRO.match(seg.text)
        if m is None:
            return False
        self.pub, self.mode = {}, "publication"
        self._container(seg.text[m.end():].strip())
        return True

    def _container(self, text: str) -> None:
        """Fill container (+ issue, month/season, year, imprint) from "CWIHP Bulletin 6-7 (Winter 1995/1996)"."""
        m = re.fullmatch(r"(?P<head>.*?)\s*\((?P<paren>[^()]*)\)", text)
        head, paren = (m.group("head"), m.group("paren")) if m else (text, None)
        if paren:
            imprint = _PUB_IMPRINT.fullmatch(paren.strip())
            if imprint:
                self.pub.update({k: _normalize(v) for k, v in imprint.groupdict().items()})
            elif _pub_when(paren):
                self.pub.update(_pub_when(paren))
            else:
                head = text
        c = _PUB_CONTAINER.fullmatch(head)
        if c and not _looks_like_person(head):
            self.pub.update(container=_normalize(c.group("container")), issue=c.group("issue"))
        elif head:
            self.pub["container"] = _normalize(head)

    def _quoted(self, seg: _Seg) -> bool:
        q = _find_quoted(seg.text)
        if q is None or q.start != 0 or q.end != len(seg.text):
            return False
        if self.pub is None or "title" in self.pub:
            self.pub = {}
        self.mode = "publication"
        if self.pending and _looks_like_person(self.pending[-1].text):
            self.pub["author"] = _normalize(self.pending.pop().text)
        elif "container" in self.pub and _looks_like_person(self.pub["container"]):
            self.pub["author"] = self.pub.pop("container")      # "Originally published in A. Author, "Title""
        self.pub["title"] = _clean_title(q.text)
        return True

    def _publication_part(self, seg: _Seg) -> bool:
        text = seg.text
        if self.mode != "publication" and not self._implicit_publication(seg):
            return False
        for key, pattern in (("pages", _PUB_PAGES), ("issue", _PUB_ISSUE), ("volume", _PUB_VOLUME)):
            m = pattern.fullmatch(text)
            if m and key not in self.pub:
                self.pub[key] = m.group("v")
                return True
        if _PUB_PART.fullmatch(text):             # "book 2" after "vol. V"
            self.pub["volume"] = ", ".join(p for p in (self.pub.get("volume"), _normalize(text)) if p)
            return True
        when = _pub_when(text)
        if when and "year" not in self.pub:
            self.pub.update(when)
            return True
        if "container" not in self.pub and "title" in self.pub and not _parse_units(text):
            self._container(text)
            return True
        return False

    def _implicit_publication(self, seg: _Seg) -> bool:
        """"Sovetsko-kitaiskie otnosheniia, vol. V": a title followed by vol./no. starts a publication."""
        if self.mode != "source" or not (_PUB_VOLUME.fullmatch(seg.text) or _PUB_ISSUE.fullmatch(seg.text)):
            return False
        if not self.pending or not self._adjacent(self.pending[-1], seg):
            return False
        self.pub, self.mode = {}, "publication"
        self._container(self.pending.pop().text)
        return True

    def _units(self, seg: _Seg) -> bool:
        units = _parse_units(seg.text)
        if units is None:
            return False
        if self.arch is None:
            archive = self.pending.pop() if self.pending and self._adjacent(self.pending[-1], seg) else None
            self._start_archival(archive, seg)
        self.arch["units"].extend(units)
        self.arch["end"] = max(self.arch["end"], seg.end)
        self.mode = "archival"
        return True

    def _archive_name(self, seg: _Seg) -> bool:
        if self.mode == "head" or not _looks_like_archive(seg.text):
            return False
        if self.arch is not None:
            if self.mode == "archival" and not self.arch["units"]:
                return False            # a sub-collection right after the archive: _archival_part
            self.problems.append(CitationProblem(f"second archival reference {seg.text!r} ignored",
                                                 seg.start, "only one archival source is recorded"))
            return True
        self._start_archival(seg, seg)
        self.mode = "archival"
        return True

    def _archival_part(self, seg: _Seg) -> bool:
        """Inside an archival reference: its place, a sub-collection, or a unit in another style."""
        if self.mode != "archival" or self.arch is None:
            return False
        generic = _GENERIC_UNIT.fullmatch(seg.text)
        if generic and len(generic.group("label")) <= 12:
            self.arch["units"].append((generic.group("label"), generic.group("value")))
        elif not self.arch["units"] and self.arch["place"] is None and _looks_like_place(seg.text):
            self.arch["place"] = _normalize(seg.text)
        else:
            if any(label for label, _ in self.arch["units"]):     # free text after the units
                self.problems.append(CitationProblem(
                    f"unparsed text {seg.text!r} in the archival reference", seg.start,
                    "kept in the archival reference text; correct it in the sidecar if it is not part of it"))
            self.arch["units"].append(("", _normalize(seg.text)))
        self.arch["end"] = max(self.arch["end"], seg.end)
        return True

    def _start_archival(self, archive: _Seg | None, first: _Seg) -> None:
        start = archive.start if archive else first.start
        self.arch = {"archive": _normalize(archive.text) if archive else None, "place": None,
                     "units": [], "start": start, "end": first.end}

    def _archival_group(self, segs: list[_Seg], end: int) -> None:
        """The fields of an archival parenthesis: part of the current reference, or a new one."""
        if self.arch is not None and self.mode == "archival":
            for seg in segs:
                self._units(seg) or self._archival_part(seg)
            self.arch["end"] = end
            return
        mode, self.mode = self.mode, "source"
        for seg in segs:
            if not (self._units(seg) or self._archive_name(seg) or self._archival_part(seg)):
                self.pending.append(seg)
        self.mode = mode if mode != "head" else "source"

    def _adjacent(self, first: _Seg, second: _Seg) -> bool:
        return re.fullmatch(r"[\s,;]*", self.text[first.end:second.start]) is not None


def _archival(arch: dict[str, Any] | None, text: str) -> ArchivalReference | None:
    if arch is None:
        return None
    named: dict[str, str] = {}
    other = []
    for label, value in arch["units"]:
        key = _UNIT_NAMES.get(label.lower().rstrip("."))
        if key and key not in named:
            named[key] = value
        else:
            other.append((label, value))
    return ArchivalReference(text=_normalize(text[arch["start"]:arch["end"]]).rstrip("."),
                             archive=arch["archive"], place=arch["place"], other=tuple(other), **named)


# --------------------------------------------------------------------------- parse_citation

def parse_citation(text: str, url: str | None) -> tuple[CitationFields, list[CitationProblem]]:
    """Parse one "Citation:" block; unparsed remainders come back as problems with offsets."""
    problems: list[CitationProblem] = []
    title = _find_quoted(text)
    spans = [(title.start, title.end)] if title else []
    if title is None:
        problems.append(CitationProblem("no quoted document title", 0, 'the title is expected in quotes: "Title,"'))
    translators, contributors, credit_spans = _credits(_mask(text, spans))
    spans += credit_spans
    for m in _URL.finditer(_mask(text, spans)):
        url = url or m.group(1)
        spans.append(m.span())
    reader = _Reader(text)
    for seg in _fields(_mask(text, spans), 0, len(text)):
        reader.feed(seg)
    problems += reader.problems
    problems += [CitationProblem(f"unparsed text {s.text!r}", s.start,
                                 "fix the citation or supply the field in the sidecar overrides")
                 for s in reader.pending]
    fields = CitationFields(
        title=_clean_title(title.text) if title else None, date=reader.date,
        repository=reader.repository,
        publication=Publication(**reader.pub) if reader.pub else None,
        archival=_archival(reader.arch, text), translators=tuple(translators),
        contributors=tuple(contributors), url=_clean_url(url, problems))
    problems += _missing(fields, title)
    return fields, sorted(problems, key=lambda p: p.offset)


def _clean_url(url: str | None, problems: list[CitationProblem]) -> str | None:
    if url is None:
        return None
    url = url.strip().strip("<>")
    if not re.fullmatch(r"https?://\S+", url):
        problems.append(CitationProblem(f"not an http(s) URL: {url!r}", 0, "pass the record's <https://...> line"))
    return url


def _missing(fields: CitationFields, title: _Seg | None) -> list[CitationProblem]:
    after = title.end if title else 0
    checks = (("date", "no document date", 'add date = "YYYY-MM-DD" to the sidecar'),
              ("repository", "no repository (Wilson Center Digital Archive)", "add repository to the sidecar"))
    return [CitationProblem(msg, after, hint) for name, msg, hint in checks if getattr(fields, name) is None]


# --------------------------------------------------------------------------- overrides

def _as_tuple(value: Any) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else ((value,) if value else ())


def _contributors(value: Any) -> tuple[Contributor, ...]:
    """[{role, name}] or {role: name | [names]} -> Contributor tuple."""
    if isinstance(value, dict):
        return tuple(Contributor(role, n) for role, names in value.items() for n in _as_tuple(names))
    return tuple(Contributor(v["role"], v["name"]) if isinstance(v, dict) else v for v in value)


def _override_date(value: Any) -> str | None:
    if isinstance(value, (datetime.date, datetime.datetime)):      # TOML date literal
        return value.isoformat()[:10]
    if not value:
        return None
    iso = _parse_date(str(value))
    if iso is None:
        raise ValueError(f"override date {value!r} is not a date")
    return iso


def _override_record(cls: type, current: Any, table: dict) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(table) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} override keys: {sorted(unknown)}")
    values = {k: (None if v == "" else str(v)) for k, v in table.items() if k != "other"}
    if "other" in table:
        values["other"] = tuple(tuple(pair) for pair in table["other"])
    if current is None:
        return cls(**({"text": ""} if cls is ArchivalReference else {}) | values)
    return dataclasses.replace(current, **values)


def apply_overrides(fields: CitationFields, overrides: dict) -> CitationFields:
    """Supply or correct fields from a sidecar TOML table; "" clears a field; unknown keys raise."""
    overrides = dict(overrides)
    if "translator" in overrides:
        overrides["translators"] = overrides.pop("translator")
    unknown = set(overrides) - {f.name for f in dataclasses.fields(CitationFields)}
    if unknown:
        raise ValueError(f"unknown citation override keys: {sorted(unknown)}")
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key == "date":
            changes[key] = _override_date(value)
        elif key == "translators":
            changes[key] = _as_tuple(value)
        elif key == "contributors":
            changes[key] = _contributors(value)
        elif key == "publication":
            changes[key] = _override_record(Publication, fields.publication, value) if value else None
        elif key == "archival":
            changes[key] = _override_archival(fields.archival, value) if value else None
        else:
            changes[key] = str(value) if value else None
    return dataclasses.replace(fields, **changes)


def _override_archival(current: ArchivalReference | None, table: dict) -> ArchivalReference:
    new = _override_record(ArchivalReference, current, table)
    if "text" not in table:            # parts changed without a text: rebuild it from the parts
        units = [("f.", new.fond), ("op.", new.opis), ("d.", new.delo), *new.other, ("l.", new.pages)]
        parts = [p for p in (new.archive, new.place) if p]
        parts += [f"{label} {value}" for label, value in units if value]
        new = dataclasses.replace(new, text=", ".join(parts))
    return new
