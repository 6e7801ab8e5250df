"""The Textual app of `prognosis board`: the form on the left, the comparison on the right.

Keyboard first: the form is in sections (only the shown one is on screen); Tab
walks the fields, from a section's last field on into the next section, then the
comparison (scroll it with the arrows); F4 shows the next section. The shortcuts
are listed in the footer and work from any field. Every change of the form
recomputes the comparison; an invalid value is marked on its field with the
engine's own message while the last valid comparison stays on screen. Colour only
helps: NO_COLOR gives the same text.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Static

from prognosis.engine.errors import InputError

from . import form
from .choice import Picker
from .footer import KeysFooter
from .pane import TextPane
from .sections import SectionFields, field_title, section_line
from .session import Session
from .view import Drawn, comparison_view, what_if_view

CSS = """
/* The title line is a plain Static: Textual's Header follows App.sub_title, and a change
   of that repaints the whole screen (on every key that makes the patient unsaved). */
#title { dock: top; height: 1; width: 100%; background: $panel; color: $foreground;
         text-wrap: nowrap; text-overflow: ellipsis; content-align: center middle; }
#form { width: 40; min-width: 30; border-right: solid $primary-darken-2; }
#sections { height: auto; background: $boost; }
#form.hidden { display: none; }
#right { width: 1fr; }
#comparison { padding: 0 1; scrollbar-gutter: stable; }
#form Input { border: none; height: 1; padding: 0 1; background: $boost; }
#form Input:focus { background: $primary 40%; }
.field { height: auto; margin: 0 1 0 0; }
.field .name { color: $text-muted; }
.field .help { display: none; color: $text-muted; }
.field.focused .help { display: block; }
/* "invalid" on the name line alone: on the whole field, each change restyled its six
   widgets (~4 ms a key). */
.field .name.invalid { color: $error; }
.quantity { height: auto; }
.quantity Input { width: 1fr; }
.quantity Picker { width: 10; margin-left: 1; }
/* Two lines whether the input is valid or not: a status that changed height would move
   the comparison below it, and Textual would paint the whole pane again. */
#status { height: auto; min-height: 2; max-height: 6; padding: 0 1; background: $boost; }
#status.invalid { color: $error; text-style: bold; }
PathScreen, ConfirmQuit { align: center middle; }
#dialog { width: 70; max-width: 100%; height: auto; border: thick $primary; padding: 1 2;
          background: $surface; }
