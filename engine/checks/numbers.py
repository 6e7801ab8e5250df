"""Checks of the published numbers: percentages, effects, and their direction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from .base import Finding, Library, RuleFile, check, finding


def _effects(rf: RuleFile) -> Iterator[tuple[int | None, str, Any]]:
    data = rf.data if isinstance(rf.data, dict) else {}
    for section in ("factors", "groups"):
        for i, item in enumerate(data.get(section) or []):
            for j, effect in enumerate((item or {}).get("effects") or []):
                yield rf.line_of(section, i, "effects", j), f"{section[:-1]} " \
                    f"'{item.get('id')}'", effect
    for i, effect in enumerate(data.get("reported_effects") or []):
        yield rf.line_of("reported_effects", i), f"reported effect '{effect.get('label')}'", \
            effect


def _estimates(rf: RuleFile) -> Iterator[tuple[int | None, Any]]:
    data = rf.data if isinstance(rf.data, dict) else {}
    for section in ("estimates", "reference_estimates"):
        for i, estimate in enumerate(data.get(section) or []):
            yield rf.line_of(section, i), estimate


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@check("percent-range", "error")
def percent_range(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A survival percentage outside 0-100, or a median survival that is not positive."""
    data = rf.data if isinstance(rf.data, dict) else {}
    for section in ("estimates", "reference_estimates"):
        for i, e in enumerate(data.get(section) or []):
            yield from _percent_range(rf, rf.line_of(section, i, "value"), e)


def _percent_range(rf: RuleFile, line: int | None, e: Any) -> Iterator[Finding]:
    """(At the line of the estimate's value, so a suppression can sit beside it.)"""
    value = e.get("value") if isinstance(e, dict) else None
    if not isinstance(value, int | float) or isinstance(value, bool):
        return
    if e.get("statistic") == "survival_percent" and not 0 <= value <= 100:
        yield finding(rf, line, f"survival percentage {value:g} is outside 0-100",
                      "percent-range")
    if e.get("statistic") == "median_months" and value <= 0:
        yield finding(rf, line, f"median survival {value:g} is not positive", "percent-range")


@check("effect-values", "error")
def effect_values(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A hazard or odds ratio <= 0, or a confidence interval whose bounds are not ordered,
    not positive, or do not contain the estimate."""
    for line, where, e in _effects(rf):
        if not isinstance(e, dict) or not _number(e.get("value")):
            continue
        value, ci = e["value"], e.get("ci")
        label = f"{where}: {e.get('measure', 'ratio')} {value:g}"
        if value <= 0:
            yield finding(rf, line, f"{label} must be greater than 0", "effect-values")
        if isinstance(ci, list) and len(ci) == 2 and all(_number(b) for b in ci):
            low, high = ci
            if low > high:
                yield finding(rf, line, f"{label}: CI bounds {low:g}-{high:g} are not "
                              "ordered", "effect-values")
            elif low <= 0:
                yield finding(rf, line, f"{label}: CI lower bound {low:g} must be greater "
                              "than 0", "effect-values")
            elif not low <= value <= high:
                yield finding(rf, line, f"{label} lies outside its CI {low:g}-{high:g}",
                              "effect-values")


@check("monotonic-estimates", "warning")
def monotonic_estimates(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """Survival that rises with a higher risk score. Add `non_monotonic_reason` to the
    estimate to say why the paper's figures do so, and the warning is not raised."""
    rs = rf.rule_set
    if rs is None:
        return
    series: dict[tuple[str, str, int | None, str], list[int]] = defaultdict(list)
    for i, e in enumerate(rs.estimates):
        if e.selector.kind == "score":
            series[(e.series, e.endpoint, e.horizon_months, e.statistic)].append(i)
    raw = rf.data.get("estimates") if isinstance(rf.data, dict) else None
    for members in series.values():
        ordered = sorted(members, key=lambda i: rs.estimates[i].selector.value)
        for before, after in pairwise(ordered):
            lo, hi = rs.estimates[before], rs.estimates[after]
            excused = isinstance(raw, list) and raw[after].get("non_monotonic_reason")
            if hi.value > lo.value and not excused:
                yield finding(rf, rf.line_of("estimates", after),
                              f"{hi.endpoint} is higher at score {hi.selector.value} "
                              f"({hi.value:g}) than at score {lo.selector.value} "
                              f"({lo.value:g})", "monotonic-estimates")
