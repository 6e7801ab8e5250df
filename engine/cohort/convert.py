"""Check and convert each distinct raw value of a column once, with the patient-file rules.

A length or duration column may declare its unit once (header
`lung_metastasis_max_diameter [mm]`, or `--unit FIELD=UNIT`): a bare number in
it is read in that unit, a cell with its own unit ("1.8 cm") keeps it. A bare
number in such a column without a declared unit is never guessed: the codec
reports it and the run refuses the column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..fields import FieldDef
from .raw import Factorised

UNKNOWN, BAD = -1, -2  # ids of an empty cell and of a value that failed its check
BARE = "bare"  # the outcome of a bare number where a unit is needed
_BARE_NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")


def needs_unit(fdef: FieldDef) -> bool:
    """A length or a duration: a bare number would be a guess at its unit."""
    return fdef.type == "quantity" and fdef.dimension is not None


def is_bare_number(raw: Any) -> bool:
    if isinstance(raw, bool):
        return False
    if isinstance(raw, int | float):
        return True
    return isinstance(raw, str) and bool(_BARE_NUMBER.match(raw))


class _Known:
    """Raw values of one Arrow type already converted (for one declared unit): the values
    as an Arrow array, so a batch finds its known values with one hash lookup (index_in)."""

    def __init__(self, kind: pa.DataType) -> None:
        self.values = pa.array([], kind)
        self.outcomes = np.zeros(0, dtype=np.int64)  # an id, UNKNOWN, BAD or _BARE_ID
        self.messages: dict[int, str] = {}  # position -> message, for BAD

    def add(self, raws: pa.Array, outcomes: list[int | str]) -> None:
        start = len(self.outcomes)
        coded = []
        for k, outcome in enumerate(outcomes):
            if outcome == BARE:
                coded.append(_BARE_ID)
            elif isinstance(outcome, str):
                coded.append(BAD)
                self.messages[start + k] = outcome
            else:
                coded.append(outcome)
        self.values = pa.concat_arrays([self.values, raws])
        self.outcomes = np.concatenate([self.outcomes, np.array(coded, dtype=np.int64)])


_BARE_ID = -3


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

    def __init__(self, fdef: FieldDef) -> None:
        self.fdef = fdef
        self.values: list[Any] = []
        self._ids: dict[Any, int] = {}
        self._memo: dict[Any, int | str] = {}  # (unit, raw key) -> id, or the error message
        self._mapped: dict[tuple[Callable[[Any], Any], np.dtype[Any], str],
                           tuple[np.ndarray, int]] = {}
        self._known: dict[tuple[str | None, str], _Known] = {}

    def id_of(self, value: Any) -> int:
        key = (type(value), value)
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = len(self.values)
            self.values.append(value)
        return found

    def mapped(self, convert: Callable[[Any], Any], dtype: Any, missing: Any) -> np.ndarray:
        """Each value as `convert` makes it, by id, then `missing` (the slot of id -1, so
        that `mapped(...)[ids]` reads UNKNOWN as missing): kept per `convert`, dtype and
        `missing` (give the same function each time) and extended as the codec learns
        values."""
        key = (convert, np.dtype(dtype), repr(missing))
        array, count = self._mapped.get(key, (np.array([missing], dtype=dtype), 0))
        if count < len(self.values):
            new = np.array([convert(v) for v in self.values[count:]], dtype=dtype)
            array = np.concatenate([array[:-1], new, array[-1:]])
            self._mapped[key] = (array, len(self.values))
        return array

    def convert(self, column: Factorised, unit: str | None = None
                ) -> tuple[np.ndarray, dict[int, str], np.ndarray]:
        """Ids per distinct raw value (UNKNOWN for a blank, BAD for an error), the messages,
        and the indexes of the bare numbers in a column that needs a unit (none: empty).

        The last slot is for code -1 (an empty cell)."""
        if column.dictionary is not None and len(column.dictionary):
            return self._convert_arrow(column.dictionary, unit)
        return self._convert_list(column.uniques, unit)

    def _convert_arrow(self, dictionary: pa.Array, unit: str | None
                       ) -> tuple[np.ndarray, dict[int, str], np.ndarray]:
        known = self._known.get((unit, str(dictionary.type)))
        if known is None:
            known = self._known[(unit, str(dictionary.type))] = _Known(dictionary.type)
        position = pc.index_in(dictionary, value_set=known.values)
        at = pc.fill_null(position, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        new = np.flatnonzero(at < 0)
        if len(new):  # learnt now: they go at the end of the known values, in this order
            raws = dictionary.take(pa.array(new))
            at[new] = len(known.outcomes) + np.arange(len(new))
            known.add(raws, [self._outcome(raw, unit) for raw in raws.to_pylist()])
        ids = np.append(known.outcomes[at], UNKNOWN)
        bad = np.flatnonzero(ids == BAD)
        messages = {int(i): known.messages[int(at[i])] for i in bad}
        bare = np.flatnonzero(ids == _BARE_ID)
        ids[bare] = BAD
        return ids, messages, bare

    def _convert_list(self, uniques: Sequence[Any], unit: str | None
                      ) -> tuple[np.ndarray, dict[int, str], np.ndarray]:
        ids = np.empty(len(uniques) + 1, dtype=np.int64)
        ids[-1] = UNKNOWN
        messages: dict[int, str] = {}
        bare: list[int] = []
        for i, raw in enumerate(uniques):
            outcome = self._outcome(raw, unit)
            if outcome == BARE:
                ids[i] = BAD
                bare.append(i)
            elif isinstance(outcome, str):
                ids[i] = BAD
                messages[i] = outcome
            else:
                ids[i] = outcome
        return ids, messages, np.array(bare, dtype=np.int64)

    def _outcome(self, raw: Any, unit: str | None) -> int | str:
        """The id of a raw value's converted value, UNKNOWN, BARE or the error message."""
        try:
            key: Any = (unit, type(raw), raw)
            hash(key)
        except TypeError:
            key = (unit, "unhashable", repr(raw))
        outcome = self._memo.get(key)
        if outcome is None:
            outcome = self._convert(raw, unit)
            if len(self._memo) < 1_000_000:
                self._memo[key] = outcome
        return outcome

    def _convert(self, raw: Any, unit: str | None) -> int | str:
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return UNKNOWN
        calendar = True  # the value may be in months or years (parsed to know)
        if needs_unit(self.fdef) and is_bare_number(raw):
            if unit is None:
                return BARE
            raw = f"{raw.strip() if isinstance(raw, str) else repr(raw)} {unit}"
            assert self.fdef.dimension is not None
            calendar = self.fdef.dimension.calendar_factor(unit) is not None
        try:
            # a cell holds one value, never a mapping (JSON lines' objects are refused as
            # read): its message does not suggest one
            value = self.fdef.coerce(raw, mapping=False)
        except ValueError as exc:
            return str(exc)
        # given in months or years: compared so (a column declared in days or mm is not;
        # its values need not be parsed again to say so: a third of their conversion)
        months = self.fdef.calendar_months(raw) if calendar else None
        return self.id_of(value if months is None else Months(value, months))


def shown_value(raw: Any) -> str:
    """A raw value as a message shows it."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)
