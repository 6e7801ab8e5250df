"""Text that wraps only between words, and never between a number and its unit.

rich wraps at any whitespace, a no-break space included, so "0.3 cm" could end one
line and start the next. `Wrapped` wraps itself (textwrap, which does not break at
a no-break space or inside a word) to the width rich gives it, with an optional
hanging indent for the lines after the first, and prints plain spaces.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment

from prognosis.engine.text import glue_units

NBSP = "\u00a0"


class Wrapped:
    """A line of text: words whole, numbers kept with their units, wrapped lines indented
    by `hanging` spaces."""

    def __init__(self, text: str, style: str = "", hanging: int = 0) -> None:
        self.text = glue_units(text)
        self.style = style
        self.hanging = hanging

    def _lines(self, width: int) -> list[str]:
        if width <= self.hanging + 1:
            return [self.text]
        return textwrap.wrap(self.text, width=width, subsequent_indent=" " * self.hanging,
                             break_long_words=False, break_on_hyphens=False,
                             drop_whitespace=True) or [""]

    def lines(self, width: int) -> list[str]:
        """The lines as printed at `width`: a word longer than the width (a path, an
        identifier in a narrow pane) is folded, never cut."""
        drawn = []
        for line in self._lines(width):
            line = line.replace(NBSP, " ")
            drawn += chop_cells(line, width) if cell_len(line) > width else [line]
        return drawn

    # Segments, not a Text per line: rich would wrap each Text again, for nothing (the
    # lines fit), at about two thirds of the cost of drawing a comparison.
    def __rich_console__(self, console: Console, options: ConsoleOptions
                         ) -> Iterator[Segment]:
        style = console.get_style(self.style) if self.style else None
        for line in self.lines(options.max_width):
            yield Segment(line, style)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        words = self.text.split(" ")
        longest = max((len(w) for w in words), default=0) + self.hanging
        return Measurement(min(longest, options.max_width), min(len(self.text),
                                                                options.max_width))
