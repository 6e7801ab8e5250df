"""The board's footer: Textual's, recomposed only when the keys it lists change.

Textual's Footer mounts and styles a widget per key again on every change of focus (the
focused widget's bindings may differ); the board lists the same keys from any field, so
Tab, Shift+Tab and F4 paid ~15 ms each for an unchanged footer.
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    _listed: tuple[tuple[str, str, bool], ...] = ()

    def bindings_changed(self, screen: Screen[object]) -> None:
        listed = tuple((binding.key, binding.description, enabled)
                       for _, binding, enabled, _ in screen.active_bindings.values()
                       if binding.show)
        if self._bindings_ready and listed == self._listed:
            return
        self._listed = listed
        super().bindings_changed(screen)
