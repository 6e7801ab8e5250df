"""Inline suppression: `# prognosis: ignore[check-id] reason` silences that check's
findings on the same line (or, on a line of its own, on the next line). The reason is
required: a suppression without one, or naming an unknown check, is itself a finding
and silences nothing; one that silences nothing is reported too, so none goes stale."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .base import CHECKS, Finding, Library, RuleFile, check, finding

_COMMENT = re.compile(r"#\s*prognosis:\s*ignore\[(?P<ids>[^\]]*)\](?P<reason>.*)$")


@dataclass(frozen=True)
class Suppression:
    line: int  # the line whose findings it silences
    at: int  # where it is written
    ids: tuple[str, ...]
    reason: str


def suppressions(rf: RuleFile) -> list[Suppression]:
    found = []
    for number, text in enumerate(rf.text.splitlines(), start=1):
        match = _COMMENT.search(text)
        if match is None:
            continue
        ids = tuple(i.strip() for i in match["ids"].split(",") if i.strip())
        alone = text.lstrip().startswith("#")
        found.append(Suppression(number + 1 if alone else number, number, ids,
                                 match["reason"].strip()))
    return found


def _valid(s: Suppression) -> bool:
    return bool(s.reason) and bool(s.ids) and all(i in CHECKS for i in s.ids)


@check("suppression", "error")
def suppression(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """An inline `# prognosis: ignore[check-id] reason` without a reason, or naming an
    unknown check id (it then silences nothing)."""
    for s in suppressions(rf):
        if not s.ids or not all(i in CHECKS for i in s.ids):
            unknown = ", ".join(i for i in s.ids if i not in CHECKS) or "(none)"
            yield finding(rf, s.at, f"suppression names unknown check id(s): {unknown}",
                          "suppression")
        elif not s.reason:
            yield finding(rf, s.at, f"suppression of {', '.join(s.ids)} gives no reason; "
                          "write why after the bracket", "suppression")


def apply(findings: list[Finding], library: Library, ran: set[str]) -> list[Finding]:
    """`findings` without the suppressed ones, plus a warning per unused suppression."""
    by_path = {rf.path: [s for s in suppressions(rf) if _valid(s)] for rf in library.files}
    used: set[tuple[str, int]] = set()
    kept = []
    for f in findings:
        hit = next((s for s in by_path.get(f.path, ()) if s.line == (f.line or 1)
                    and f.check in s.ids), None)
        if hit is None or f.check == "suppression":
            kept.append(f)
        else:
            used.add((f.path, hit.at))
    if "suppression" in ran:
        for path, items in by_path.items():
            for s in items:
                if (path, s.at) not in used and set(s.ids) <= ran:
                    kept.append(finding(path, s.at, f"suppression of {', '.join(s.ids)} "
                                        "silences nothing: remove it", "suppression",
                                        severity="warning"))
    return kept
