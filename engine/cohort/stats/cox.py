"""Local Cox hazard ratios (lifelines) beside the published ones.

The local model is univariable: one indicator (the factor or group, against its
declared reference) and nothing else, with Efron's handling of tied times
(lifelines' default). A published multivariable HR is adjusted for other
covariates, so the two answer different questions unless the same covariates
are adjusted for; the report says which the published one is.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def hazard_ratio(months: np.ndarray, events: np.ndarray,
                 exposed: np.ndarray) -> dict[str, Any] | None:
    """HR of exposed (1) vs reference (0), its 95% CI and Wald p; None if not estimable."""
    import pandas as pd
    from lifelines import CoxPHFitter

    n_exposed = int(exposed.sum())
    if n_exposed in (0, len(exposed)) or not events.any():
        return None
    frame = pd.DataFrame({"t": months, "e": events, "x": exposed.astype(float)})
    fitted = CoxPHFitter().fit(frame, "t", "e")
    coef = float(fitted.params_["x"])
    low, high = (float(v) for v in fitted.confidence_intervals_.loc["x"])
    p = float(fitted.summary.loc["x", "p"])
    if not all(map(math.isfinite, (coef, low, high))):
        return None
    return {"hr": round(math.exp(coef), 4), "ci": [round(math.exp(low), 4),
                                                   round(math.exp(high), 4)],
            "p": p, "n": len(months), "n_exposed": n_exposed,
            "events": int(events.sum()),
            "events_exposed": int(events[exposed.astype(bool)].sum())}
