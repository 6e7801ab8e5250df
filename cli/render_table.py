"""The comparison for a terminal: a block per study, readable at any width from 80 columns.

Each study is its title and labelled rows (Applies, Factors, Score or Group,
Options, Figures, Warnings) in reading order; the text column takes the whole
width but the labels', so words wrap whole. Colour is a help, never needed:
NO_COLOR gives the same text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from prognosis.engine.document import DISCLAIMER
from prognosis.engine.patient import Patient
from prognosis.engine.results import Result

from . import formatting as fmt
from .study_rows import study_rows, study_subtitle, study_title
from .wrap import Wrapped

LEGEND = "+ present   - absent   ? unknown (not given)"

STATUS_STYLE = {"complete": "green", "incomplete": "yellow", "not_applicable": "dim"}


def _cell(lines: Sequence[str], style: str = "") -> Text:
    return Text("\n".join(lines), style=style)


LABEL_WIDTH = 9  # "Warnings" and a space: the rest of the width is the study's text


def study_block(r: Result, units: Mapping[str, str] | None = None,
                notes: Mapping[str, str] | None = None) -> RenderableType:
    """One study as a block: its title, then labelled rows. The text column takes all the
    width but the labels', so words wrap whole at any width from 80 columns up."""
    title = Text(study_title(r), style="bold")
    title.append(f"  {study_subtitle(r)}", style="dim")
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(width=LABEL_WIDTH, no_wrap=True, style="dim")
    grid.add_column(ratio=1, overflow="fold")
    for row in study_rows(r, units, notes):
        style = STATUS_STYLE[r.status] if row.label == "Applies" else ""
        grid.add_row(Text(row.label), Group(*(_line(line, style) for line in row.lines)))
    return Group(title, grid, Text(""))


def _line(line: str, style: str) -> RenderableType:
    """A line of a row: words whole, numbers with their units; an indented one keeps its
    indent when it wraps (hanging indent)."""
    indent = len(line) - len(line.lstrip(" "))
    text = Wrapped(line.lstrip(" "), style=style)
    return Padding(text, (0, 0, 0, indent)) if indent else text


def comparison_blocks(results: Sequence[Result], units: Mapping[str, str] | None = None,
                      notes: Mapping[str, str] | None = None) -> list[RenderableType]:
    return [study_block(r, units, notes) for r in results]


def render_table(console: Console, patient: Patient, results: Sequence[Result],
                 panels: Sequence[RenderableType] = (), inputs: Sequence[str] = (),
                 units: Mapping[str, str] | None = None) -> None:
    """The inputs, a block per study, then `panels` (disagreements, cut-offs), sources."""
    console.print(Text(fmt.heading(patient.id, results), style="bold"))
    if inputs:
        console.print(Group(Text("Inputs, as given (= as understood)", style="bold"),
                            *(Padding(Wrapped(line), (0, 0, 0, 2)) for line in inputs),
                            Text("")))
    console.print(Group(*comparison_blocks(results, units, patient.notes)))
    parts: list[RenderableType] = [Text(LEGEND, style="dim")]
    parts += panels
    parts += [Text(""), Text("Sources:", style="bold")]
    parts += [Text(f"  {r.short_name}: {r.citation}", style="dim") for r in results]
    parts.append(Text(DISCLAIMER, style="italic"))
    console.print(Group(*parts))
