"""Percentile bootstrap with an explicit seed: the same seed gives the same interval."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from .seed import DEFAULT_SEED

__all__ = ["DEFAULT_SEED", "percentile_ci"]



def percentile_ci(statistic: Callable[..., float | None], arrays: Sequence[np.ndarray],
                  resamples: int, seed: int) -> list[float] | None:
    """95% percentile CI of `statistic` over `resamples` resamples of the rows."""
    if resamples <= 0 or not len(arrays[0]):
        return None
    rng = np.random.default_rng(seed)
    size = len(arrays[0])
    values = []
    for _ in range(resamples):
        pick = rng.integers(0, size, size)
        value = statistic(*(a[pick] for a in arrays))
        if value is not None and math.isfinite(value):
            values.append(value)
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]
