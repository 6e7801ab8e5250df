"""Tables on a terminal that never cut a word: a number, an interval or an identifier is
shown whole or the table is not drawn.

rich fits a table that is too wide by shrinking its widest columns below their longest
word and then cutting cells with an ellipsis ("(83.5-…", "(burkhard-meier…"): an
upper confidence limit could not be read at 80 columns. Here a table is drawn only when
every column can be at least as wide as its longest word (words wrap whole at spaces);
otherwise the caller shows the same cells in another layout (`row_blocks`: one wrapped
paragraph per row), so no line is wider than the console either way.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.table import Table
from rich.text import Text

from .wrap import NBSP, Wrapped

PADDING = 2  # rich's default cell padding: a space on each side
BORDER = 1  # one vertical line between columns and at each edge


# Kept on one line when the width allows: a name with a short value ("O/E (95% CI): 1.00
# (0.64-1.57)"), or a value alone (a figure with its interval); longer text wraps.
KEPT_PAIR = 40
KEPT_VALUE = 24


def _glued(text: str) -> str:
    return text.replace(" ", NBSP)


def _words(text: str) -> list[str]:
    return text.split() or [""]


def column_widths(columns: Sequence[str], rows: Sequence[Sequence[str]],
                  width: int) -> list[int] | None:
    """Each column's width (without padding) such that the table is at most `width` cells
    wide and no column is narrower than its longest word; None if no such widths exist.
    As rich does, the widest columns give up room first."""
    cells = [[name, *(row[i] for row in rows)] for i, name in enumerate(columns)]
    least = [max(cell_len(w) for cell in column for w in _words(cell)) for column in cells]
    most = [max(cell_len(line) for cell in column for line in cell.splitlines() or [""])
            for column in cells]
    frame = len(columns) * (PADDING + BORDER) + BORDER
    room = width - frame
    if sum(least) > room:
        return None
    widths = list(most)
    while sum(widths) > room:
        shrinkable = [i for i, (w, low) in enumerate(zip(widths, least, strict=True)) if w > low]
        widest = max(shrinkable, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


def fitted_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[str]],
                 width: int, right: Sequence[bool]) -> Table | None:
    """A rich table whose every word is whole at `width`, or None if it cannot fit."""
    widths = column_widths(columns, rows, width)
    if widths is None:
        return None
    table = Table(title=title, title_justify="left")
    for name, size, flush in zip(columns, widths, right, strict=True):
        table.add_column(name, justify="right" if flush else "left", width=size,
                         overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def row_blocks(title: str | None, columns: Sequence[str],
               rows: Sequence[Sequence[str]]) -> list[RenderableType]:
    """The cells of a table too wide for the console, a paragraph per row: the first cell,
    then each other column's name and value ("n: 174; Events: 31; ..."), wrapped between
    words. A row whose first cell is empty continues the row above and is indented under
    it. Empty cells are left out."""
    out: list[RenderableType] = []
    if title:
        out.append(Text(title, style="italic"))
    for row in rows:
        pairs = [(name, value) for name, value in zip(columns[1:], row[1:], strict=True)
                 if value]
        out.append(RowBlock(row[0], pairs))
    return out


class RowBlock:
    """One row as "first cell: name: value; name: value", later lines indented by two. A
    name is kept with its value, and a value (a figure with its interval) kept whole, as far
    as the width allows: what is kept together is decided at the width it is drawn at."""

    def __init__(self, head: str, pairs: Sequence[tuple[str, str]]) -> None:
        self.head, self.pairs = head, pairs

    def _text(self, room: int) -> str:
        def kept(name: str, value: str) -> str:
            pair = f"{name}: {value}"
            if cell_len(pair) <= min(room, KEPT_PAIR):
                return _glued(pair)
            label = _glued(f"{name}:") if cell_len(name) < room else f"{name}:"
            return f"{label} " + (_glued(value) if cell_len(value) <= min(room, KEPT_VALUE)
                                  else value)

        body = "; ".join(kept(name, value) for name, value in self.pairs)
        return f"{self.head}: {body}" if self.head else body

    def __rich_console__(self, console: Console, options: ConsoleOptions
                         ) -> Iterator[RenderableType]:
        indent = 2 if self.head else 4
        text = self._text(max(options.max_width - indent, 1))
        yield Wrapped(text if self.head else f"  {text}", indent=indent)
