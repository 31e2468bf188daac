"""Shared fixtures: a scratch copy of the project, the bundled record built once per session."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "tests" / "records"
BUNDLED = "1947-11-18-stalin-thorez"


def copy_project(target: Path, records=None) -> Path:
    """Copy source/ and styles/ into target (records: only these record files)."""
    shutil.copytree(ROOT / "styles", target / "styles")
    shutil.copytree(ROOT / "source", target / "source")
    if records is not None:
        for path in (target / "source" / "records").iterdir():
            path.unlink()
        for record in records:
            shutil.copy(record, target / "source" / "records" / Path(record).name)
    return target


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory):
    """Keep the tests' compiled templates (and any other user cache) out of the real ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("user-cache")
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(scope="session")
def project(tmp_path_factory):
    """A scratch copy of the project with the bundled record."""
    from edition.project import Project
    return Project(copy_project(tmp_path_factory.mktemp("project")))


@pytest.fixture(scope="session")
def shared(project):
    from edition.project import load_shared
    shared, found = load_shared(project)
    assert not [d for d in found if d.severity == "error"], found
    return shared


@pytest.fixture(scope="session")
def edition(project, shared):
    """The bundled record, annotated."""
    from edition.project import prepare
    edition, found = prepare(project, project.records_dir / f"{BUNDLED}.txt", shared)
    assert edition is not None, [d.format() for d in found]
    return edition


@pytest.fixture(scope="session")
def layout(edition, project):
    """The bundled record's book, laid out once."""
    from edition.pdf import lay_out_book
    return lay_out_book(edition, project)


@pytest.fixture(scope="session")
def built(project, shared):
    """The bundled record built into the scratch project's build/."""
    from edition.build import build_record
    result = build_record(project, project.records_dir / f"{BUNDLED}.txt", shared)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result


class WarningCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def pytest_configure(config):
    config.addinivalue_line("markers", "weasyprint_logs: the test makes WeasyPrint log on purpose")


@pytest.fixture(autouse=True)
def assert_no_weasyprint_warnings(request):
    """Fail any test in which WeasyPrint logs a warning (WeasyPrint's own assert_no_logs)."""
    collector = WarningCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    yield
    logger.removeHandler(collector)
    if request.node.get_closest_marker("weasyprint_logs") is None:
        assert not collector.records, [r.getMessage() for r in collector.records]
