"""Text that wraps only between words, and never between a number and its unit.

rich wraps at any whitespace, a no-break space included, so "0.3 cm" could end one
line and start the next. `Wrapped` wraps itself, between words only (never at the
no-break space `glue_units` puts between a number and its unit), to the width rich
gives it in terminal cells, with an optional mark beside the text and the text's
later lines under it (a hanging indent), and prints plain spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.segment import Segment

from prognosis.engine.text import glue_units

NBSP = "\u00a0"


_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # where a line may break: not a no-break space


def _wrap(text: str, room: int, later: int | None = None) -> list[str]:
    """Words filled greedily into lines of at most `room` cells (`later`: of the lines
    after the first, if they have another room)."""
    lines: list[str] = []
    current: list[str] = []
    used = 0

    def room_now() -> int:  # the room of the line being filled
        return room if not lines else (later or room)

    for word in (w for w in _SPACES.split(text) if w):
        word = word.replace(NBSP, " ")
        size = cell_len(word)
        if current and used + 1 + size <= room_now():
            current.append(word)
            used += 1 + size
            continue
        if current:
            lines.append(" ".join(current))
        if size <= room_now():
            current, used = [word], size
        else:
            lines += chop_cells(word, room_now())
            current, used = [], 0
    if current:
        lines.append(" ".join(current))
    return lines or [""]


class Wrapped:
    """A line of text: words whole, numbers kept with their units, wrapped lines indented
    by `hanging` spaces (or by `indent` spaces, under a first line indented as the text
    is: "  a continued row" with indent=4)."""

    def __init__(self, text: str, style: str = "", hanging: int = 0, indent: int = 0) -> None:
        self.text = glue_units(text)
        self.style = style
        self.hanging = hanging
        self.indent = indent

    def lines(self, width: int) -> list[str]:
        """The lines as printed at `width`, measured in terminal cells (a wide character
        takes two). The first `hanging` characters (a mark and its space, "! ") stand
        beside the text, and every later line is indented under the text, not the mark.
        A word wider than its room (a path, an identifier in a narrow pane) is folded
        onto lines of its own, never cut."""
        if self.indent:  # the first line as indented in the text, the others by `indent`
            lead = len(self.text) - len(self.text.lstrip(" "))
            body = _wrap(self.text, max(width - lead, 1), max(width - self.indent, 1))
            return [" " * (self.indent if i else lead) + line for i, line in enumerate(body)]
        head = self.text[:self.hanging].replace(NBSP, " ")
        room = max(width - self.hanging, 1)
        body = _wrap(self.text[self.hanging:], room)
        indent = " " * self.hanging
        return [(head if i == 0 else indent) + line for i, line in enumerate(body)]

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
