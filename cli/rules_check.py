"""`prognosis rules check`: every finding in every rule file, before anything is reported."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from .app import App, ExitCode, cells, reports_errors
from .options import active_rules_dir, rules_option

LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@rules_option
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github"]),
              default="text", show_default=True,
              help="text (path:line:col: severity: message [check-id]), json, or github "
              "(workflow annotations).")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--list", "list_checks", is_flag=True, help="List the checks and exit.")
@click.pass_obj
@reports_errors
def check_command(app: App, paths: tuple[Path, ...], rules_dir: Path | None,
                  output_format: str, strict: bool, list_checks: bool) -> None:
    """Check rule files (PATHS: files or directories; default: the active rules).

    Exit 0 when clean, 1 when any error is found (or any warning with --strict),
    2 for usage errors.
    """
    from prognosis.engine.checks import CHECKS, run_checks
    from prognosis.engine.checks.collect import collect

    if list_checks:
        table = Table("check", "severity", "what it finds", box=None, pad_edge=False)
        for c in CHECKS.values():
            table.add_row(*cells(c.id, c.severity, " ".join(c.doc.split())))
        app.out.print(table)
        return
    library = collect(list(paths) or [active_rules_dir(rules_dir)])
    findings = run_checks(library)
    if output_format == "json":
        click.echo(json.dumps([f.to_dict() for f in findings], indent=2))
    elif output_format == "github":
        for f in findings:
            click.echo(f"::{LEVEL[f.severity]} file={f.path},line={f.line or 1},"
                       f"col={f.col or 1},title={f.check}::{f.message}")
    else:
        for f in findings:
            click.echo(f.text())
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    app.err.print(Text(f"{counts['error']} error(s), {counts['warning']} warning(s), "
                  f"{counts['info']} info in {len(library.files)} rule file(s)"),
                  highlight=False, soft_wrap=True)
    if counts["error"] or (strict and counts["warning"]):
        click.get_current_context().exit(ExitCode.FINDINGS)
