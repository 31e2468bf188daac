"""Any record of the archive builds with no code change: PDF, EPUB (EPUBCheck 0/0), every word kept."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from edition.build import build_record
from edition.project import Project, load_shared

from conftest import RECORDS, copy_project
from helpers import epub_documents, text_without, words

FILES = sorted(RECORDS.glob("*.txt")) + sorted((RECORDS / "encodings").glob("*.txt"))
LABEL = re.compile(r"^\*\*[^*]+:\*\*\s*$")


def body_words(path) -> "Counter":
    """The words of a record's body, read from the file as a person would find it."""
    text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    lines = unicodedata.normalize("NFC", text).split("\n")
    last = max(i for i, line in enumerate(lines) if LABEL.match(line))
    i = last + 1
    for _ in range(2 if "Citation" in lines[last] else 1):  # the section's block (and its URL)
        while i < len(lines) and not lines[i].strip():
            i += 1
        while i < len(lines) and lines[i].strip():
            i += 1
    body = "\n".join(lines[i:]).rstrip()
    body = body[:-1] if body.endswith('"') and body.count('"') % 2 else body
    body = re.sub(r"(?<=\w)\[|\](?=\w)", "", body)  # letters supplied in a word: c[omrade]
    return words(body.replace("[", " ").replace("]", " ").replace("**", " "))


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The test records built in one scratch project."""
    project = Project(copy_project(tmp_path_factory.mktemp("archive"), records=FILES))
    shared, found = load_shared(project)
    results = {path.name: build_record(project, project.records_dir / path.name, shared)
               for path in FILES}
    return project, results


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_records_build_and_keep_every_word(archive, path):
    _, results = archive
    result = results[path.name]
    assert result.ok, [d.format() for d in result.diagnostics]
    suffixes = {p.suffix for p in result.outputs}
    assert {".pdf", ".epub"} <= suffixes
    epub = next(p for p in result.outputs if p.suffix == ".epub")
    text = epub_documents(epub)["EPUB/text.xhtml"]
    body = text.find("{http://www.w3.org/1999/xhtml}body")
    assert words(text_without(body)) == body_words(path)


def test_records_pass_epubcheck(archive):
    from helpers import epubcheck
    _, results = archive
    books = [next(p for p in r.outputs if p.suffix == ".epub") for r in results.values()]
    with ThreadPoolExecutor(2) as pool:
        problems = dict(zip((b.name for b in books), pool.map(epubcheck, books)))
    assert not any(problems.values()), problems


def test_records_kinds_across_the_archive(archive):
    """The made-up records exercise every kind of intervention between them."""
    from edition.project import prepare
    project, results = archive
    shared, _ = load_shared(project)
    kinds = set()
    for path in FILES:
        edition, _ = prepare(project, project.records_dir / path.name, shared)
        kinds |= {i.kind for i in edition.record.interventions()}
    assert kinds >= {"summary", "gloss", "expansion", "supplied", "identification", "comment",
                     "sic", "omission"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_records_make_a_handout(archive, path):
    from edition.handout import make_handout
    project, _ = archive
    shared, _ = load_shared(project)
    result = make_handout(project, project.records_dir / path.name, shared, numbers="both")
    assert result.pages >= 1 and result.path.read_bytes().startswith(b"%PDF")
    assert not [d for d in result.diagnostics if d.severity == "error"]
