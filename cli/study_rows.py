"""What each study says for the patient, in reading order, as labelled lines of plain text.

One list for every human format (terminal blocks, Markdown, reports, what-if):
what the study is, whether it applies (yes / no and why / what it needs), the
patient's factors, score or group or options, the figures with whom they
describe, and the study's own warnings. The words come from the text layer
(prognosis.engine.text) and cli/formatting; this module only orders them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from prognosis.engine import text as words
from prognosis.engine.results import Result

from . import formatting as fmt


@dataclass(frozen=True)
class Row:
    label: str  # Applies, Factors, Score, Group, Options, Figures, Warnings
    lines: tuple[str, ...]


def study_title(r: Result) -> str:
    draft = f" [{r.rule_set_status} rule set]" if r.rule_set_status in words.UNOFFICIAL else ""
    return f"{r.short_name} {r.year}{draft}"


def study_subtitle(r: Result) -> str:
    return f"n={r.n}; {r.population_summary}"


def applicability_unknown(r: Result) -> bool:
    return r.status != "not_applicable" and any(
        p.holds is None and not p.undecided for p in r.population)


def study_rows(r: Result, units: Mapping[str, str] | None = None,
               notes: Mapping[str, str] | None = None) -> list[Row]:
    """The study's rows for one patient: short for a study that does not apply, and for one
    whose applicability is unknown only what it needs and one line per option."""
    rows = [Row("Applies", (fmt.applies_text(r),))]
    if r.status == "not_applicable":
        return rows
    if applicability_unknown(r):
        if r.options:
            rows.append(Row("Options", tuple(words.option_heading(o) for o in r.options)))
        return rows
    factors = fmt.factor_lines(r)
    if factors:
        rows.append(Row("Factors", tuple(factors)))
    outcome = [line for line in fmt.outcome_text(r) if line != "-"]
    label = {"score": "Score", "group": "Group"}.get(r.model, "Model")
    if outcome:
        rows.append(Row(label, tuple(outcome)))
    rows.append(Row("Figures", tuple(fmt.estimate_lines(r))))
    warnings = fmt.warning_lines(r, dict(units or {}), dict(notes or {}))
    if warnings:
        rows.append(Row("Warnings", tuple(warnings)))
    return rows
