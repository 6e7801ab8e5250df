"""Problems found in user input or rule files, collected before reporting.

Every problem names the file, and where known the line, column and field, so
that a message can be acted upon without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file."""

    path: str
    message: str
    field: str | None = None
    line: int | None = None
    col: int | None = None
    code: str | None = None  # the id of the check that found it (see engine/checks)

    def location(self) -> str:
        if self.line is None:
            return self.path
        if self.col is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.col}"

    def __str__(self) -> str:
        where = f"field '{self.field}': " if self.field else ""
        return f"{self.location()}: {where}{self.message}"


class InputError(Exception):
    """Bad input (a patient file, a rule file, a command-line value): exit code 2."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class RuleSetError(InputError):
    """A rule set or the field dictionary is invalid."""


class EngineError(Exception):
    """An internal inconsistency (a bug, not bad input): exit code 1."""
