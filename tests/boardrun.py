"""Drive `prognosis board` headless (shared by the board's tests and bench/board.py)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input

from prognosis.cli.board import form
from prognosis.cli.board.app import BoardApp
from prognosis.cli.board.choice import Picker
from prognosis.cli.board.pane import TextPane
from prognosis.cli.board.sections import SectionFields
from prognosis.cli.board.session import Session


def drive(script: Callable[[Pilot[Any], BoardApp], Awaitable[None]],
          session: Session | None = None, size: tuple[int, int] = (120, 40)) -> BoardApp:
    """Run the board headless at `size` (the session given, else an empty form) and play
    `script` once its first frame is up; the app is returned for what it holds after."""
    app = BoardApp(session or Session.start())

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(pilot, app)

    asyncio.run(main())
    return app


async def focus_walk(pilot: Pilot[Any], app: BoardApp, key: str, presses: int) -> list[str | None]:
    """The id of the focused widget after each of `presses` presses of `key`."""
    seen = []
    for _ in range(presses):
        await pilot.press(key)
        await pilot.pause()
        assert app.focused is not None
        seen.append(app.focused.id)
    return seen


def shown(app: BoardApp, width: int = 100) -> str:
    """The comparison pane's text, as a reader sees it (no colour)."""
    out = io.StringIO()
    Console(file=out, width=width, no_color=True, highlight=False).print(
        app.query_one("#comparison", TextPane).text)
    return out.getvalue()


async def reach(pilot: Pilot[Any], selector: str) -> None:
    """Show the section of the field of "#in-NAME" or "#unit-NAME" the way a person
    would: F4 (next section) until the field is on screen."""
    name = selector.split("-", 1)[1]
    fields = pilot.app.query_one(SectionFields)
    for _ in fields.sections:
        if name in fields.names:
            return
        await pilot.press("f4")
        await pilot.pause()
    raise AssertionError(f"{name}: in no section of the form")


async def pick(pilot: Pilot[Any], selector: str, value: str) -> None:
    """Choose `value` with the keyboard: Right / Left step through the values ("" is the
    blank: unknown, or undecided for a treatment)."""
    await reach(pilot, selector)
    picker = pilot.app.query_one(selector, Picker)
    values = [v for _, v in picker.options]
    picker.focus()
    steps = values.index(value) - values.index(picker.value)
    await pilot.press(*(["right"] * steps if steps > 0 else ["left"] * -steps))
    await pilot.pause()


async def type_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    await reach(pilot, selector)
    widget = pilot.app.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)
    await pilot.pause()


async def describe(pilot: Pilot[Any], data: dict[str, Any]) -> None:
    """Enter a patient from an empty form the way a person would: type numbers, dates and
    text; pick enums, yes / no and units."""
    app = pilot.app
    assert isinstance(app, BoardApp)
    for name, raw in data.items():
        fdef = app.session.fields[name]
        entry = form.entry_for(fdef, raw)
        kind = form.kind_of(fdef)
        if kind == "choice":
            await pick(pilot, f"#in-{name}", entry.choice)
            continue
        await type_into(pilot, f"#in-{name}", entry.text)
        if kind == "quantity" and entry.unit:
            await pick(pilot, f"#unit-{name}", entry.unit)
