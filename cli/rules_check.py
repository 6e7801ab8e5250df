"""`prognosis rules check`: every finding in every rule file, before anything is reported."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from .app import App, ExitCode, cells, reports_errors
from .options import active_rules_dir, rules_option


def _ids(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(i.strip() for v in values for i in v.split(",") if i.strip())


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@rules_option
@click.option("--format", "output_format",
              type=click.Choice(["text", "json", "github", "sarif", "junit"]),
              default="text", show_default=True,
              help="text (path:line:col: severity: message [check-id]), json, github "
              "(workflow annotations), sarif (SARIF 2.1.0, for code scanning) or junit (XML).")
@click.option("--select", multiple=True, metavar="ID[,ID]",
              help="Run only these checks (replaces the configured list).")
@click.option("--ignore", multiple=True, metavar="ID[,ID]",
              help="Leave these checks out (adds to the configured list).")
@click.option("--strict", is_flag=True, help="Warnings fail too (exit 1).")
@click.option("--list", "list_checks", is_flag=True, help="List the checks and exit.")
@click.pass_obj
@reports_errors
def check_command(app: App, paths: tuple[Path, ...], rules_dir: Path | None,
                  output_format: str, select: tuple[str, ...], ignore: tuple[str, ...],
                  strict: bool, list_checks: bool) -> None:
    """Check rule files (PATHS: files or directories; default: the active rules).

    Every finding of every file in one run. Which checks run comes from
    [tool.prognosis.check] in pyproject.toml or a .prognosis.yaml (the nearest at
    or above the current directory), then --select/--ignore; a finding on a line
    with `# prognosis: ignore[check-id] reason` is suppressed.

    Exit 0 when clean, 1 when any error is found (or any warning with --strict),
    2 for usage errors, an unreadable file (reported as read-error) or an unusable
    configuration.
    """
    from prognosis.engine.checks import CHECKS, run_checks
    from prognosis.engine.checks.collect import collect
    from prognosis.engine.checks.config import load_config

    from .check_output import render

    if list_checks:
        table = Table("check", "severity", "what it finds", box=None, pad_edge=False)
        for c in CHECKS.values():
            table.add_row(*cells(c.id, c.severity, " ".join(c.doc.split())))
        app.out.print(table)
        return
    config = load_config(Path.cwd()).overridden(_ids(select), _ids(ignore))
    ran = config.chosen(list(CHECKS))
    library = collect(list(paths) or [active_rules_dir(rules_dir)])
    findings = run_checks(library, ran)
    files = list(dict.fromkeys([rf.path for rf in library.files] + [f.path for f in findings]))
    text = render(findings, output_format, files, ran)
    if text:
        click.echo(text)
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    app.err.print(Text(f"{counts['error']} error(s), {counts['warning']} warning(s), "
                  f"{counts['info']} info in {len(library.files)} rule file(s)"),
                  highlight=False, soft_wrap=True)
    if any(f.check == "read-error" for f in findings):
        click.get_current_context().exit(ExitCode.BAD_INPUT)  # unreadable input
    if counts["error"] or (strict and counts["warning"]):
        click.get_current_context().exit(ExitCode.FINDINGS)
