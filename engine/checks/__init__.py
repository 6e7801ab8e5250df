"""Consistency checks for rule sets (`prognosis rules check`).

Each check is a small unit with an id, a severity and a docstring that is
its documentation (`prognosis rules check --list`); it yields `Finding`s
that print as `path:line:col: severity: message [check-id]`. Importing this
package registers every check.
"""

from . import (  # noqa: F401 - registers checks
    comparison,
    content,
    loading,
    logic,
    numbers,
    suppress,
    units,
)
from .base import CHECKS, Check, Finding, run_checks

__all__ = ["CHECKS", "Check", "Finding", "run_checks"]
