"""Builds of many records: the cache skips what is up to date, parallel builds match serial ones.

The cache tests replace the layout (build.render_outputs) by a stand-in that counts its calls,
so they check what is rebuilt without paying for WeasyPrint. The parallel tests build for real,
in worker processes and on a local Dask cluster, and compare the bytes with a serial build.
"""

from __future__ import annotations

import faulthandler
import json
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from edition import build, runner
from edition.project import Project

from conftest import RECORDS, copy_project

VALID = ["1949-12-telegram-filippov-mao.txt", "1950-no-original-language.txt",
         "1951-citation-variant.txt"]
BAD = "unbalanced-open.txt"  # E101: a '[' that is never closed
HEAVY = ("weasyprint", "ebooklib", "citeproc")


@pytest.fixture
def rendered() -> list[str]:
    """The slugs of the records laid out during a test, in order."""
    return []


@pytest.fixture
def scratch(tmp_path, monkeypatch, rendered) -> Project:
    """A project with three valid records whose layout is a stand-in that counts its calls."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)

    def render_outputs(edition, project, options=build.BuildOptions()):
        rendered.append(edition.record.slug)
        text = f"{edition.record.slug} {len(edition.record.paragraphs)} {options}".encode()
        return {".pdf": b"%PDF-stand-in " + text, ".epub": b"PK-stand-in " + text}, 3

    monkeypatch.setattr(build, "render_outputs", render_outputs)
    return Project(copy_project(tmp_path / "project", [RECORDS / name for name in VALID]))


def build_all(project, **options) -> list:
    options.setdefault("progress", lambda line: None)
    return runner.run_builds(project, None, **options)


def states(results) -> list[str]:
    return [runner.state(r) for r in results]


def test_runner_no_change_rebuild_renders_nothing(scratch, rendered):
    first = build_all(scratch)
    assert states(first) == ["built"] * 3 and len(rendered) == 3
    before = {p: p.read_bytes() for r in first for p in r.outputs}
    second = build_all(scratch)
    assert states(second) == ["up to date"] * 3 and len(rendered) == 3
    assert [r.outputs for r in second] == [r.outputs for r in first]
    assert [(r.pages, r.notes) for r in second] == [(r.pages, r.notes) for r in first]
    assert {p: p.read_bytes() for r in second for p in r.outputs} == before


def test_runner_no_change_rebuild_loads_no_register(scratch, monkeypatch):
    build_all(scratch)
    loads = []
    monkeypatch.setattr(runner, "load_shared", lambda project: loads.append(project))
    assert states(build_all(scratch)) == ["up to date"] * 3 and loads == []


def test_runner_cached_build_reports_its_warnings_again(scratch):
    first = build_all(scratch)
    second = build_all(scratch)
    assert [d.format() for d in second[0].diagnostics] == [d.format() for d in first[0].diagnostics]
    assert any(d.severity == "warning" for r in second for d in r.diagnostics)


@pytest.mark.parametrize("change", ["text", "sidecar"])
def test_runner_changed_record_rebuilds_only_that_record(scratch, rendered, change):
    build_all(scratch)
    record = scratch.records_dir / VALID[1]
    if change == "text":
        record.write_text(record.read_text(encoding="utf-8").replace("(a)", "(a) ", 1),
                          encoding="utf-8")
    else:
        scratch.sidecar_path(record).write_text('questions = ["Who wrote it?"]\n',
                                                encoding="utf-8")
    del rendered[:]
    assert states(build_all(scratch)) == ["up to date", "built", "up to date"]
    assert rendered == [record.stem]


@pytest.mark.parametrize("shared", ["styles/book.css", "styles/epub.css",
                                    "source/persons.toml", "source/abbreviations.toml",
                                    "source/edition.toml"])
def test_runner_changed_shared_file_rebuilds_all(scratch, shared):
    build_all(scratch)
    path = scratch.root / shared
    comment = "\n/* changed */\n" if path.suffix == ".css" else "\n# changed\n"
    path.write_text(path.read_text(encoding="utf-8") + comment, encoding="utf-8")
    assert states(build_all(scratch)) == ["built"] * 3


def test_runner_new_style_file_rebuilds_all(scratch):
    build_all(scratch)
    (scratch.styles_dir / "extra.css").write_text("p { }\n", encoding="utf-8")
    assert states(build_all(scratch)) == ["built"] * 3


def test_runner_options_and_source_date_epoch_are_in_the_key(scratch, monkeypatch):
    build_all(scratch)
    variant = build.BuildOptions(pdf_variant="archival")
    assert states(build_all(scratch, options=variant)) == ["built"] * 3
    assert states(build_all(scratch, options=variant)) == ["up to date"] * 3
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert states(build_all(scratch, options=variant)) == ["built"] * 3


def test_runner_changed_or_missing_output_is_rebuilt(scratch):
    first = build_all(scratch)
    first[0].outputs[0].write_bytes(b"edited by hand")
    next(p for p in first[2].outputs if p.suffix == ".epub").unlink()
    assert states(build_all(scratch)) == ["built", "up to date", "built"]


def test_runner_unreadable_cache_entry_means_rebuild(scratch):
    build_all(scratch)
    (scratch.build_dir / ".cache" / f"{Path(VALID[0]).stem}.json").write_text("{not json")
    assert states(build_all(scratch)) == ["built", "up to date", "up to date"]


def test_runner_force_rebuilds_everything(scratch):
    build_all(scratch)
    assert states(build_all(scratch, force=True)) == ["built"] * 3


def test_runner_cache_entry_is_written_after_outputs(scratch):
    results = build_all(scratch)
    entry = scratch.build_dir / ".cache" / f"{Path(VALID[0]).stem}.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    assert [name for name, _ in data["outputs"]] == [p.name for p in results[0].outputs]
    assert all(entry.stat().st_mtime_ns >= p.stat().st_mtime_ns for p in results[0].outputs)


def test_runner_failing_record_does_not_stop_the_others(scratch):
    shutil.copy(RECORDS / "bad" / BAD, scratch.records_dir / BAD)
    results = build_all(scratch)
    assert states(results) == ["built", "built", "built", "FAILED"]
    assert [d.code for d in results[3].diagnostics if d.severity == "error"] == ["E101"]
    lines, failures = runner.summary(results)
    assert failures == f"1 of 4 records failed: source/records/{BAD}"
    assert not (scratch.build_dir / ".cache" / f"{Path(BAD).stem}.json").exists()


def test_runner_internal_error_is_a_failed_result(scratch, monkeypatch):
    real = build.render_outputs

    def render_outputs(edition, project, options=build.BuildOptions()):
        if edition.record.slug == Path(VALID[1]).stem:
            raise RuntimeError("layout exploded")
        return real(edition, project, options)

    monkeypatch.setattr(build, "render_outputs", render_outputs)
    results = build_all(scratch)
    assert states(results) == ["built", "FAILED", "built"]
    assert "layout exploded" in results[1].diagnostics[0].message
    assert states(build_all(scratch)) == ["up to date", "FAILED", "up to date"]


def run_cli(project: Project, *args) -> subprocess.CompletedProcess:
    """Run `edition ARGS` in a fresh interpreter; print the heavy modules it imported."""
    code = ("import sys\nfrom edition.cli import main\nsys.argv = ['edition', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print('HEAVY', sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=project.root,
                          capture_output=True, text=True, timeout=120)


def test_runner_no_change_build_imports_no_typesetter(scratch):
    build_all(scratch)
    done = run_cli(scratch, "build")
    assert done.stdout.count(": up to date;") == 3, done.stderr
    assert "HEAVY []" in done.stdout


@pytest.mark.parametrize("args", [["--help"], ["check"], ["persons", Path(VALID[0]).stem]])
def test_runner_light_commands_import_no_weasyprint(scratch, args):
    done = run_cli(scratch, *args)
    assert "HEAVY" in done.stdout, done.stderr
    assert "weasyprint" not in done.stdout.split("HEAVY", 1)[1]


def test_runner_watch_calls_back_with_the_saved_files(tmp_path):
    from edition.watch import watch_project
    project = Project(copy_project(tmp_path / "project", [RECORDS / VALID[0]]))
    calls, stop = queue.Queue(), threading.Event()
    thread = threading.Thread(target=watch_project, args=(project, calls.put, stop),
                              kwargs={"debounce_ms": 50}, daemon=True)
    thread.start()
    try:
        assert calls.get(timeout=10) == set()  # the first build, before any change
        style, ignored = project.styles_dir / "book.css", project.root / "source" / "notes.md"
        deadline, changed = time.monotonic() + 20, set()
        while not changed and time.monotonic() < deadline:  # until the watcher is running
            ignored.write_text(f"{time.monotonic()}\n")
            style.write_text(style.read_text(encoding="utf-8") + "\n", encoding="utf-8")
            try:
                changed = calls.get(timeout=1)
            except queue.Empty:
                pass
        assert {p.resolve() for p in changed} == {style.resolve()}
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


# Parallel builds: real layouts, so the bytes can be compared.

@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """Two valid records and a failing one, built serially: {file name: bytes}, results."""
    records = [RECORDS / VALID[0], RECORDS / VALID[2], RECORDS / "bad" / BAD]
    project = Project(copy_project(tmp_path_factory.mktemp("parallel"), records))
    results = build_all(project)
    assert states(results) == ["built", "built", "FAILED"], [d.format() for r in results
                                                             for d in r.diagnostics]
    return project, outputs_of(project), results


def outputs_of(project: Project) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(project.build_dir.iterdir()) if p.is_file()}


def rebuilt(project: Project, **options) -> list:
    """Build again from nothing (no outputs, no cache) with the given runner options."""
    shutil.rmtree(project.build_dir)
    return build_all(project, **options)


def same_results(results, reference) -> bool:
    return [(r.record, r.ok, r.pages, r.notes, r.outputs) for r in results] == \
        [(r.record, r.ok, r.pages, r.notes, r.outputs) for r in reference]


def test_runner_jobs_2_gives_the_bytes_of_a_serial_build(serial):
    project, expected, reference = serial
    lines = []
    results = rebuilt(project, jobs=2, progress=lines.append)
    assert same_results(results, reference)
    assert outputs_of(project) == expected
    assert len(lines) == 3 and all(line.startswith(("[1/3]", "[2/3]", "[3/3]")) for line in lines)
    assert [d.code for d in results[2].diagnostics if d.severity == "error"] == ["E101"]
    again = runner.run_builds(project, None, jobs=2, progress=lambda line: None)
    assert states(again) == ["up to date", "up to date", "FAILED"]


def test_runner_dask_cluster_gives_the_bytes_of_a_serial_build(serial):
    distributed = pytest.importorskip("dask.distributed")
    project, expected, reference = serial
    faulthandler.dump_traceback_later(300, exit=True)  # a hung cluster must not hang CI
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=None) as cluster:
            results = rebuilt(project, scheduler=cluster.scheduler_address)
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert same_results(results, reference)
    assert outputs_of(project) == expected


def test_runner_unreachable_scheduler_is_reported(scratch):
    dask = pytest.importorskip("dask")
    pytest.importorskip("dask.distributed")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(runner.SchedulerError, match="cannot reach"):
            build_all(scratch, scheduler="tcp://127.0.0.1:9")


def test_runner_build_one_is_what_workers_run(serial):
    project, expected, _ = serial
    shutil.rmtree(project.build_dir)
    path = project.records_dir / VALID[0]
    result = runner.build_one(str(project.root), str(path))
    assert result.ok and not result.cached
    assert runner.build_one(str(project.root), str(path)).cached
    assert outputs_of(project) == {name: data for name, data in expected.items()
                                   if name.startswith(Path(VALID[0]).stem)}
