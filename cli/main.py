"""The `prognosis` command: a thin layer over prognosis.engine, one module per subcommand."""

from __future__ import annotations

import click

from .app import App
from .compare import compare
from .rules_group import rules


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="prognosis-comparator")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Compare what published studies observed for a sarcoma patient with metastases.

    A research and teaching aid, not medical advice.
    """
    ctx.ensure_object(App)


cli.add_command(compare)
cli.add_command(rules)


def main() -> None:
    cli(prog_name="prognosis")
