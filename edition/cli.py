"""The `edition` command: each subcommand is a few lines over the library.

Library errors arrive as diagnostics and become exit codes here: 0 done, 1 errors in the
input, 2 bad usage. A traceback is always a bug. Heavy modules (WeasyPrint, EbookLib,
citeproc) are imported inside the commands that need them, so `edition --help` and
`edition check` start fast.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .diagnostics import Diagnostic, EditionError, errors

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  rich_markup_mode=None,
                  help="Critical editions of archival records: PDF, EPUB 3 and handouts.")

ProjectOption = typer.Option(Path("."), "--project", "-C", help="The project folder.",
                             file_okay=False)


class Format(str, Enum):
    text = "text"
    json = "json"


def report(diagnostics: list[Diagnostic], strict: bool = False) -> int:
    """Print diagnostics to stderr, sorted by place; return the exit code they call for."""
    ordered = sorted(diagnostics, key=lambda d: (d.pos.file, d.pos.line, d.pos.col)
                     if d.pos else ("", 0, 0))
    for diagnostic in ordered:
        print(diagnostic.format(), file=sys.stderr)
    failing = errors(diagnostics) or (strict and diagnostics)
    return 1 if failing else 0


def project_at(root: Path):
    from .project import Project
    return Project(root)


@app.command()
def check(records: Optional[List[str]] = typer.Argument(None, help="Records (default: all)."),
          format: Format = typer.Option(Format.text, "--format", help="text or json."),
          strict: bool = typer.Option(False, "--strict", "-W", help="Warnings fail too."),
          project: Path = ProjectOption):
    """Parse and check records, list every intervention; write nothing."""
    from .inspect import check_records
    result = check_records(project_at(project), records)
    if format is Format.json:
        print(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
        raise typer.Exit(1 if errors(result.diagnostics) or (strict and result.diagnostics) else 0)
    print(result.as_text())
    code = report(result.diagnostics, strict)
    summary = f"{len(errors(result.diagnostics))} errors, " \
              f"{len(result.diagnostics) - len(errors(result.diagnostics))} warnings"
    print(summary, file=sys.stderr)
    raise typer.Exit(code)


class Paper(str, Enum):
    a5 = "a5"
    a4 = "a4"
    letter = "letter"
    six_by_nine = "6x9"


class PdfVariant(str, Enum):
    archival_accessible = "archival-accessible"
    archival = "archival"
    accessible = "accessible"


@app.command()
def build(records: Optional[List[str]] = typer.Argument(None, help="Records (default: all)."),
          jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Parallel processes."),
          scheduler: Optional[str] = typer.Option(None, "--scheduler",
                                                  help="Dask scheduler address (tcp://host:port)."),
          force: bool = typer.Option(False, "--force", help="Rebuild even if nothing changed."),
          strict: bool = typer.Option(False, "--strict", "-W", help="Warnings fail too."),
          paper: Optional[Paper] = typer.Option(None, "--paper",
                                                help="Trim size (default: edition.toml's paper)."),
          pdf_variant: PdfVariant = typer.Option(PdfVariant.archival_accessible, "--pdf-variant",
                                                 help="archival-accessible: PDF/A-3b, tagged, "
                                                      "claiming PDF/UA-1 (default); archival: "
                                                      "PDF/A-3b; accessible: PDF/UA-1."),
          print_marks: bool = typer.Option(False, "--print-marks",
                                           help="Crop marks and 3 mm bleed for the print shop."),
          project: Path = ProjectOption):
    """Build the PDF, the EPUB and the citation files of records into build/."""
    from .build import BuildOptions
    from .runner import SchedulerError, run_builds, summary
    options = BuildOptions(paper.value if paper else "", pdf_variant.value, print_marks)
    try:
        results = run_builds(project_at(project), records, jobs=jobs, scheduler=scheduler,
                             force=force, options=options,
                             progress=lambda line: print(line, file=sys.stderr))
    except SchedulerError as error:
        print(f"edition: {error}", file=sys.stderr)
        raise typer.Exit(2)
    code = report([d for r in results for d in r.diagnostics], strict)
    lines, failures = summary(results)
    print("\n".join(lines))
    if failures:
        print(failures, file=sys.stderr)
    raise typer.Exit(code)


@app.command()
def watch(records: Optional[List[str]] = typer.Argument(None, help="Records (default: all)."),
          jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Parallel processes."),
          strict: bool = typer.Option(False, "--strict", "-W", help="Warnings fail too."),
          project: Path = ProjectOption):
    """Build, then rebuild what changed each time a source or style file is saved (Ctrl-C stops)."""
    from .runner import free_layouts, run_builds, summary
    from .watch import watch_project
    root = project_at(project)

    def rebuild(changed):
        if changed:
            print(f"changed: {', '.join(sorted(root.display(p) for p in changed))}",
                  file=sys.stderr)
        results = run_builds(root, records, jobs=jobs,
                             progress=lambda line: print(line, file=sys.stderr))
        report([d for r in results for d in r.diagnostics], strict)
        lines, failures = summary(results)
        print("\n".join(lines), flush=True)
        print(failures or "watching for changes (Ctrl-C stops)", file=sys.stderr, flush=True)
        free_layouts()

    watch_project(root, rebuild)


class TableFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def prepared(project_root: Path, record: str):
    """Return the Edition of one record, or exit 1 with its diagnostics."""
    from .project import load_shared, prepare, resolve_records
    project = project_at(project_root)
    shared, found = load_shared(project)
    paths, more = resolve_records(project, [record])
    found += more
    edition = None
    if paths and not errors(found):
        edition, more = prepare(project, paths[0], shared)
        found += more
    if edition is None:
        raise typer.Exit(report(found) or 1)
    return project, shared, edition


@app.command()
def persons(record: str = typer.Argument(..., help="A record (path or slug)."),
            format: TableFormat = typer.Option(TableFormat.table, "--format"),
            project: Path = ProjectOption):
    """Print the persons index of a record: heading, dates, mentions, pages."""
    from .persons import build_index
    from .personsview import index_rows, load_page_map, render_rows
    root, _, edition = prepared(project, record)
    pages = load_page_map(root, edition)
    if pages is None:
        print("note: no up-to-date build of this record: pages are not shown "
              "(run edition build)", file=sys.stderr)
    rows = index_rows(build_index(edition, pages), with_pages=pages is not None)
    print(render_rows(rows, format.value), end="")


class CiteStyle(str, Enum):
    chicago = "chicago"
    chicago_note = "chicago-note"
    mla = "mla"
    apa = "apa"
    bibtex = "bibtex"
    ris = "ris"
    csl_json = "csl-json"


@app.command()
def cite(record: str = typer.Argument(..., help="A record (path or slug)."),
         style: CiteStyle = typer.Option(CiteStyle.chicago, "--style"),
         edition_too: bool = typer.Option(False, "--edition", help="Cite the edition, not the source."),
         project: Path = ProjectOption):
    """Print how to cite a record's source (or this edition) in a style or export format."""
    from .exports import cite_text
    _, _, edition = prepared(project, record)
    if edition.citation is None:
        print(f"{record}: the record has no citation block", file=sys.stderr)
        raise typer.Exit(1)
    print(cite_text(edition, style.value, "edition" if edition_too else "source"), end="")


