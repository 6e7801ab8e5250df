"""Check and convert each distinct raw value of a column once, with the patient-file rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..fields import FieldDef

UNKNOWN, BAD = -1, -2  # ids of an empty cell and of a value that failed its check


class Months(float):
    """A duration in days that was given in months or years (`months`): compared in months
    with cut-offs stated in months or years, as `compare` does (Comparator.verdicts)."""

    months: float

    def __new__(cls, days: float, months: float) -> Months:
        made = super().__new__(cls, days)
        made.months = months
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Months, (float(self), self.months))


class Codec:
    """Checked, converted values of one field, numbered (ids are stable within a process)."""

    def __init__(self, fdef: FieldDef, unit: str | None = None) -> None:
        self.fdef = fdef
        # The unit of the column's bare numbers. Until columns declare one (a header
        # "field [mm]"), a bare number is read in the field's canonical unit.
        self.unit = unit or fdef.canonical_unit
        self.values: list[Any] = []
        self._ids: dict[Any, int] = {}
        self._memo: dict[Any, int | str] = {}  # raw key -> id, or the error message

    def id_of(self, value: Any) -> int:
        key = (type(value), value)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self.values)
            self.values.append(value)
        return found

    def convert(self, uniques: Sequence[Any]) -> tuple[np.ndarray, dict[int, str]]:
        """Ids per distinct raw value (UNKNOWN for a blank, BAD for an error), the messages."""
        ids = np.empty(len(uniques) + 1, dtype=np.int64)
        ids[-1] = UNKNOWN  # code -1 (an empty cell) indexes the last slot
        messages: dict[int, str] = {}
        for i, raw in enumerate(uniques):
            try:
                key: Any = (type(raw), raw)
                hash(key)
            except TypeError:
                key = ("unhashable", repr(raw))
            outcome = self._memo.get(key)
            if outcome is None:
                outcome = self._convert(raw)
                if len(self._memo) < 1_000_000:
                    self._memo[key] = outcome
            if isinstance(outcome, str):
                ids[i] = BAD
                messages[i] = outcome
            else:
                ids[i] = outcome
        return ids, messages

    def _convert(self, raw: Any) -> int | str:
        if isinstance(raw, str) and not raw.strip():
            return UNKNOWN
        try:
            value = self.fdef.coerce(raw, self.unit)
        except ValueError as exc:
            return str(exc)
        months = self.fdef.calendar_months(raw, self.unit)
        return self.id_of(value if months is None else Months(value, months))


def shown_value(raw: Any) -> str:
    """A raw value as a message shows it."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)
