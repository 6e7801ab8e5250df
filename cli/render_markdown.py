"""The comparison as Markdown, for pasting into notes: a heading and lists per study.

No tables and no HTML tags (`<br>` is not rendered by many notes tools): every
study is a heading, and what it says is a list, in reading order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prognosis.engine import text as words
from prognosis.engine.document import DISCLAIMER
from prognosis.engine.patient import Patient
from prognosis.engine.results import Result

from . import formatting as fmt


def _escape(line: str) -> str:
    """Keep data from turning into Markdown syntax: emphasis and code marks, pipes, and a
    leading '+', '-', '>' or '#' (a factor's '+ present' would become a nested list, '>= 6'
    a quotation)."""
    for char in ("\\", "*", "_", "`", "|", "#"):
        line = line.replace(char, "\\" + char)
    if line[:1] in ("+", "-", ">"):
        line = "\\" + line
    return line


def _items(lines: Sequence[str], indent: str = "") -> list[str]:
    out = []
    for line in lines:
        depth = (len(line) - len(line.lstrip(" "))) // 2
        out.append(f"{indent}{'  ' * depth}- {_escape(line.strip())}")
    return out


def study_markdown(r: Result, units: Mapping[str, str] | None = None,
                   notes: Mapping[str, str] | None = None) -> list[str]:
    draft = f" ({r.rule_set_status} rule set)" if r.rule_set_status in words.UNOFFICIAL else ""
    out = [f"### {_escape(r.short_name)} {r.year}{draft}", "",
           f"*{_escape(r.population_summary)}; n={r.n}*", "",
           f"- **Applies:** {_escape(fmt.applies_text(r))}"]
    if r.status == "not_applicable":
        return [*out, ""]
    factors = fmt.factor_lines(r)
    if factors:
        out.append("- **Factors** (+ present, - absent, ? unknown):")
        out += _items(factors, "  ")
    out.append("- **Score / group:**")
    out += _items(fmt.outcome_text(r), "  ")
    out.append("- **Figures the study observed** (whom each describes in brackets):")
    out += _items(fmt.estimate_lines(r), "  ")
    warnings = fmt.warning_lines(r, dict(units or {}), dict(notes or {}))
    if warnings:
        out.append("- **The study's own warnings:**")
        out += _items(warnings, "  ")
    return [*out, ""]


def render_markdown(patient: Patient, results: Sequence[Result],
                    panels: Sequence[str] = (), inputs: Sequence[str] = (),
                    units: Mapping[str, str] | None = None) -> str:
    """Inputs, one section per study, then `panels` (disagreements, cut-offs), sources."""
    out = [f"## {_escape(fmt.heading(patient.id, results))}", ""]
    if inputs:
        out += ["**Inputs, as given (= as understood)**", "", *_items(inputs), ""]
    for r in results:
        out += study_markdown(r, units, patient.notes)
    for panel in panels:
        out += [panel, ""]
    out += ["**Sources**", ""]
    out += [f"- {_escape(r.short_name)}: {_escape(r.citation)}" for r in results]
    out += ["", f"*{DISCLAIMER}*", ""]
    return "\n".join(out)
