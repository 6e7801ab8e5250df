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
    """The console script: click's standalone handling, but an interrupt exits 128 + signal
    (130 for Ctrl-C) instead of click's "Aborted!" with 1, and a bug outside any command's
    own handling exits 70 (internal error) with a message and no traceback."""
    import sys

    from .app import exit_code_for, install_signal_handlers

    install_signal_handlers()
    try:
        code = cli.main(prog_name="prognosis", standalone_mode=False)
    except SystemExit:
        # click exits 1 when its help or usage text meets a closed pipe, after wrapping
        # stdout in its _PacifyFlushWrapper: that is a closed pipe, not findings
        if "PacifyFlushWrapper" in type(sys.stdout).__name__:
            from .app import ExitCode

            sys.exit(ExitCode.PIPE_CLOSED)
        raise
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort as exc:  # an interrupt outside a command (while starting up)
        cause = exc.__cause__ or exc.__context__
        sys.exit(int(exit_code_for(cause) if isinstance(cause, KeyboardInterrupt) else 1))
    except Exception as exc:  # a bug outside any command's own handling (reports_errors)
        import os

        from .app import ExitCode

        if os.environ.get("PROGNOSIS_DEBUG"):
            raise
        sys.stderr.write(f"internal error: {type(exc).__name__}: {exc} (set PROGNOSIS_DEBUG=1 "
                         "for a traceback; please report it)\n")
        sys.exit(ExitCode.INTERNAL_ERROR)
    sys.exit(code if isinstance(code, int) else 0)
