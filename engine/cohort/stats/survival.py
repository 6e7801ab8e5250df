"""Kaplan-Meier survival at a horizon and medians (lifelines), as plain numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class AtHorizon:
    """Observed survival (fraction) at a horizon with its 95% CI (lifelines' log(-log));
    `low` and `high` are None where that interval does not exist (see `at_horizon`)."""

    survival: float
    low: float | None
    high: float | None
    at_risk: int


def km_fit(months: np.ndarray, events: np.ndarray, label: str = "KM") -> Any:
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter(alpha=0.05).fit(months, events, label=label)


def _step_at(frame: Any, horizon: float) -> Any:
    """The row of a lifelines step-function frame in force at `horizon`."""
    index = frame.index.to_numpy()
    position = int(np.searchsorted(index, horizon, side="right")) - 1
    return frame.iloc[max(position, 0)]


def estimable(survival: float) -> bool:
    """Whether the log(-log) 95% CI of a Kaplan-Meier survival exists: not at 0 (everyone
    still followed has died, Greenwood's variance is infinite) nor at 1 (no death yet, the
    variance is 0), where lifelines gives a zero-width interval such as 0-0 or 1-1 (one
    patient who died: 0.0 (0.0-0.0)). Such an interval is not shown, never replaced by
    another: the figure is said to have no CI, as any other figure that cannot be
    estimated is (None)."""
    return 0.0 < survival < 1.0


def at_horizon(fitter: Any, months: np.ndarray, horizon: float) -> AtHorizon:
    survival = float(fitter.survival_function_at_times(horizon).iloc[0])
    at_risk = int((months >= horizon).sum())
    if not estimable(survival):
        return AtHorizon(survival, None, None, at_risk)
    bounds = _step_at(fitter.confidence_interval_survival_function_, horizon)
    low, high = float(bounds.iloc[0]), float(bounds.iloc[1])
    if not (math.isfinite(low) and math.isfinite(high)):
        return AtHorizon(survival, None, None, at_risk)
    return AtHorizon(survival, low, high, at_risk)


def finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def median(fitter: Any) -> tuple[float | None, list[float | None] | None]:
    """The median survival and its 95% CI (None where the curve does not reach 50%).

    A limit is where a CI curve crosses 50%; the curves are read only where their interval
    exists (`estimable`), so that the 0-0 step after the last death (one patient: 1.0
    (1.0-1.0)) makes no limit: that limit is None, as one the curve never reaches."""
    from lifelines.utils import median_survival_times

    observed = finite(fitter.median_survival_time_)
    survival = fitter.survival_function_.iloc[:, 0].to_numpy()
    limits = median_survival_times(fitter.confidence_interval_[survival > 0.0])
    lower, upper = finite(limits.iloc[0, 0]), finite(limits.iloc[0, 1])
    return observed, ([lower, upper] if lower is not None or upper is not None else None)
