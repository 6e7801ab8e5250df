"""Overall performance at a horizon: IPCW Brier score and its scaled form, cumulative/dynamic
AUC and Harrell's C (scikit-survival), for predictions that are published survival figures.

- Brier score: scikit-survival's `brier_score`, with inverse-probability-of-censoring
  weights from the cohort's own censoring distribution (Graf et al., Stat Med 1999;
  18:2529-2545). Lower is better.
- Scaled Brier, the index of prediction accuracy (IPA; Kattan & Gerds, Diagn Progn Res
  2018;2:7): 1 - Brier(published) / Brier(null), the null model giving every patient the
  cohort's own Kaplan-Meier survival at the horizon. 0 = no better than knowing the
  cohort's average; below 0 = worse.
- Cumulative/dynamic AUC (`cumulative_dynamic_auc`, Uno et al./Hung & Chiang): cases die
  by the horizon, controls are alive after it, IPCW-weighted.
- Harrell's C (lifelines' `concordance_index`, O(n log n); scikit-survival's
  `concordance_index_censored` gives the same value, checked in the tests, but is
  quadratic): over all comparable pairs (the shorter time is a death); pairs with equal
  predicted risk count 1/2 (a score has few values, so many pairs tie). The counts of
  concordant, discordant and tied pairs are reported.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .survival import km_fit


def _surv(months: np.ndarray, events: np.ndarray) -> Any:
    from sksurv.util import Surv

    return Surv.from_arrays(events.astype(bool), months.astype(float))


def brier(months: np.ndarray, events: np.ndarray, survival: np.ndarray,
          horizon: float) -> dict[str, Any] | None:
    """IPCW Brier score of `survival` (each patient's published S(horizon)) and the IPA."""
    from sksurv.metrics import brier_score

    if not len(months) or horizon >= months.max() or not events.any():
        return None
    y = _surv(months, events)
    _, (score,) = brier_score(y, y, survival.reshape(-1, 1), [horizon])
    km = float(km_fit(months, events).survival_function_at_times(horizon).iloc[0])
    _, (null,) = brier_score(y, y, np.full((len(months), 1), km), [horizon])
    return {"brier": round(float(score), 4), "null_brier": round(float(null), 4),
            "ipa": round(1 - float(score) / float(null), 4) if null > 0 else None,
            "null_survival": round(km, 4)}


def td_auc(months: np.ndarray, events: np.ndarray, risk: np.ndarray,
           horizon: float) -> float | None:
    """Cumulative/dynamic AUC at the horizon (IPCW), or None where it is undefined."""
    from sksurv.metrics import cumulative_dynamic_auc

    if len(set(risk.tolist())) < 2 or horizon >= months.max() \
            or not ((months <= horizon) & (events == 1)).any():
        return None
    y = _surv(months, events)
    auc, _ = cumulative_dynamic_auc(y, y, risk, [horizon])
    return float(auc[0])


def harrell_value(months: np.ndarray, risk: np.ndarray, events: np.ndarray) -> float | None:
    """Harrell's C of a risk (higher = worse), or None where it is undefined."""
    from lifelines.utils import concordance_index

    if len(set(risk.tolist())) < 2 or not events.any():
        return None
    return float(concordance_index(months, -risk, events))


def harrell(months: np.ndarray, events: np.ndarray, risk: np.ndarray) -> dict[str, Any] | None:
    """Harrell's C of a risk (higher = worse) with the pair counts behind it."""
    from lifelines.utils.concordance import _concordance_summary_statistics

    value = harrell_value(months, risk, events)
    if value is None:
        return None
    correct, tied, pairs = _concordance_summary_statistics(
        months.astype(float), -risk.astype(float), events.astype(bool))
    return {"value": value, "pairs": int(pairs), "concordant": int(correct),
            "discordant": int(pairs - correct - tied), "tied_risk": int(tied)}
