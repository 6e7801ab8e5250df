"""A forest plot in the terminal: effect sizes (HR, OR) with their CI on a log scale."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from prognosis.engine import text as words

LIMITS = (0.01, 100.0)  # beyond these an interval is drawn to the edge with an arrow
TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)


def _bounds(rows: Sequence[Mapping[str, Any]]) -> tuple[float, float]:
    values = [1.0]
    for r in rows:
        values.append(r["value"])
        if r["ci"]:
            values += list(r["ci"])
    low = max(min(values) / 1.5, LIMITS[0])
    high = min(max(values) * 1.5, LIMITS[1])
    return low, high


def forest_lines(rows: Sequence[Mapping[str, Any]], width: int = 41) -> list[str]:
    """One line per effect: an axis of `width` characters, '|' the reference line at 1,
    '[---o---]' the estimate and its 95% CI ('<' or '>' where it runs off the axis, also
    for an estimate beyond it: 0.01-100 at most);
    an estimate without a published CI is drawn as 'o' alone. Below: the log-scale axis."""
    if not rows:
        return []
    low, high = _bounds(rows)
    span = math.log(high) - math.log(low)

    def pos(x: float) -> int:
        x = min(max(x, low), high)
        return round((math.log(x) - math.log(low)) / span * (width - 1))

    lines = []
    for r in rows:
        cells = [" "] * width
        cells[pos(1.0)] = "|"
        if r["ci"]:
            lo, hi = r["ci"]
            a, b = pos(lo), pos(hi)
            for i in range(a, b + 1):
                cells[i] = "-"
            cells[a] = "<" if lo < low else "["
            cells[b] = ">" if hi > high else "]"
        value = r["value"]
        cells[pos(value)] = ">" if value > high else "<" if value < low else "o"
        lines.append("".join(cells))
    axis = [" "] * width
    labels = [" "] * (width + 6)
    for tick in TICKS:
        if low <= tick <= high:
            p = pos(tick)
            axis[p] = "+"
            text = words.general(tick)
            start = max(0, p - len(text) // 2)
            if all(c == " " for c in labels[max(0, start - 1):start + len(text) + 1]):
                labels[start:start + len(text)] = list(text)
    lines.append("".join(axis).replace(" ", "-"))
    lines.append("".join(labels).rstrip())
    return lines
