"""`prognosis rules diff OLD NEW`: what a rule edit does to patients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.text import Text

from .app import App, ExitCode, reports_errors


def _library(path: Path) -> Any:
    from prognosis.engine.checks.collect import collect
    from prognosis.engine.errors import RuleSetError

    library = collect([path])
    problems = [p for rf in library.files for p in rf.problems] + library.fields_problems
    if problems or library.fields is None:
        raise RuleSetError(problems)
    return library


def _summary(result: Any) -> dict[str, Any]:
    return {"status": result.status, "score": result.score,
            "score_range": list(result.score_range) if result.score_range else None,
            "group": result.group,
            "estimates": [f"{e.label}: {e.value:g}" for e in result.estimates]}


@click.command("diff")
@click.argument("old", type=click.Path(exists=True, path_type=Path))
@click.argument("new", type=click.Path(exists=True, path_type=Path))
@click.option("--patients", "patient_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Patient files to compare too (repeatable); the example patients of both "
              "versions are always compared.")
@click.pass_obj
@reports_errors
def diff_command(app: App, old: Path, new: Path, patient_files: tuple[Path, ...]) -> None:
    """Show which patients change status, score, group or estimates between OLD and NEW.

    OLD and NEW are two rule files or two directories. Exit 0 when no patient
    changes, 1 when some do (like diff), 2 for invalid input.
    """
    from prognosis.engine.evaluate import Comparator
    from prognosis.engine.patient import normalise, read_patient_file

    before, after = _library(old), _library(new)
    old_sets = {rs.id: rs for _, rs in before.rule_sets()}
    new_sets = {rs.id: rs for _, rs in after.rule_sets()}
    for gone in sorted(old_sets.keys() - new_sets.keys()):
        app.out.print(Text(f"rule set '{gone}' removed"), highlight=False)
    for added in sorted(new_sets.keys() - old_sets.keys()):
        app.out.print(Text(f"rule set '{added}' added"), highlight=False)
    patients = [(str(p), read_patient_file(str(p), after.fields)) for p in patient_files]
    lines: list[str] = []
    for rule_set_id in sorted(old_sets.keys() & new_sets.keys()):
        old_rs, new_rs = old_sets[rule_set_id], new_sets[rule_set_id]
        examples = {e.name: e.patient for e in (*old_rs.examples, *new_rs.examples)}
        cases = [(f"example '{name}'", normalise(raw, after.fields, name))
                 for name, raw in examples.items()] + patients
        old_engine, new_engine = Comparator([old_rs]), Comparator([new_rs])
        for name, patient in cases:
            a = _summary(old_engine.evaluate(patient)[0])
            b = _summary(new_engine.evaluate(patient)[0])
            lines += [f"{rule_set_id}: {name}: {key}: {_show(a[key])} -> {_show(b[key])}"
                      for key in a if a[key] != b[key]]
    for line in lines:
        app.out.print(Text(line), highlight=False, soft_wrap=True)
    app.out.print(Text(f"{len(lines)} change(s)"), highlight=False)
    if lines or old_sets.keys() != new_sets.keys():
        click.get_current_context().exit(ExitCode.FINDINGS)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + "; ".join(map(str, value)) + "]"
    return "null" if value is None else str(value)
