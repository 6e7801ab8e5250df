"""`prognosis board` driven headless by Textual's pilot: what a person types, picks and
toggles reaches the engine, the comparison on screen follows, files round-trip."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from boardrun import describe, drive, pick, shown, type_into
from clirun import DEMO, run
from textual.pilot import Pilot
from textual.widgets import Input, Static

from prognosis.cli.board.app import BoardApp, ConfirmQuit, PathScreen
from prognosis.cli.board.pane import TextPane
from prognosis.cli.board.session import Session
from prognosis.engine.loader import load_library

FIELDS = load_library().fields


def result(app: BoardApp, rule_set: str) -> Any:
    assert app.session.comparison is not None
    return next(r for r in app.session.comparison.results if r.rule_set == rule_set)


def engine_message(name: str, raw: Any) -> str:
    with pytest.raises(ValueError) as exc:
        FIELDS[name].coerce(raw)
    return str(exc.value)


def test_typing_a_value_and_picking_an_enum_update_the_comparison() -> None:
    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        assert "needs" in shown(app)  # an empty form: studies say what they need
        await pick(pilot, "#in-histology", "leiomyosarcoma")
        assert app.session.raw() == {"histology": "leiomyosarcoma"}
        await type_into(pilot, "#in-lung_metastasis_count", "6")
        assert app.session.raw() == {"histology": "leiomyosarcoma", "lung_metastasis_count": 6}
        slms = result(app, "slms")
        assert slms.factors[[f.id for f in slms.factors].index("six_or_more_metastases")
                            ].present is True
        await type_into(pilot, "#in-lung_metastasis_max_diameter", "1.7")
        await pick(pilot, "#unit-lung_metastasis_max_diameter", "cm")
        assert app.session.raw()["lung_metastasis_max_diameter"] == "1.7 cm"
        assert app.session.comparison is not None
        assert app.session.comparison.patient.values["lung_metastasis_max_diameter"] == 17
        assert "+ largest nodule >= 15 mm" in shown(app)

    drive(script)



def test_toggling_a_treatment_shows_options_then_the_chosen_one() -> None:
    session = Session.start()
    session.open(str(DEMO))

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        slms = result(app, "slms")
        assert [a.field for a in slms.conditional_on] == ["pulmonary_metastasectomy"]
        assert "SLMS 2021: yes, if pulmonary metastasectomy" in shown(app)
        await pick(pilot, "#in-pulmonary_metastasectomy", "yes")
        assert app.session.raw()["pulmonary_metastasectomy"] is True
        assert result(app, "slms").conditional_on == ()
        assert result(app, "slms").status == "complete"
        await pick(pilot, "#in-pulmonary_metastasectomy", "no")
        assert app.session.raw()["pulmonary_metastasectomy"] is False
        assert result(app, "slms").status == "not_applicable"
        assert "SLMS 2021: no" in shown(app)
        await pick(pilot, "#in-pulmonary_metastasectomy", "")  # back to undecided
        assert "pulmonary_metastasectomy" not in app.session.raw()
        assert [a.field for a in result(app, "slms").conditional_on] == [
            "pulmonary_metastasectomy"]

    drive(script, session)


@pytest.mark.parametrize(("name", "typed"), [("lung_metastasis_count", "6x"),
                                             ("primary_tumor_size", "17"),
                                             ("primary_resection_date", "2024-13-01")])
def test_invalid_input_shows_the_engines_message_and_keeps_the_last_comparison(
        name: str, typed: str) -> None:
    session = Session.start()
    session.open(str(DEMO))

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        await type_into(pilot, f"#in-{name}", typed[:-1])
        before = app.session.comparison  # the last valid one (prefixes may be invalid too)
        text_before = shown(app)
        await pilot.press(typed[-1])
        await pilot.pause()
        message = engine_message(name, app.session.raw()[name])
        assert app.session.comparison is before
        assert shown(app) == text_before
        assert app.query_one(f"#name-{name}").has_class("invalid")
        assert app.errors[name] == (message,)
        assert str(app.query_one(f"#name-{name}", Static).content) == f"{name}\n{message}"
        await type_into(pilot, f"#in-{name}", "")  # cleared: unknown, valid again
        assert not app.query_one(f"#name-{name}").has_class("invalid")
        assert app.session.comparison is not before

    drive(script, session)


def test_save_then_reload_gives_the_same_form_and_comparison(tmp_path: Path) -> None:
    target = tmp_path / "saved.yaml"
    session = Session.start()
    session.open(str(DEMO))

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        await pick(pilot, "#in-chemotherapy", "no")
        assert app.session.dirty
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, PathScreen)
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert not app.session.dirty

    app = drive(script, session)
    saved = yaml.safe_load(target.read_text())
    assert saved == {**yaml.safe_load(DEMO.read_text()), "chemotherapy": False}
    assert [p.name for p in tmp_path.iterdir()] == ["saved.yaml"]  # no temporary left
    reloaded = Session.start()
    reloaded.open(str(target))
    assert reloaded.entries == app.session.entries
    assert reloaded.comparison is not None and app.session.comparison is not None
    assert reloaded.comparison.document() == app.session.comparison.document()


def test_a_patient_described_from_an_empty_form_reads_as_compare_reads_its_file(
        tmp_path: Path) -> None:
    """The README's worked patient, typed and picked field by field, saved: `compare
    --format json` gives the same document for the saved file as for the example, and
    the board showed exactly that document."""
    target = tmp_path / "worked.yaml"
    worked = yaml.safe_load(DEMO.read_text())

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        await describe(pilot, worked)
        await pilot.press("ctrl+s")
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()

    app = drive(script)
    assert yaml.safe_load(target.read_text()) == worked
    code, from_board, err = run("compare", "--format", "json", str(target))
    assert code == 0, err
    code, from_example, err = run("compare", "--format", "json", str(DEMO))
    assert code == 0, err
    assert json.loads(from_board) == json.loads(from_example)
    assert app.session.comparison is not None
    assert app.session.comparison.document() == json.loads(from_example)


def test_leaving_with_unsaved_changes_asks_first() -> None:
    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        await type_into(pilot, "#in-lung_metastasis_count", "2")
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, ConfirmQuit)
        await pilot.press("escape")
        assert not isinstance(app.screen, ConfirmQuit) and app.is_running
        await pilot.press("ctrl+q")
        await pilot.press("d")
        await pilot.pause()
        assert not app.is_running

    drive(script)


def test_quitting_a_saved_patient_does_not_ask() -> None:
    session = Session.start()
    session.open(str(DEMO))

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running

    drive(script, session)


def test_export_writes_the_report_whole_or_not_at_all(tmp_path: Path) -> None:
    session = Session.start()
    session.open(str(DEMO))

    async def export(pilot: Pilot[Any], app: BoardApp, path: Path) -> None:
        await pilot.press("ctrl+r")
        app.screen.query_one(Input).value = str(path)
        await pilot.press("enter")
        await pilot.pause()

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        await export(pilot, app, tmp_path / "report.md")
        await export(pilot, app, tmp_path / "report.doc")

    drive(script, session)
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]
    report = (tmp_path / "report.md").read_text()
    assert report.startswith("# Prognosis comparison report: example-lms-lung")


def test_what_if_shows_the_pinned_patient_beside_the_changed_copy() -> None:
    session = Session.start()
    session.open(str(DEMO))

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        await pilot.press("f2")
        assert app.session.baseline is app.session.comparison
        await type_into(pilot, "#in-lung_metastasis_max_diameter", "1.4")
        text = shown(app, width=200)
        assert "what if" in text
        assert "lung_metastasis_max_diameter" in text and "14 mm" in text
        assert "SLMS: score: 3 -> 2" in text
        await pilot.press("f2")
        assert app.session.baseline is None
        assert "what if" not in shown(app)

    drive(script, session)


@pytest.mark.parametrize(("args", "message"), [
    (("board", "no-such-patient.yaml"), "no-such-patient.yaml"),
    (("board", "--study", "nope"), "--study: unknown rule set 'nope'"),
])
def test_bad_input_exits_2_before_the_board_starts(args: tuple[str, ...], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_board_is_listed_with_its_keys() -> None:
    code, out, _ = run("board", "--help")
    assert code == 0
    assert "Ctrl+S saves the patient as YAML" in out
    code, out, _ = run("--help")
    assert "board" in out


def test_no_color_gives_a_monochrome_board(monkeypatch: pytest.MonkeyPatch) -> None:
    """Textual greys every colour out under NO_COLOR; what colour marks (an invalid field,
    the applies line) is also said in words, so nothing is lost."""
    from textual.filter import Monochrome

    monkeypatch.setenv("NO_COLOR", "1")
    app = BoardApp(Session.start())
    assert app.no_color and any(isinstance(f, Monochrome) for f in app._filters)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_the_comparison_is_laid_out_for_the_pane_so_no_line_wraps_twice(
        size: tuple[int, int]) -> None:
    """Every line fits the pane's inner width: Textual never re-wraps (and so never breaks
    a line rich wrapped whole into stray fragments)."""
    from rich.cells import cell_len

    session = Session.start()
    session.open(str(DEMO))

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        pane = app.query_one("#comparison", TextPane)
        width = pane.scrollable_content_region.width
        text = pane.text
        lines = str(text).split("\n")
        assert len(lines) > 40 and max(cell_len(line) for line in lines) <= width
        assert pane.virtual_size.height == len(lines)

    drive(script, session, size)


def on_screen(app: BoardApp) -> list[str]:
    """The comparison pane's lines as the screen shows them now."""
    pane = app.query_one("#comparison", TextPane)
    region = pane.scrollable_content_region
    screen = [strip.text for strip in app.screen._compositor.render_strips()]
    return [screen[y][region.x:region.right].rstrip() for y in range(region.y, region.bottom)]


def in_pane(app: BoardApp) -> list[str]:
    """The lines of the pane's text that are in view."""
    pane = app.query_one("#comparison", TextPane)
    lines = pane.text.plain.split("\n")
    top, height = pane.scroll_offset.y, pane.scrollable_content_region.height
    return [(lines[n] if n < len(lines) else "").rstrip() for n in range(top, top + height)]


@pytest.mark.parametrize("scrolled", [0, 12])
def test_what_the_pane_repaints_is_what_it_holds(scrolled: int) -> None:
    """The pane repaints only the lines in view that changed (and lays out again when the
    number of lines changes): after each change the screen shows exactly the new text,
    whether the number of lines grew, shrank or stayed, at the top or scrolled down."""
    session = Session.start()
    session.open(str(DEMO))
    counts: list[int] = []

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        pane = app.query_one("#comparison", TextPane)
        pane.scroll_to(y=scrolled, animate=False)
        await pilot.pause()
        assert on_screen(app) == in_pane(app) and pane.scroll_offset.y == scrolled
        for size in ("1.4", "1.6", "1.9", "2.1", "0.3", "3.5"):
            await type_into(pilot, "#in-lung_metastasis_max_diameter", size)
            counts.append(pane.virtual_size.height)
            assert on_screen(app) == in_pane(app), size
        await pick(pilot, "#in-histology", "other")
        assert on_screen(app) == in_pane(app)

    drive(script, session)
    assert len(set(counts)) > 1  # the number of lines changed on the way


def test_f3_lays_the_comparison_out_again_for_the_whole_width() -> None:
    from rich.cells import cell_len

    session = Session.start()
    session.open(str(DEMO))

    async def script(pilot: Pilot[Any], app: BoardApp) -> None:
        pane = app.query_one("#comparison", TextPane)
        narrow = pane.scrollable_content_region.width
        await pilot.press("f3")
        await pilot.pause()
        wide = pane.scrollable_content_region.width
        longest = max(cell_len(line) for line in str(pane.text).split("\n"))
        assert narrow < longest <= wide

    drive(script, session, (80, 24))


def test_the_full_collection_waits_for_a_pause_in_typing() -> None:
    """While the board is up the collector makes no automatic full pass (a pass fell
    inside key presses); one runs REST seconds after the last change, and the collector's
    thresholds are as they were once the board is gone."""
    import gc

    before = gc.get_threshold()
    full: list[float] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(asyncio.get_running_loop().time())

    changes: list[float] = []

    class QuickRest(BoardApp):
        REST = 1.0  # long enough that typing three keys never pauses that long

        def _after_change(self) -> None:
            changes.append(asyncio.get_running_loop().time())
            super()._after_change()

    async def main() -> None:
        app = QuickRest(Session.start())
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            assert gc.get_threshold() == (before[0], before[1], 1 << 30)
            gc.callbacks.append(record)
            try:
                await type_into(pilot, "#in-lung_metastasis_count", "16")
                assert full == [] and changes  # not while typing
                await pilot.pause(QuickRest.REST + 0.5)
                assert len(full) == 1 and full[0] - changes[-1] >= QuickRest.REST * 0.95
            finally:
                gc.callbacks.remove(record)
        assert gc.get_threshold() == before

    asyncio.run(main())
