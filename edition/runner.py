"""Run the builds of many records: serially, in parallel processes, or on a Dask cluster.

Input: a project, record names, build options, the number of jobs or a scheduler address.
Output: one BuildResult per record, in the order of the records. A record whose outputs are
up to date (cache.py) is not rebuilt; the others are built, each record one task, and one
record's failure, even a crash of its worker, never stops the others.
"""

from __future__ import annotations

import contextlib
import os
import threading
import traceback
from pathlib import Path

from . import cache
from .build import BuildOptions, BuildResult, build_record
from .diagnostics import Diagnostic, EditionError, errors
from .project import Project, load_shared, resolve_records

# The code of "a record's build failed unexpectedly" (a bug, or a worker that died).
INTERNAL = "E901"  # a record's build raised, or its worker died
# Modules a worker needs, imported once by the forkserver and inherited by every worker.
PRELOAD = ["edition.build", "edition.pdf", "edition.epub", "edition.exports", "edition.citation",
           "weasyprint", "ebooklib.epub", "fontTools.subset"]
# A worker builds records one at a time: WeasyPrint is not known to be thread-safe, and the
# PDF writer sets SOURCE_DATE_EPOCH in os.environ for the length of a build (pdf.fixed_clock).
# This lock makes a Dask worker with several threads safe too.
BUILD_LOCK = threading.Lock()
UNSET = object()


class SchedulerError(Exception):
    """The Dask scheduler named by --scheduler cannot be reached or used."""


def internal_failure(record: str, error: BaseException | str) -> BuildResult:
    """Return the failed result of a record whose build raised, or whose worker died."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return BuildResult(record, diagnostics=[Diagnostic(
        INTERNAL, None, f"{record}: internal error: {text}",
        "this is a bug in edition; run again with --jobs 1 and EDITION_DEBUG=1 and report it")])


def set_source_date_epoch(value: str | None) -> None:
    """Set SOURCE_DATE_EPOCH in this process's environment, or unset it for None."""
    if value is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = value


