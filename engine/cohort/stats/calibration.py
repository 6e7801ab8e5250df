"""Calibration of published survival at a horizon against a cohort's own outcomes.

Observed/expected (O/E) is on the risk of death by the horizon: O = 1 - KM(t),
E = 1 - the published survival (per group), or the mean of each patient's
published risk (calibration-in-the-large). Its 95% CI carries the KM interval
(lifelines, log(-log)) through the ratio; E is taken as fixed (a published
figure, not re-estimated). 1 is perfect; above 1 more deaths than published.

The calibration slope is the coefficient of the published log cumulative hazard
at the horizon, log(-log S_published(t)), in a Cox model of the outcomes with
follow-up stopped at the horizon (Royston & Altman, BMC Med Res Methodol
2013;13:33; Crowson et al., Stat Methods Med Res 2016;25:1692-1706): 1 is
perfect, below 1 the published figures are too extreme for this cohort.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .survival import AtHorizon, at_horizon, km_fit

CLIP = 1e-6  # published survival of 0% or 100% has no log(-log): clipped to this distance


def oe(observed: AtHorizon, expected_risk: float) -> dict[str, Any] | None:
    """O/E of the risk of death by the horizon, with the KM interval carried through (None
    where the KM interval cannot be estimated: survival 0 or 1, see `survival.estimable`)."""
    if expected_risk <= 0:
        return None
    risk = 1 - observed.survival
    ci = None if observed.low is None or observed.high is None else [
        round((1 - observed.high) / expected_risk, 4), round((1 - observed.low) / expected_risk, 4)]
    return {"observed_risk": round(risk, 4), "expected_risk": round(expected_risk, 4),
            "ratio": round(risk / expected_risk, 4), "ci": ci}


def in_the_large(months: np.ndarray, events: np.ndarray, published: np.ndarray,
                 horizon: float) -> dict[str, Any] | None:
    """Calibration-in-the-large: O = 1 - KM of these patients, E = mean published risk.

    `published` holds each patient's published survival (fraction) at the horizon.
    """
    if not len(months):
        return None
    observed = at_horizon(km_fit(months, events), months, horizon)
    result = oe(observed, float(np.mean(1 - published)))
    if result is not None:
        result["n"] = len(months)
    return result


def truncated(months: np.ndarray, events: np.ndarray,
              horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Follow-up stopped at the horizon: later deaths become censored at it."""
    return np.minimum(months, horizon), np.where(months > horizon, 0, events)


def slope(months: np.ndarray, events: np.ndarray, published: np.ndarray,
          horizon: float) -> dict[str, Any] | None:
    """The calibration slope (Cox coefficient of log(-log S_published)) with its 95% CI."""
    import pandas as pd
    from lifelines import CoxPHFitter

    lp = np.log(-np.log(np.clip(published, CLIP, 1 - CLIP)))
    if len(set(lp.tolist())) < 2:
        return None
    time, event = truncated(months, events, horizon)
    if not event.any():
        return None
    frame = pd.DataFrame({"t": time, "e": event, "lp": lp})
    fitted = CoxPHFitter().fit(frame, "t", "e")
    value = float(fitted.params_["lp"])
    low, high = (float(v) for v in fitted.confidence_intervals_.loc["lp"])
    if not all(map(math.isfinite, (value, low, high))):
        return None
    return {"value": round(value, 4), "ci": [round(low, 4), round(high, 4)],
            "clipped": bool(((published <= CLIP) | (published >= 1 - CLIP)).any())}
