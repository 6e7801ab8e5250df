"""The flat, one-row-per-patient columns of a cohort run (CSV and Parquet output).

Per rule set: `<id>.status`, `.score`, `.score_min`, `.score_max`, `.group`,
`.unknown` (ids of the factors left unknown, `;`-joined), `.reasons`
(` | `-joined) and one column per published estimate, named from its endpoint
and horizon (`slms.overall_survival_36m`, `liu-2022.post_relapse_survival_median_months`),
with `.<series>` appended for a series other than the main one. An estimate
column holds the published figure that applies to the patient, null otherwise.
Everything here is a function of a `Result`, so cohort rows and `compare` agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import EngineError
from ..model import Estimate, RuleSet
from ..results import Result

ColumnType = Literal["string", "int", "float"]
REASON_SEPARATOR = " | "
UNKNOWN_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str


def estimate_key(estimate: Estimate) -> str:
    """The column suffix of an estimate: endpoint, horizon or median, series."""
    if estimate.statistic == "median_months" or estimate.horizon_months is None:
        name = f"{estimate.endpoint}_median_months"
    else:
        name = f"{estimate.endpoint}_{estimate.horizon_months:g}m"
    return name if estimate.series == "main" else f"{name}.{estimate.series}"


def rule_set_columns(rs: RuleSet) -> list[Column]:
    p = rs.id
    columns = [
        Column(f"{p}.status", "string", "complete, incomplete or not_applicable"),
        Column(f"{p}.score", "int", "the score when it is determined"),
        Column(f"{p}.score_min", "int", "lowest score the unknown factors allow"),
        Column(f"{p}.score_max", "int", "highest score the unknown factors allow"),
        Column(f"{p}.group", "string", "the group the patient belongs to"),
        Column(f"{p}.unknown", "string", "ids of factors left unknown, ';'-joined"),
        Column(f"{p}.reasons", "string", "why not complete, ' | '-joined"),
    ]
    seen: set[str] = set()
    for e in rs.estimates:
        key = estimate_key(e)
        if key not in seen:
            seen.add(key)
            unit = "%" if e.statistic == "survival_percent" else "months"
            columns.append(Column(f"{p}.{key}", "float",
                                  f"published {e.endpoint} ({unit}) from {e.origin}"))
    return columns


def output_columns(rule_sets: Sequence[RuleSet]) -> list[Column]:
    return [c for rs in rule_sets for c in rule_set_columns(rs)]


def flat_row(rs: RuleSet, result: Result) -> dict[str, Any]:
    """The cohort columns of one rule set's result (plain values, None for null)."""
    p = rs.id
    low, high = result.score_range if result.score_range else (None, None)
    row: dict[str, Any] = {
        f"{p}.status": result.status,
        f"{p}.score": result.score,
        f"{p}.score_min": low,
        f"{p}.score_max": high,
        f"{p}.group": result.group,
        f"{p}.unknown": UNKNOWN_SEPARATOR.join(f.id for f in result.factors
                                               if f.present is None) or None,
        f"{p}.reasons": REASON_SEPARATOR.join(result.reasons) or None,
    }
    for e in rs.estimates:
        row.setdefault(f"{p}.{estimate_key(e)}", None)
    for e in result.estimates:
        name = f"{p}.{estimate_key(e)}"
        if row[name] is not None and row[name] != e.value:
            raise EngineError(f"{rs.id}: two estimates apply to column {name}")
        row[name] = e.value
    return row
