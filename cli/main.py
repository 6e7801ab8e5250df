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
                                  "rules": ".rules_group:rules"},
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="prognosis-comparator")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Compare what published studies observed for a sarcoma patient with metastases.

    A research and teaching aid, not medical advice.
    """
    ctx.ensure_object(App)


def main() -> None:
    """The console script. A bug outside any command's own handling (app.reports_errors)
    still ends as an internal error: exit 70, a message, no traceback."""
    try:
        cli(prog_name="prognosis")
    except Exception as exc:
        import os
        import sys

        from .app import ExitCode

        if os.environ.get("PROGNOSIS_DEBUG"):
            raise
        sys.stderr.write(f"internal error: {type(exc).__name__}: {exc} (set PROGNOSIS_DEBUG=1 "
                         "for a traceback; please report it)\n")
        sys.exit(ExitCode.INTERNAL_ERROR)
