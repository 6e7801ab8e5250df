"""The check framework: findings, the registry, and what a check is given."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import Problem
from ..fields import FieldDictionary
from ..model import RuleSet
from ..yamlio import MarkedDict

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    path: str
    line: int | None
    col: int | None
    severity: Severity
    message: str
    check: str

    def text(self) -> str:
        return (f"{self.path}:{self.line or 1}:{self.col or 1}: {self.severity}: "
                f"{self.message} [{self.check}]")

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line or 1, "col": self.col or 1,
                "severity": self.severity, "message": self.message, "check": self.check}


@dataclass
class RuleFile:
    """One rule file as the checks see it: raw data with marks, and the loaded rule set."""

    path: str
    data: Any = None  # MarkedDict when it parsed
    text: str = ""  # as read (for inline suppressions)
    rule_set: RuleSet | None = None  # None when loading found problems
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, *keys: str | int) -> int | None:
        """Line of a node reached by keys/indices from the root (the nearest known)."""
        node, line = self.data, getattr(self.data, "line", None)
        for key in keys:
            try:
                if isinstance(node, MarkedDict) and isinstance(key, str):
                    line = node.mark_of(key)[0] or line
                node = node[key]
            except (KeyError, IndexError, TypeError):
                return line
            line = getattr(node, "line", None) or line
        return line


@dataclass
class Library:
    """Everything being checked at once (checks across files need all of it)."""

    files: list[RuleFile]
    fields: FieldDictionary | None
    fields_path: str
    fields_problems: list[Problem] = field(default_factory=list)

    def rule_sets(self) -> list[tuple[RuleFile, RuleSet]]:
        return [(f, f.rule_set) for f in self.files if f.rule_set is not None]


FileCheck = Callable[[RuleFile, Library], Iterator[Finding]]
LibraryCheck = Callable[[Library], Iterator[Finding]]


@dataclass(frozen=True)
class Check:
    id: str
    severity: Severity
    scope: Literal["file", "library"]
    run: Callable[..., Iterator[Finding]]

    @property
    def doc(self) -> str:
        return (self.run.__doc__ or "").strip()

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0] if self.doc else ""


CHECKS: dict[str, Check] = {}


def check(check_id: str, severity: Severity,
          scope: Literal["file", "library"] = "file") -> Callable[[Any], Any]:
    """Register a check; its docstring is its documentation."""

    def register(function: Any) -> Any:
        if check_id in CHECKS:
            raise ValueError(f"check id {check_id} registered twice")
        CHECKS[check_id] = Check(check_id, severity, scope, function)
        return function

    return register


def finding(rf: RuleFile | str, line: int | None, message: str, check_id: str,
            severity: Severity | None = None, col: int | None = None) -> Finding:
    path = rf.path if isinstance(rf, RuleFile) else rf
    return Finding(path, line, col, severity or CHECKS[check_id].severity, message, check_id)


def run_checks(library: Library, only: Sequence[str] | None = None) -> list[Finding]:
    """Every finding of every (selected) check, sorted by file and line, less those an
    inline `# prognosis: ignore[check-id] reason` suppresses."""
    from . import suppress

    found: list[Finding] = []
    ran = {c.id for c in CHECKS.values() if only is None or c.id in only}
    for c in CHECKS.values():
        if c.id not in ran:
            continue
        if c.scope == "library":
            found.extend(c.run(library))
        else:
            for rf in library.files:
                found.extend(c.run(rf, library))
    found = suppress.apply(sorted(set(found), key=_order), library, ran)
    return sorted(set(found), key=_order)


def _order(f: Finding) -> tuple[str, int, int, str, str]:
    return (f.path, f.line or 0, f.col or 0, f.check, f.message)
