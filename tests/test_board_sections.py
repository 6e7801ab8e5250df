"""The board's form in sections: every field of fields.yaml is in one, reachable from the
keyboard alone; what is typed survives putting a section away; a problem in a section
not on screen is still said."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import boardrun
from boardrun import focus_walk, type_into
from clirun import DEMO
from textual.pilot import Pilot
from textual.widgets import Input, Static

from prognosis.cli.board import form
from prognosis.cli.board.app import BoardApp
from prognosis.cli.board.sections import SectionFields
from prognosis.cli.board.session import Session
from prognosis.engine.loader import load_library

FIELDS = load_library().fields


def drive(script: Callable[[Pilot[Any], BoardApp], Awaitable[None]],
          session: Session | None = None) -> None:
    """The board at 80x24, where sections matter most."""
    boardrun.drive(script, session, (80, 24))


def tab_order(fields: form.FieldDictionary) -> list[str]:
    """Every input of the form, section by section, each in the section's order."""
    order = []
    for section in form.sections(fields):
        for fdef in section.fields:
            order.append(f"in-{fdef.name}")
            if form.kind_of(fdef) == "quantity":
                order.append(f"unit-{fdef.name}")
    return order


def test_every_input_field_is_in_exactly_one_named_section() -> None:
    placed = [f.name for s in form.sections(FIELDS) for f in s.fields]
    assert sorted(placed) == sorted(f.name for f in form.form_fields(FIELDS))
    assert len(placed) == len(set(placed))
    assert form.OTHER not in [s.title for s in form.sections(FIELDS)]  # place a new field


def test_a_field_no_section_names_is_under_other() -> None:
    extra = dataclasses.replace(FIELDS["lung_lobes_involved"], name="ecog")
    fields = dataclasses.replace(FIELDS, fields={**FIELDS.fields, "ecog": extra})
    sections = form.sections(fields)
    assert sections[-1] == form.Section(form.OTHER, (extra,))


def test_tab_walks_every_field_of_every_section_then_the_comparison() -> None:
    """From the first field, Tab reaches each input of fields.yaml in turn (crossing into
    the next section after a section's last), then the comparison, then the first field
    again; Shift+Tab walks the same way back. At 80x24, keyboard only."""
    expected = tab_order(FIELDS)

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        assert app.focused is not None and app.focused.id == expected[0]
        seen = await focus_walk(pilot, app, "tab", len(expected) + 1)
        assert seen == [*expected[1:], "comparison", expected[0]]
        back = await focus_walk(pilot, app, "shift+tab", len(expected) + 1)
        assert back == ["comparison", *reversed(expected)]

    drive(script)


def test_f4_shows_the_next_section_and_the_footer_says_so() -> None:
    sections = form.sections(FIELDS)

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        assert "Section" in [b.binding.description for b in app.active_bindings.values()
                             if b.binding.show]
        fields = app.query_one(SectionFields)
        for step in range(1, len(sections) + 1):
            await pilot.press("f4")
            await pilot.pause()
            section = sections[step % len(sections)]
            assert fields.index == step % len(sections)
            assert fields.names == {f.name for f in section.fields}
            assert app.focused is not None
            assert app.focused.id == f"in-{section.fields[0].name}"
            assert section.title in str(app.query_one("#sections", Static).content)

    drive(script)


def test_what_is_typed_survives_putting_its_section_away() -> None:
    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        await type_into(pilot, "#in-lung_metastasis_count", "6x")  # invalid, kept as typed
        for _ in form.sections(FIELDS):
            await pilot.press("f4")
            await pilot.pause()
        assert app.query_one("#in-lung_metastasis_count", Input).value == "6x"
        assert app.query_one("#name-lung_metastasis_count").has_class("invalid")
        assert "'6x'" in str(app.query_one("#name-lung_metastasis_count", Static).content)

    drive(script)


def test_a_key_typed_just_before_f4_is_kept() -> None:
    """A fast typist (or a paste): '7' and F4 reach the app together, so the field's change
    arrives after its section has been put away. The change carries its value: kept."""
    from textual import events

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        await type_into(pilot, "#in-lung_metastasis_count", "6")
        for key, character in (("7", "7"), ("f4", None)):  # no pause between them
            event = events.Key(key, character)
            event.set_sender(app)
            app._driver.send_message(event)  # type: ignore[union-attr]
        await pilot.pause()
        await pilot.pause(0.3)
        assert "lung_metastasis_count" not in app.query_one(SectionFields).names
        assert app.session.entries["lung_metastasis_count"].text == "67"

    drive(script)


def test_a_problem_in_a_section_not_shown_is_said_in_the_status(tmp_path: Path) -> None:
    patient = tmp_path / "patient.yaml"
    patient.write_text(DEMO.read_text().replace("lung_metastasis_count: 6",
                                                "lung_metastasis_count: 6x"))
    session = Session.start()
    session.open(str(patient))

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        assert app.query_one(SectionFields).index == 0  # Patient: the field is not shown
        status = str(app.query_one("#status", Static).content)
        assert "lung_metastasis_count (Metastases, F4): '6x'" in status
        assert "Metastases!" in str(app.query_one("#sections", Static).content)
        await pilot.press("f4")
        await pilot.pause()
        assert app.query_one("#name-lung_metastasis_count").has_class("invalid")
        assert "lung_metastasis_count" not in str(app.query_one("#status", Static).content)

    drive(script, session)


def test_only_the_focused_field_shows_its_help() -> None:
    """Tab closes the help of the field it leaves (a help opened stayed open before)."""
    def helps(app: BoardApp) -> list[str]:
        return [str(w.parent.id) for w in app.query(".help")
                if w.parent is not None and w.styles.display == "block"]

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        assert helps(app) == ["f-id"]
        await pilot.press("tab")
        await pilot.pause()
        assert helps(app) == ["f-histology"]
        await pilot.press("f4")
        await pilot.pause()
        assert helps(app) == ["f-metastasis_timing"]

    drive(script)


def test_opening_a_file_shows_its_values_in_the_section_on_screen() -> None:
    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        await pilot.press("f4")  # Metastases
        await pilot.pause()
        await pilot.press("ctrl+o")
        app.screen.query_one(Input).value = str(DEMO)
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(SectionFields).index == 1
        assert app.query_one("#in-lung_metastasis_count", Input).value == "6"
        assert app.query_one("#in-lung_metastasis_max_diameter", Input).value == "1.7"
        assert str(app.query_one("#title", Static).content).endswith(DEMO.name)
        await pilot.press("f4", "f4", "f4")  # on round to Patient
        await pilot.pause()
        assert app.query_one("#in-id", Input).value == "example-lms-lung"

    drive(script)


def test_the_footer_lists_the_same_keys_wherever_the_focus_is() -> None:
    def keys(app: BoardApp) -> list[str]:
        return [getattr(key, "description", "") for key in app.query("FooterKey")]

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        listed = keys(app)
        assert {"Save", "Open", "Report", "What-if", "Wide", "Section", "Quit"} <= set(listed)
        for key in ("tab", "f4", "tab", "shift+tab"):
            await pilot.press(key)
            await pilot.pause()
            assert keys(app) == listed

    drive(script)
