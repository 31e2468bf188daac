"""Any record, any input: bad input gets a diagnostic (file:line:col, code, hint), exit 1, no
traceback, and leaves earlier outputs untouched; imports normalize encodings."""

from __future__ import annotations

import errno
import shutil

import pytest
from typer.testing import CliRunner

from edition.cli import app
from edition.project import Project

from conftest import BUNDLED, RECORDS, ROOT, copy_project

runner = CliRunner()
BAD = RECORDS / "bad"


def run(*args):
    result = runner.invoke(app, list(map(str, args)), catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def scratch(tmp_path):
    return Project(copy_project(tmp_path / "p"))


@pytest.mark.parametrize("name, code, line", [
    ("empty.txt", "E002", 1), ("unbalanced-open.txt", "E101", None),
    ("unbalanced-close.txt", "E102", None), ("nested.txt", "E103", None),
    ("crossing-paragraph.txt", "E104", None), ("no-body.txt", "E010", 1),
    ("control-chars.txt", "E005", None),
])
def test_inputs_bad_records_get_diagnostics(scratch, name, code, line):
    shutil.copy(BAD / name, scratch.records_dir / name)
    result = run("check", name, "--project", scratch.root)
    assert result.exit_code == 1
    lines = [l for l in result.stderr.splitlines() if f"error {code}:" in l]
    assert lines, result.stderr
    where = lines[0].split(": error")[0]
    file, row, col = where.rsplit(":", 2)
    assert file.endswith(name) and int(row) >= 1 and int(col) >= 1
    assert line is None or int(row) == line
    assert "hint:" in result.stderr and "Traceback" not in result.stderr


def test_inputs_binary_and_undecodable_and_huge(scratch):
    (scratch.records_dir / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (scratch.records_dir / "huge.txt").write_bytes(b"**T**\n\n" + b"word " * 1_100_000)
    for name, code in (("binary.txt", "E003"), ("huge.txt", "E006")):
        result = run("check", name, "--project", scratch.root)
        assert result.exit_code == 1 and f"error {code}:" in result.stderr, result.stderr


def test_inputs_cp1252_and_bom_crlf_are_read(scratch):
    result = run("check", BAD / "cp1252.txt", "--project", scratch.root)
    assert "error" not in result.stderr.replace("0 errors", ""), result.stderr
    result = run("check", RECORDS / "encodings" / "crlf-bom.txt", "--project", scratch.root)
    assert "error" not in result.stderr.replace("0 errors", ""), result.stderr


@pytest.mark.parametrize("file, text, code, line", [
    ("source/persons.toml", "[persons.x]\nname = \"X\"\nheading = \n", "E201", 3),
    ("source/edition.toml", "[edition]\ntitle = \"T\"\npaper = \"a3\"\n", "E203", 3),
    ("source/edition.toml", "[edition]\ntitel = \"T\"\n", "E202", 2),
    (f"source/records/{BUNDLED}.toml", "[[sic]]\nat = \"no such phrase here\"\ncorrect = \"x\"\n",
     "E205", 2),
    (f"source/records/{BUNDLED}.toml", "[[person]]\nat = \"Thorez\"\nid = \"nobody\"\n", "E206", 2),
    (f"source/records/{BUNDLED}.toml", "[[note]\nat = 1\n", "E201", 1),
])
def test_inputs_broken_toml_files(scratch, file, text, code, line):
    (scratch.root / file).write_text(text)
    result = run("check", "--project", scratch.root)
    assert result.exit_code == 1
    hit = [l for l in result.stderr.splitlines() if f"error {code}:" in l]
    assert hit and hit[0].startswith(f"{file}:{line}:"), result.stderr


def build_once(scratch):
    result = run("build", BUNDLED, "--project", scratch.root)
    assert result.exit_code == 0, result.stderr
    return {p: p.read_bytes() for p in scratch.build_dir.glob(f"{BUNDLED}.*")}


def assert_untouched(before):
    for path, data in before.items():
        assert path.read_bytes() == data, path


@pytest.mark.weasyprint_logs  # the blocked loads are logged by WeasyPrint, then reported
def test_inputs_missing_or_hostile_styles_keep_old_outputs(scratch):
    before = build_once(scratch)
    (scratch.styles_dir / "book.css").unlink()
    result = run("build", BUNDLED, "--project", scratch.root, "--force")
    assert result.exit_code == 1 and "error E301" in result.stderr and "book.css" in result.stderr
    assert_untouched(before)
    shutil.copy(ROOT / "styles" / "book.css", scratch.styles_dir / "book.css")
    secret = scratch.root.parent / "outside.css"
    secret.write_text("body { color: red }")
    (scratch.styles_dir / "base.css").write_text(
        "@import url(file:///etc/passwd);\n@import url(../../outside.css);\n"
        "body { background: url(https://example.com/x.png) }\n"
        + (ROOT / "styles" / "base.css").read_text())
    result = run("build", BUNDLED, "--project", scratch.root, "--force")
    assert result.exit_code == 1, result.stderr
    blocked = [l for l in result.stderr.splitlines() if "error E302" in l]
    assert any("/etc/passwd" in l for l in blocked) and any("https://example.com" in l for l in blocked)
    assert any("outside.css" in l for l in blocked)
    assert_untouched(before)


def test_inputs_unwritable_build_keeps_old_outputs(scratch, monkeypatch):
    before = build_once(scratch)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr("edition.build.os.replace", full)
    result = run("build", BUNDLED, "--project", scratch.root, "--force")
    assert result.exit_code == 1 and "error E401" in result.stderr
    assert "No space left on device" in result.stderr
    assert_untouched(before)
    assert not [p for p in scratch.build_dir.iterdir() if p.name.startswith(".")
                and p.suffix not in ("",) and p.is_file() and BUNDLED in p.name]


def test_inputs_build_folder_that_is_a_file(scratch):
    (scratch.root / "build").write_text("not a folder")
    result = run("build", BUNDLED, "--project", scratch.root)
    assert result.exit_code == 1 and "error E401" in result.stderr, result.stderr


def test_inputs_import_normalizes_and_never_overwrites(scratch):
    for path in scratch.records_dir.glob("*"):
        path.unlink()
    result = run("import", RECORDS / "encodings" / "crlf-bom.txt", BAD / "cp1252.txt",
                 "--project", scratch.root)
    assert result.exit_code == 0, result.stderr
    records = sorted(scratch.records_dir.glob("*.txt"))
    assert len(records) == 2
    for record in records:
        data = record.read_bytes()
        assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8")
        assert record.with_suffix(".toml").exists()
    assert "“" in (scratch.records_dir / records[1].name).read_text() or \
        "“" in records[0].read_text()
    again = run("import", BAD / "cp1252.txt", "--project", scratch.root)
    assert again.exit_code == 1 and "error E601" in again.stderr
    forced = run("import", BAD / "cp1252.txt", "--force", "--project", scratch.root)
    assert forced.exit_code == 0


def test_inputs_import_drafts_unverified_register_entries(scratch):
    result = run("import", RECORDS / "1956-memcon-many-participants.txt", "--project", scratch.root)
    assert result.exit_code == 0, result.stderr
    register = scratch.register_path.read_text()
    assert "[persons.khrushchev]" in register and "verified = false" in register
    check = run("check", "--project", scratch.root)
    assert "E2" not in check.stderr  # the drafted register still loads
