"""`prognosis rules schema`: write the JSON Schema of rule files and fields.yaml."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from .app import App, ExitCode, reports_errors


@click.command("schema")
@click.option("--output", "output", type=click.Path(file_okay=False, path_type=Path),
              required=True,
              help="Directory to write rule-set.schema.json and fields.schema.json into "
              "(in this repository: rules/schema). Required, so that nothing is created "
              "where the command happens to run.")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 if the files there are out of date.")
@click.pass_obj
@reports_errors
def schema_command(app: App, output: Path, check_only: bool) -> None:
    """Generate the JSON Schema for editors from the validator's own definitions."""
    from prognosis.engine.jsonschema_export import schema_files

    stale: list[Path] = []
    for name, text in schema_files().items():
        target = output / name
        current = target.read_text() if target.exists() else None
        if current == text:
            continue
        stale.append(target)
        if not check_only:
            output.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    verb = "out of date" if check_only else "written"
    for target in stale:
        app.err.print(Text(f"{target}: {verb}"), highlight=False)
    if check_only and stale:
        click.get_current_context().exit(ExitCode.FINDINGS)
