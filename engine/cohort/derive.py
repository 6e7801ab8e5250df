"""Derived fields over whole columns: a ratio of two fields, the days between two dates.

`patient.derive_fields` computes them for one patient; here the same rules
run over columns of value ids, so that a registry whose every row has its own
dates costs numpy operations, not a Python call per row:

- a ratio (ALP / ULN) is computed once per distinct pair of values, rounded as
  `derive_fields` rounds it, and remembered between batches;
- an interval (the SLMS DFI) is the days from one date to the other, 0 when
  the second comes first (metastases found before the primary was resected); a
  row whose dates are in the future, or disagree by more than a day with a
  given interval, is rejected, with the messages `derive_fields` itself gives
  for that row's values (asked only for such rows).

The agreement test (tests/test_cohort_agreement.py) checks both against
`compare` on generated rows, on both sides of every rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..fields import ROUND_DIGITS, FieldDef, FieldDictionary
from ..patient import derive_fields, today_date
from .convert import BAD, UNKNOWN, Codec
from .raw import group_rows
from .rejections import Issues, Problems

_LOW = (1 << 31) - 1


class _Memo:
    """int64 keys -> value ids, looked up for a whole column at once (sorted keys and a
    binary search); `make(key)` runs once per key never seen before."""

    def __init__(self) -> None:
        self.keys = np.zeros(0, dtype=np.int64)
        self.ids = np.zeros(0, dtype=np.int64)

    def get(self, keys: np.ndarray, make: Callable[[int], int]) -> np.ndarray:
        position = np.searchsorted(self.keys, keys)
        found = position < len(self.keys)
        found[found] = self.keys[position[found]] == keys[found]
        if not found.all():
            new = np.unique(keys[~found])
            keys_all = np.concatenate([self.keys, new])
            ids_all = np.concatenate([self.ids, np.array([make(k) for k in new.tolist()],
                                                         dtype=np.int64)])
            order = np.argsort(keys_all, kind="stable")
            self.keys, self.ids = keys_all[order], ids_all[order]
            position = np.searchsorted(self.keys, keys)
        result: np.ndarray = self.ids[position]
        return result


_EPOCH = np.datetime64("1970-01-01", "D")
_DAY = np.timedelta64(1, "D")


def _day(iso: str) -> int:
    """A date's day number (days since 1970-01-01)."""
    return int((np.datetime64(iso, "D") - _EPOCH) // _DAY)


class Deriver:
    """Derives every derived field of a dictionary for batches of value-id columns."""

    def __init__(self, fields: FieldDictionary, codecs: dict[str, Codec]) -> None:
        self.fields = fields
        self.codecs = codecs
        self._memos: dict[str, _Memo] = {}

    def derive(self, ids: dict[str, np.ndarray], clean: np.ndarray, source: str,
               problems: Problems) -> None:
        """Write each derived field's value ids into `ids`; add the rows' problems."""
        n = len(clean)
        missing = np.full(n, UNKNOWN, dtype=np.int64)
        for fdef in self.fields.derived_fields():
            if fdef.ratio is not None:
                self._ratio(fdef, ids, missing, clean, source, problems)
            elif fdef.interval is not None and any(d in ids for d in fdef.interval):
                self._interval(fdef, ids, missing, clean, source, problems)

    def _ratio(self, fdef: FieldDef, ids: dict[str, np.ndarray], missing: np.ndarray,
               clean: np.ndarray, source: str, problems: Problems) -> None:
        """The ratio's value ids; a row whose ratio overflows (1e200 / 1e-200) is refused
        with derive_fields' own message, as `compare` refuses it."""
        assert fdef.ratio is not None
        top, bottom = fdef.ratio
        a, b = ids.get(top, missing), ids.get(bottom, missing)
        both = (a >= 0) & (b >= 0)
        result = np.full(len(a), UNKNOWN, dtype=np.int64)
        if both.any():
            keys = (a[both] << 31) + b[both]
            tops, bottoms = self.codecs[top].values, self.codecs[bottom].values
            codec = self.codecs[fdef.name]

            def ratio(key: int) -> int:
                divisor = bottoms[key & _LOW]
                if not divisor:
                    return UNKNOWN
                value = tops[key >> 31] / divisor
                return codec.id_of(round(value, ROUND_DIGITS)) if math.isfinite(value) \
                    else BAD

            result[both] = self._memo(fdef.name).get(keys, ratio)
            wrong = (result == BAD) & clean
            if wrong.any():
                self._messages((top, bottom), [a, b], wrong, source, problems)
            result[result == BAD] = UNKNOWN
        ids[fdef.name] = result

    def _memo(self, name: str) -> _Memo:
        memo = self._memos.get(name)
        if memo is None:
            memo = self._memos[name] = _Memo()
        return memo

    def _interval(self, fdef: FieldDef, ids: dict[str, np.ndarray], missing: np.ndarray,
                  clean: np.ndarray, source: str, problems: Problems) -> None:
        assert fdef.interval is not None
        start_name, end_name = fdef.interval
        s, e = ids.get(start_name, missing), ids.get(end_name, missing)
        given = ids.get(fdef.name, missing)
        start = self.codecs[start_name].mapped(_day, np.int64, 0)[np.maximum(s, -1)]
        end = self.codecs[end_name].mapped(_day, np.int64, 0)[np.maximum(e, -1)]
        today = _day(today_date().isoformat())
        future = ((s >= 0) & (start > today)) | ((e >= 0) & (end > today))
        both = (s >= 0) & (e >= 0) & ~future
        # Found before the primary was resected (metastatic at diagnosis): 0 days.
        days = np.maximum(end - start, 0)
        stated = self.codecs[fdef.name].mapped(float, np.float64, 0.0)[np.maximum(given, -1)]
        disagree = both & (given >= 0) & (np.abs(stated - days) > 1)
        derive = both & (given < 0)
        result = given.copy()
        if derive.any():
            codec = self.codecs[fdef.name]
            result[derive] = self._memo(f"{fdef.name} days").get(
                days[derive], lambda d: codec.id_of(float(d)))
        ids[fdef.name] = np.where(clean, result, given)
        wrong = (future | disagree) & clean
        if wrong.any():
            self._messages((*fdef.interval, fdef.name), [s, e, given], wrong, source,
                           problems)

    def _messages(self, names: tuple[str, ...], columns: list[np.ndarray],
                  wrong: np.ndarray, source: str, problems: Problems) -> None:
        """What derive_fields says of each wrong row's `names` (value ids in `columns`),
        once per distinct combination."""
        rows = np.flatnonzero(wrong)
        combos, _, inverse = group_rows([column[rows] for column in columns])
        said: list[Issues] = []
        for combo in combos.tolist():
            values = {name: self.codecs[name].values[i]
                      for name, i in zip(names, combo, strict=True) if i >= 0}
            found = derive_fields(values, {}, self.fields, source)
            said.append([(p.field, p.message) for p in found])
        problems.add(rows, inverse, said)
