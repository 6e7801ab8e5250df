"""The side-by-side comparison as a rich table (readable at 100 columns, and with NO_COLOR)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from prognosis.engine import text as words
from prognosis.engine.document import DISCLAIMER
from prognosis.engine.patient import Patient
from prognosis.engine.results import Result

from . import formatting as fmt

STATUS_STYLE = {"complete": "green", "incomplete": "yellow", "not_applicable": "dim"}


def _cell(lines: Sequence[str], style: str = "") -> Text:
    return Text("\n".join(lines), style=style)


def comparison_table(results: Sequence[Result], units: Mapping[str, str] | None = None,
                     notes_of: Mapping[str, str] | None = None) -> tuple[Table, list[str]]:
    """The table, and the notes under it: why a study is not complete, and each applicable
    study's own warnings (conditions of use, notes on its figures, caveats, limitations)."""
    table = Table(box=box.SIMPLE_HEAD, show_lines=True, expand=True, pad_edge=False)
    # Nothing is truncated: long words fold rather than end in an ellipsis.
    for name, ratio in (("Study", 5), ("Applies", 3), ("Factors", 6), ("Score / group", 5),
                        ("Estimates (observed)", 7), ("Notes", 2)):
        table.add_column(name, ratio=ratio, overflow="fold")
    notes: list[str] = []
    for r in results:
        style = STATUS_STYLE[r.status]
        study = Text(f"{r.short_name} {r.year}", style="bold")
        if r.rule_set_status in words.UNOFFICIAL:
            study.append(f" [{r.rule_set_status} rule set]", style="bold red")
        study.append(f"\nn={r.n}\n{r.population_summary}", style="dim")
        refs = []
        if r.status != "complete":
            notes.append(f"[{len(notes) + 1}] {r.short_name}: {r.status.replace('_', ' ')}: "
                         + "; ".join(r.reasons))
            refs.append(f"see [{len(notes)}]")
        warnings = fmt.warning_lines(r, dict(units or {}), dict(notes_of or {}))
        if warnings:
            notes.append(f"[{len(notes) + 1}] {r.short_name} {r.year}, the study's own "
                         "warnings:\n" + "\n".join(f"    - {w}" for w in warnings))
            refs.append(f"warnings [{len(notes)}]")
        na = r.status == "not_applicable"
        table.add_row(
            study,
            _cell([fmt.applies_text(r, brief=True)], style),
            _cell([] if na else fmt.factor_lines(r, brief=True)),
            _cell(fmt.outcome_text(r, brief=True), style),
            _cell(fmt.estimate_lines(r)),
            _cell(refs),
        )
    return table, notes


def render_table(console: Console, patient: Patient, results: Sequence[Result],
                 panels: Sequence[RenderableType] = (), inputs: Sequence[str] = (),
                 units: Mapping[str, str] | None = None) -> None:
    """The inputs, the table, its notes, then `panels` (disagreements, cut-offs)."""
    console.print(Text(fmt.heading(patient.id, results), style="bold"))
    if inputs:
        console.print(Group(Text("Inputs, as given (= as understood)", style="bold"),
                            *(Text(f"  {line}") for line in inputs)))
    table, notes = comparison_table(results, units, patient.notes)
    console.print(table)
    legend = "+ present   - absent   ? unknown (not given)"
    parts: list[RenderableType] = [Text(legend, style="dim")]
    parts += [Text(n) for n in notes]
    parts += panels
    parts += [Text(""), Text("Sources:", style="bold")]
    parts += [Text(f"  {r.short_name}: {r.citation}", style="dim") for r in results]
    parts.append(Text(DISCLAIMER, style="italic"))
    console.print(Group(*parts))
