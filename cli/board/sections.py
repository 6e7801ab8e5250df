"""The form's side of the board: a line naming the sections, and the fields of the one shown.

Only the shown section's widgets exist: a section is composed from the session's
entries when it is shown, so that Textual lays out and paints a few dozen widgets on
each key instead of the whole form's 120. What was typed lives in the session, never
only in a widget, so nothing is lost when a section is put away.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Static

from prognosis.engine.fields import FieldDef

from . import form
from .choice import Picker
from .session import Session


def field_title(fdef: FieldDef, messages: tuple[str, ...] = ()) -> Text:
    """The field's name, then the engine's messages about its value (in the error colour)."""
    title = Text(f"{fdef.name} (treatment)" if fdef.treatment else fdef.name)
    for message in messages:
        title.append("\n" + message, style="bold red")
    return title


def field_widgets(fdef: FieldDef, entry: form.FieldEntry,
                  messages: tuple[str, ...]) -> ComposeResult:
    name = fdef.name
    kind = form.kind_of(fdef)
    yield Static(field_title(fdef, messages), classes="name invalid" if messages else "name",
                 id=f"name-{name}", markup=False)
    if kind == "choice":
        options = [(c.label, c.value) for c in form.choices(fdef, entry.choice)]
        yield Picker(options, form.absent_label(fdef), entry.choice, id=f"in-{name}")
    elif kind == "quantity":
        with Horizontal(classes="quantity"):
            yield Input(value=entry.text, placeholder="number", id=f"in-{name}")
            yield Picker([(u, u) for u in form.units(fdef)], "unit?", entry.unit,
                         id=f"unit-{name}")
    else:
        placeholder = {"date": "YYYY-MM-DD", "int": "a whole number",
                       "number": f"a number in {fdef.unit}" if fdef.unit else "a number",
                       }.get(fdef.type, "")
        yield Input(value=entry.text, placeholder=placeholder, id=f"in-{name}")
    yield Static(form.help_text(fdef), classes="help", markup=False)


def section_line(sections: list[form.Section], shown: int, invalid: set[int]) -> Text:
    """"Patient  Metastases!  Time  Treatment": the shown section stands out, a section
    with an invalid field carries a "!" (the words do not depend on colour)."""
    line = Text()
    for i, section in enumerate(sections):
        if i:
            line.append("  ")
        title = section.title + ("!" if i in invalid else "")
        line.append(title, style="reverse bold" if i == shown else "")
    return line


def _field_of(widget: Widget, focused: bool) -> None:
    for node in widget.ancestors_with_self:
        if isinstance(node, Widget) and node.has_class("field"):
            node.set_class(focused, "focused")
            return


class SectionFields(VerticalScroll, can_focus=False):
    """The fields of one section, in the section's order (Tab walks them; the container
    itself takes no focus, it scrolls to the focused field)."""

    def __init__(self, session: Session, errors: Mapping[str, tuple[str, ...]],
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.session, self.errors = session, errors
        self.sections = form.sections(session.fields)
        self.index = 0
        self.section_of = {f.name: i for i, s in enumerate(self.sections) for f in s.fields}

    @property
    def names(self) -> set[str]:
        """The fields on screen."""
        return {f.name for f in self.sections[self.index].fields}

    def compose(self) -> ComposeResult:
        for fdef in self.sections[self.index].fields:
            entry = self.session.entries.get(fdef.name, form.FieldEntry())
            messages = self.errors.get(fdef.name, ())
            with Vertical(classes="field", id=f"f-{fdef.name}"):
                yield from field_widgets(fdef, entry, messages)

    async def show_section(self, index: int) -> None:
        """Put the shown section away and compose this one from the session's entries."""
        self.index = index
        await self.recompose()
        self.scroll_home(animate=False)

    # The focused field shows its help. Not with CSS's :focus-within: Textual does not
    # restyle the help of the field Tab leaves, so every help opened stayed open.
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        _field_of(event.widget, True)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        _field_of(event.widget, False)

    def inputs(self) -> list[Input | Picker]:
        """The section's inputs in Tab order."""
        return [w for w in self.query("Input, Picker") if isinstance(w, Input | Picker)]
