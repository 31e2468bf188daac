"""Check records without writing anything: diagnostics and the list of interventions.

Input: a project and record names. Output: a CheckResult that prints as text (one line per
intervention: file:line:col, kind, how it renders) or as JSON for tools.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .project import Project, load_shared, prepare, resolve_records


@dataclass
class CheckResult:
    diagnostics: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # one dict per intervention

    def as_text(self) -> str:
        lines = []
        for row in self.rows:
            where = f"{row['file']}:{row['line']}:{row['col']}"
            render = f"note {row['note']}" if row["note"] else row["render"]
            lemma = f"{row['lemma']}] " if row["lemma"] else ""
            lines.append(f"{where}: {row['kind']:<14} {render:<9} {lemma}{row['source'] or row['text']}")
        return "\n".join(lines)

    def as_json(self) -> dict:
        return {"interventions": self.rows,
                "diagnostics": [d.as_dict() for d in self.diagnostics]}


def intervention_rows(edition) -> list[dict]:
    """Describe each intervention of an edition: where, what kind, how it renders."""
    rows = []
    for i in edition.record.interventions():
        how = "note" if i.note else ("mark" if i.kind == "omission" else "inline")
        rows.append({"file": i.pos.file, "line": i.pos.line, "col": i.pos.col, "kind": i.kind,
                     "note": i.note, "render": how, "lemma": i.lemma, "text": i.text,
                     "source": i.source, "correction": i.correction})
    return rows


def check_records(project: Project, names) -> CheckResult:
    """Parse, annotate and check records; collect everything, write nothing."""
    result = CheckResult()
    shared, found = load_shared(project)
    result.diagnostics += found
    paths, found = resolve_records(project, names)
    result.diagnostics += found
    for path in paths:
        edition, found = prepare(project, path, shared)
        result.diagnostics += found
        if edition is not None:
            result.rows += intervention_rows(edition)
    return result
