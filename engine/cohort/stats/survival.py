"""Kaplan-Meier survival at a horizon and medians (lifelines), as plain numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class AtHorizon:
    """Observed survival (fraction) at a horizon with its 95% CI (lifelines' log(-log))."""

    survival: float
    low: float
    high: float
    at_risk: int


def km_fit(months: np.ndarray, events: np.ndarray, label: str = "KM") -> Any:
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter(alpha=0.05).fit(months, events, label=label)


def _step_at(frame: Any, horizon: float) -> Any:
    """The row of a lifelines step-function frame in force at `horizon`."""
    index = frame.index.to_numpy()
    position = int(np.searchsorted(index, horizon, side="right")) - 1
    return frame.iloc[max(position, 0)]


def at_horizon(fitter: Any, months: np.ndarray, horizon: float) -> AtHorizon:
    survival = float(fitter.survival_function_at_times(horizon).iloc[0])
    bounds = _step_at(fitter.confidence_interval_survival_function_, horizon)
    low, high = float(bounds.iloc[0]), float(bounds.iloc[1])
    if not math.isfinite(low):  # lifelines gives NaN where S = 0
        low = 0.0
    if not math.isfinite(high):
        high = survival
    return AtHorizon(survival, low, high, int((months >= horizon).sum()))


def finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def median(fitter: Any) -> tuple[float | None, list[float | None] | None]:
    """The median survival and its 95% CI (None where the curve does not reach 50%)."""
    from lifelines.utils import median_survival_times

    observed = finite(fitter.median_survival_time_)
    limits = median_survival_times(fitter.confidence_interval_)
    lower, upper = finite(limits.iloc[0, 0]), finite(limits.iloc[0, 1])
    return observed, ([lower, upper] if lower is not None or upper is not None else None)
