"""What every subcommand shares: exit codes, the injected consoles, error reporting."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, unique
from typing import Any, TypeVar

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
    REJECTED_ROWS = 3  # cohort: some rows rejected, all others written
    # A bug, never the user's input. 3 is taken by cohorts' rejected rows, so this is
    # EX_SOFTWARE of sysexits.h (70), the conventional "internal software error".
    INTERNAL_ERROR = 70
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


def _console(stderr: bool) -> Console:
    # Piped output gets 100 columns (rich would otherwise use 80) unless COLUMNS says.
    width = None if os.environ.get("COLUMNS") else 100
    console = Console(stderr=stderr, highlight=False, soft_wrap=False, emoji=False)
    if not console.is_terminal and width:
        console = Console(stderr=stderr, highlight=False, width=width, emoji=False)
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


def reports_errors(command: F) -> F:
    """Turn bad input into a message on stderr and exit 2; bugs into exit 70, no traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        app: App = ctx.ensure_object(App)
        try:
            return command(*args, **kwargs)
        except InputError as exc:
            for problem in exc.problems:
                app.err.print(Text(f"error: {problem}"), highlight=False, soft_wrap=True)
            ctx.exit(ExitCode.BAD_INPUT)
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