#dialog Horizontal { height: auto; }
"""


class PathScreen(ModalScreen[str | None]):
    """Asks for a file name: Enter accepts, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, value: str = "") -> None:
        super().__init__()
        self.prompt, self.value = prompt, value

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.prompt)
            yield Input(value=self.value, id="path")
            yield Label("Enter: accept   Escape: cancel", classes="help")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmQuit(ModalScreen[str]):
    """Unsaved changes: save, discard or stay."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "choose('save')", "Save"), Binding("d", "choose('discard')", "Discard"),
        Binding("escape", "choose('cancel')", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("The patient has unsaved changes.")
            with Horizontal():
                yield Button("Save (s)", id="save", variant="primary")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Cancel (Esc)", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class BoardApp(App[None]):
    TITLE = "prognosis board"
    CSS = CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+o", "open", "Open", priority=True),
        Binding("ctrl+r", "export", "Report", priority=True),
        Binding("f2", "what_if", "What-if", priority=True),
        Binding("f3", "wide", "Wide", priority=True),
        Binding("f4", "next_section", "Section", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, session: Session, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session
        self.errors: dict[str, tuple[str, ...]] = {}  # the engine's messages on each field
        self._shown: object = None  # what the comparison pane shows
        self._drawn = Drawn()  # its parts as last drawn
        self._thresholds: tuple[int, ...] | None = None  # the collector's, while mounted
        self._rest: Timer | None = None  # the full collection waiting for a pause

    # Layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="title", markup=False)
        with Horizontal():
            with Vertical(id="form"):
                yield Static(id="sections", markup=False)
                yield SectionFields(self.session, self.errors, id="fields")
            with Vertical(id="right"):
                yield Static(id="status", markup=False)
                yield TextPane(id="comparison")
        yield KeysFooter(compact=True)  # every key fits in 80 columns

    # What start-up built (the rule library, Textual, the widgets: ~75,000 objects) is
    # frozen after the first frame, out of the cycle collector's way: its full passes over
    # them took 30-40 ms in the middle of a key press, every dozen keys or so. The full
    # pass over what is not frozen (~20 ms) still fell inside keys now and then, so it
    # runs only at rest: the collector's automatic full pass is off while the board is up,
    # and REST seconds after the last change one full collection runs. Both undone on
    # leaving, so that a process running boards one after another (the tests) frees them.
    REST = 1.5

    def on_mount(self) -> None:
        self._thresholds = gc.get_threshold()
        gc.set_threshold(self._thresholds[0], self._thresholds[1], 1 << 30)
        self.call_after_refresh(gc.freeze)
        self.show()

    def on_unmount(self) -> None:
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
        gc.unfreeze()

    def _after_change(self) -> None:
        """A change was shown: the full collection waits for the next pause in typing."""
        if self._rest is not None:
            self._rest.stop()
        self._rest = self.set_timer(self.REST, gc.collect)

    def on_text_pane_resized(self) -> None:
        self.show()  # the comparison is drawn for the pane's width (F3, a resized terminal)

    # Reading the form --------------------------------------------------------------------

    def _changed(self, widget_id: str | None, value: str) -> None:
        """A field's widget announced `value`. The entry is built from the message, not read
        back from the widget: a key typed just before F4 (or a Tab into the next section)
        arrives after its section has been put away, and must not be lost."""
        if not widget_id or "-" not in widget_id:
            return
        part, name = widget_id.split("-", 1)
        if name not in self.session.fields.fields or part not in ("in", "unit"):
            return
        current = self.session.entries.get(name, form.FieldEntry())
        if part == "unit":
            entry = replace(current, unit=value)
        elif form.kind_of(self.session.fields[name]) == "choice":
            entry = replace(current, choice=value)
        else:
            entry = replace(current, text=value)
        if entry == current:
            return  # a widget announcing the value it was given (on mount, after a load)
        self.session.set_entry(name, entry)
        self.show()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._changed(event.input.id, event.value)

    def on_picker_changed(self, event: Picker.Changed) -> None:
        self._changed(event.picker.id, event.value)

    # Drawing -----------------------------------------------------------------------------

    def show(self) -> None:
        """The comparison (or what-if), the fields' errors and the status line."""
        session = self.session
        fields = self.query_one(SectionFields)
        on_screen = fields.names
        by_field = session.problems_by_field()
        elsewhere: list[str] = []  # about fields of the sections not shown
        invalid: set[int] = set()
        for fdef in form.form_fields(session.fields):
            messages = tuple(by_field.pop(fdef.name, []))
            if messages:
                invalid.add(fields.section_of[fdef.name])
                if fdef.name not in on_screen:
                    section = fields.sections[fields.section_of[fdef.name]].title
                    elsewhere += [f"{fdef.name} ({section}, F4): {m}" for m in messages]
            if messages != self.errors.get(fdef.name, ()):  # touch only what changes
                self.errors[fdef.name] = messages
                if fdef.name in on_screen:
                    name = self.query_one(f"#name-{fdef.name}", Static)
                    name.set_class(bool(messages), "invalid")
                    name.update(field_title(fdef, messages))
        self._update(self.query_one("#sections", Static),
                     section_line(fields.sections, fields.index, invalid))
        other = [f"{name + ': ' if name else ''}{m}" for name, ms in by_field.items()
                 for m in ms]
        if session.problems:
            status = "\n".join(["Invalid input, marked on its field: the last valid "
                                "comparison is shown.", *elsewhere, *other])
        elif session.baseline is not None:
            status = "What-if: the pinned patient against the form. F2 ends it."
        else:
            status = "Live: every change recomputes. F2: what-if."
        self._update(self.query_one("#status", Static), status, bool(session.problems))
        comparison = self.query_one("#comparison", TextPane)
        # The text is laid out for the pane's inner width (padding and scroll bar off),
        # so Textual never wraps its lines a second time.
        width = comparison.scrollable_content_region.width
        key = (session.comparison, session.baseline, width)
        if key == self._shown or not width:
            pass  # unchanged (invalid input keeps the last valid comparison), or not laid out
            #       yet (the pane's first size draws it)
        elif session.comparison is None:
            comparison.update([])
        elif session.baseline is not None:
            comparison.update(what_if_view(session.baseline, session.comparison, width))
        else:
            comparison.update(self._drawn.lines(comparison_view(session.comparison), width))
        self._shown = key
        shown = os.path.basename(session.path) if session.path else "new patient"
        heading = Text(self.TITLE)
        heading.append(f" — {shown}{' (unsaved)' if session.dirty else ''}", style="dim")
        self._update(self.query_one("#title", Static), heading)
        if self._thresholds is not None:  # mounted
            self._after_change()

    def _update(self, widget: Static, content: str | Text, invalid: bool = False) -> None:
        """Change a line's text only when it changes: Textual lays the screen out again on
        every update of a Static."""
        if widget.content != content:
            widget.update(content)
        widget.set_class(invalid, "invalid")

    async def load(self) -> None:
        """Show the session's entries (after opening a file)."""
        await self.query_one(SectionFields).recompose()
        self.show()

    # Sections ----------------------------------------------------------------------------

    async def show_section(self, index: int, focus: Literal["first", "last"] = "first") -> None:
        """Show section `index`, its first (or last) input focused."""
        fields = self.query_one(SectionFields)
        if index != fields.index:
            await fields.show_section(index)
        inputs = fields.inputs()
        if inputs:
            (inputs[0] if focus == "first" else inputs[-1]).focus()
        self.show()

    def action_next_section(self) -> None:
        if self.screen is not self.screen_stack[0]:
            return  # a dialog is open
        fields = self.query_one(SectionFields)
        self.call_later(self.show_section, (fields.index + 1) % len(fields.sections))

    def action_focus_next(self) -> None:
        if not self._across_sections(1):
            super().action_focus_next()

    def action_focus_previous(self) -> None:
        if not self._across_sections(-1):
            super().action_focus_previous()

    def _across_sections(self, step: int) -> bool:
        """Tab from a section's last input shows the next section, Shift+Tab from its first
        the previous one, so that Tab walks every field in order, then the comparison
        (and from there on to the first section)."""
        fields = self.query_one(SectionFields)
        if self.screen is not self.screen_stack[0] or not fields.display \
                or not self.query_one("#form").display:
            return False
        inputs, focused, last = fields.inputs(), self.focused, len(fields.sections) - 1
        on_pane = focused is self.query_one("#comparison")
        if not inputs:
            return False
        if step > 0 and focused is inputs[-1] and fields.index < last:
            self.call_later(self.show_section, fields.index + 1, "first")
        elif step > 0 and on_pane and fields.index > 0:
            self.call_later(self.show_section, 0, "first")
        elif step < 0 and focused is inputs[0] and fields.index > 0:
            self.call_later(self.show_section, fields.index - 1, "last")
        elif step < 0 and on_pane and fields.index < last:
            self.call_later(self.show_section, last, "last")
        else:
            return False
        return True

    # Actions -----------------------------------------------------------------------------

    def _with_file(self, path: str | None, act: Callable[[str], object], done: str) -> bool:
        """Run a file action; its problems (the engine's words) become a notification."""
        if not path:
            return False
        try:
            act(path)
        except InputError as exc:
            self.notify("\n".join(str(p) for p in exc.problems), severity="error", timeout=10)
            return False
        if done:
            self.notify(f"{done} {path}")
        return True

    def action_open(self) -> None:
        ignored: list[str] = []

        def opened(path: str | None) -> None:
            if self._with_file(path, lambda p: ignored.extend(self.session.open(p)), ""):
                self.call_later(self.load)
                if ignored:
                    self.notify("not fields, left out: " + ", ".join(ignored),
                                severity="warning")

        self.push_screen(PathScreen("Open a patient file (YAML or JSON):"), opened)

    def action_save(self) -> None:
        self.push_screen(PathScreen("Save the patient as (YAML):", self.session.path or
                                    "patient.yaml"), self._save_to)

    def _save_to(self, path: str | None, then_quit: bool = False) -> None:
        if self._with_file(path, self.session.save, "saved to"):
            self.show()
            if then_quit:
                self.exit()

    def action_export(self) -> None:
        def export(path: str | None) -> None:
            self._with_file(path, self.session.export, "report written to")

        from ..export import KINDS

        self.push_screen(PathScreen(f"Export the report ({', '.join(KINDS)}: the extension "
                                    "chooses):", "report.html"), export)

    def action_what_if(self) -> None:
        if self.session.baseline is None:
            self.session.pin()
        else:
            self.session.unpin()
        self.show()

    def action_wide(self) -> None:
        self.query_one("#form").toggle_class("hidden")

    async def action_quit(self) -> None:
        if not self.session.dirty:
            self.exit()
            return

        def chosen(choice: str | None) -> None:
            if choice == "discard":
                self.exit()
            elif choice == "save":
                self.push_screen(PathScreen("Save the patient as (YAML):",
                                            self.session.path or "patient.yaml"),
                                 lambda path: self._save_to(path, then_quit=True))

        self.push_screen(ConfirmQuit(), chosen)
