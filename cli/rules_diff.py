"""`prognosis rules diff OLD NEW`: what a rule edit does to the rules and to patients."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .app import App, ExitCode, reports_errors


def _library(path: Path) -> Any:
    from prognosis.engine.checks.collect import collect
    from prognosis.engine.errors import RuleSetError

    library = collect([path])
    problems = [p for rf in library.files for p in rf.problems] + library.fields_problems
    if problems or library.fields is None:
        raise RuleSetError(problems)
    return library


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option("--patients", "patient_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Patient files to compare too (repeatable); the example patients of both "
              "versions are always compared.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True,
              help="text, json, or markdown (for a pull-request comment).")
@click.pass_obj
@reports_errors
def diff_command(app: App, old: Path, new: Path, patient_files: tuple[Path, ...],
                 output_format: str) -> None:
    """Show what changes between OLD and NEW: in the rule files (file:line), and for
    every patient (status, score, range, group, subgroup, options, every factor's,
    caveat's and population condition's verdict, every estimate's value).

    OLD and NEW are two rule files or two directories. Patients: the examples of
    both versions and --patients FILE. Exit 0 when no patient changes, 1 when some
    do (like diff), 2 for invalid input.
    """
    from prognosis.engine.evaluate import Comparator
    from prognosis.engine.patient import normalise, read_patient_file
    from prognosis.engine.rule_diff import file_changes, patient_view, view_changes

    before, after = _library(old), _library(new)
    old_sets = {rs.id: (rf, rs) for rf, rs in before.rule_sets()}
    new_sets = {rs.id: (rf, rs) for rf, rs in after.rule_sets()}
    removed = sorted(old_sets.keys() - new_sets.keys())
    added = sorted(new_sets.keys() - old_sets.keys())
    patients = [(str(p), read_patient_file(str(p), after.fields)) for p in patient_files]
    edits: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for rule_set_id in sorted(old_sets.keys() & new_sets.keys()):
        (old_rf, old_rs), (new_rf, new_rs) = old_sets[rule_set_id], new_sets[rule_set_id]
        edits += [{"file": c.source, "line": c.line, "rule_set": rule_set_id, "what": c.path,
                   "kind": c.kind, "before": c.before, "after": c.after}
                  for c in file_changes(old_rf.data, new_rf.data, old_rf.path, new_rf.path)]
        examples = {e.name: e.patient for e in (*old_rs.examples, *new_rs.examples)}
        cases = [(f"example '{name}'", normalise(raw, after.fields, name))
                 for name, raw in examples.items()] + patients
        old_engine, new_engine = Comparator([old_rs]), Comparator([new_rs])
        for name, patient in cases:
            a = patient_view(old_engine.evaluate(patient)[0])
            b = patient_view(new_engine.evaluate(patient)[0])
            changes += [{"rule_set": rule_set_id, "patient": name, "what": what,
                         "before": x, "after": y} for what, x, y in view_changes(a, b)]
    report = {"rule_sets_removed": removed, "rule_sets_added": added,
              "rule_file_changes": edits, "patient_changes": changes,
              "patients_changed": len({(c["rule_set"], c["patient"]) for c in changes})}
    click.echo(_render(report, output_format))
    if changes or removed or added:
        click.get_current_context().exit(ExitCode.FINDINGS)


def _render(report: dict[str, Any], output_format: str) -> str:
    from prognosis.engine.rule_diff import show

    if output_format == "json":
        def plain(value: Any) -> Any:
            text = show(value)
            return None if text == "(absent)" else value if isinstance(
                value, str | int | float | bool | type(None)) else text
        data = {**report,
                "rule_file_changes": [{**c, "before": plain(c["before"]),
                                       "after": plain(c["after"])}
                                      for c in report["rule_file_changes"]]}
        return json.dumps(data, indent=2, default=str)
    summary = (f"{len(report['patient_changes'])} change(s) for "
               f"{report['patients_changed']} patient(s); "
               f"{len(report['rule_file_changes'])} change(s) in the rule files")
    if output_format == "markdown":
        return _markdown(report, summary)
    lines = [f"rule set '{i}' removed" for i in report["rule_sets_removed"]]
    lines += [f"rule set '{i}' added" for i in report["rule_sets_added"]]
    lines += [f"{c['file']}:{c['line'] or 1}: {c['what']}: {show(c['before'])} -> "
              f"{show(c['after'])}" for c in report["rule_file_changes"]]
    lines += [f"{c['rule_set']}: {c['patient']}: {c['what']}: {show(c['before'])} -> "
              f"{show(c['after'])}" for c in report["patient_changes"]]
    return "\n".join([*lines, summary])


def _cell(value: Any) -> str:
    from prognosis.engine.rule_diff import show

    return show(value).replace("|", "\\|")


def _markdown(report: dict[str, Any], summary: str) -> str:
    out = ["## Rule diff", "", f"**{summary}**"]
    for kind in ("removed", "added"):
        out += [f"- rule set `{i}` {kind}" for i in report[f"rule_sets_{kind}"]]
    if report["rule_file_changes"]:
        out += ["", "### Rule files", "", "| where | what | before | after |", "|---|---|---|---|"]
        out += [f"| `{Path(c['file']).name}:{c['line'] or 1}` | `{c['what']}` | "
                f"{_cell(c['before'])} | {_cell(c['after'])} |"
                for c in report["rule_file_changes"]]
    if report["patient_changes"]:
        out += ["", "### Patients whose result changes", "",
                "| rule set | patient | what | before | after |", "|---|---|---|---|---|"]
        out += [f"| {c['rule_set']} | {_cell(c['patient'])} | {_cell(c['what'])} | "
                f"{_cell(c['before'])} | {_cell(c['after'])} |"
                for c in report["patient_changes"]]
    return "\n".join(out)
