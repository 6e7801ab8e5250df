"""What every subcommand shares: exit codes, the injected consoles, error reporting."""

from __future__ import annotations

import functools
import io
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, unique
from typing import IO, Any, TypeVar, cast

import click
from rich.console import Console
from rich.text import Text

from prognosis.engine.errors import EngineError, InputError


@unique
class ExitCode(IntEnum):
    """Every exit code of every command, each meaning once (CI tells them apart)."""

    OK = 0
    FINDINGS = 1  # checks found errors, examples failed, versions differ (like diff(1))
    BAD_INPUT = 2  # bad input or usage (unreadable file too): the message says what is allowed
    REJECTED_ROWS = 3  # cohort, validate: some rows rejected, all others written or used
    # A bug, never the user's input. 3 is taken by cohorts' rejected rows, so this is
    # EX_SOFTWARE of sysexits.h (70), the conventional "internal software error".
    INTERNAL_ERROR = 70
    PIPE_CLOSED = 141  # the reader of stdout went away (`| head`): SIGPIPE (128 + 13)
    HUNG_UP = 129  # SIGHUP (128 + 1): temporary files removed, nothing half-written
    INTERRUPTED = 130  # SIGINT / Ctrl-C (128 + 2), as shells report it
    TERMINATED = 143  # SIGTERM (128 + 15)


SHOWN_PROBLEMS = 50  # problems printed one by one; the rest are counted


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like Ctrl-C so that every `finally` cleans up."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code of an interruption: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP."""
    import signal

    signum = getattr(exc, "signum", signal.SIGINT)
    return {signal.SIGTERM: ExitCode.TERMINATED, signal.SIGHUP: ExitCode.HUNG_UP}.get(
        signum, ExitCode.INTERRUPTED)


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP end the program as Ctrl-C does: cleanly, no traceback."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted(signum)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), interrupt)
    from prognosis.engine.interrupts import watch

    watch()


class _Console(Console):
    """rich's Console, except that a closed pipe is raised to the command's handler (exit
    PIPE_CLOSED) instead of rich's own SystemExit(1), which reads as "findings"."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


class _Unpadded(io.TextIOBase):
    """Standard output or error without the spaces rich pads each line to its width with,
    for piped output: a file or a diff of it carries no trailing whitespace."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._pending = ""  # spaces at the end of the last write: padding if a newline follows

    @property
    def _stream(self) -> Any:
        return sys.stderr if self._stderr else sys.stdout  # as it is now (tests swap it)

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        joined = self._pending + text
        body = joined.rstrip(" ")
        self._pending = joined[len(body):]
        self._stream.write(re.sub(r" +\n", "\n", body))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return bool(self._stream.isatty())

    def fileno(self) -> int:
        return int(self._stream.fileno())


def _console(stderr: bool) -> Console:
    # Piped output gets 100 columns (rich would otherwise use 80) unless COLUMNS says.
    width = None if os.environ.get("COLUMNS") else 100
    console = _Console(stderr=stderr, highlight=False, soft_wrap=False, emoji=False)
    if not console.is_terminal:
        console = _Console(file=cast(IO[str], _Unpadded(stderr)), highlight=False, width=width,
                           emoji=False)
    return console


@dataclass
class App:
    """Injected into commands (tests pass their own consoles to capture output)."""

    out: Console = field(default_factory=lambda: _console(stderr=False))
    err: Console = field(default_factory=lambda: _console(stderr=True))


F = TypeVar("F", bound=Callable[..., Any])


def cells(*values: object) -> list[Text]:
    """Table cells as Text, so that brackets in data are never read as rich markup."""
    return [v if isinstance(v, Text) else Text(str(v)) for v in values]


def _quiet_stdout() -> None:
    """After the reader of stdout has gone: point stdout at /dev/null, so that nothing
    more (the interpreter's last flush included) fails or prints a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (a test runner)
        pass


def reports_errors(command: F) -> F:
    """Turn bad input into a message on stderr and exit 2; bugs into exit 70, no traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        app: App = ctx.ensure_object(App)
        try:
            result = command(*args, **kwargs)
            sys.stdout.flush()  # a closed pipe is found here, not at the interpreter's exit
            return result
        except BrokenPipeError:
            _quiet_stdout()
            ctx.exit(ExitCode.PIPE_CLOSED)
        except InputError as exc:
            for problem in exc.problems[:SHOWN_PROBLEMS]:
                app.err.print(Text(f"error: {problem}"), highlight=False, soft_wrap=True)
            if len(exc.problems) > SHOWN_PROBLEMS:
                app.err.print(Text(f"... and {len(exc.problems) - SHOWN_PROBLEMS:,} more "
                                   "problem(s)"), highlight=False, soft_wrap=True)
            ctx.exit(ExitCode.BAD_INPUT)
        except KeyboardInterrupt as exc:
            app.err.print(Text("interrupted"), highlight=False)
            ctx.exit(exit_code_for(exc))
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except (EngineError, Exception) as exc:
            if os.environ.get("PROGNOSIS_DEBUG"):
                raise
            app.err.print(Text(f"internal error: {type(exc).__name__}: {exc} "
                          "(set PROGNOSIS_DEBUG=1 for a traceback; please report it)"),
                          markup=False, highlight=False, soft_wrap=True)
            ctx.exit(ExitCode.INTERNAL_ERROR)

    return wrapper  # type: ignore[return-value]
