"""A one-line picker for the board: far lighter than Textual's Select (one widget instead
of five, no overlay), so that a form of thirty fields re-lays out within a keystroke.

Keyboard: Right or Space picks the next value, Left the previous one, a letter jumps to
the next value starting with it; the blank (unknown / undecided) is the first value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class Picker(Widget, can_focus=True):
    DEFAULT_CSS = """
    Picker { height: auto; width: 1fr; padding: 0 1; background: $boost; }
    Picker:focus { background: $primary 40%; }
    Picker.-blank { color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,space", "step(1)", "next", show=False),
        Binding("left", "step(-1)", "previous", show=False)]

    value: reactive[str] = reactive("", init=False)

    class Changed(Message):
        def __init__(self, picker: Picker) -> None:
            super().__init__()
            self.picker = picker
            self.value = picker.value  # as picked, whatever happens to the picker meanwhile

    def __init__(self, options: Sequence[tuple[str, str]], blank: str, value: str = "",
                 id: str | None = None) -> None:
        super().__init__(id=id)
        self.options: list[tuple[str, str]] = [(blank, ""), *((lb, v) for lb, v in options)]
        self.set_reactive(Picker.value, value)
        self.set_class(not value, "-blank")

    def set_options(self, options: Sequence[tuple[str, str]]) -> None:
        self.options = [self.options[0], *options]

    def label(self) -> str:
        return next((label for label, v in self.options if v == self.value), self.value)

    def render(self) -> Text:
        return Text(f"{self.label()} ▸" if self.has_focus else self.label())

    def watch_value(self) -> None:
        self.set_class(not self.value, "-blank")
        self.post_message(self.Changed(self))

    def _index(self) -> int:
        values = [v for _, v in self.options]
        return values.index(self.value) if self.value in values else 0

    def action_step(self, step: int) -> None:
        self.value = self.options[(self._index() + step) % len(self.options)][1]

    def on_key(self, event: events.Key) -> None:
        char = (event.character or "").lower()
        if not char.isalnum():
            return
        n = len(self.options)
        for k in range(1, n + 1):
            label, value = self.options[(self._index() + k) % n]
            if value and label.lower().startswith(char):
                self.value = value
                event.stop()
                return

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
