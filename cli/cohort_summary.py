"""The end-of-run summary of `prognosis cohort`: rich table on a terminal, plain text piped."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from prognosis.engine.cohort.run import CohortRun

from .app import cells

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


def render_summary(console: Console, run: CohortRun, output: str | None) -> None:
    if not console.is_terminal:
        for line in summary_lines(run, output):
            console.print(Text(line), soft_wrap=True)
        return
    console.print(Text(summary_lines(run, output)[0]))
    table = Table(title="Patients per study", title_justify="left")
    for name in ("Study", *STATUSES, "Complete, by score or group"):
        table.add_column(name, justify="right" if name in STATUSES else "left")
    for rs_id, short, model in run.rule_sets:
        counter = run.counts.get(rs_id, Counter())
        status = Counter({s: 0 for s in STATUSES})
        for (s, _), n in counter.items():
            status[s] += n
        labelled = "\n".join(f"{label}: {n}" for label, n in _by_label(counter, model))
        table.add_row(*cells(f"{short} ({rs_id})", *(status[s] for s in STATUSES),
                             labelled or "-"))
    console.print(table)
