"""`Wrapped`, the one line layout of the terminal blocks and panels: words whole, a number
kept with its unit, a hanging indent, and a word wider than the width folded (never cut)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from prognosis.cli.wrap import Wrapped


def drawn(wrapped: Wrapped, width: int) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, no_color=True, highlight=False).print(wrapped)
    return [line.rstrip() for line in out.getvalue().splitlines()]


@pytest.mark.parametrize(("text", "hanging", "width", "lines"), [
    ("alpha beta gamma", 0, 40, ["alpha beta gamma"]),
    ("alpha beta gamma delta", 0, 11, ["alpha beta", "gamma delta"]),
    ("! alpha beta gamma delta", 2, 12, ["! alpha beta", "  gamma", "  delta"]),
    ("largest 1.7 cm nodule", 0, 10, ["largest", "1.7 cm", "nodule"]),
    ("a " + "x" * 50, 0, 20, ["a", "x" * 20, "x" * 20, "x" * 10]),
    ("x" * 12, 0, 12, ["x" * 12]),
    ("x" * 13, 0, 12, ["x" * 12, "x"]),
    # a folded word stays under the text, beside its mark
    ("! lung_metastasis_max_diameter 1.7 cm", 2, 20,
     ["! lung_metastasis_ma", "  x_diameter", "  1.7 cm"]),
    # wide characters take two cells each: 14 cells of room hold three words of four
    ("* 診断 診断 診断 診断 診断 診断", 2, 16, ["* 診断 診断 診断", "  診断 診断 診断"]),
    ("a 診断診断診断", 0, 6, ["a", "診断診", "断診断"]),
])
def test_wrapped_lines(text: str, hanging: int, width: int, lines: list[str]) -> None:
    assert drawn(Wrapped(text, hanging=hanging), width) == lines
