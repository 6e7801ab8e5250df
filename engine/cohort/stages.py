"""What the implications between fields make of each distinct combination of the fields
they read, numbered once per run, so that a batch applies them by array lookups.

A batch of 40,000 diverse rows holds ~2,000 such combinations, nearly all seen in earlier
batches: a batch looks its combinations up by their bytes, then takes each written
field's new value ids and the issues' rows with one gather each, not one Python step per
combination and field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .rejections import Issues

KEEP = -3  # the combination leaves the field's value as it is


class Stages:
    """Per combination (numbered as first seen): each written field's new value id (or
    KEEP) and the issues found, as `make` gives them for the combination's value ids."""

    def __init__(self, make: Callable[[Mapping[str, int]], tuple[dict[str, int], Issues]],
                 reads: Sequence[str]) -> None:
        self._make = make
        self._reads = tuple(reads)
        self._index: dict[bytes, int] = {}
        self.issues: list[Issues] = []  # per combination
        self._said = np.zeros(0, dtype=bool)  # per combination: any issue
        self._written: dict[str, np.ndarray] = {}  # field -> value id per combination

    def numbers(self, combos: np.ndarray, keys: Sequence[bytes]) -> np.ndarray:
        """The number of each combination (a row of `combos`, whose code_key is in `keys`),
        made the first time it is seen."""
        index = self._index
        at = np.fromiter((index.get(key, -1) for key in keys), dtype=np.int64,
                         count=len(keys))
        new = np.flatnonzero(at < 0).tolist()
        if new:
            start = len(self.issues)
            made = [self._make(dict(zip(self._reads, combos[i].tolist(), strict=True)))
                    for i in new]
            for k, i in enumerate(new):
                at[i] = index[keys[i]] = start + k
            self.issues.extend(issues for _, issues in made)
            self._said = np.concatenate([self._said, [bool(issues) for _, issues in made]])
            for name in {name for changed, _ in made for name in changed}:
                self._written.setdefault(name, np.full(start, KEEP, dtype=np.int64))
            for name, column in self._written.items():
                self._written[name] = np.concatenate([column, np.array(
                    [changed.get(name, KEEP) for changed, _ in made], dtype=np.int64)])
        return at

    def said(self, numbers: np.ndarray) -> np.ndarray:
        """Whether each of the combinations `numbers` has issues."""
        said: np.ndarray = self._said[numbers]
        return said

    def written(self, numbers: np.ndarray) -> dict[str, np.ndarray]:
        """Per field that any of the combinations `numbers` writes: the value id each of
        them gives it, KEEP where it leaves it as it is."""
        out = {}
        for name, column in self._written.items():
            taken = column[numbers]
            if (taken != KEEP).any():
                out[name] = taken
        return out
