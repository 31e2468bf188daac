"""`edition check`: the interventions listed with place, kind and rendering; JSON for tools;
the editorial note and the abbreviations generated from what the record holds."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from edition.cli import app
from edition.pdf import book_html

from conftest import BUNDLED

runner = CliRunner()


def test_check_lists_interventions_as_text(project):
    result = runner.invoke(app, ["check", BUNDLED, "--project", str(project.root)])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"source/records/{BUNDLED}.txt:36:170: gloss          note 3    berated] [rugali]" in lines
    assert any(":38:116: omission" in line and "mark" in line for line in lines)
    assert "0 errors" in result.stderr and "warning W101" in result.stderr


def test_check_json_for_tools(project):
    result = runner.invoke(app, ["check", BUNDLED, "--format", "json", "--project", str(project.root)])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    kinds = [row["kind"] for row in data["interventions"]]
    assert kinds.count("summary") == 5 and kinds.count("omission") == 6
    first = data["interventions"][0]
    assert (first["line"], first["col"], first["note"], first["render"]) == (34, 1, 1, "note")
    assert {d["code"] for d in data["diagnostics"]} >= {"W101", "W102"}


def test_check_strict_fails_on_warnings(project):
    result = runner.invoke(app, ["check", BUNDLED, "--strict", "--project", str(project.root)])
    assert result.exit_code == 1


def test_check_editorial_note_names_only_kinds_present(edition):
    html = book_html(edition)
    for kind in ("summary", "gloss", "expansion", "supplied", "comment", "sic", "omission"):
        assert f"convention-{kind}" in html
    assert "convention-identification" not in html  # the record identifies no pseudonym
    assert "(5&#160;instances)" in html or "(5\u00a0instances)" in html


def test_check_abbreviations_list(edition):
    rows = {abbr: (meaning, given) for abbr, meaning, given in edition.abbreviations}
    assert set(rows) >= {"CC", "CGT", "FCP", "MRP", "VKP(b)"}  # the record's own
    assert set(rows) - {"CC", "CGT", "FCP", "MRP", "VKP(b)"} == {"FTP", "KPD", "PCF", "RPF", "SFIO", "USSR"}  # the index's
    assert rows["MRP"][1] == "Mouvement Republicaine Populaire"  # the record's own expansion
    assert rows["CGT"][1] == "Confederation General de Travail"


def test_check_inline_policy_renders_brackets_in_text(project, shared):
    from dataclasses import replace
    from edition.project import Shared, prepare
    inline = Shared(replace(shared.settings, policy={"supplied": "inline"}), shared.register)
    edition, _ = prepare(project, project.records_dir / f"{BUNDLED}.txt", inline)
    html = book_html(edition)
    assert '<span class="inline inline-supplied">Leon</span> <span class="mention"' in html
    assert len(edition.record.notes()) == 24 - 9  # the nine supplied words leave the notes


def test_check_readme_lists_every_error_code():
    from conftest import ROOT
    from edition.diagnostics import CODES
    readme = (ROOT / "README.md").read_text()
    for code, (severity, meaning) in CODES.items():
        assert f"| {code} | {severity} | {meaning} |" in readme, code


def test_check_warns_of_a_staging_url(tmp_path):
    from edition.project import Project
    from conftest import copy_project
    project = Project(copy_project(tmp_path))
    (project.records_dir / f"{BUNDLED}.toml").write_text("")
    result = runner.invoke(app, ["check", BUNDLED, "--project", str(project.root)])
    assert f"source/records/{BUNDLED}.txt:13:2: warning W302" in result.stderr, result.stderr
