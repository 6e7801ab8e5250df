"""The board's right-hand side: the comparison as the terminal blocks show it.

Nothing is worded here: the study blocks (cli/render_table.study_block over
cli/study_rows), the panels (cli/render_panels) and the what-if view
(cli/what_if) are the ones `prognosis compare` prints, so the board and the
command read the same.
"""

from __future__ import annotations

import io
from collections.abc import Hashable, Sequence

from rich.console import Console, RenderableType
from rich.text import Span, Text

from prognosis.engine.comparison import Comparison
from prognosis.engine.document import DISCLAIMER

from .. import formatting as fmt
from ..render_panels import rich_panels
from ..render_table import LEGEND, STATUS_STYLE, StudyBlock, comparison_blocks
from ..study_rows import study_title
from ..wrap import Wrapped


def comparison_view(comparison: Comparison) -> list[RenderableType]:
    """Heading, a block per study, the panels, the inputs as understood, the sources."""
    patient, results, units = comparison.patient, comparison.results, comparison.units()
    parts: list[RenderableType] = [Text(fmt.heading(patient.id, results), style="bold")]
    parts += glance(comparison)
    parts.append(Text(""))
    parts += comparison_blocks(results, units, patient.notes)
    parts.append(Text(LEGEND, style="dim"))
    parts += rich_panels(patient, units, comparison.disagreements, comparison.near_cutoffs)
    inputs = comparison.inputs()
    if inputs:
        parts += [Text(""), Text("Inputs, as given (= as understood)", style="bold"),
                  *(Text(f"  {line}") for line in inputs)]
    parts += [Text(""), Text("Sources:", style="bold")]
    parts += [Text(f"  {r.short_name}: {r.citation}", style="dim") for r in results]
    parts.append(Text(DISCLAIMER, style="italic"))
    return parts


def glance(comparison: Comparison) -> list[Text]:
    """One line per study: whether it applies (the blocks below say the rest)."""
    lines = []
    for r in comparison.results:
        line = Text(f"  {study_title(r)}: ", style="bold")
        line.append(fmt.applies_text(r, brief=True), style=STATUS_STYLE[r.status])
        lines.append(line)
    return lines


def _console(width: int) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=max(width, 20), force_terminal=True,
                   color_system="truecolor", highlight=False, emoji=False), out


def _key(part: RenderableType) -> Hashable | None:
    """What a part reads as, when that is all its drawing depends on (None: draw it)."""
    if isinstance(part, StudyBlock):
        return part
    if isinstance(part, Wrapped):
        return ("wrapped", part.text, part.style, part.hanging)
    if isinstance(part, Text) and not part.spans:
        return ("text", part.plain, str(part.style), part.justify, part.overflow,
                part.no_wrap, part.end)
    return None


class Drawn:
    """The comparison's parts drawn at the pane's width as lines of styled text, so that
    Textual lays out lines, not a tree of renderables, on every keystroke. A part that
    reads as one drawn at this width the last time is not drawn again: a new value
    changes one or two studies' blocks and a panel line or two."""

    def __init__(self) -> None:
        self._last: dict[tuple[Hashable, int], list[Text]] = {}

    def lines(self, parts: Sequence[RenderableType], width: int) -> list[Text]:
        console, _ = _console(width)
        drawn: list[Text] = []
        kept: dict[tuple[Hashable, int], list[Text]] = {}
        for part in parts:
            key = _key(part)
            lines = self._last.get((key, width)) if key is not None else None
            if lines is None:
                lines = _lines(console, part)
            if key is not None:
                kept[(key, width)] = lines
            drawn += lines
        self._last = kept
        return drawn


def _lines(console: Console, part: RenderableType) -> list[Text]:
    """One part drawn straight to styled lines (printing it as ANSI and reading that back
    cost a quarter of the drawing)."""
    lines = []
    for line in console.render_lines(part, console.options, pad=False, new_lines=False):
        plain: list[str] = []
        spans: list[Span] = []
        at = 0
        for segment in line:
            if segment.control:
                continue
            plain.append(segment.text)
            if segment.style:
                spans.append(Span(at, at + len(segment.text), segment.style))
            at += len(segment.text)
        lines.append(Text("".join(plain), spans=spans))
    return lines


def laid_out(parts: Sequence[RenderableType], width: int) -> list[Text]:
    """The parts drawn at `width`, as lines."""
    return Drawn().lines(parts, width)


def what_if_view(original: Comparison, changed: Comparison, width: int) -> list[Text]:
    """`compare --what-if`'s side-by-side view of the pinned and the current patient."""
    from prognosis.engine.what_if import input_changes  # F2 only: not at start-up

    from ..what_if import render_what_if

    console, out = _console(width)
    render_what_if(console, original, changed, input_changes(original.patient,
                                                             changed.patient), ())
    return list(Text.from_ansi(out.getvalue().rstrip("\n")).split("\n", allow_blank=True))
