"""The comparison for a terminal: a block per study, readable at any width from 80 columns.

Each study is its title and labelled rows (Applies, Factors, Score or Group,
Options, Figures, Warnings) in reading order; the text column takes the whole
width but the labels', so words wrap whole. Colour is a help, never needed:
NO_COLOR gives the same text.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.padding import Padding
from rich.segment import Segment
from rich.text import Text

from prognosis.engine.document import DISCLAIMER
from prognosis.engine.patient import Patient
from prognosis.engine.results import Result

from . import formatting as fmt
from .study_rows import Row, study_rows, study_subtitle, study_title
from .wrap import Wrapped

LEGEND = "+ present   - absent   ? unknown (not given)"

STATUS_STYLE = {"complete": "green", "incomplete": "yellow", "not_applicable": "dim"}


LABEL_WIDTH = 9  # "Warnings" and a space: the rest of the width is the study's text


def study_block(r: Result, units: Mapping[str, str] | None = None,
                notes: Mapping[str, str] | None = None) -> StudyBlock:
    """One study as a block: its title, then labelled rows. The text column takes all the
    width but the labels', so words wrap whole at any width from 80 columns up."""
    return StudyBlock(study_title(r), study_subtitle(r), r.status,
                      tuple(study_rows(r, units, notes)))


@dataclass(frozen=True)
class StudyBlock:
    """A study's block as words: drawn by every terminal format, and equal to another
    block only when it reads the same (the board redraws only the blocks that change)."""

    title: str
    subtitle: str
    status: str
    rows: tuple[Row, ...]

    def __rich_console__(self, console: Console, options: ConsoleOptions
                         ) -> Iterator[RenderableType]:
        title = Text(self.title, style="bold")
        title.append(f"  {self.subtitle}", style="dim")
        yield title
        yield LabelledRows(self.rows, self.status)
        yield Text("")


class LabelledRows:
    """A study's rows: the label (dim) in a column of LABEL_WIDTH, the text in the rest of
    the width, words whole and numbers with their units; an indented line keeps its
    indent when it wraps (hanging indent); the Applies row in the status's colour.
    Drawn straight to segments: a rich table measured and re-wrapped every cell, at
    most of the cost of drawing a comparison."""

    def __init__(self, rows: Sequence[Row], status: str) -> None:
        self.rows, self.status = rows, status

    def __rich_console__(self, console: Console, options: ConsoleOptions
                         ) -> Iterator[Segment]:
        text_width = max(options.max_width - LABEL_WIDTH - 1, 1)
        dim = console.get_style("dim")
        blank = Segment(" " * (LABEL_WIDTH + 1), dim)
        status = console.get_style(STATUS_STYLE[self.status])
        for row in self.rows:
            style = status if row.label == "Applies" else None
            label: Segment | None = Segment(row.label.ljust(LABEL_WIDTH) + " ", dim)
            for line in row.lines or ("",):
                indent = len(line) - len(line.lstrip(" "))
                for piece in Wrapped(line.lstrip(" ")).lines(max(text_width - indent, 1)):
                    yield label or blank
                    label = None
                    if indent:
                        yield Segment(" " * indent)
                    yield Segment(piece, style)
                    yield Segment.line()


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
    parts += [Padding(Wrapped(f"{r.short_name}: {r.citation}", style="dim", hanging=2),
                      (0, 0, 0, 2)) for r in results]  # wrapped lines indented under it
    parts.append(Text(DISCLAIMER, style="italic"))
    console.print(Group(*parts))
