"""The flat, one-row-per-patient columns of a cohort run (CSV and Parquet output).

Per rule set: `<id>.status`, `.score`, `.score_min`, `.score_max`, `.group`,
`.subgroup`, `.unknown` (ids of the factors left unknown, `;`-joined; none when
the study does not apply),
`.reasons` (` | `-joined), one column per published estimate, named from its
endpoint and horizon (`slms.overall_survival_36m`,
`liu-2022.post_relapse_survival_median_months`), with `.<series>` appended for
a series other than the main one, then one true/false/null column per factor
(`<id>.factor.<factor id>`) and per caveat (`<id>.caveat.<caveat id>`). An
estimate column holds the published figure that applies to the patient, null
otherwise. `flat_row` gives these columns from a `Result` (what `compare`
computes); the vectorised scorer must give the same for every row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import EngineError
from ..model import Estimate, RuleSet
from ..results import Result

ColumnType = Literal["string", "int", "float", "bool"]
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


def estimate_id(estimate: Estimate) -> str:
    """A stable id of an estimate within its rule set: whom it is for, then its column.

    `score=2/overall_survival_36m`, `group=metastasectomy/overall_survival_60m`,
    `population/overall_survival_24m` (compact JSON lines refer to estimates by it).
    """
    kind, value = estimate.selector.kind, estimate.selector.value
    shown = "true" if value is True else "false" if value is False else str(value)
    who = kind if kind in ("population", "cohort") else f"{kind}={shown}"
    return f"{who}/{estimate_key(estimate)}"


def estimate_columns(rs: RuleSet) -> dict[str, list[int]]:
    """Column name -> indexes (into rs.estimates) of the estimates it can hold."""
    columns: dict[str, list[int]] = {}
    for i, e in enumerate(rs.estimates):
        if e.scope == "cohort":  # a reference for the whole cohort, never the patient's
            continue
        columns.setdefault(f"{rs.id}.{estimate_key(e)}", []).append(i)
    return columns


def rule_set_columns(rs: RuleSet) -> list[Column]:
    p = rs.id
    columns = [
        Column(f"{p}.status", "string", "complete, incomplete or not_applicable"),
        Column(f"{p}.score", "int", "the score when it is determined"),
        Column(f"{p}.score_min", "int", "lowest score the unknown factors allow"),
        Column(f"{p}.score_max", "int", "highest score the unknown factors allow"),
        Column(f"{p}.group", "string", "the group the patient belongs to"),
        Column(f"{p}.subgroup", "string", "the subgroup the patient belongs to"),
        Column(f"{p}.unknown", "string", "ids of factors left unknown, ';'-joined (none "
               "when the study does not apply)"),
        Column(f"{p}.reasons", "string", "why not complete, ' | '-joined"),
        Column(f"{p}.options", "string", "undecided treatments: the choices the result "
               "assumes and each option's outcome and figures (JSON)"),
    ]
    for name, indexes in estimate_columns(rs).items():
        e = rs.estimates[indexes[0]]
        unit = "%" if e.statistic == "survival_percent" else "months"
        columns.append(Column(name, "float", f"published {e.endpoint} ({unit}) from {e.origin}"))
    return columns + verdict_columns(rs)


def verdict_columns(rs: RuleSet) -> list[Column]:
    """A rule set's last columns: one per factor, then one per caveat (true/false/null)."""
    p = rs.id
    return [*(Column(f"{p}.factor.{f.id}", "bool", f"factor present: {f.label}")
              for f in rs.factors),
            *(Column(f"{p}.caveat.{c.id}", "bool", "caveat applies") for c in rs.caveats)]


def output_columns(rule_sets: Sequence[RuleSet]) -> list[Column]:
    return [c for rs in rule_sets for c in rule_set_columns(rs)]


def compact_options(result: Result) -> dict[str, Any] | None:
    """What a result says of undecided treatments: the choices it assumes (`conditional_on`)
    and, per option, the choices, outcome and the figures of its own; None if nothing."""
    if not result.options and not result.conditional_on:
        return None
    return {
        "conditional_on": {a.field: a.value for a in result.conditional_on},
        "options": [{"assumes": {a.field: a.value for a in o.assumes}, "status": o.status,
                     "score": o.score,
                     "score_range": list(o.score_range) if o.score_range else None,
                     "group": o.group, "subgroup": o.subgroup,
                     "estimates": {estimate_id(e): e.value for e in o.estimates}}
                    for o in result.options]}


def options_json(result: Result) -> str | None:
    found = compact_options(result)
    return None if found is None else json.dumps(found, ensure_ascii=False,
                                                 separators=(",", ":"))


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
        f"{p}.subgroup": result.subgroup,
        f"{p}.unknown": UNKNOWN_SEPARATOR.join(f.id for f in result.factors
                                               if f.present is None) or None
        if result.status != "not_applicable" else None,  # nothing to collect for it
        f"{p}.reasons": REASON_SEPARATOR.join(result.reasons) or None,
        f"{p}.options": options_json(result),
    }
    for name in estimate_columns(rs):
        row[name] = None
    for e in result.estimates:
        name = f"{p}.{estimate_key(e)}"
        if row[name] is not None and row[name] != e.value:
            raise EngineError(f"{rs.id}: two estimates apply to column {name}")
        row[name] = e.value
    row.update({f"{p}.factor.{f.id}": f.present for f in result.factors})
    row.update({f"{p}.caveat.{c.id}": c.present for c in result.caveats})
    return row