class HandoutPaper(str, Enum):
    a4 = "a4"
    letter = "letter"


class HandoutNumbers(str, Enum):
    paragraphs = "paragraphs"
    lines = "lines"
    both = "both"


@app.command()
def handout(record: str = typer.Argument(..., help="A record (path or slug)."),
            paragraphs: Optional[str] = typer.Option(None, "--paragraphs", "-p",
                                                     help="Paragraphs, e.g. 5-12,15 (default: all)."),
            paper: HandoutPaper = typer.Option(HandoutPaper.a4, "--paper"),
            numbers: HandoutNumbers = typer.Option(HandoutNumbers.paragraphs, "--numbers"),
            questions: Optional[Path] = typer.Option(None, "--questions",
                                                     help="Discussion questions (Markdown or text)."),
            max_pages: Optional[int] = typer.Option(None, "--max-pages", min=1),
            output: Optional[Path] = typer.Option(None, "--output", "-o"),
            project: Path = ProjectOption):
    """Write a classroom handout of a record or an excerpt: build/<slug>-handout-<paper>.pdf."""
    from .handout import make_handout
    from .project import load_shared, resolve_records
    root = project_at(project)
    shared, found = load_shared(root)
    paths, more = resolve_records(root, [record])
    if errors(found + more):
        raise typer.Exit(report(found + more))
    result = make_handout(root, paths[0], shared, paragraphs=paragraphs, paper=paper.value,
                          numbers=numbers.value, questions=questions, max_pages=max_pages,
                          output=output)
    code = report(found + result.diagnostics)
    print(f"{result.path}: {result.pages} pages")
    raise typer.Exit(code)


@app.command("import")
def import_(files: List[Path] = typer.Argument(..., help="Exported record files."),
            force: bool = typer.Option(False, "--force", help="Replace an existing record."),
            project: Path = ProjectOption):
    """Add exported records to source/records/: normalized, with a sidecar and register drafts."""
    from .importer import import_record
    results = [import_record(project_at(project), path, force) for path in files]
    code = report([d for r in results for d in r.diagnostics])
    for result in results:
        if result.record:
            print(f"{result.source}: imported as {result.record}")
            if result.sidecar:
                print(f"  sidecar started: {result.sidecar}")
            if result.drafted:
                print(f"  register drafts to verify: {', '.join(result.drafted)}")
    raise typer.Exit(code)


def main():
    """Run the CLI; turn an EditionError that escaped a command into its diagnostics.

    Anything else is a bug in edition: say so in one line (EDITION_DEBUG=1 shows the
    traceback) and exit 70 (EX_SOFTWARE), never dump a traceback on an editor.
    """
    import os
    try:
        app()
    except EditionError as error:
        sys.exit(report(error.diagnostics))
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - the last line of defence
        if os.environ.get("EDITION_DEBUG"):
            raise
        print(f"edition: internal error: {type(error).__name__}: {error}\n"
              "    hint: this is a bug in edition; run again with EDITION_DEBUG=1 and report "
              "the traceback", file=sys.stderr)
        sys.exit(70)
