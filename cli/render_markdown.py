"""The comparison as a Markdown table, for pasting into notes."""

from __future__ import annotations

from collections.abc import Sequence

from prognosis.engine.document import DISCLAIMER
from prognosis.engine.patient import Patient
from prognosis.engine.results import Result

from . import formatting as fmt


def _cell(lines: Sequence[str]) -> str:
    return "<br>".join(line.replace("|", "\\|") for line in lines) or " "


def render_markdown(patient: Patient, results: Sequence[Result],
                    panels: Sequence[str] = ()) -> str:
    """The table, then `panels` (Markdown blocks: derived inputs, disagreements, cut-offs)."""
    out = [f"## {fmt.heading(patient.id, len(results))}", "",
           "| Study | Applies | Factors | Score / group | Estimates (observed) | Caveats |",
           "|---|---|---|---|---|---|"]
    for r in results:
        na = r.status == "not_applicable"
        study = [f"**{r.short_name} {r.year}**", f"n={r.n}", r.population_summary]
        out.append("| " + " | ".join([
            _cell(study), _cell([fmt.applies_text(r)]),
            _cell([] if na else fmt.factor_lines(r)), _cell(fmt.outcome_text(r)),
            _cell(fmt.estimate_lines(r)), _cell(fmt.caveat_lines(r)),
        ]) + " |")
    out += ["", "`+` present, `-` absent, `?` unknown (not given)", ""]
    for panel in panels:
        out += [panel, ""]
    out += ["**Sources**", ""]
    out += [f"- {r.short_name}: {r.citation}" for r in results]
    out += ["", f"*{DISCLAIMER}*", ""]
    return "\n".join(out)
