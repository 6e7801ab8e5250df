"""The board's comparison pane draws the comparison exactly as printing its parts does."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from clirun import EXAMPLES
from rich.console import Console, RenderableType

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
    assert printed(laid_out(parts, width), width) == printed(parts, width)
