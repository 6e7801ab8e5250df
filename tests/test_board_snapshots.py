"""Snapshots of `prognosis board`'s main screens at 80x24 and 120x40 (SVG files under
tests/__snapshots__/test_board_snapshots/, reviewed by eye and committed; refresh them
with `pytest tests/test_board_snapshots.py --snapshot-update` after a deliberate change).
They also serve as the board's screenshots."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from boardrun import type_into
from clirun import DEMO
from textual.pilot import Pilot
from textual.widgets import Input

from prognosis.cli.board.app import BoardApp
from prognosis.cli.board.session import Session

SIZES = [(80, 24), (120, 40)]
# The studies the screens show, named: a screenshot pins what each study says of the
# worked patient, so a study added to rules/ changes the roster's golden list, not these.
STUDIES = ("slms", "burkhard-meier-2025", "liu-2022", "abugideiri-2022", "librizzi-2022")


def board(patient: bool) -> BoardApp:
    session = Session.start(studies=STUDIES)
    if patient:
        session.open(str(DEMO))
    return BoardApp(session)


async def invalid(pilot: Pilot[Any]) -> None:
    await type_into(pilot, "#in-lung_metastasis_count", "6x")


async def what_if(pilot: Pilot[Any]) -> None:
    await pilot.press("f2")
    await type_into(pilot, "#in-lung_metastasis_max_diameter", "1.4")
    await pilot.press("f3")  # the comparison across the whole width
    await pilot.pause()


async def focused(pilot: Pilot[Any]) -> None:
    pilot.app.query_one("#in-histology").focus()
    await pilot.pause()


SCREENS: dict[str, tuple[bool, Callable[[Pilot[Any]], Any]]] = {
    "empty": (False, focused),
    "worked_patient": (True, focused),
    "invalid_input": (True, invalid),
    "what_if": (True, what_if),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_board_screen(snap_compare: Any, screen: str, size: tuple[int, int]) -> None:
    patient, before = SCREENS[screen]

    async def steady(pilot: Pilot[Any]) -> None:
        for widget in pilot.app.query(Input):  # a blinking cursor would make it flaky
            widget.cursor_blink = False
        await before(pilot)
        await pilot.pause()

    assert snap_compare(board(patient), terminal_size=size, run_before=steady)
