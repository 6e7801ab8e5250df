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
    """The command: click's standalone handling, but an interrupt exits 128 + signal
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


def run() -> None:
    """The console script: `main`, then the process ends at once, without the interpreter's
    teardown (which frees every object one by one: 0.2-0.3 s after a 1M-row cohort run,
    most of it its distinct values and texts). What a teardown would do that matters is
    done first: the atexit handlers run and standard output and error are flushed (a
    failed flush exits as Python's would: 141 for a closed pipe, here, else 120). Every
    output was already written whole and closed by the command; a stopping signal that
    comes after the atexit handlers is held back (there is nothing left to stop). A
    thread that is not a daemon and still runs is waited for, as Python would, by a
    normal exit.

    `main` itself raises SystemExit as usual, for callers in Python."""
    import atexit
    import os
    import sys
    import threading

    from .app import ExitCode

    try:
        main()
        status: object = 0
    except SystemExit as exc:
        status = exc.code
    if isinstance(status, int):
        code = status
    elif status is None:
        code = 0
    else:  # sys.exit("message"): printed, exit 1, as Python does
        if sys.stderr is not None:
            print(status, file=sys.stderr)
        code = 1
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if others:
        sys.exit(code)
    from ..engine.interrupts import held_signals

    atexit._run_exitfuncs()
    with held_signals():
        for stream in (sys.stdout, sys.stderr):
            if stream is None:  # started with the descriptor closed (`>&-`)
                continue
            try:
                stream.flush()
            except BrokenPipeError:  # the reader of stdout went away after the command
                if code == 0:
                    code = ExitCode.PIPE_CLOSED
            except (OSError, ValueError):
                if code == 0:
                    code = 120  # what Python exits with when its last flush fails
        os._exit(code & 0xFF)
