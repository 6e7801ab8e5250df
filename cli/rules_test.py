"""`prognosis rules test`: run every rule set's example patients."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from .app import App, ExitCode, cells, reports_errors
from .options import active_rules_dir, rules_option


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@rules_option
@click.pass_obj
@reports_errors
def test_command(app: App, paths: tuple[Path, ...], rules_dir: Path | None) -> None:
    """Run the example patients of rule sets (PATHS: files or directories).

    Shows pass or fail per example, with expected and actual values where they
    differ. Exit 0 when all pass, 1 when any fails, 2 when a rule file is invalid.
    """
    from prognosis.engine.checks.collect import collect
    from prognosis.engine.errors import RuleSetError
    from prognosis.engine.examples import run_examples

    library = collect(list(paths) or [active_rules_dir(rules_dir)])
    broken = [p for rf in library.files for p in rf.problems] + library.fields_problems
    if broken or library.fields is None:
        raise RuleSetError(broken)
    table = Table("rule set", "example", "result", "expected vs actual", box=None,
                  pad_edge=False)
    failed = total = 0
    for _, rule_set in library.rule_sets():
        for outcome in run_examples(rule_set, library.fields):
            total += 1
            failed += not outcome.passed
            verdict = Text("pass", "green") if outcome.passed else Text("FAIL", "bold red")
            table.add_row(*cells(rule_set.id, outcome.example.name, verdict,
                          "" if outcome.passed else outcome.summary()))
    app.out.print(table)
    app.out.print(Text(f"{total - failed} passed, {failed} failed"), highlight=False)
    if failed:
        click.get_current_context().exit(ExitCode.FINDINGS)
