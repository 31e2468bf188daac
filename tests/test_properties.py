"""Never crash: records generated from the grammar of the archive format either render to
well-formed XHTML that keeps every word, or get diagnostics. Nothing raises."""

from __future__ import annotations

import re
from collections import Counter

from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree

from edition.annotate import Context, annotate
from edition.diagnostics import errors
from edition.epub import render_parts
from edition.parse import decode_record, parse_record
from edition.pdf import book_html
from edition.register import Register
from edition.render import Edition
from edition.settings import Settings, Sidecar

from helpers import text_without, words

WORD = st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyzéłžčАБВжщTS")),
               min_size=1, max_size=9)
PUNCT = st.sampled_from([",", ".", ";", ":", "!", "?", "—", "–", "'", "’", '"', "“", "”", "«", "»",
                         "<", ">", "&", "&amp;", "<b>", "*", "_", "%", "(b)", "\u00a0", "1947", "2 < 3"])


def spaced(parts):
    return " ".join(parts)


PHRASE = st.lists(st.one_of(WORD, WORD, WORD, PUNCT), min_size=1, max_size=8).map(spaced)
INTERVENTION = st.one_of(
    PHRASE.map(lambda p: f"[{p.replace('[', '').replace(']', '')}]"),
    PHRASE.map(lambda p: f"({p.replace('(', '').replace(')', '')})"),
    st.sampled_from(["...", ". . .", "…", "[...]", "[…]", "[sic]", "[sic, should be Paris]",
                     "c[omrade]", "MRP [Mouvement Republicain Populaire]", "Filippov [Stalin]"]),
)
PARAGRAPH = st.lists(st.one_of(PHRASE, PHRASE, INTERVENTION), min_size=1, max_size=6).map(spaced)


@st.composite
def records(draw):
    lines = ["", ""]
    if draw(st.booleans()):
        lines += [f"**{draw(st.sampled_from(['November 18, 1947', 'May 1950', '1962']))}**", ""]
    title = draw(PHRASE).replace("*", "").replace("[", "").replace("]", "") or "Title"
    lines += [f"**{title}**", ""]
    for label in draw(st.lists(st.sampled_from(["Citation", "Summary", "Original Language",
                                                "Contents"]), unique=True, max_size=4)):
        lines += [f"**{label}:**", "", draw(PHRASE).replace("*", "") or "x", ""]
    body = draw(st.lists(PARAGRAPH, min_size=1, max_size=6))
    return "\n".join(lines + ["\n\n".join(body)]) + draw(st.sampled_from(["", '"', "\n"]))


def render_all(text: str):
    """Run the pipeline up to the XHTML of every output; return (parts or None, diagnostics)."""
    decoded, found = decode_record(text.encode("utf-8"), "gen.txt")
    if decoded is None:
        return None, found
    record, more = parse_record(decoded, "gen.txt")
    found += more
    if errors(found):
        return None, found
    register = Register()
    record, more = annotate(record, Context(Settings(), Sidecar(), frozenset(), register))
    found += more
    if errors(found):
        return None, found
    edition = Edition(record, Settings(), register)
    return [book_html(edition)] + [p.xhtml for p in render_parts(edition)], found


def source_body_words(text: str, record) -> "Counter":
    reading = [p for p in record.paragraphs if p.role != "heading"]  # the title is shown apart
    first = reading[0].pos.line if reading else 1
    body = "\n".join(text.split("\n")[first - 1:]).rstrip()
    body = body[:-1] if body.endswith('"') and body.count('"') % 2 else body
    body = re.sub(r"(?<=\w)\[|\](?=\w)", "", body)
    return words(body.replace("[", " ").replace("]", " ").replace("**", " "))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_properties_generated_records_render_or_report(text):
    parts, found = render_all(text)
    if parts is None:
        assert errors(found) and all(d.pos and d.hint for d in errors(found))
        return
    roots = [etree.fromstring(part.encode("utf-8")) for part in parts]  # well-formed, always
    record, _ = parse_record(decode_record(text.encode(), "g")[0], "gen.txt")
    body = roots[4].find("{http://www.w3.org/1999/xhtml}body")  # EPUB text.xhtml
    shown = text_without(body, {"label", "lemma", "paragraph-number", "noteref", "note-number",
                                "record-title"})
    assert words(shown) == source_body_words(text, record)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_properties_any_text_never_raises(text):
    parts, found = render_all(text)
    if parts is not None:
        for part in parts:
            etree.fromstring(part.encode("utf-8"))
    else:
        assert errors(found)
