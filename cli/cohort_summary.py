"""The end-of-run summary of `prognosis cohort`: rich table on a terminal, plain text piped."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from rich.cells import cell_len
from rich.console import Console

from prognosis.engine.cohort.run import CohortRun

from .fit import fitted_table
from .wrap import NBSP, Wrapped

STATUSES = ("complete", "incomplete", "not_applicable")


def _by_label(counter: Counter[tuple[str, Any]], model: str) -> list[tuple[str, int]]:
    """Complete rows by score or group, in order."""
    labels: Counter[Any] = Counter()
    for (status, label), n in counter.items():
        if status == "complete" and label is not None:
            labels[label] += n
    word = "score" if model == "score" else "group"
    return [(f"{word} {label}", n) for label, n in sorted(labels.items(), key=lambda i: str(i[0])
                                                          if model != "score" else f"{i[0]:09d}")]


def summary_lines(run: CohortRun, output: str | None) -> list[str]:
    lines = [f"rows read {run.rows_read}, scored {run.scored}, rejected {run.rejected_rows}"
             + (f"; written to {output}" if output else "")]
    for rs_id, short, model in run.rule_sets:
        counter = run.counts.get(rs_id, Counter())
        status = Counter({s: 0 for s in STATUSES})
        for (s, _), n in counter.items():
            status[s] += n
        lines.append(f"{short} ({rs_id}): " + ", ".join(f"{s} {status[s]}" for s in STATUSES))
        labelled = _by_label(counter, model)
        if labelled:
            lines.append("  " + "; ".join(f"{label}: {n}" for label, n in labelled))
    return lines


KEPT = 40  # an item this short ("not_applicable 3812", "group sp_alone: 109") stays whole


def _lines(console: Console, lines: list[str]) -> None:
    """The summary as text, wrapped between words at the console's width: a study's line
    continues under it by two spaces, its scores' or groups' line by four, and a count
    stays with its name ("group sp_alone: 109", never "group sp_alone:" then "109")."""
    room = min(KEPT, console.width - 4)

    def kept(item: re.Match[str]) -> str:
        text = item[0]
        body = text.strip()
        if not body or cell_len(body) > room:
            return text
        start = text.index(body)
        return text[:start] + body.replace(" ", NBSP) + text[start + len(body):]

    for line in lines:
        console.print(Wrapped(re.sub(r"[^,;]+", kept, line),
                              indent=4 if line.startswith("  ") else 2))


def render_summary(console: Console, run: CohortRun, output: str | None) -> None:
    """A table on a terminal wide enough for every study id and group name whole; else,
    and when piped, the same counts as text."""
    lines = summary_lines(run, output)
    if not console.is_terminal:
        _lines(console, lines)
        return
    columns = ("Study", *STATUSES, "Complete, by score or group")
    rows = []
    for rs_id, short, model in run.rule_sets:
        counter = run.counts.get(rs_id, Counter())
        status = Counter({s: 0 for s in STATUSES})
        for (s, _), n in counter.items():
            status[s] += n
        labelled = "\n".join(f"{label}: {n}" for label, n in _by_label(counter, model))
        rows.append((f"{short} ({rs_id})", *(str(status[s]) for s in STATUSES),
                     labelled or "-"))
    table = fitted_table("Patients per study", columns, rows, console.width,
                         [name in STATUSES for name in columns])
    if table is None:
        _lines(console, lines)
        return
    console.print(Wrapped(lines[0], indent=2))
    console.print(table)