@contextlib.contextmanager
def source_date_epoch(value):
    """Set (or unset, for None) SOURCE_DATE_EPOCH for a block; UNSET leaves it alone."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    if value is not UNSET:
        set_source_date_epoch(value)
    try:
        yield
    finally:
        set_source_date_epoch(saved)


def build_cached(project: Project, path: Path, shared, options: BuildOptions, key: str,
                 force: bool = False) -> BuildResult:
    """Build one record unless its outputs are up to date; record the build in the cache."""
    if not force:
        cached = cache.lookup(project, path, key)
        if cached is not None:
            return cached
    try:
        result = build_record(project, path, shared, options)
    except Exception as error:  # noqa: BLE001 - one record's bug must not stop the others
        if os.environ.get("EDITION_DEBUG"):
            traceback.print_exc()
        return internal_failure(project.display(path), error)
    try:
        cache.store(project, path, key, result)
    except EditionError as error:  # the cache entry could not be written (E401)
        result.diagnostics += error.diagnostics
    return result


def build_one(root: str, path: str, options: BuildOptions | None = None, force: bool = False,
              epoch=UNSET) -> BuildResult:
    """Build one record in this process (the unit of work sent to workers); never raise.

    `epoch` is the SOURCE_DATE_EPOCH of the process that asked for the build (None: unset),
    since a Dask worker's environment is not the client's.
    """
    options = options or BuildOptions()
    project = Project(Path(root))
    with BUILD_LOCK, source_date_epoch(epoch):
        free_layouts()  # a worker builds record after record
        try:
            shared, found = load_shared(project)
            if errors(found):
                return BuildResult(project.display(Path(path)), diagnostics=found)
            key = cache.build_key(project, Path(path), cache.project_digest(project, options))
            return build_cached(project, Path(path), shared, options, key, force)
        except Exception as error:  # noqa: BLE001 - a worker returns, it does not raise
            return internal_failure(project.display(Path(path)), error)


def run_builds(project: Project, names, jobs: int = 1, scheduler: str | None = None,
               force: bool = False, progress=print,
               options: BuildOptions | None = None) -> list[BuildResult]:
    """Build the named records (all by default) and return their results, in record order.

    Up-to-date records are answered from the cache here, without starting any worker; the
    rest are built in this process (jobs=1), in `jobs` processes, or on a Dask cluster.
    Raises SchedulerError when the scheduler cannot be reached.
    """
    options = options or BuildOptions()
    paths, more = resolve_records(project, names)
    if errors(more):
        return [BuildResult("(project)", diagnostics=load_shared(project)[1] + more)]
    digest = cache.project_digest(project, options)
    keys = [cache.build_key(project, path, digest) for path in paths]
    done = Progress(len(paths), progress)
    results = [None if force else cache.lookup(project, p, k) for p, k in zip(paths, keys)]
    for result in [r for r in results if r is not None]:
        done(result)
    stale = [i for i, result in enumerate(results) if result is None]
    # With every record up to date, the shared files' diagnostics are all a build needs of them.
    shared, found = None, None if stale else cache.lookup_shared(project, digest)
    if found is None:
        shared, found = load_shared(project)
        if errors(found):
            return [BuildResult("(project)", diagnostics=found)]
        cache.store_shared(project, digest, found)
    builds = start_builds(project, [paths[i] for i in stale], [keys[i] for i in stale], shared,
                          options, jobs, scheduler, force)
    for n, result in builds:
        # a worker names outputs by absolute path: name them as a serial build does
        result.outputs = [project.build_dir / out.name for out in result.outputs]
        results[stale[n]] = done(result)
    if found:
        results[0].diagnostics[:0] = found
    return results


def start_builds(project: Project, paths: list[Path], keys: list[str], shared, options,
                 jobs: int, scheduler: str | None, force: bool):
    """Return an iterator of (position in paths, result) over the builds of these records."""
    if scheduler:
        return on_dask(scheduler, project, paths, options, force)
    if jobs > 1 and len(paths) > 1:
        return in_processes(min(jobs, len(paths)), project, paths, options, force)
    return in_this_process(project, paths, keys, shared, options, force)


def in_this_process(project: Project, paths: list[Path], keys: list[str], shared, options,
                    force: bool):
    """Build records one after the other in this process; yield (position in paths, result)."""
    for n, (path, key) in enumerate(zip(paths, keys)):
        if n:
            free_layouts()
        yield n, build_cached(project, path, shared, options, key, force)


def settle_worker() -> None:
    """Start a build worker: its modules (preloaded by the forkserver) live as long as it does.

    Frozen, they are out of every collection's scan, so free_layouts() between its records
    walks only what the builds left.
    """
    import gc
    gc.freeze()


def free_layouts() -> None:
    """Free what earlier builds' layouts left in reference cycles, before the next build.

    build.render_outputs keeps the collector off the laid-out book while it makes the outputs;
    after that, the book's cycles would wait for a full collection that a process building
    record after record reaches late (24 records in one process: 288 MB instead of 131 MB).
    The CLI's one-record build exits instead and never pays for it; a Dask worker, whose
    modules are not frozen (settle_worker), pays a full collection of them per record.
    """
    import gc
    gc.collect()


class Progress:
    """Report each finished record on one line: `[3/50] source/records/x.txt: built, 12 pages`."""

    def __init__(self, total: int, report):
        self.total, self.count, self.report = total, 0, report

    def __call__(self, result: BuildResult) -> BuildResult:
        self.count += 1
        pages = f", {result.pages} pages" if result.ok else ""
        self.report(f"[{self.count}/{self.total}] {result.record}: {state(result)}{pages}")
        return result


def state(result: BuildResult) -> str:
    """Say in a word or two what happened to a record."""
    return "up to date" if result.cached else ("built" if result.ok else "FAILED")


def worker_context():
    """Return the multiprocessing context of build workers: a forkserver where there is one."""
    import multiprocessing
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")  # Windows: each worker imports for itself
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def in_processes(jobs: int, project: Project, paths: list[Path], options, force: bool):
    """Build records in a pool of `jobs` processes; yield (position in paths, result).

    Workers come from a forkserver (never fork() a process that may hold threads), which
    imports WeasyPrint once for all of them. If a worker dies (killed, out of memory), the
    pool breaks: the records it had not finished are tried again in a fresh pool, and a
    record caught in two broken pools is reported as failed.
    """
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool
    context = worker_context()
    root, epoch = str(project.root.resolve()), os.environ.get("SOURCE_DATE_EPOCH")
    pending, attempts = list(range(len(paths))), [0] * len(paths)
    while pending:
        broken = []
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=settle_worker) as pool:
            futures = {pool.submit(build_one, root, str(paths[n].resolve()), options, force,
                                   epoch): n for n in pending}
            for future in as_completed(futures):
                n = futures[future]
                try:
                    yield n, future.result()
                except BrokenProcessPool:
                    attempts[n] += 1
                    broken.append(n)
                except Exception as error:  # noqa: BLE001 - e.g. a result that cannot be pickled
                    yield n, internal_failure(project.display(paths[n]), error)
        for n in [n for n in broken if attempts[n] >= 2]:
            yield n, internal_failure(project.display(paths[n]), "its worker process died")
        pending = sorted(n for n in broken if attempts[n] < 2)


def on_dask(address: str, project: Project, paths: list[Path], options, force: bool):
    """Build records as tasks on a Dask cluster; yield (position in paths, result).

    The workers must see the project at the same absolute path (a shared file system) and
    have edition installed. Each task is runner.build_one, exactly as in a local process.
    """
    if not paths:
        return
    try:
        from dask.distributed import Client, as_completed
    except ImportError as error:
        raise SchedulerError(f"--scheduler needs Dask: pip install 'edition[dask]' ({error})")
    root, epoch = str(project.root.resolve()), os.environ.get("SOURCE_DATE_EPOCH")
    try:
        # how long to try: Dask's distributed.comm.timeouts.connect (30 s unless configured)
        client = Client(address, set_as_default=False)
    except (OSError, ValueError) as error:
        raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {error}")
    with client:
        futures = {client.submit(build_one, root, str(path.resolve()), options, force, epoch,
                                 pure=False): n for n, path in enumerate(paths)}
        for future in as_completed(futures, loop=client.loop):
            n = futures[future]
            try:
                yield n, future.result()
            except Exception as error:  # noqa: BLE001 - a worker died, or the task was lost
                yield n, internal_failure(project.display(paths[n]), error)


def summary(results: list[BuildResult]) -> tuple[list[str], str]:
    """Return the lines that list each record's outputs, and the failures' one-line summary."""
    lines = []
    for result in results:
        lines.append(f"{result.record}: {state(result)}; {result.pages} pages, "
                     f"{result.notes} notes")
        lines += [f"  {output}" for output in result.outputs]
    failed = [r.record for r in results if not r.ok]
    failures = f"{len(failed)} of {len(results)} records failed: {', '.join(failed)}" \
        if failed else ""
    return lines, failures
