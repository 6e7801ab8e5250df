"""Decision curve analysis (dcurves): net benefit of acting on the published risk of death
by the horizon, against treating everyone and no one (Vickers & Elkin, Med Decis Making
2006;26:565-574; for censored outcomes Vickers et al., BMC Med Inform Decis Mak 2008;8:53).

For a threshold probability pt, patients whose published risk is at least pt are
"treated"; net benefit = TP/n - FP/n x pt/(1 - pt), with TP and FP from the
Kaplan-Meier risk among the treated at the horizon.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

THRESHOLDS = tuple(round(x / 100, 2) for x in range(5, 100, 5))


def net_benefit(months: np.ndarray, events: np.ndarray, risk: np.ndarray,
                horizon: float, thresholds: tuple[float, ...] = THRESHOLDS
                ) -> list[dict[str, Any]] | None:
    """Per threshold: net benefit of the published risk, of treating all and of none."""
    import dcurves
    import pandas as pd

    if len(set(risk.tolist())) < 2 or not events.any():
        return None
    frame = pd.DataFrame({"t": months, "e": events, "risk": risk})
    table = dcurves.dca(data=frame, outcome="e", modelnames=["risk"],
                        thresholds=list(thresholds), time=horizon, time_to_outcome_col="t")
    by = {(r.model, round(float(r.threshold), 2)): float(r.net_benefit)
          for r in table.itertuples()}

    def value(model: str, threshold: float) -> float | None:
        # NaN where the treated group's Kaplan-Meier curve ends before the horizon
        found = by[(model, round(threshold, 2))]
        return round(found, 5) if math.isfinite(found) else None

    return [{"threshold": t, "published": value("risk", t), "treat_all": value("all", t),
             "treat_none": value("none", t)} for t in thresholds]
