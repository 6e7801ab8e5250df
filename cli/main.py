"""The `prognosis` command: a thin layer over prognosis.engine, one module per subcommand.

Subcommands are imported when used, so `prognosis compare` pays for nothing else.
"""

from __future__ import annotations

import click

from .app import App
from .lazy import LazyGroup


@click.group(cls=LazyGroup, lazy={"compare": ".compare:compare",
                                  "explain": ".explain:explain",
                                  "cohort": ".cohort:cohort",
                                  "validate": ".validate:validate",
                                  "synth": ".synth:synth",
                                  "rules": ".rules_group:rules",
                                  "board": ".board.command:board"},
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="prognosis-comparator")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Compare what published studies observed for a sarcoma patient with metastases.

    A research and teaching aid, not medical advice.
    """
    ctx.ensure_object(App)


def main() -> None:
    cli(prog_name="prognosis")
