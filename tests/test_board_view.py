"""The board's comparison pane draws the comparison exactly as printing its parts does."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from clirun import EXAMPLES
from rich.console import Console, RenderableType
from rich.text import Text

from prognosis.cli.board.form import entries_from
from prognosis.cli.board.session import Session
from prognosis.cli.board.view import comparison_view, laid_out

PATIENTS = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".yaml", ".json"))


def printed(parts: list[RenderableType] | RenderableType, width: int) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=True, color_system="truecolor",
                      highlight=False, emoji=False)
    for part in parts if isinstance(parts, list) else [parts]:
        console.print(part)
    return out.getvalue()


@pytest.mark.parametrize("width", [37, 77])
@pytest.mark.parametrize("patient", PATIENTS, ids=lambda p: p.name)
def test_laid_out_reads_and_looks_as_the_parts_printed(patient: Path, width: int) -> None:
    session = Session.start()
    session.open(str(patient))
    assert session.comparison is not None
    parts = comparison_view(session.comparison)
    assert printed(Text("\n").join(laid_out(parts, width)), width) == printed(parts, width)


@pytest.mark.parametrize("width", [37, 77])
def test_parts_remembered_from_the_last_drawing_draw_as_they_would_anew(width: int) -> None:
    """The board redraws only the parts that read differently from the last drawing: after
    every change of a run (new sizes either side of the cut-offs, each example patient,
    back and forth) the lines equal a fresh drawing, text and styles."""
    from prognosis.cli.board.view import Drawn

    session = Session.start()
    drawn = Drawn()
    reused, previous = 0, set[int]()
    for patient in [*PATIENTS, *PATIENTS[::-1]]:
        session.open(str(patient))
        for size in ("", "1.4 cm", "1.5 cm", "2 cm", "2.1 cm", "1.4 cm"):
            if size:
                raw = session.raw()
                raw["lung_metastasis_max_diameter"] = size
                session.entries = entries_from(session.fields, raw)
                session.update()
            assert session.comparison is not None
            parts = comparison_view(session.comparison)
            lines = drawn.lines(parts, width)
            reused += sum(id(line) in previous for line in lines)
            previous = {id(line) for line in lines}
            assert lines == laid_out(parts, width), (patient.name, size)
    assert reused > 1000  # most lines are the last drawing's
