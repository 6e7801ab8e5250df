"""A scrolling pane of text already laid out for its width, drawn a screen at a time.

A Static holding the whole comparison (some 200 lines) makes Textual format every
line and lay the screen out again on each update. This pane keeps the lines and
draws only those in view; new text repaints only the lines in view that changed
(a new value changes a few of a study's lines), and the screen is laid out again
only when the number of lines (the scroll range) changes.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip


class TextPane(ScrollView, can_focus=True):
    DEFAULT_CSS = "TextPane { height: 1fr; }"

    class Resized(Message):
        """The pane changed size: its text is to be laid out for the new width."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}  # drawn lines, by line number
        self._sized: tuple[Size, ...] = ()  # the sizes of the last layout

    @property
    def text(self) -> Text:
        """What the pane shows (its lines joined)."""
        return Text("\n").join(self._lines)

    def update(self, lines: list[Text]) -> None:
        """Show these lines (each already fits the pane's width)."""
        old, self._lines = self._lines, lines
        size = Size(max((line.cell_len for line in lines), default=0), len(lines))
        if not self._strips:
            self.virtual_size = size  # the scroll range (a change lays the screen out again)
            self.refresh()
            return
        if size != self.virtual_size:  # a layout for the scroll bar, no repaint of it all
            self.set_reactive(TextPane.virtual_size, size)
            self.refresh(layout=True, repaint=False)
        # A line in view is drawn again only where its text or styles changed (Text
        # compares text and spans; its own style is compared too): a new value changes a
        # few of a study's lines.
        kept = {n: strip for n, strip in self._strips.items()
                if n < len(lines) and n < len(old) and lines[n] == old[n]
                and lines[n].style == old[n].style}
        top = self.scroll_offset.y
        for n in range(top, top + self.scrollable_content_region.height):
            if n not in kept:
                self.refresh_lines(n)
        self._strips = kept

    def on_resize(self) -> None:
        self.post_message(self.Resized())

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        """Textual hands a scroll view its viewport as `virtual_size`, and ScrollView compares
        that with the size of the text: they differ whenever there is more to scroll, so every
        layout of the screen (each key) repainted the scroll bar and the lines beside it. Only
        a change of the pane's sizes or of its text's is passed on."""
        sized = (size, virtual_size, container_size, self.virtual_size)
        if sized == self._sized:
            return False
        self._sized = sized
        return super()._size_updated(size, virtual_size, container_size, layout)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        style = self.rich_style  # cached by Textual until the pane's styles change
        number = scroll_y + y
        if number >= len(self._lines):
            return Strip.blank(width, style)
        strip = self._strips.get(number)
        if strip is None:
            segments = Segment.apply_style(self._lines[number].render(self.app.console), style)
            strip = self._strips[number] = Strip(segments)
        return strip.crop_extend(scroll_x, scroll_x + width, style)
